import CurbsideCore
import Foundation

/// A driver: online at a random moment, cruising the street grid with a position report every
/// ping interval, answering offers from the live channel, and driving accepted trips through
/// pickup, PIN, ride and completion. Its state lives in this value, owned by the driver's task.
struct SimulatedDriver {
    /// A driver account ready to drive: signed in, with an approved vehicle.
    struct Account: Sendable {
        let session: UserSession
        let vehicle: String
    }

    /// A trip the driver accepted.
    struct Assignment {
        let trip: String
        let pickup: LocalPoint
        let dropoff: LocalPoint
        let acceptedAt: ContinuousClock.Instant
        var arrived = false
        var started = false
        /// Failed attempts at the next step, and when to try again.
        var failures = 0
        var retryAt = ContinuousClock.now
    }

    /// An offer the driver is thinking about.
    struct PendingOffer {
        let offer: String
        let trip: String
        let answerAt: ContinuousClock.Instant
        let accept: Bool
    }

    let account: Account
    let context: SimulationContext
    let channel: LiveChannelConnection
    var generator: SeededGenerator
    /// Metres per second on the streets, speed factor included.
    let speed: Double
    var route = Route.parked(at: LocalPoint(x: 0, y: 0))
    var assignment: Assignment?
    var pending: PendingOffer?
    var seenOffers: Set<String> = []
    var lastMove = ContinuousClock.now
    var lastPing = ContinuousClock.now
    var lastRecordTime = Date.distantPast
    var nextOfferPoll = ContinuousClock.now
    var windDownSince: ContinuousClock.Instant?

    /// Attempts at a trip step before the driver gives the trip back.
    static let maxStepFailures = 15

    init(account: Account, context: SimulationContext, generator: SeededGenerator) {
        var generator = generator
        self.speed = generator.uniform(context.config.behaviour.speedMetersPerSecond) * max(context.config.timing.speedFactor, 0.01)
        self.account = account
        self.context = context
        self.generator = generator
        self.channel = LiveChannelConnection(api: context.api, session: account.session, stats: context.stats, logger: context.logger)
    }

