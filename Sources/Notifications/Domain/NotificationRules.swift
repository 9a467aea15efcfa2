import Foundation
import IntegrationEvents

/// Which event becomes which notification, for whom: the one table of it.
///
/// | event | to | kind | category | push |
/// | --- | --- | --- | --- | --- |
/// | dispatch `OfferCreated` | the offered driver | `offer.created` | trip updates | high, lives until the offer expires |
/// | dispatch `OfferClosed` | that driver | `offer.closed` | trip updates | live channel only |
/// | dispatch `DriverPositionShared` | the trip's passenger | `trip.driverPosition` | trip updates | live channel only, newest per trip |
/// | trips `TripDriverAssigned` | passenger | `trip.driverAssigned` | trip updates | high |
/// | trips `TripDriverArrived` | passenger | `trip.driverArrived` | trip updates | high |
/// | trips `TripStarted` | passenger | `trip.started` | trip updates | live channel only |
/// | trips `TripCompleted` | passenger, driver | `trip.completed.*` | trip updates | normal |
/// | trips `TripCancelled` | the other party (both when the system or an admin cancelled) | `trip.cancelled` | trip updates | high |
/// | trips `TripNoDriverFound` | passenger | `trip.noDriverFound` | trip updates | high |
/// | payments `PaymentSettled` | passenger | `payment.settled` / `payment.unpaid` | payments | normal (none when voided) |
/// | payments `PaymentDeclined` | passenger | `payment.declined` | payments | high |
/// | payments `TipAdded` | driver | `payment.tip` | payments | normal |
/// | payments `PaymentRefunded` | passenger | `payment.refunded` | payments | normal |
///
/// Every notification also goes on the live channel; all but offers and in-ride updates are kept
/// in the inbox.
public enum NotificationRules {
    /// The drafts an event causes (none for events the table does not name).
    public static func drafts(for envelope: EventEnvelope) throws -> [NotificationDraft] {
        if let event = try envelope.decode(as: DispatchV1.OfferCreated.self) {
            guard let driver = id(event.driver) else { return [] }
            let lifetime = max(1, event.expireTime.timeIntervalSince(envelope.occurTime))
            return [
                NotificationDraft(
                    recipient: driver, kind: "offer.created", category: .tripUpdates,
                    values: ["eta": String(max(1, (event.pickupEtaSeconds + 59) / 60))],
                    data: ["offer": event.offer, "trip": event.trip, "expireTime": DataValues.time(event.expireTime)],
                    push: PushPolicy(priority: .high, timeToLive: .seconds(Int64(lifetime)), collapseKey: event.offer), inbox: false)
            ]
        }
        if let event = try envelope.decode(as: DispatchV1.OfferClosed.self) {
            guard let driver = id(event.driver) else { return [] }
            return [
                NotificationDraft(
                    recipient: driver, kind: "offer.closed", category: .tripUpdates,
                    data: ["offer": event.offer, "trip": event.trip, "outcome": event.outcome], push: nil, inbox: false)
            ]
        }
        if let event = try envelope.decode(as: DispatchV1.DriverPositionShared.self) {
            guard let passenger = id(event.passenger) else { return [] }
            var data = [
                "trip": event.trip, "driver": event.driver, "latitude": String(event.position.latitude),
                "longitude": String(event.position.longitude), "recordTime": DataValues.time(event.recordTime),
            ]
            data["headingDegrees"] = event.headingDegrees.map { String($0) }
            data["speedMetersPerSecond"] = event.speedMetersPerSecond.map { String($0) }
            return [
                NotificationDraft(
                    recipient: passenger, kind: "trip.driverPosition", category: .tripUpdates, data: data, push: nil, inbox: false,
                    collapseKey: "\(event.trip)/driverPosition")
            ]
        }
        if let event = try envelope.decode(as: TripsV1.TripDriverAssigned.self) {
            return tripDraft(
                to: event.passenger, kind: event.vehicle == nil ? "trip.driverAssigned.noVehicle" : "trip.driverAssigned",
                trip: event.trip, state: "DRIVER_ASSIGNED", values: ["vehicle": vehicle(event.vehicle)],
                push: PushPolicy(priority: .high, collapseKey: event.trip))
        }
        if let event = try envelope.decode(as: TripsV1.TripDriverArrived.self) {
            return tripDraft(
                to: event.passenger, kind: "trip.driverArrived", trip: event.trip, state: "DRIVER_ARRIVED",
                push: PushPolicy(priority: .high, collapseKey: event.trip))
        }
        if let event = try envelope.decode(as: TripsV1.TripStarted.self) {
            return tripDraft(to: event.passenger, kind: "trip.started", trip: event.trip, state: "IN_PROGRESS", push: nil, inbox: false)
        }
        if let event = try envelope.decode(as: TripsV1.TripCompleted.self) {
            let fare = Amounts.text(event.fare)
            return tripDraft(
                to: event.passenger, kind: "trip.completed.passenger", trip: event.trip, state: "COMPLETED", values: ["fare": fare],
                push: PushPolicy(priority: .normal))
                + tripDraft(
                    to: event.driver, kind: "trip.completed.driver", trip: event.trip, state: "COMPLETED", values: ["fare": fare],
                    push: nil)
        }
        if let event = try envelope.decode(as: TripsV1.TripCancelled.self) {
            var recipients: [String] = []
            switch event.cancelledBy {
            case "PASSENGER": recipients = event.driver.map { [$0] } ?? []
            case "DRIVER": recipients = [event.passenger]
            default: recipients = [event.passenger] + (event.driver.map { [$0] } ?? [])
            }
            return recipients.flatMap {
                tripDraft(
                    to: $0, kind: "trip.cancelled", trip: event.trip, state: "CANCELLED",
                    push: PushPolicy(priority: .high, collapseKey: event.trip))
            }
        }
        if let event = try envelope.decode(as: TripsV1.TripNoDriverFound.self) {
            return tripDraft(
                to: event.passenger, kind: "trip.noDriverFound", trip: event.trip, state: "NO_DRIVER_FOUND",
                push: PushPolicy(priority: .high, collapseKey: event.trip))
        }
        if let event = try envelope.decode(as: PaymentsV1.PaymentSettled.self) {
            guard event.state != "VOIDED", let passenger = id(event.passenger) else { return [] }
            let unpaid = event.state == "UNPAID"
            return [
                NotificationDraft(
                    recipient: passenger, kind: unpaid ? "payment.unpaid" : "payment.settled", category: .payments,
                    values: ["amount": Amounts.text(unpaid ? event.outstanding : event.collected)],
                    data: ["payment": event.payment, "trip": event.trip, "state": event.state], push: PushPolicy(priority: .normal),
                    inbox: true)
            ]
        }
        if let event = try envelope.decode(as: PaymentsV1.PaymentDeclined.self) {
            guard let passenger = id(event.passenger) else { return [] }
            return [
                NotificationDraft(
                    recipient: passenger, kind: "payment.declined", category: .payments,
                    data: ["payment": event.payment, "trip": event.trip, "declineReason": event.declineReason],
                    push: PushPolicy(priority: .high), inbox: true)
            ]
        }
        if let event = try envelope.decode(as: PaymentsV1.TipAdded.self) {
            guard let driver = id(event.driver) else { return [] }
            return [
                NotificationDraft(
                    recipient: driver, kind: "payment.tip", category: .payments, values: ["amount": Amounts.text(event.amount)],
                    data: ["payment": event.payment, "trip": event.trip], push: PushPolicy(priority: .normal), inbox: true)
            ]
        }
        if let event = try envelope.decode(as: PaymentsV1.PaymentRefunded.self) {
            guard let passenger = id(event.passenger) else { return [] }
            return [
                NotificationDraft(
                    recipient: passenger, kind: "payment.refunded", category: .payments, values: ["amount": Amounts.text(event.amount)],
                    data: ["payment": event.payment, "refund": event.refund], push: PushPolicy(priority: .normal), inbox: true)
            ]
        }
        return []
    }

