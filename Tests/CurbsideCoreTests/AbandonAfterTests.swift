import Foundation
import Testing

@testable import CurbsideCore

/// `abandon(after:)` and `withTimeout` return a stuck operation's caller on time, and on cancellation at once.
@Suite struct AbandonAfterTests {
    /// Waits `seconds` whatever happens, as a call that ignores cancellation does.
    static func ignoringCancellation(seconds: Double) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
        }
    }

    @Test func aPromptOperationGivesItsResult() async throws {
        #expect(try await abandon(after: .seconds(5)) { 42 } == 42)
        await #expect(throws: URLError.self) { try await abandon(after: .seconds(5)) { throw URLError(.timedOut) } }
    }

    @Test func aStuckOperationIsAbandonedAfterTheLimit() async throws {
        let start = ContinuousClock.now
        await #expect(throws: WorkAbandoned.self) {
            try await abandon(after: .milliseconds(200)) { await Self.ignoringCancellation(seconds: 3) }
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func cancellingTheCallerReturnsAtOnce() async throws {
        let start = ContinuousClock.now
        let caller = Task { try await abandon(after: .seconds(60)) { await Self.ignoringCancellation(seconds: 3) } }
        try await Task.sleep(for: .milliseconds(100))
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func aTimeoutDoesNotWaitForAnOperationThatIgnoresIt() async throws {
        let start = ContinuousClock.now
        await #expect(throws: DatabaseTimeout.self) {
            try await withTimeout(.milliseconds(200)) { await Self.ignoringCancellation(seconds: 3) }
        }
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(try await withTimeout(.seconds(5)) { 7 } == 7)
    }
}
