import Foundation
import Synchronization

/// A passenger: signed up with a card (or cash), holding the live channel open, and asking for at
/// most one ride at a time when the demand model picks them.
final class SimulatedPassenger: Sendable {
    let session: UserSession
    let channel: LiveChannelConnection
    private let context: SimulationContext
    private let generator: Mutex<SeededGenerator>
    private let busy = Mutex(false)

    /// States in which the passenger is still waiting for the car.
    private static let waiting: Set<String> = ["REQUESTED", "DISPATCHING", "DRIVER_ASSIGNED", "DRIVER_ARRIVED"]
    private static let ended: Set<String> = ["COMPLETED", "CANCELLED", "NO_DRIVER_FOUND"]

    init(session: UserSession, context: SimulationContext, generator: SeededGenerator) {
        self.session = session
        self.context = context
        self.generator = Mutex(generator)
        self.channel = LiveChannelConnection(api: context.api, session: session, stats: context.stats, logger: context.logger)
    }

    /// Claims the passenger for a ride; false while they already have one.
    func reserve() -> Bool {
        busy.withLock { busy in
            defer { busy = true }
            return !busy
        }
    }

    /// Asks for `wish` and follows the trip to its end (the passenger is free again afterwards).
    func ride(_ wish: DemandModel.RideWish) async {
        defer { busy.withLock { $0 = false } }
        // Notifications of earlier trips are of no interest to this one.
        _ = channel.takeMessages()
        guard let trip = await request(wish) else { return }
        context.board.post(trip.name, passenger: session)
        defer { context.board.remove(trip.name) }
        let outcome = await follow(trip)
        switch outcome {
        case "COMPLETED": await rate(trip.name)
        case "NO_DRIVER_FOUND": context.stats.update { $0.noDriverFound += 1 }
        default: break
        }
    }

    /// Estimate, then the trip with the quote; `nil` when either is refused (already counted).
    private func request(_ wish: DemandModel.RideWish) async -> Wire.Trip? {
        let api = context.api
        let estimate = await api.send(
            "estimateFare", .post, "/v1/trips:estimateFare", token: await session.token(),
            body: Wire.EstimateFare(
                pickup: context.grid.geo(wish.pickup), dropoff: context.grid.geo(wish.dropoff), vehicleClass: SimulationContext.vehicleClass))
        guard estimate.isSuccess, let quote = estimate.decode(Wire.Estimate.self) else { return nil }
        let created = await api.send(
            "createTrip", .post, "/v1/trips?requestId=\(UUID().uuidString.lowercased())", token: await session.token(),
            body: Wire.CreateTrip(quoteToken: quote.quoteToken))
        guard created.isSuccess, let trip = created.decode(Wire.Trip.self) else {
            context.stats.update { $0.requestsRefused += 1 }
            return nil
        }
        context.stats.update { $0.requests += 1 }
        return trip
    }

    /// Waits for the trip to end, reading it again whenever the live channel says it changed (or
    /// every `tripRefreshInterval` regardless); cancels when impatient or when the run winds down.
    /// Returns the final state (or the last one seen when the task was cancelled).
    private func follow(_ trip: Wire.Trip) async -> String {
        let timing = context.config.timing
        var state = trip.state
        var cancelAt: ContinuousClock.Instant? = generator.withLock { generator in
            generator.chance(context.config.behaviour.cancelProbability)
                ? .now + .seconds(double: generator.uniform(timing.cancelPatienceSeconds)) : nil
        }
        var nextRefresh = ContinuousClock.now + timing.tripRefreshInterval
        while !Self.ended.contains(state) {
            let news = channel.takeMessages().contains { $0.data["trip"] == trip.name && $0.kind != "trip.driverPosition" }
            if news || ContinuousClock.now >= nextRefresh {
                let reply = await context.api.send("getTrip", .get, SimulationContext.path(trip.name), token: await session.token())
                if let current = reply.decode(Wire.Trip.self) { state = current.state }
                nextRefresh = .now + timing.tripRefreshInterval
                if Self.ended.contains(state) { break }
            }
            if context.control.isWindingDown, Self.waiting.contains(state) {
                if await cancel(trip.name, reason: "the simulation is over") {
                    context.stats.update { $0.cancelledAtEnd += 1 }
                    return "CANCELLED"
                }
            } else if let due = cancelAt, ContinuousClock.now >= due, state != "DRIVER_ARRIVED", Self.waiting.contains(state) {
                cancelAt = nil
                if await cancel(trip.name, reason: "waited too long") {
                    context.stats.update { $0.cancelledByPassenger += 1 }
                    return "CANCELLED"
                }
            }
            do { try await Task.sleep(for: timing.tick) } catch { return state }
        }
        // Cancelled by someone else: the system (a payment decline), an admin.
        if state == "CANCELLED" { context.stats.update { $0.cancelledOtherwise += 1 } }
        return state
    }

    private func cancel(_ trip: String, reason: String) async -> Bool {
        await context.api.send(
            "cancelTrip", .post, SimulationContext.path(trip, "cancel"), token: await session.token(), body: Wire.Cancel(reason: reason)
        ).isSuccess
    }

    /// Rates the driver now and then, mostly well.
    private func rate(_ trip: String) async {
        let stars: Int? = generator.withLock { generator in
            guard generator.chance(context.config.behaviour.passengerRatingProbability) else { return nil }
            let draw = Double.random(in: 0..<1, using: &generator)
            return draw < 0.6 ? 5 : draw < 0.85 ? 4 : draw < 0.95 ? 3 : draw < 0.98 ? 2 : 1
        }
        guard let stars else { return }
        let reply = await context.api.send(
            "rateTrip", .post, SimulationContext.path(trip, "rate"), token: await session.token(), body: Wire.Rate(stars: stars, comment: nil))
        if reply.isSuccess { context.stats.update { $0.ratings += 1 } }
    }
}