    /// Drives until the run winds down (then finishes or gives back its trip and goes offline) or
    /// the task is cancelled. The live channel is held open meanwhile.
    mutating func run(onlineAfter delay: Duration) async {
        let channel = channel
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await channel.run() }
            await drive(onlineAfter: delay)
            group.cancelAll()
        }
    }

    private mutating func drive(onlineAfter delay: Duration) async {
        do { try await Task.sleep(for: delay) } catch { return }
        guard !context.control.isWindingDown else { return }
        let start = context.grid.randomIntersection(using: &generator)
        route = .parked(at: start)
        guard await goOnline(at: start) else { return }
        context.stats.update { $0.driversOnline += 1 }
        // The car starts moving now, not when this value was made.
        lastMove = .now
        cruise()
        while !Task.isCancelled {
            let now = ContinuousClock.now
            move(now)
            if context.control.isWindingDown, await windDown(now) { break }
            await readMessages(now)
            await pollOffersIfOffline(now)
            await answerOfferIfDue(now)
            await advanceTrip(now)
            if now - lastPing >= context.config.timing.pingInterval { await report() }
            do { try await Task.sleep(for: context.config.timing.tick) } catch { break }
        }
        if !Task.isCancelled {
            _ = await context.api.send(
                "goOffline", .post, "/v1/drivers/me:goOffline", token: await account.session.token(), body: Wire.Empty())
        }
        // Counted down only once offline: the run waits for this before it stops everything.
        context.stats.update { $0.driversOnline -= 1 }
    }

    /// Goes online at `point`; a few attempts, since the approval may take a moment to be seen.
    private mutating func goOnline(at point: LocalPoint) async -> Bool {
        for attempt in 0..<5 {
            let reply = await context.api.send(
                "goOnline", .post, "/v1/drivers/me:goOnline", token: await account.session.token(),
                body: Wire.GoOnline(vehicle: account.vehicle, location: context.grid.geo(point)))
            if reply.isSuccess {
                lastPing = .now
                return true
            }
            if Task.isCancelled || attempt == 4 { break }
            try? await Task.sleep(for: .seconds(1))
        }
        return false
    }

    /// Heads for a random crossing: idle drivers keep moving, as they do looking for fares.
    mutating func cruise() {
        route = context.grid.route(from: route.position, to: context.grid.randomIntersection(using: &generator))
    }

    private mutating func move(_ now: ContinuousClock.Instant) {
        route.advance(by: speed * (now - lastMove).seconds)
        lastMove = now
        if assignment == nil, pending == nil, route.isFinished { cruise() }
    }

    /// What the driver does once the run is over; true when it may go offline.
    private mutating func windDown(_ now: ContinuousClock.Instant) async -> Bool {
        let since = windDownSince ?? now
        windDownSince = since
        if let offer = pending {
            pending = nil
            await decline(offer.offer)
        }
        guard var current = assignment else { return true }
        if current.started {
            // The passenger is in the car: the ride ends here (a refused completion is tried twice more).
            guard now >= current.retryAt else { return false }
            await report()
            if await complete(current.trip) {
                assignment = nil
                return true
            }
            current.failures += 1
            current.retryAt = now + .seconds(1)
            assignment = current
            return current.failures >= 3
        }
        // Waiting passengers cancel as the run winds down; a driver whose passenger did not gives the trip back.
        if now - since > .seconds(5) {
            await giveBack(current.trip)
            return true
        }
        return false
    }

    private mutating func readMessages(_ now: ContinuousClock.Instant) async {
        for message in channel.takeMessages() {
            switch message.kind {
            case "offer.created":
                if let offer = message.data["offer"], let trip = message.data["trip"] { await consider(offer: offer, trip: trip, now: now) }
            case "offer.closed":
                if pending?.offer == message.data["offer"] {
                    pending = nil
                    context.stats.update { $0.offersLost += 1 }
                }
            case "trip.cancelled":
                if assignment?.trip == message.data["trip"] {
                    assignment = nil
                    cruise()
                }
            default: break
            }
        }
    }

    /// With the live channel down, the driver app asks for its offers instead.
    private mutating func pollOffersIfOffline(_ now: ContinuousClock.Instant) async {
        guard !channel.isConnected, now >= nextOfferPoll else { return }
        nextOfferPoll = now + context.config.timing.offerPollInterval
        let reply = await context.api.send("listOffers", .get, "/v1/drivers/me/offers", token: await account.session.token())
        for offer in reply.decode(Wire.OfferList.self)?.offers ?? [] where offer.state == "OPEN" {
            await consider(offer: offer.name, trip: offer.trip, now: now)
        }
    }

    /// A new offer: decide now (accept or decline, drawn), answer after a human pause.
    private mutating func consider(offer: String, trip: String, now: ContinuousClock.Instant) async {
        guard seenOffers.insert(offer).inserted else { return }
        context.stats.update { $0.offersReceived += 1 }
        guard assignment == nil, pending == nil, !context.control.isWindingDown else {
            await decline(offer)
            return
        }
        let behaviour = context.config.behaviour
        let accept = generator.chance(behaviour.acceptProbability)
        let pause = generator.uniform(context.config.timing.offerAnswerDelaySeconds)
        pending = PendingOffer(offer: offer, trip: trip, answerAt: now + .seconds(double: pause), accept: accept)
    }

    private mutating func answerOfferIfDue(_ now: ContinuousClock.Instant) async {
        guard let offer = pending, now >= offer.answerAt else { return }
        pending = nil
        // A trip nobody in the simulation asked for has no PIN anyone could tell the driver.
        guard offer.accept, context.board.passenger(of: offer.trip) != nil else {
            await decline(offer.offer)
            return
        }
        let reply = await context.api.send(
            "acceptOffer", .post, SimulationContext.path(offer.offer, "accept"), token: await account.session.token(), body: Wire.Empty())
        guard reply.isSuccess, let accepted = reply.decode(Wire.Offer.self) else {
            context.stats.update { $0.offersLost += 1 }
            return
        }
        let pickup = context.grid.local(accepted.pickup)
        assignment = Assignment(trip: accepted.trip, pickup: pickup, dropoff: context.grid.local(accepted.dropoff), acceptedAt: now)
        route = context.grid.route(from: route.position, to: pickup)
        let quoted = Wire.seconds(accepted.pickupEta)
        context.stats.update { stats in
            stats.matched += 1
            if let quoted {
                stats.quotedPickupSecondsTotal += quoted
                stats.quotedPickups += 1
            }
        }
    }

    private func decline(_ offer: String) async {
        let reply = await context.api.send(
            "declineOffer", .post, SimulationContext.path(offer, "decline"), token: await account.session.token(), body: Wire.Empty())
        context.stats.update { reply.isSuccess ? ($0.offersDeclined += 1) : ($0.offersLost += 1) }
    }

    /// Sends the current position (at most `maxSpeed` claimed, the API's limit).
    mutating func report() async {
        var time = Date()
        // Dispatch keeps a report only when it is newer than the last one kept: never send a tie.
        if time <= lastRecordTime { time = lastRecordTime.addingTimeInterval(0.001) }
        lastRecordTime = time
        lastPing = .now
        let moving = !route.isFinished
        _ = await context.api.send(
            "reportLocation", .post, "/v1/drivers/me/location:report", token: await account.session.token(),
            body: Wire.LocationReport(
                location: context.grid.geo(route.position), accuracyMeters: 5, headingDegrees: route.headingDegrees,
                speedMetersPerSecond: moving ? min(speed, 100) : 0, recordTime: Timestamp.format(time)))
    }
}
