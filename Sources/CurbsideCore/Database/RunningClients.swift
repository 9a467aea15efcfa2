import PostgresNIO

/// Runs `body` while `clients` run, for work outside a service group (commands, tests).
/// A `PostgresClient` whose `run()` has not started makes queries wait forever.
public func withRunningClients<T: Sendable>(_ clients: [PostgresClient], _ body: @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T?.self) { group in
        for client in clients {
            group.addTask {
                await client.run()
                return nil
            }
        }
        defer { group.cancelAll() }
        return try await body()
    }
}
