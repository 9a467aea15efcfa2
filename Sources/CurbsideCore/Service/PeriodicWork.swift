import Logging
import ServiceLifecycle

/// The loop of every background job (clean-ups, the offer sweeper, batched matching): one pass,
/// a pause, again, until the service group shuts down.
public enum PeriodicWork {
    /// Runs `pass` every `interval`. A pass that throws is logged with `failure` and retried after
    /// the pause; a pass that returns `true` (more is waiting) runs again at once. Graceful shutdown
    /// interrupts the pause rather than waiting it out.
    public static func run(
        every interval: Duration, failure: String, logger: Logger, _ pass: @escaping @Sendable () async throws -> Bool
    ) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await pass() { continue }
                } catch {
                    // Shutdown interrupting a pass is not a failure worth waking anyone for.
                    if Task.isCancelled { break }
                    logger.warning("\(failure)", metadata: ["error.message": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
