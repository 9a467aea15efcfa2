import Foundation

extension Simulation {
    /// The admin's access token: given, or from signing in.
    func adminToken(api: APIClient) async throws -> String {
        switch config.admin {
        case .accessToken(let token):
            return token
        case .signIn(let email, let password):
            guard !password.isEmpty else {
                throw SimulationError.adminSignInFailed(email: email, detail: "no password given (CURBSIDE_ADMIN_PASSWORD is empty)")
            }
            switch await UserSession.signIn(api: api, email: email, password: password) {
            case .success(let session):
                return await session.token()
            case .failure(let failure) where failure.response.status == 0:
                throw SimulationError.serverUnreachable(baseURL: config.baseURL)
            case .failure(let failure):
                throw SimulationError.adminSignInFailed(email: email, detail: failure.description)
            }
        }
    }

    /// Signs up every driver and passenger, `setupConcurrency` at a time (each costs the server two
    /// bcrypt hashes). People whose set-up fails are left out and counted; a run with no driver or
    /// no passenger left fails with the first error.
    func signUpEveryone(context: SimulationContext, adminToken: String) async throws -> (
        drivers: [SimulatedDriver.Account], passengers: [SimulatedPassenger]
    ) {
        let factory = AccountFactory(api: context.api, adminToken: adminToken)
        let stats = context.stats
        stats.update { $0.accountsWanted = config.drivers + config.passengers }
        let seed = config.seed
        let cashShare = config.behaviour.cashShare
        // Drivers and passengers in one list, so that both kinds are ready at about the same time.
        let jobs: [Job] = (0..<max(config.drivers, 0)).map { .driver($0) } + (0..<max(config.passengers, 0)).map { .passenger($0) }
        var drivers: [Int: SimulatedDriver.Account] = [:]
        var passengers: [Int: UserSession] = [:]
        var firstFailure: (any Error)?
        try await withThrowingTaskGroup(of: (Job, Result<Account, any Error>).self) { group in
            var next = 0
            func launch() {
                // After a stop request the accounts already being made are finished, no more begun.
                guard next < jobs.count, !control.wasStopped else { return }
                let job = jobs[next]
                next += 1
                group.addTask {
                    do {
                        switch job {
                        case .driver(let index):
                            return (job, .success(.driver(try await factory.driver(index))))
                        case .passenger(let index):
                            var generator = SeededGenerator(seed: seed, stream: Streams.passenger(index))
                            let cash = generator.chance(cashShare)
                            return (job, .success(.passenger(try await factory.passenger(index, paysCash: cash))))
                        }
                    } catch {
                        return (job, .failure(error))
                    }
                }
            }
            for _ in 0..<max(config.setupConcurrency, 1) { launch() }
            while let (job, result) = try await group.next() {
                try Task.checkCancellation()
                switch (job, result) {
                case (.driver(let index), .success(.driver(let account))): drivers[index] = account
                case (.passenger(let index), .success(.passenger(let session))): passengers[index] = session
                case (_, .failure(let error)):
                    firstFailure = firstFailure ?? error
                    stats.update { $0.accountsFailed += 1 }
                default: break
                }
                if case .success = result { stats.update { $0.accountsReady += 1 } }
                launch()
            }
        }
        if (config.drivers > 0 && drivers.isEmpty) || (config.passengers > 0 && passengers.isEmpty), let firstFailure {
            throw firstFailure
        }
        let readyDrivers = drivers.sorted { $0.key < $1.key }.map(\.value)
        // Each passenger keeps the generator stream its payment choice came from.
        let readyPassengers = passengers.sorted { $0.key < $1.key }.map { index, session in
            var generator = SeededGenerator(seed: seed, stream: Streams.passenger(index))
            _ = generator.chance(cashShare)
            return SimulatedPassenger(session: session, context: context, generator: generator)
        }
        return (readyDrivers, readyPassengers)
    }

    private enum Job: Sendable {
        case driver(Int)
        case passenger(Int)
    }

    private enum Account: Sendable {
        case driver(SimulatedDriver.Account)
        case passenger(UserSession)
    }
}

/// The generator streams of a seed: one per purpose and per person, so that each draws its own
/// sequence whatever the others do.
enum Streams {
    static let demand: UInt64 = 1
    static let schedule: UInt64 = 2
    static func driver(_ index: Int) -> UInt64 { 1_000 + UInt64(index) }
    static func passenger(_ index: Int) -> UInt64 { 1_000_000 + UInt64(index) }
}
