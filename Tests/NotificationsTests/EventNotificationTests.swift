import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import Notifications

/// Ride events become notifications: to the right people, in their language, once.
@Suite struct EventNotificationTests {
    let trip = "trips/\(UUID().uuidString.lowercased())"

    func assigned(passenger: UUID, driver: UUID) -> TripsV1.TripDriverAssigned {
        TripsV1.TripDriverAssigned(
            trip: trip, passenger: "users/\(passenger)", driver: "drivers/\(driver)",
            vehicle: VehicleSnapshot(
                vehicle: "drivers/\(driver)/vehicles/\(UUID())", vehicleClass: "ECONOMY", make: "Toyota", model: "Prius", color: "blue",
                licensePlate: "B-CS-1"),
            pickupEtaSeconds: 240, assignTime: Date())
    }

    @Test func anAssignmentReachesThePassengerInTheirLanguageOnEveryDevice() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let english = UUID()
            let german = UUID()
            try await context.register(english, token: "tok-en-\(english)")
            try await context.register(german, token: "tok-de-a-\(german)", device: "phone", locale: "de-DE")
            try await context.register(german, token: "tok-de-b-\(german)", device: "tablet", locale: "de")
            try await context.deliver(assigned(passenger: english, driver: UUID()))
            try await context.deliver(assigned(passenger: german, driver: UUID()))

