import Logging
import PostgresNIO

/// The pools of one service: a ``Database`` per application role, sharing replica health.
public struct ServiceDatabases: Sendable {
    public let service: ServiceName
    public let driver: Database
    public let passenger: Database
    public let platform: Database
    /// Reports replica health to the routers; runs as a background service.
    public let monitor: ReplicaMonitor

    /// Creates (but does not start) the pools for `service`.
    public init(service: ServiceName, settings: PlatformSettings.Database, logger: Logger) {
        self.service = service
        let credentials = DatabaseCredentials(settings: settings)
        let writes = RecentWrites()
        func database(_ role: DatabaseRole) -> Database {
            let primary = PostgresClient(
                configuration: credentials.configuration(
                    service: service, role: role, host: settings.host, port: settings.port
                ).make(),
                backgroundLogger: logger)
            let replicas = settings.replicas.map { replica in
                ReplicaEndpoint(
                    name: "\(replica.host):\(replica.port)",
                    client: PostgresClient(
                        configuration: credentials.configuration(
                            service: service, role: role, host: replica.host, port: replica.port
                        ).make(),
                        backgroundLogger: logger))
            }
            return Database(
                service: service, role: role, primary: primary, replicas: replicas, maxReplicaLag: settings.maxReplicaLag,
                writes: writes)
        }
        driver = database(.driver)
        passenger = database(.passenger)
        platform = database(.platform)
        // Each role has its own replica pools; the monitor watches all of them.
        monitor = ReplicaMonitor(
            primary: platform.primary,
            replicas: driver.replicas + passenger.replicas + platform.replicas,
            interval: settings.replicaCheckInterval, logger: logger)
    }

    /// Every pool, to be run as services.
    public var clients: [PostgresClient] { driver.clients + passenger.clients + platform.clients }

    /// The database for a role.
    public func database(for role: DatabaseRole) -> Database? {
        switch role {
        case .driver: driver
        case .passenger: passenger
        case .platform: platform
        case .owner: nil
        }
    }
}
