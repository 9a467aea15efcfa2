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

/// A database call took longer than its bound.
public struct DatabaseTimeout: Error {
    public init() {}
}
