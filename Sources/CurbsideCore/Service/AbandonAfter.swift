import Synchronization

/// Thrown by ``abandon(after:_:)`` when the work did not finish in time.
public struct WorkAbandoned: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "did not finish within \(limit) and was abandoned" }
}

/// Runs `operation` as a separate task and returns its result, or throws ``WorkAbandoned`` after
/// `limit`, or `CancellationError` as soon as the caller is cancelled, without waiting for an
/// operation that ignores cancellation.
///
/// For a background loop's pass, so that one call that never returns (seen after PostgreSQL
/// restarts: a query on a connection the server had closed) cannot stop the loop, or the
/// process's shutdown, forever. The abandoned task is cancelled and left to finish on its own;
/// structured concurrency (a task group racing a timer) would wait for it.
public func abandon<T: Sendable>(after limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let work = Task { try await operation() }
    // The outcome can come before the caller is waiting for it (a tiny limit, a cancelled caller):
    // it is kept until then; the first outcome wins.
    let state = Mutex<(waiter: CheckedContinuation<T, any Error>?, outcome: Result<T, any Error>?, resumed: Bool)>((nil, nil, false))
    let finish: @Sendable (Result<T, any Error>) -> Void = { result in
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.resumed else { return nil }
            guard let waiter = state.waiter else {
                if state.outcome == nil { state.outcome = result }
                return nil
            }
            state.resumed = true
            return waiter
        }
        waiter?.resume(with: result)
    }
    let timer = Task {
        try await Task.sleep(for: limit)
        work.cancel()
        finish(.failure(WorkAbandoned(limit: limit)))
    }
    defer { timer.cancel() }
    Task { finish(await work.result) }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let early = state.withLock { state -> Result<T, any Error>? in
                if let outcome = state.outcome {
                    state.resumed = true
                    return outcome
                }
                state.waiter = continuation
                return nil
            }
            if let early { continuation.resume(with: early) }
        }
    } onCancel: {
        work.cancel()
        finish(.failure(CancellationError()))
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
