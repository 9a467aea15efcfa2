import CurbsideCore
import Foundation
import Logging
import OpenAPIRuntime

/// The generated `APIProtocol` of the trips service: maps DTOs to use cases and back; no rules here.
///
/// Roles are enforced before these methods run (``GuardedTransport`` reads `x-curbside-roles`);
/// whose trip a caller may touch is decided in the application layer.
struct TripsAPI: APIProtocol {
    let pricing: PricingService
    let fares: FareService
    let trips: TripService

    var scope: RequestScope { RequestScope.current }
    var logger: Logger { scope.logger }

    func caller() throws -> Principal { try scope.requirePrincipal() }

    func estimateFare(_ input: Operations.EstimateFare.Input) async throws -> Operations.EstimateFare.Output {
        try await TripsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let pickup = try Coordinate(latitude: body.pickup.latitude, longitude: body.pickup.longitude, field: "pickup")
            let dropoff = try Coordinate(latitude: body.dropoff.latitude, longitude: body.dropoff.longitude, field: "dropoff")
            let vehicleClass = try ResourceNames.vehicleClass(body.vehicleClass.rawValue)
            let estimate = try await fares.estimate(
                pickup: pickup, dropoff: dropoff, vehicleClass: vehicleClass, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(TripsMapping.estimate(estimate))))
        }
    }

    func createTrip(_ input: Operations.CreateTrip.Input) async throws -> Operations.CreateTrip.Output {
        try await TripsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let queryID = try ResourceNames.requestID(input.query.requestId)
            let bodyID = try ResourceNames.requestID(body.requestId)
            if let queryID, let bodyID, queryID != bodyID {
                throw AIPError.invalidArgument("requestId differs between query and body", field: "requestId", reason: "INVALID_REQUEST_ID")
            }
            let caller = try caller()
            let trip = try await trips.request(
                quoteToken: body.quoteToken, paymentMethod: body.paymentMethod, requestID: queryID ?? bodyID, caller: caller,
                logger: logger)
            return .ok(.init(body: .json(TripsMapping.trip(trip, pin: trips.pickupPIN(for: trip, caller: caller)))))
        }
    }

    func listTrips(_ input: Operations.ListTrips.Input) async throws -> Operations.ListTrips.Output {
        try await TripsErrorMapping.translating {
            let caller = try caller()
            let page = try await trips.list(
                filter: input.query.filter, orderBy: input.query.orderBy, pageSize: input.query.pageSize, pageToken: input.query.pageToken,
                caller: caller, logger: logger)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            trips: page.trips.map { TripsMapping.trip($0, pin: trips.pickupPIN(for: $0, caller: caller)) },
                            nextPageToken: page.nextPageToken))))
        }
    }

    func getTrip(_ input: Operations.GetTrip.Input) async throws -> Operations.GetTrip.Output {
        try await TripsErrorMapping.translating {
            let caller = try caller()
            let trip = try await trips.get(try ResourceNames.uuid(input.path.trip, field: "trip"), caller: caller, logger: logger)
            return .ok(.init(body: .json(TripsMapping.trip(trip, pin: trips.pickupPIN(for: trip, caller: caller)))))
        }
    }

    func cancelTrip(_ input: Operations.CancelTrip.Input) async throws -> Operations.CancelTrip.Output {
        try await TripsErrorMapping.translating {
            var body: Components.Schemas.CancelTripRequest?
            if case .json(let value) = input.body { body = value }
            let check = TripService.Guard(etag: body?.etag, requestID: try ResourceNames.requestID(body?.requestId))
            let trip = try await transition(input.path.trip) { id, caller in
                try await trips.cancel(id, reason: body?.reason, guard: check, caller: caller, logger: logger)
            }
            return .ok(.init(body: .json(trip)))
        }
    }

    func arriveTrip(_ input: Operations.ArriveTrip.Input) async throws -> Operations.ArriveTrip.Output {
        try await TripsErrorMapping.translating {
            var body: Components.Schemas.TransitionRequest?
            if case .json(let value) = input.body { body = value }
            let check = TripService.Guard(etag: body?.etag, requestID: try ResourceNames.requestID(body?.requestId))
            let trip = try await transition(input.path.trip) { id, caller in
                try await trips.arrive(id, guard: check, caller: caller, logger: logger)
            }
            return .ok(.init(body: .json(trip)))
        }
    }

    func startTrip(_ input: Operations.StartTrip.Input) async throws -> Operations.StartTrip.Output {
        try await TripsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let check = TripService.Guard(etag: body.etag, requestID: try ResourceNames.requestID(body.requestId))
            let trip = try await transition(input.path.trip) { id, caller in
                try await trips.start(id, pin: body.pin, guard: check, caller: caller, logger: logger)
            }
            return .ok(.init(body: .json(trip)))
        }
    }

    func completeTrip(_ input: Operations.CompleteTrip.Input) async throws -> Operations.CompleteTrip.Output {
        try await TripsErrorMapping.translating {
            var body: Components.Schemas.TransitionRequest?
            if case .json(let value) = input.body { body = value }
            let check = TripService.Guard(etag: body?.etag, requestID: try ResourceNames.requestID(body?.requestId))
            let trip = try await transition(input.path.trip) { id, caller in
                try await trips.complete(id, guard: check, caller: caller, logger: logger)
            }
            return .ok(.init(body: .json(trip)))
        }
    }

    func rateTrip(_ input: Operations.RateTrip.Input) async throws -> Operations.RateTrip.Output {
        try await TripsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let check = TripService.Guard(etag: body.etag, requestID: try ResourceNames.requestID(body.requestId))
            let trip = try await transition(input.path.trip) { id, caller in
                try await trips.rate(id, stars: Int(body.stars), comment: body.comment, guard: check, caller: caller, logger: logger)
            }
            return .ok(.init(body: .json(trip)))
        }
    }

    func getDriverRating(_ input: Operations.GetDriverRating.Input) async throws -> Operations.GetDriverRating.Output {
        try await TripsErrorMapping.translating {
            let id = try ResourceNames.userID(input.path.driver, caller: try caller(), field: "driver")
            let name = Names.driver(id)
            let summary = try await trips.rating(of: name, logger: logger)
            return .ok(.init(body: .json(TripsMapping.rating(name: name + "/rating", count: summary.count, total: summary.total))))
        }
    }

    func getPassengerRating(_ input: Operations.GetPassengerRating.Input) async throws -> Operations.GetPassengerRating.Output {
        try await TripsErrorMapping.translating {
            let caller = try caller()
            let id = try ResourceNames.userID(input.path.passenger, caller: caller, field: "passenger")
            // Passengers see only their own rating; drivers and admins see any passenger's.
            if caller.role == .passenger, caller.userID != id { throw TripsError.notTripParty }
            let name = Names.passenger(id)
            let summary = try await trips.rating(of: name, logger: logger)
            return .ok(.init(body: .json(TripsMapping.rating(name: name + "/rating", count: summary.count, total: summary.total))))
        }
    }

    /// Parses the trip id and renders the caller's view of the trip after `body`.
    private func transition(_ segment: String, _ body: (UUID, Principal) async throws -> Trip) async throws -> Components.Schemas.Trip {
        let caller = try caller()
        let trip = try await body(try ResourceNames.uuid(segment, field: "trip"), caller)
        return TripsMapping.trip(trip, pin: trips.pickupPIN(for: trip, caller: caller))
    }
}
