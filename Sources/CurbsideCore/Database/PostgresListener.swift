import Logging
import PostgresNIO

/// A `LISTEN` on one channel that survives database restarts and stops the moment it is told to.
///
/// It holds a connection of its own (a pooled one would be handed back mid-listen), reconnects
/// after a pause when the connection fails, and checks an idle connection now and then: a server
/// that vanished without closing the socket sends nothing, and silence alone would look like a
/// quiet channel forever. Cancellation closes the connection rather than waiting for it: after a
/// PostgreSQL restart a `LISTEN` could wait forever for an answer and hold up the process's stop.
public struct PostgresListener: Sendable {
    let configuration: PostgresClientConfiguration
    let channel: String
    let logger: Logger
    /// How long a quiet connection goes unchecked.
    let checkInterval: Duration
    /// How long a check may take before the connection counts as lost.
    let answerLimit: Duration
    let reconnectDelay: Duration

    public init(
        configuration: PostgresClientConfiguration, channel: String, logger: Logger,
        checkInterval: Duration = .seconds(10), answerLimit: Duration = .seconds(5), reconnectDelay: Duration = .seconds(1)
    ) {
        self.configuration = configuration
        self.channel = channel
        self.logger = logger
        self.checkInterval = checkInterval
        self.answerLimit = answerLimit
        self.reconnectDelay = reconnectDelay
    }

    /// Listens until the task is cancelled.
    ///
    /// - Parameters:
    ///   - listening: called each time the listener is (again) listening; anything sent while it
    ///     was not was missed, so callers catch up from their tables here.
    ///   - stopped: called each time a connection is lost (and once at the end).
    ///   - notification: called with each payload, in the order PostgreSQL delivers them.
    public func run(
        listening: @escaping @Sendable () -> Void, stopped: @escaping @Sendable () -> Void,
        notification: @escaping @Sendable (String) -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try await listenOnce(listening: listening, notification: notification)
            } catch {
                if !Task.isCancelled {
                    logger.debug(
                        "listener reconnecting",
                        metadata: ["db.channel": "\(channel)", "error.message": "\(String(reflecting: error))"])
                }
            }
            stopped()
            try? await Task.sleep(for: reconnectDelay)
        }
    }

    /// One connection's life: connect, `LISTEN`, hand over notifications until it fails.
    private func listenOnce(
        listening: @escaping @Sendable () -> Void, notification: @escaping @Sendable (String) -> Void
    ) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: configuration.connectionConfiguration(), id: 1, logger: logger)
        defer { Self.close(connection) }
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await connection.listen(on: channel) { notifications in
                        listening()
                        for try await received in notifications { notification(received.payload) }
                    }
                    throw ListenerConnectionLost()
                }
                // From the start: a `LISTEN` that is never answered holds up the check behind it.
                group.addTask {
                    while true {
                        try await Task.sleep(for: checkInterval)
                        try await abandon(after: answerLimit) {
                            _ = try await connection.query("SELECT 1", logger: logger).collect()
                        }
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        } onCancel: {
            Self.close(connection)
        }
    }

    /// Closes without waiting (the connection may never answer again). The connection is kept
    /// until the close completes: PostgresNIO requires a connection to be closed before it is freed.
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}

/// The listener's notification stream ended: the server closed the connection.
struct ListenerConnectionLost: Error {}
