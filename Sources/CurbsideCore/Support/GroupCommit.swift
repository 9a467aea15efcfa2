import NIOConcurrencyHelpers

/// Turns many concurrent one-item writes into few batched writes (group commit).
///
/// A caller submits one item and waits for its outcome. Items that arrive while a batch is being
/// written wait and go together in the next one, so under load each database round trip, plan and
/// commit serves many callers, and at light load an item is written at once (nothing waits for a
/// timer). At most `maxWriters` batches are in flight, each of at most `maxBatch` items.
///
/// Writers run as detached tasks: a caller whose request is cancelled cannot cancel a batch that
/// carries other callers' items. Waiting is therefore not cancellable; it lasts one write, and a
/// write lasts at most `writeLimit`: one that has not finished by then is abandoned and its callers
/// get ``DatabaseTimeout`` (a PostgresNIO query can hang forever after a PostgreSQL restart; its
/// callers, HTTP requests, would hang with it, and so would the server's stop). An abandoned write
/// may still land later; the items written here are reports whose repetition is harmless.
public final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Writes a batch and returns one outcome per item, in the order of `items`.
    public typealias Write = @Sendable (_ items: [Item]) async throws -> [Outcome]

    private struct Waiter {
        let item: Item
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var waiting: [Waiter] = []
        var writers = 0
    }

    private let state = NIOLockedValueBox(State())
    private let maxBatch: Int
    private let maxWriters: Int
    private let write: Write
    private let writeLimit: Duration

    /// - Parameters:
    ///   - maxBatch: The most items one write receives.
    ///   - maxWriters: The most writes in flight at once (each holds a database connection).
    ///   - writeLimit: How long one write may take before its callers are told it failed.
    public init(maxBatch: Int, maxWriters: Int, writeLimit: Duration = .seconds(10), write: @escaping Write) {
        precondition(maxBatch > 0 && maxWriters > 0, "GroupCommit needs room for one item and one writer")
        self.maxBatch = maxBatch
        self.maxWriters = maxWriters
        self.writeLimit = writeLimit
        self.write = write
    }

    /// Writes `item` with whatever else is waiting and returns its outcome, or the batch's error.
    public func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriter = state.withLockedValue { state in
                state.waiting.append(Waiter(item: item, continuation: continuation))
                guard state.writers < maxWriters else { return false }
                state.writers += 1
                return true
            }
            if startsWriter { Task.detached { await self.drain() } }
        }
    }

    private func drain() async {
        while let batch = nextBatch() {
            do {
                let items = batch.map(\.item)
                let outcomes = try await withTimeout(writeLimit) { [write] in try await write(items) }
                guard outcomes.count == batch.count else { throw MismatchedOutcomes(items: batch.count, outcomes: outcomes.count) }
                for (waiter, outcome) in zip(batch, outcomes) { waiter.continuation.resume(returning: outcome) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }

    /// The next batch, or `nil` after this writer has retired (nothing waits).
    private func nextBatch() -> [Waiter]? {
        state.withLockedValue { state in
            guard !state.waiting.isEmpty else {
                state.writers -= 1
                return nil
            }
            let count = min(maxBatch, state.waiting.count)
            let batch = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            return batch
        }
    }

    /// A write returned a different number of outcomes than it received items: a programming error
    /// in the write, reported to every caller in the batch rather than matched up wrongly.
    public struct MismatchedOutcomes: Error, CustomStringConvertible {
        public let items: Int
        public let outcomes: Int
        public var description: String { "group write returned \(outcomes) outcomes for \(items) items" }
    }
}
