import Synchronization

/// Bounds how many sends are in flight: a counting semaphore whose waiters are served first come,
/// first served, so a burst of notifications cannot starve the one queued first.
///
/// ``release()`` is synchronous so that a `defer` can hand the permit back on every path.
final class PushSendSemaphore: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        /// Index of the first waiter still queued: served waiters are dropped in bulk, not one by one.
        var head = 0
        var nextID: UInt64 = 0
        /// Waiters between taking an id and joining the queue; a cancellation that arrives then
        /// moves the id to `cancelledEarly`, where the waiter finds it instead of queueing.
        var registering: Set<UInt64> = []
        var cancelledEarly: Set<UInt64> = []

        var queued: Int { waiters.count - head }

        mutating func popFirst() -> Waiter? {
            guard head < waiters.count else { return nil }
            let first = waiters[head]
            head += 1
            if head > 64 && head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            return first
        }

        mutating func remove(id: UInt64) -> Waiter? {
            guard let index = waiters[head...].firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
    }

    private let state: Mutex<State>

    /// - Parameter permits: How many holders at once; at least 1.
    init(permits: Int) {
        precondition(permits >= 1, "a semaphore needs at least one permit")
        state = Mutex(State(available: permits))
    }

    /// How many callers wait for a permit.
    var waiting: Int { state.withLock { $0.queued } }

    /// Waits for a permit, behind every caller that waited before.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting; no permit is held then.
    func acquire() async throws {
        let id: UInt64? = state.withLock { state in
            if state.available > 0 && state.queued == 0 {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            state.registering.insert(state.nextID)
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    state.registering.remove(id)
                    if state.cancelledEarly.remove(id) != nil { return .failure(CancellationError()) }
                    // A permit freed since the id was taken, with nobody ahead.
                    if state.available > 0 && state.queued == 0 {
                        state.available -= 1
                        return .success(())
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                if state.registering.contains(id) {
                    state.cancelledEarly.insert(id)
                    return nil
                }
                return state.remove(id: id)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands a permit back, to the longest waiter if there is one.
    func release() {
        let next: Waiter? = state.withLock { state in
            if let first = state.popFirst() { return first }
            state.available += 1
            return nil
        }
        next?.continuation.resume()
    }
}
