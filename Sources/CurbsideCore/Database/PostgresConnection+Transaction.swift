import Logging
import PostgresNIO

extension PostgresConnection {
    /// `BEGIN` … `COMMIT`, rolling back on error and rethrowing the closure's own error unwrapped
    /// (PostgresNIO's `withTransaction` wraps it, which would hide an ``AIPError`` from the API layer).
    @discardableResult
    public func inTransaction<Result>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await query("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body(self)
        } catch {
            _ = try? await query("ROLLBACK", logger: logger)
            throw error
        }
        try await query("COMMIT", logger: logger)
        return result
    }
}

/// Runs `operation`, throwing `timeoutError` (by default ``DatabaseTimeout``) if it does not finish within `timeout`.
public func withTimeout<T: Sendable>(
    _ timeout: Duration, throwing timeoutError: @autoclosure @escaping @Sendable () -> any Error = DatabaseTimeout(),
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw timeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A database call took longer than its bound.
public struct DatabaseTimeout: Error {
    public init() {}
}
