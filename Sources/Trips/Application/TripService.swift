import Crypto
import CurbsideCore
import DispatchClient
import Foundation
import Logging
import PaymentsClient

/// The trip use cases: request, read, list, and every transition (in `TripService+Transitions.swift`).
///
/// No call to another service (payments, dispatch) is ever made inside a database transaction:
/// each use case loads, calls out, then applies the transition in its own short transaction.
public struct TripService: Sendable {
    let trips: TripRepository
    let cities: CityRepository
    let databases: ServiceDatabases
    let signer: QuoteSigner
    let pins: PickupPIN
    let payments: any PaymentAuthorizer
    let dispatch: any DispatchGateway
    let pageTokens: PageTokenCodec
    let settings: TripsSettings
    let clock: TripsClock

    /// Requests a trip with a signed quote: stored as REQUESTED (transaction 1), payment authorized
    /// (no transaction open), then DISPATCHING with `trips.v1.TripRequested` (transaction 2). A
    /// retry with the same request id resumes where the first attempt stopped.
    public func request(quoteToken: String, paymentMethod: String?, requestID: UUID?, caller: Principal, logger: Logger)
        async throws -> Trip
    {
        let now = clock.now()
        let quote = try signer.verify(quoteToken, passenger: caller.userID, now: now)
        if let paymentMethod, paymentMethod.count > 200 {
            throw TripsError.invalidField(
                field: "paymentMethod", message: "paymentMethod must be at most 200 characters", reason: "INVALID_PAYMENT_METHOD")
        }
        let hash = Self.hash([quoteToken, paymentMethod ?? ""])
        let database = databases.passenger
        let id = try await trips.insert(
            Trip(id: UUID(), quote: quote, paymentMethod: paymentMethod, now: now), requestID: requestID, requestHash: hash,
            on: database, logger: logger)
        guard let trip = try await trips.trip(id, on: database, reader: caller.userID, logger: logger) else {
            throw TripsError.notFound("trips/\(id.uuidString.lowercased())")
        }
        switch trip.state {
        case .requested:
            return try await authorizeAndDispatch(trip, logger: logger)
        case .cancelled where trip.cancellation?.reason == Self.paymentDeclined:
            throw TripsError.paymentDeclined(Self.paymentDeclined)
        case .cancelled where trip.cancellation?.by == .system && trip.assignTime == nil:
            // A retry of a request payments refused (or that was abandoned): the same refusal again.
            let reason = trip.cancellation?.reason ?? "REQUEST_REFUSED"
            throw TripsError.paymentRefused(reason: reason, message: "the trip request did not go through (\(reason)); request again")
        default:
            return trip
        }
    }

    static let paymentDeclined = "PAYMENT_DECLINED"

    private func authorizeAndDispatch(_ trip: Trip, logger: Logger) async throws -> Trip {
        let quote = trip.quote
        let request = PaymentAuthorizationRequest(
            tripID: trip.id, passengerID: trip.passengerID, paymentMethod: trip.paymentMethod, currencyCode: quote.fare.currencyCode,
            amount: quote.fare.total, cityID: quote.cityID, vehicleClass: quote.vehicleClass.rawValue)
        let authorization: PaymentAuthorization
        do {
            authorization = try await payments.authorize(request)
        } catch {
            // Payments did not answer (or not in time). The trip stays REQUESTED, so the 503 means what
            // it says: the same request again (same requestId) asks payments again, which keys the
            // authorization by trip and never holds twice. A request nobody retries is cancelled by
            // maintenance after `abandonedRequestAge`.
            logger.error(
                "payment authorization failed", metadata: ["trip": "\(trip.name)", "error.message": "\(String(reflecting: error))"])
            throw AIPError(
                .unavailable, reason: "PAYMENT_UNAVAILABLE", message: "payment could not be authorized now; retry the same request",
                retryAfterSeconds: 1)
        }
        switch authorization {
        case .approved:
            let dispatched = try await startDispatching(trip.id, writer: trip.passengerID, logger: logger)
            if dispatched.state == .cancelled {
                // Maintenance gave up on the request while payment was being authorized.
                throw AIPError(.aborted, reason: "REQUEST_ABANDONED", message: "the trip request took too long; request again")
            }
            return dispatched
        case .pending:
            // The gateway has not answered: the trip stays REQUESTED until payments' event says how it went.
            logger.info("payment authorization pending", metadata: ["trip": "\(trip.name)"])
            return trip
        case .declined(let reason):
            logger.info("payment declined", metadata: ["trip": "\(trip.name)", "reason": "\(reason)"])
            _ = try await systemCancel(trip.id, reason: Self.paymentDeclined, passenger: trip.passengerID, logger: logger)
            throw TripsError.paymentDeclined(reason)
        case .refused(let reason, let message):
            logger.info("payment refused", metadata: ["trip": "\(trip.name)", "reason": "\(reason)"])
            _ = try await systemCancel(trip.id, reason: reason, passenger: trip.passengerID, logger: logger)
            throw TripsError.paymentRefused(reason: reason, message: message)
        }
    }

