import NIOConcurrencyHelpers
import Testing

@testable import CurbsideCore

/// Group commit: concurrent single-item submissions share batched writes, and each caller gets its own outcome.
@Suite struct GroupCommitTests {
    /// Records what the writes saw.
    final class Recorder: Sendable {
        struct Seen { var batches: [[Int]] = []; var inFlight = 0; var mostInFlight = 0 }
        let seen = NIOLockedValueBox(Seen())

        func write(_ items: [Int], failingOn poison: Int? = nil) async throws -> [Int] {
            seen.withLockedValue {
                $0.batches.append(items)
                $0.inFlight += 1
                $0.mostInFlight = max($0.mostInFlight, $0.inFlight)
            }
            defer { seen.withLockedValue { $0.inFlight -= 1 } }
            try await Task.sleep(for: .milliseconds(5))
            if let poison, items.contains(poison) { throw TestFailure("poisoned batch") }
            return items.map { $0 * 10 }
        }
    }

    @Test func concurrentCallersShareBatchesAndEachGetsItsOwnOutcome() async throws {
        let recorder = Recorder()
        let group = GroupCommit<Int, Int>(maxBatch: 16, maxWriters: 2) { try await recorder.write($0) }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int).self) { tasks in
            for item in 0..<400 { tasks.addTask { (item, try await group.submit(item)) } }
            return try await tasks.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 400)
        #expect(outcomes.allSatisfy { $0.value == $0.key * 10 })
        let seen = recorder.seen.withLockedValue { $0 }
        #expect(seen.batches.flatMap { $0 }.sorted() == Array(0..<400))
        #expect(seen.batches.allSatisfy { $0.count <= 16 })
        #expect(seen.mostInFlight <= 2)
        // Batching happened: far fewer writes than items.
        #expect(seen.batches.count < 100)
    }

    @Test func aFailedWriteFailsOnlyItsOwnBatch() async throws {
        let recorder = Recorder()
        let group = GroupCommit<Int, Int>(maxBatch: 1, maxWriters: 1) { try await recorder.write($0, failingOn: 7) }
        let results = await withTaskGroup(of: (Int, Bool).self) { tasks in
            for item in 0..<20 { tasks.addTask { (item, (try? await group.submit(item)) != nil) } }
            return await tasks.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.filter { !$0.value }.map(\.key) == [7])
        // The writer kept going after the failure, and a later submission is written too.
        #expect(try await group.submit(100) == 1000)
    }

    @Test func aWriteReturningTheWrongNumberOfOutcomesIsAnErrorForEveryCaller() async throws {
        let group = GroupCommit<Int, Int>(maxBatch: 8, maxWriters: 1) { _ in [] }
        await #expect(throws: GroupCommit<Int, Int>.MismatchedOutcomes.self) { try await group.submit(1) }
    }

    @Test func aWriteThatNeverReturnsFailsItsCallersInTimeAndOthersGoOn() async throws {
        // A write stuck for good, deaf to cancellation (a query on a connection PostgreSQL dropped).
        let stuck = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
        let group = GroupCommit<Int, Int>(maxBatch: 1, maxWriters: 1, writeLimit: .milliseconds(200)) { items in
            if items == [666] { await withCheckedContinuation { continuation in stuck.withLockedValue { $0 = continuation } } }
            return items.map { $0 * 10 }
        }
        let started = ContinuousClock.now
        await #expect(throws: DatabaseTimeout.self) { try await group.submit(666) }
        #expect(ContinuousClock.now - started < .seconds(5))
        // The one writer is free again: the next item is written.
        #expect(try await group.submit(7) == 70)
        stuck.withLockedValue { $0 }?.resume()
    }
}
