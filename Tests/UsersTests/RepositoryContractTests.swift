import CurbsideCore
import CurbsideTesting
import Foundation
import Logging
import Testing

@testable import Users

/// The repositories against the real PostgreSQL (there is no in-memory variant to keep in step).
@Suite struct RepositoryContractTests {
    let logger = TestPlatform.logger

    func withModule(_ body: @Sendable (UsersModule) async throws -> Void) async throws {
        let module = try UsersModule(platform: try await TestPlatform.platform())
        try await withRunningClients(module.databases.clients) { try await body(module) }
    }

    func newUser(role: User.Role = .passenger, now: Date = Date()) throws -> User {
        try User(
            role: role, email: EmailAddress("repo-\(UUID().uuidString.prefix(12))@example.com"), phoneNumber: nil,
            displayName: DisplayName("Repo"), passwordHash: "hash", now: UsersClock { now }.now())
    }

    @Test func aCreatedUserReadsBackExactly() async throws {
        try await withModule { module in
            let users = UserRepository(databases: module.databases)
            let user = try newUser(role: .driver)
            let id = try await users.create(user, requestID: nil, requestHash: "h", logger: logger)
            #expect(id == user.id)
            let byID = try #require(try await users.user(id: id, reader: id, logger: logger))
            let byEmail = try #require(try await users.user(email: user.email, phoneNumber: nil, logger: logger))
            for stored in [byID, byEmail] {
                #expect(stored.id == user.id && stored.role == user.role && stored.email == user.email)
                #expect(stored.displayName == user.displayName && stored.passwordHash == user.passwordHash)
                #expect(stored.version == user.version && stored.state == user.state)
                // PostgreSQL keeps microseconds; the instant survives to the millisecond the clock produced.
                #expect(Timestamp.format(stored.createTime) == Timestamp.format(user.createTime))
            }
            let driver = try await DriverRepository(databases: module.databases, outbox: OutboxWriter(routing: .curbside)).driver(
                id: id, reader: id, logger: logger)
            #expect(driver?.approvalState == .pendingApproval)
        }
    }

    @Test func aDuplicateEmailIsRefusedByTheDatabase() async throws {
        try await withModule { module in
            let users = UserRepository(databases: module.databases)
            let first = try newUser()
            _ = try await users.create(first, requestID: nil, requestHash: "h", logger: logger)
            let second = try User(
                role: .passenger, email: first.email, phoneNumber: nil, displayName: DisplayName("Copy"), passwordHash: "h", now: Date())
            await #expect(throws: UsersError.emailTaken) {
                try await users.create(second, requestID: nil, requestHash: "h", logger: logger)
            }
        }
    }

    @Test func concurrentUpdatesAreSerializedAndNoneIsLost() async throws {
        try await withModule { module in
            let users = UserRepository(databases: module.databases)
            let user = try newUser()
            _ = try await users.create(user, requestID: nil, requestHash: "h", logger: logger)
            let logger = logger
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        _ = try await users.update(id: user.id, writer: nil, logger: logger) { user in
                            try user.updateProfile(displayName: try DisplayName("n\(index)"), email: nil, phoneNumber: nil, now: Date())
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await users.user(id: user.id, reader: nil, logger: logger)?.version == 11)
        }
    }

    @Test func aSpentRefreshTokenRevokesItsSessionAndConcurrentRotationsRotateOnce() async throws {
        try await withModule { module in
            let users = UserRepository(databases: module.databases)
            let sessions = SessionRepository(databases: module.databases)
            let user = try newUser()
            _ = try await users.create(user, requestID: nil, requestHash: "h", logger: logger)
            let session = UUID()
            let now = Date()
            try await sessions.open(
                sessionID: session, userID: user.id, digest: "d0-\(session)", now: now, expiry: now.addingTimeInterval(3600), logger: logger)
            let logger = logger
            let outcomes = try await withThrowingTaskGroup(of: SessionRepository.Rotation.self) { group in
                for index in 0..<5 {
                    group.addTask {
                        try await sessions.rotate(digest: "d0-\(session)", newDigest: "d1-\(index)-\(session)", now: now, logger: logger)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .rotated = $0 { true } else { false } }.count == 1)
            // The first late presentation is caught as reuse and revokes the session; later ones find it revoked.
            #expect(outcomes.filter { $0 == .reused }.count == 1)
            #expect(outcomes.filter { $0 == .invalid }.count == 3)
            #expect(try await sessions.isActive(sessionID: session, now: now, logger: logger) == false)
        }
    }

    @Test func theThrottleLocksAfterTheLimitAndUnlocksAfterTheLockout() async throws {
        try await withModule { module in
            let throttle = SignInThrottle(databases: module.databases, maxFailures: 2, window: .seconds(60), lockout: .seconds(30))
            let key = "test:\(UUID())"
            let now = Date()
            #expect(try await throttle.retryAfter(keys: [key], now: now, logger: logger) == nil)
            try await throttle.recordFailure(keys: [key], now: now, logger: logger)
            #expect(try await throttle.retryAfter(keys: [key], now: now, logger: logger) == nil)
            try await throttle.recordFailure(keys: [key], now: now, logger: logger)
            #expect(try await throttle.retryAfter(keys: [key], now: now, logger: logger) == 30)
            #expect(try await throttle.retryAfter(keys: [key], now: now.addingTimeInterval(31), logger: logger) == nil)
        }
    }

    @Test func theMaintenanceJobPurgesExpiredDeletionsAndOnlyThose() async throws {
        try await withModule { module in
            let users = UserRepository(databases: module.databases)
            let gone = try newUser(role: .driver)
            let kept = try newUser(role: .driver)
            for user in [gone, kept] { _ = try await users.create(user, requestID: nil, requestHash: "h", logger: logger) }
            _ = try await users.update(id: gone.id, writer: nil, logger: logger) {
                try $0.delete(now: Date().addingTimeInterval(-7200), gracePeriod: 3600)
            }
            _ = try await users.update(id: kept.id, writer: nil, logger: logger) { try $0.delete(now: Date(), gracePeriod: 3600) }
            let maintenance = UsersMaintenance(
                users: users, sessions: SessionRepository(databases: module.databases), databases: module.databases,
                interval: .seconds(60), clock: UsersClock(), logger: logger)
            let result = try await maintenance.runOnce()
            #expect(result.purgedUsers >= 1)
            #expect(try await users.user(id: gone.id, reader: nil, logger: logger) == nil)
            #expect(
                try await DriverRepository(databases: module.databases, outbox: OutboxWriter(routing: .curbside)).driver(
                    id: gone.id, reader: nil, logger: logger) == nil)
            #expect(try await users.user(id: kept.id, reader: nil, logger: logger)?.isDeleted == true)
        }
    }
}
