import Synchronization

/// Whether the simulated city should still be busy: it winds down at the deadline, or earlier when
/// someone asked it to stop (the command's first Ctrl-C).
final class RunControl: Sendable {
    private let stopRequested = Mutex(false)
    private let deadline = Mutex<ContinuousClock.Instant?>(nil)

    /// Starts the clock: the run winds down `duration` from now.
    func start(duration: Duration) {
        deadline.withLock { $0 = .now + duration }
    }

    /// Asks the run to wind down now.
    func requestStop() {
        stopRequested.withLock { $0 = true }
    }

    /// Whether no new rides should start and open ones should end.
    var isWindingDown: Bool {
        if stopRequested.withLock({ $0 }) { return true }
        guard let deadline = deadline.withLock({ $0 }) else { return false }
        return ContinuousClock.now >= deadline
    }

    /// Whether a stop was asked for (as opposed to the duration running out).
    var wasStopped: Bool { stopRequested.withLock { $0 } }
}