    private static func tripDraft(
        to party: String, kind: String, trip: String, state: String, values: [String: String] = [:], push: PushPolicy?,
        inbox: Bool = true
    ) -> [NotificationDraft] {
        guard let recipient = id(party) else { return [] }
        return [
            NotificationDraft(
                recipient: recipient, kind: kind, category: .tripUpdates, values: values, data: ["trip": trip, "state": state],
                push: push, inbox: inbox)
        ]
    }

    private static func vehicle(_ vehicle: VehicleSnapshot?) -> String {
        guard let vehicle else { return "" }
        return "\(vehicle.color) \(vehicle.make) \(vehicle.model) (\(vehicle.licensePlate))"
    }

    /// The user id in `users/{id}` or `drivers/{id}` (a driver's id is their user id).
    static func id(_ name: String) -> UUID? {
        let parts = name.split(separator: "/")
        guard parts.count == 2, parts[0] == "users" || parts[0] == "drivers" else { return nil }
        return UUID(uuidString: String(parts[1]))
    }
}

/// Money as a person reads it: `12.50 EUR`.
enum Amounts {
    static func text(_ money: MoneyAmount) -> String {
        let exponent = Money.exponent(of: money.currencyCode)
        guard exponent > 0 else { return "\(money.minorUnits) \(money.currencyCode)" }
        let scale = (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 }
        let sign = money.minorUnits < 0 ? "-" : ""
        let magnitude = money.minorUnits.magnitude
        let fraction = String(magnitude % UInt64(scale))
        let padded = String(repeating: "0", count: exponent - fraction.count) + fraction
        return "\(sign)\(magnitude / UInt64(scale)).\(padded) \(money.currencyCode)"
    }
}

/// Values in a notification's `data`, as the rest of the API writes them.
enum DataValues {
    /// RFC 3339 with milliseconds.
    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
