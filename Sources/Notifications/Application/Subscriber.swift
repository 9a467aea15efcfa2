import Foundation
import NIOConcurrencyHelpers

/// One stream's state, shared by the listener (which hands it announced messages) and its reader
/// of the table: the last sequence number given to the consumer, and whether the stream is live
/// (announcements go straight to the consumer) or catching up (they wait for the reader, which
/// knows what the table already gave). Every hand-over to the consumer happens under the lock, so
/// the two never interleave out of order.
final class Subscriber: Sendable {
    enum Outcome { case enqueued, full }

    private struct State {
        var last: Int64
        var live = false
        /// Announcements that arrived while catching up.
        var arrived: [LiveMessage] = []
        /// Whether the reader must read the table again before going live.
        var stale = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: NIOLockedValueBox<State>
    private let continuation: AsyncThrowingStream<LiveMessage, any Error>.Continuation

    init(after seq: Int64, continuation: AsyncThrowingStream<LiveMessage, any Error>.Continuation) {
        state = NIOLockedValueBox(State(last: seq))
        self.continuation = continuation
    }

    /// The reader starts a pass over the table: the stream is catching up from the returned number.
    func startReading() -> Int64 {
        state.withLockedValue { state in
            state.live = false
            state.stale = false
            // What arrived before this read committed before it: the read returns it.
            state.arrived = []
            return state.last
        }
    }

    /// Gives the consumer what the table had after the last number; stops at a full buffer.
    func enqueue(_ messages: [LiveMessage]) -> Outcome {
        state.withLockedValue { state in
            for message in messages where message.seq > state.last {
                guard case .enqueued = continuation.yield(message) else { return .full }
                state.last = message.seq
            }
            return .enqueued
        }
    }

    /// After reading the table: takes the announcements that arrived meanwhile and goes live;
    /// false when they show a gap or something asked for another read (read again first).
    func goLive() -> Bool {
        state.withLockedValue { state in
            let arrived = state.arrived
            state.arrived = []
            for message in arrived where message.seq > state.last {
                guard message.seq == state.last + 1, case .enqueued = continuation.yield(message) else { return false }
                state.last = message.seq
            }
            if state.stale { return false }
            state.live = true
            return true
        }
    }

    /// An announced message: given to the consumer at once when live and next in sequence;
    /// otherwise the reader is woken to read the table (or keeps it for after its read).
    func announced(_ message: LiveMessage) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard state.live else {
                state.arrived.append(message)
                return nil
            }
            guard message.seq > state.last else { return nil }
            if message.seq == state.last + 1, case .enqueued = continuation.yield(message) {
                state.last = message.seq
                return nil
            }
            // A gap or a full buffer: the table has it; the reader takes over.
            state.live = false
            state.stale = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Something was committed that was not announced in full: the reader reads the table.
    func readTable() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.live = false
            state.stale = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func finish(throwing error: any Error) { continuation.finish(throwing: error) }

    /// Waits until the stream needs the reader (or `timeout` passes, or the reader is cancelled).
    func waitUntilNeeded(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = self.state.withLockedValue { state -> Bool in
                            if state.stale || Task.isCancelled { return true }
                            state.waiter = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                        defer { state.waiter = nil }
                        return state.waiter
                    }?.resume()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
