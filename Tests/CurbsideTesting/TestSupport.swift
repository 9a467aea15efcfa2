import CurbsideCore
import Foundation
import NIOConcurrencyHelpers

/// A clock tests can move forward (a service's clock reads `source`).
public final class MovableClock: Sendable {
    private let offset = NIOLockedValueBox<TimeInterval>(0)

    public init() {}

    public func advance(_ seconds: TimeInterval) { offset.withLockedValue { $0 += seconds } }

    public var source: @Sendable () -> Date {
        let offset = self.offset
        return { Date().addingTimeInterval(offset.withLockedValue { $0 }) }
    }
}

/// Migrates one service's schema on the test cluster once per test process.
public actor MigrationOnce {
    private let service: ServiceName
    private let migrations: [Migration]
    private var done = false

    public init(service: ServiceName, migrations: [Migration]) {
        self.service = service
        self.migrations = migrations
    }

    public func run(_ settings: PlatformSettings) async throws {
        guard !done else { return }
        let owner = DatabaseCredentials(settings: settings.database).configuration(
            service: service, role: .owner, host: settings.database.host, port: settings.database.port)
        try await Migrator(owner: owner, service: service, migrations: migrations, logger: TestEnvironment.logger).migrate()
        done = true
    }
}
