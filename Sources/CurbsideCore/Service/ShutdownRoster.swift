import Logging
import ServiceLifecycle
import Synchronization

/// The application's services by name, so that a stop which takes too long says what it waits for.
///
/// `curbside serve` stops its parts one after another: the HTTP server first (open requests and
/// WebSockets), then background jobs, event relays and database pools in reverse order of start,
/// each only once the one before it has finished. When the stop has used most of its grace period
/// (after which the rest is cancelled), the roster logs which parts were asked to stop and have not
/// finished (the ones holding it up) and which are still waiting their turn; once more, after the
/// cancellation, just before the process is ended for what ignored it.
public final class ShutdownRoster: Sendable {
    struct Entry {
        var name: String
        var asked = false
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        var watch: Task<Void, Never>?
    }

    private let state = Mutex(State())
    let grace: Duration
    let lastWord: Duration
    let logger: Logger

    /// - Parameters:
    ///   - grace: the group's graceful shutdown limit; the roster reports at four fifths of it, while
    ///     the parts holding the stop up are still there to be named.
    ///   - lastWord: how long after the grace period it reports again (before the group gives up on cancellation).
    public init(grace: Duration, lastWord: Duration = .seconds(4), logger: Logger) {
        self.grace = grace
        self.lastWord = lastWord
        self.logger = logger
    }

    /// `service`, reporting to this roster under `name`.
    public func track(_ service: any Service, as name: String) -> any Service {
        TrackedService(service: service, name: name, roster: self)
    }

    /// The parts running now: those asked to stop that have not finished, and those not asked yet.
    public var running: (stopping: [String], waiting: [String]) {
        state.withLock { state in
            let entries = state.entries.sorted { $0.key < $1.key }.map(\.value)
            return (entries.filter(\.asked).map(\.name), entries.filter { !$0.asked }.map(\.name))
        }
    }

    func started(_ name: String) -> Int {
        state.withLock { state in
            defer { state.nextID += 1 }
            state.entries[state.nextID] = Entry(name: name)
            return state.nextID
        }
    }

    func askedToStop(_ id: Int) {
        state.withLock { state in
            state.entries[id]?.asked = true
            guard state.watch == nil else { return }
            state.watch = Task { [self] in
                do {
                    try await Task.sleep(for: grace * 0.8)
                    report("the stop is near the end of its grace period; what is still running is cancelled then", level: .warning)
                    try await Task.sleep(for: grace * 0.2 + lastWord)
                    report("the stop is still waiting; the process is about to be ended", level: .error)
                } catch {}
            }
        }
    }

    func finished(_ id: Int) {
        let watch = state.withLock { state -> Task<Void, Never>? in
            state.entries[id] = nil
            guard state.entries.isEmpty else { return nil }
            defer { state.watch = nil }
            return state.watch
        }
        watch?.cancel()
    }

    private func report(_ message: Logger.Message, level: Logger.Level) {
        let (stopping, waiting) = running
        logger.log(
            level: level, message,
            metadata: [
                "shutdown.stopping": "\(stopping.joined(separator: ", "))",
                "shutdown.waiting": "\(waiting.joined(separator: ", "))",
            ])
    }
}

/// A service that tells its roster when it starts, is asked to stop, and finishes.
struct TrackedService: Service, CustomStringConvertible {
    let service: any Service
    let name: String
    let roster: ShutdownRoster

    var description: String { name }

    func run() async throws {
        let id = roster.started(name)
        defer { roster.finished(id) }
        try await withGracefulShutdownHandler {
            try await service.run()
        } onGracefulShutdown: {
            roster.askedToStop(id)
        }
    }
}