            let inEnglish = try await context.stored(english)
            #expect(inEnglish.map(\.title) == ["Your driver is on the way"])
            #expect(inEnglish.first?.body == "blue Toyota Prius (B-CS-1) is coming to pick you up.")
            #expect(inEnglish.first?.data["trip"] == trip && inEnglish.first?.data["state"] == "DRIVER_ASSIGNED")
            let inGerman = try await context.stored(german)
            #expect(inGerman.map(\.title) == ["Dein Fahrer ist unterwegs"])
            // One push per device.
            #expect(try await context.pushStates(german) == ["PENDING", "PENDING"])
        }
    }

    @Test func aRedeliveredEventNotifiesNobodyTwice() async throws {
        let recorder = RecordingPushSender()
        try await NotificationsTestPlatform.withModule(sender: recorder) { context in
            let passenger = UUID()
            let token = "tok-\(passenger)"
            try await context.register(passenger, token: token)
            let event = assigned(passenger: passenger, driver: UUID())
            let id = UUID()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 { group.addTask { try await context.deliver(event, id: id) } }
                try await group.waitForAll()
            }
            try await context.deliver(event, id: id)
            #expect(try await context.stored(passenger).count == 1)
            try await context.sendDuePushes()
            try await context.sendDuePushes()
            #expect(await recorder.sent.filter { $0.token == token }.count == 1)
            #expect(try await context.pushStates(passenger) == ["SENT"])
        }
    }

    @Test func eachEventReachesTheRightParty() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let passenger = UUID()
            let driver = UUID()
            let fare = MoneyAmount(currencyCode: "EUR", minorUnits: 1_250)
            try await context.deliver(
                DispatchV1.OfferCreated(
                    offer: "offers/\(UUID())", trip: trip, driver: "drivers/\(driver)", pickup: GeoPoint(latitude: 1, longitude: 1),
                    dropoff: GeoPoint(latitude: 1.01, longitude: 1), pickupEtaSeconds: 130, expireTime: Date().addingTimeInterval(15),
                    createTime: Date()))
            try await context.deliver(
                TripsV1.TripCompleted(
                    trip: trip, passenger: "users/\(passenger)", driver: "drivers/\(driver)", city: "cities/x", vehicleClass: "ECONOMY",
                    fare: fare, distanceMeters: 3_000, durationSeconds: 600, completeTime: Date()))
            try await context.deliver(
                TripsV1.TripCancelled(
                    trip: trip, passenger: "users/\(passenger)", driver: "drivers/\(driver)", cancelledBy: "DRIVER", reason: nil,
                    cancellationFee: nil, cancelTime: Date()))
            let toDriver = try await context.stored(driver)
            #expect(toDriver.map(\.kind) == ["offer.created", "trip.completed.driver"])
            #expect(toDriver.first?.body == "Pickup in about 3 min. Accept before it expires.")
            #expect(toDriver.first.map { !$0.inInbox } == true)  // offers are not kept
            let toPassenger = try await context.stored(passenger)
            #expect(toPassenger.map(\.kind) == ["trip.completed.passenger", "trip.cancelled"])
            #expect(toPassenger.first?.body == "You have arrived. Fare: 12.50 EUR.")
            // Sequence numbers increase per user.
            #expect(toPassenger.map(\.seq) == toPassenger.map(\.seq).sorted())
        }
    }

    func position(passenger: UUID, driver: UUID, latitude: Double) -> DispatchV1.DriverPositionShared {
        DispatchV1.DriverPositionShared(
            driver: "drivers/\(driver)", trip: trip, passenger: "users/\(passenger)", position: GeoPoint(latitude: latitude, longitude: 13.4),
            headingDegrees: 90, speedMetersPerSecond: nil, recordTime: Date())
    }

    @Test func theDriversPositionReachesOnlyThePassengerLiveAndOnlyTheNewestIsKept() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let (passenger, driver) = (UUID(), UUID())
            try await context.register(passenger, token: "tok-\(passenger)")
            try await context.deliver(assigned(passenger: passenger, driver: driver))
            try await context.deliver(position(passenger: passenger, driver: driver, latitude: 52.50))
            try await context.deliver(position(passenger: passenger, driver: driver, latitude: 52.51))
            try await context.deliver(
                TripsV1.TripDriverArrived(trip: trip, passenger: "users/\(passenger)", driver: "drivers/\(driver)", arriveTime: Date()))
            let last = UUID()
            try await context.deliver(position(passenger: passenger, driver: driver, latitude: 52.52), id: last)
            try await context.deliver(position(passenger: passenger, driver: driver, latitude: 52.52), id: last)

            // A client reconnecting now catches up with the newest position, not every step.
            let stored = try await context.stored(passenger)
            #expect(stored.map(\.kind) == ["trip.driverAssigned", "trip.driverArrived", "trip.driverPosition"])
            let latest = try #require(stored.last)
            #expect(latest.data["latitude"] == "52.52" && latest.data["longitude"] == "13.4" && latest.data["headingDegrees"] == "90.0")
            #expect(latest.data["trip"] == trip && latest.data["speedMetersPerSecond"] == nil)
            #expect(!latest.inInbox && latest.title.isEmpty)
            #expect(stored.map(\.seq) == stored.map(\.seq).sorted())
            // Pushes only for the assignment and the arrival; the driver hears nothing of it.
            #expect(try await context.pushStates(passenger) == ["PENDING", "PENDING"])
            #expect(try await context.stored(driver).isEmpty)
        }
    }

    @Test func aRelaysBatchIsRecordedAtOnceInOrderAndARedeliveredBatchAddsNothing() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let passengers = (0..<10).map { _ in UUID() }
            try await context.register(passengers[0], token: "tok-\(passengers[0])")
            let trips = (0..<50).map { _ in "trips/\(UUID().uuidString.lowercased())" }
            let batch = try trips.enumerated().map { index, trip in
                try EventEnvelope(
                    TripsV1.TripNoDriverFound(trip: trip, passenger: "users/\(passengers[index % 10])", endTime: Date()), occurTime: Date(),
                    traceID: nil)
            }
            let receiver = try #require(context.module.eventReceivers[EventRouting.notifications])
            #expect(await receiver.receive(batch: batch).isEmpty)
            #expect(await receiver.receive(batch: Array(batch.reversed())).isEmpty)
            for (index, passenger) in passengers.enumerated() {
                let stored = try await context.stored(passenger)
                #expect(stored.map(\.seq) == [1, 2, 3, 4, 5])
                #expect(stored.map { $0.data["trip"] } == stride(from: index, to: 50, by: 10).map { trips[$0] })
            }
            #expect(try await context.pushStates(passengers[0]) == Array(repeating: "PENDING", count: 5))
        }
    }

    @Test func templatesExistInEveryLocaleForEveryKindTheRulesUse() {
        for (locale, texts) in Templates.locales {
            #expect(Set(texts.keys) == Set(Templates.english.keys), "\(locale)")
        }
        #expect(Templates.render("trip.driverArrived", locale: "fr-FR", values: [:]).title == "Your driver has arrived")
        #expect(Templates.render("trip.driverArrived", locale: "de_AT", values: [:]).title == "Dein Fahrer ist da")
    }
}
