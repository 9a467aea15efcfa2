import Logging
import ServiceLifecycle

/// The loop of every background job (clean-ups, the offer sweeper, batched matching): one pass,
/// a pause, again, until the service group shuts down.
public enum PeriodicWork {
    /// Runs `pass` every `interval`. A pass that throws is logged with `failure` and retried after
    /// the pause; a pass that returns `true` (more is waiting) runs again at once. Graceful shutdown
    /// interrupts the pause, and the pass, rather than waiting it out. A pass still running after
    /// `passLimit` is abandoned (logged as an error) so that one stuck call cannot stop the job.
    public static func run(
        every interval: Duration, passLimit: Duration = .seconds(120), failure: String, logger: Logger,
        _ pass: @escaping @Sendable () async throws -> Bool
    ) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await abandon(after: passLimit, pass) { continue }
                } catch let error as WorkAbandoned {
                    logger.error("\(failure)", metadata: ["error.message": "\(error)"])
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
