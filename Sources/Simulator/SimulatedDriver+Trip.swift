/// The steps of an accepted trip: reach the pickup, arrive, start with the passenger's PIN, reach
/// the destination, complete. A step the API refuses is tried again a second later; after a few
/// refusals the driver looks at the trip, and after many it gives the trip back.
extension SimulatedDriver {
    mutating func advanceTrip(_ now: ContinuousClock.Instant) async {
        guard var current = assignment, route.isFinished, now >= current.retryAt else { return }
        // At the end of a leg the app reports where the car is before the step, which trips checks
        // (`:start` must find the driver within the pickup radius).
        await report()
        if !current.arrived {
            guard await arrive(current.trip) else { return await stepFailed(now) }
            current.arrived = true
            current.failures = 0
            let pickup = (now - current.acceptedAt).seconds
            context.stats.update { stats in
                stats.pickupSecondsTotal += pickup
                stats.pickups += 1
            }
            assignment = current
        }
        if !current.started {
            guard let pin = await passengerPIN(current.trip), await start(current.trip, pin: pin) else { return await stepFailed(now) }
            current.started = true
            current.failures = 0
            assignment = current
            route = context.grid.route(from: current.pickup, to: current.dropoff)
            return
        }
        guard await complete(current.trip) else { return await stepFailed(now) }
        assignment = nil
        await ratePassenger(current.trip)
        cruise()
    }

    private func arrive(_ trip: String) async -> Bool {
        await context.api.send(
            "arriveTrip", .post, SimulationContext.path(trip, "arrive"), token: await account.session.token(), body: Wire.Empty()
        ).isSuccess
    }

    private func start(_ trip: String, pin: String) async -> Bool {
        await context.api.send(
            "startTrip", .post, SimulationContext.path(trip, "start"), token: await account.session.token(), body: Wire.Start(pin: pin)
        ).isSuccess
    }

    /// Completes the ride; counted once when trips accepts it.
    func complete(_ trip: String) async -> Bool {
        let done = await context.api.send(
            "completeTrip", .post, SimulationContext.path(trip, "complete"), token: await account.session.token(), body: Wire.Empty()
        ).isSuccess
        if done { context.stats.update { $0.completed += 1 } }
        return done
    }

    /// The PIN from the passenger's own view of the trip (what the passenger would tell the driver).
    private func passengerPIN(_ trip: String) async -> String? {
        guard let passenger = context.board.passenger(of: trip) else { return nil }
        let reply = await context.api.send("getTrip", .get, SimulationContext.path(trip), token: await passenger.token())
        return reply.decode(Wire.Trip.self)?.pickupPin
    }

    /// A refused step: try again in a second; after a few refusals see whether the trip is still
    /// ours, and after many give it back.
    private mutating func stepFailed(_ now: ContinuousClock.Instant) async {
        guard var current = assignment else { return }
        current.failures += 1
        current.retryAt = now + .seconds(1)
        assignment = current
        if current.failures % 3 == 0 {
            let reply = await context.api.send("getTrip", .get, SimulationContext.path(current.trip), token: await account.session.token())
            let state = reply.decode(Wire.Trip.self)?.state
            // Ended, or no longer this driver's (403): the trip is gone, whatever the live channel said.
            if reply.status == 403 || ["COMPLETED", "CANCELLED", "NO_DRIVER_FOUND"].contains(state ?? "") {
                assignment = nil
                cruise()
                return
            }
        }
        if current.failures >= Self.maxStepFailures { await giveBack(current.trip) }
    }

    /// Cancels as the driver (the trip goes back to dispatch) and cruises on.
    mutating func giveBack(_ trip: String) async {
        _ = await context.api.send(
            "cancelTrip", .post, SimulationContext.path(trip, "cancel"), token: await account.session.token(),
            body: Wire.Cancel(reason: "the simulated driver gave up"))
        assignment = nil
        cruise()
    }

    private mutating func ratePassenger(_ trip: String) async {
        guard generator.chance(context.config.behaviour.driverRatingProbability) else { return }
        let stars = generator.chance(0.8) ? 5 : 4
        let reply = await context.api.send(
            "rateTrip", .post, SimulationContext.path(trip, "rate"), token: await account.session.token(), body: Wire.Rate(stars: stars))
        if reply.isSuccess { context.stats.update { $0.ratings += 1 } }
    }
}
