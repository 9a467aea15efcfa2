extension Simulation {
    /// The live city: every driver and passenger channel as its own task, ride requests by the
    /// demand model until the run winds down, then at most `windDownTimeout` for open trips to end
    /// and drivers to go offline before everything left is cancelled.
    func live(context: SimulationContext, drivers: [SimulatedDriver.Account], passengers: [SimulatedPassenger]) async {
        let timing = config.timing
        let stats = context.stats
        context.control.start(duration: config.duration)
        stats.markStarted()
        var schedule = SeededGenerator(seed: config.seed, stream: Streams.schedule)
        let window = (timing.goOnlineWindow ?? min(config.duration / 5, .seconds(60))).seconds
        await withDiscardingTaskGroup { group in
            for passenger in passengers {
                group.addTask { await passenger.channel.run() }
            }
            for (index, account) in drivers.enumerated() {
                let delay = Duration.seconds(double: schedule.uniform(0...max(window, 0)))
                let generator = SeededGenerator(seed: config.seed, stream: Streams.driver(index))
                group.addTask {
                    var driver = SimulatedDriver(account: account, context: context, generator: generator)
                    await driver.run(onlineAfter: delay)
                }
            }
            await requestRides(context: context, passengers: passengers) { passenger, wish in
                stats.update { $0.activeRides += 1 }
                group.addTask {
                    await passenger.ride(wish)
                    stats.update { $0.activeRides -= 1 }
                }
            }
            stats.update { $0.phase = .windingDown }
            let end = ContinuousClock.now + timing.windDownTimeout
            while ContinuousClock.now < end, !Task.isCancelled {
                let open = stats.snapshot()
                if open.activeRides == 0, open.driversOnline == 0 { break }
                try? await Task.sleep(for: .milliseconds(200))
            }
            group.cancelAll()
        }
    }

    /// Ride requests as a Poisson process until the run winds down: each goes to a passenger drawn
    /// at random among those without a trip (counted as unserved demand when there is none).
    private func requestRides(
        context: SimulationContext, passengers: [SimulatedPassenger],
        start: (SimulatedPassenger, DemandModel.RideWish) -> Void
    ) async {
        var demand = DemandModel(
            grid: context.grid, demandPerHour: config.demandPerHour, behaviour: config.behaviour,
            generator: SeededGenerator(seed: config.seed, stream: Streams.demand))
        var due = ContinuousClock.now
        while let gap = demand.nextGap() {
            due += .seconds(double: gap)
            // Sleep in short steps: a stop must not wait for the next request to be due.
            while ContinuousClock.now < due, !context.control.isWindingDown, !Task.isCancelled {
                try? await Task.sleep(for: min(due - .now, .milliseconds(250)))
            }
            if context.control.isWindingDown || Task.isCancelled { return }
            let wish = demand.nextWish()
            let first = demand.nextIndex(below: passengers.count)
            let free = passengers.indices.lazy.map { passengers[(first + $0) % passengers.count] }.first { $0.reserve() }
            guard let free else {
                context.stats.update { $0.unservedDemand += 1 }
                continue
            }
            start(free, wish)
        }
        // No demand at all: the city still lives (drivers cruise) until the duration is over.
        while !context.control.isWindingDown, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(250)) }
    }
}