    /// REQUESTED → DISPATCHING once the payment is authorized (now or by payments' event).
    func startDispatching(_ id: UUID, writer: UUID? = nil, logger: Logger) async throws -> Trip {
        let now = clock.now()
        return try await trips.update(id, on: databases.passenger, writer: writer, idempotency: nil, logger: logger) { trip in
            // A concurrent retry (or the event) may have moved it already; that is the same outcome.
            trip.state == .requested ? try trip.startDispatching(now: now) : []
        }.trip
    }

    /// Cancels a request that cannot go on. Recorded as the passenger's write, so their next read
    /// (the app lists trips right after the refusal) sees it even on a lagging replica.
    func systemCancel(_ id: UUID, reason: String, passenger: UUID, logger: Logger) async throws -> Trip {
        let now = clock.now()
        let grace = settings.cancellationGracePeriod
        return try await trips.update(id, on: databases.passenger, writer: passenger, idempotency: nil, logger: logger) { trip in
            trip.state == .requested
                ? try trip.cancel(by: .init(party: .system, userID: nil), reason: reason, gracePeriod: grace, now: now) : []
        }.trip
    }

    /// The trip, if the caller is its passenger, its driver or an admin.
    public func get(_ id: UUID, caller: Principal, logger: Logger) async throws -> Trip {
        let database = Database.serving(caller, in: databases)
        guard let trip = try await trips.trip(id, on: database, reader: caller.userID, logger: logger) else {
            throw TripAccess.missing(id, caller: caller)
        }
        guard TripAccess.canSee(trip, caller: caller) else { throw TripsError.notTripParty }
        return trip
    }

    /// The pickup PIN, for the trip's passenger only.
    public func pickupPIN(for trip: Trip, caller: Principal) -> String? {
        caller.role == .passenger && caller.userID == trip.passengerID && trip.state.isActive ? pins.pin(for: trip.id) : nil
    }

    /// One page of the caller's trips (all trips for admins), and the next page's token.
    public func list(filter: String?, orderBy: String?, pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger)
        async throws -> (trips: [Trip], nextPageToken: String?)
    {
        let filter = try Filter(filter)
        let order = try OrderBy(orderBy, allowed: ["createTime"], defaultField: "createTime", defaultDescending: true)
        let scope: TripRepository.ListScope =
            switch caller.role {
            case .passenger: .passenger(caller.userID)
            case .driver: .driver(caller.userID)
            case .admin: .everyone
            case .service: throw TripsError.notTripParty
            }
        let queryKey = [
            "trips", filter.terms.map { "\($0.field)\($0.op.rawValue)\($0.value)" }.joined(separator: "&"), order.canonical,
            caller.role.rawValue, caller.userID.uuidString,
        ].joined(separator: "|")
        let paging = try PageRequest(pageSize: pageSize, pageToken: pageToken, query: queryKey, codec: pageTokens)
        let rows = try await trips.list(
            scope: scope, filter: filter, order: order, after: paging.cursor, limit: paging.limit,
            on: Database.serving(caller, in: databases), reader: caller.userID, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        return (page.items, page.nextPageToken)
    }

    /// A driver's or passenger's average rating (`drivers/{id}` or `passengers/{id}`).
    public func rating(of subject: String, logger: Logger) async throws -> (count: Int, total: Int) {
        try await trips.ratingSummary(of: subject, on: databases.platform, logger: logger)
    }

    /// A fingerprint of a request's body, so a request id reused with another body is refused.
    static func hash(_ parts: [String]) -> String {
        SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
