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

/// Runs `operation`, throwing `timeoutError` (by default ``DatabaseTimeout``) if it does not finish
/// within `timeout`, and returning at once when the caller is cancelled.
///
/// The operation is abandoned rather than waited for (see ``abandon(after:_:)``): a PostgresNIO query
/// on a connection the server dropped can ignore cancellation forever, and a timeout that waits for
/// it would hang its caller (a replica read, a health check, the replica monitor and with it the
/// process's stop) just the same.
public func withTimeout<T: Sendable>(
    _ timeout: Duration, throwing timeoutError: @autoclosure @escaping @Sendable () -> any Error = DatabaseTimeout(),
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    do {
        return try await abandon(after: timeout, operation)
    } catch is WorkAbandoned {
        throw timeoutError()
    }
}

/// A database call took longer than its bound.
public struct DatabaseTimeout: Error {
    public init() {}
}
