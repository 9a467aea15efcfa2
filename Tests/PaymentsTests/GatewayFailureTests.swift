import CurbsideCore
import CurbsideTesting
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Payments

/// A gateway that does not answer at every step: before the sandbox sees the call (a 503, a
/// refused connection) or after it acted (a timeout on the way back). Each unknown outcome stays
/// unknown until asked again; the money moves once; the ledger balances at every point.
@Suite(.serialized) struct GatewayFailureTests {
    /// Wraps the sandbox: the first call of each operation (by idempotency key) fails as `mode` says.
    final class UnreliableGateway: PaymentGateway {
        enum Mode: Sendable { case notSent, answerLost }
        let inner: SandboxGateway
        let mode: Mode
        private let seen = NIOLockedValueBox<Set<String>>([])

        init(inner: SandboxGateway, mode: Mode) {
            self.inner = inner
            self.mode = mode
        }

        private func first(_ key: String) -> Bool { seen.withLockedValue { $0.insert(key).inserted } }

        private func flaky<T: Sendable>(_ key: String, _ call: () async throws(GatewayError) -> T) async throws(GatewayError) -> T {
            guard first(key) else { return try await call() }
            switch mode {
            case .notSent:
                throw .unknownOutcome("HTTP 503 Service Unavailable")
            case .answerLost:
                _ = try await call()
                throw .unknownOutcome("timed out waiting for the response")
            }
        }

        func card(token: String) async throws(GatewayError) -> CardDetails { try await inner.card(token: token) }
        func authorize(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayHold {
            try await flaky(request.idempotencyKey) { () async throws(GatewayError) in try await inner.authorize(request) }
        }
        func capture(hold: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayCharge {
            try await flaky(idempotencyKey) { () async throws(GatewayError) in
                try await inner.capture(hold: hold, amount: amount, idempotencyKey: idempotencyKey)
            }
        }
        func release(hold: String, idempotencyKey: String) async throws(GatewayError) {
            try await flaky(idempotencyKey) { () async throws(GatewayError) in try await inner.release(hold: hold, idempotencyKey: idempotencyKey) }
        }
        func charge(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayCharge {
            try await flaky(request.idempotencyKey) { () async throws(GatewayError) in try await inner.charge(request) }
        }
        func refund(charge: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
            try await flaky(idempotencyKey) { () async throws(GatewayError) in
                try await inner.refund(charge: charge, amount: amount, idempotencyKey: idempotencyKey)
            }
        }
    }

    static let fastRetries = ["curbside.payments.retry_base_ms": "100"]

    func withUnreliableGateway(_ mode: UnreliableGateway.Mode, _ body: @Sendable (PaymentsContext) async throws -> Void) async throws {
        // The sandbox behind the wrapper keeps its state in the same payments database.
        try await PaymentsTestPlatform.withModule(settings: Self.fastRetries) { plain in
            let gateway = UnreliableGateway(
                inner: SandboxGateway(database: plain.database, clock: PaymentsClock(), holdLifetime: 3600, logger: plain.logger), mode: mode)
            try await PaymentsTestPlatform.withModule(settings: Self.fastRetries, gateway: gateway) { context in
                try await body(PaymentsContext(api: plain.api, module: context.module, clock: context.clock))
            }
        }
    }

    /// Asks the reconciler until nothing of `payment` is open (each unknown needs one more ask).
    func reconcile(_ payment: Payment, _ context: PaymentsContext) async throws -> Payment {
        var current = payment
        for _ in 0..<10 where !current.openOperations.isEmpty {
            context.clock.advance(1)
            try await context.module.reconciler.reconcileDue(limit: 100)
            current = try await context.reload(current)
        }
        return current
    }

    @Test(arguments: [UnreliableGateway.Mode.notSent, .answerLost])
    func everyStepRecoversFromAnUnknownOutcomeAndMovesMoneyOnce(mode: UnreliableGateway.Mode) async throws {
        try await withUnreliableGateway(mode) { context in
            let passenger = try await context.passengerWithCard()
            // The hold: unknown, then authorized once asked again.
            let pending = try await context.authorize(passenger: passenger.id, amount: 1_000)
            #expect(pending.state == .pendingAuthorization)
            let held = try await reconcile(pending, context)
            #expect(held.state == .authorized && held.holdActive)
            try await context.expectLedgerSound()

            // The capture and the charge beyond the hold: unknown, the trip's fare owed meanwhile.
            let driver = UUID()
            let ending = try await context.complete(held, driver: driver, fare: 1_500)
            #expect(ending.state == .settling && ending.outstanding == 1_500)
            try await context.expectLedgerSound()
            let settled = try await reconcile(ending, context)
            #expect(settled.state == .settled && settled.collected == 1_500)
            #expect(try await context.sandboxIntents(of: settled) == (1_500, 2))

            // A tip: the passenger is told it is not confirmed yet; asking again confirms it once.
            let caller = Principal(userID: passenger.id, role: .passenger, sessionID: nil)
            let tipped = try await context.module.payments.tip(
                settled.id, amount: 200, currencyCode: "USD", requestID: UUID(), caller: caller, logger: context.logger)
            #expect(tipped.operations.last?.state == .unknown && tipped.tip == 0)
            let tipDone = try await reconcile(tipped, context)
            #expect(tipDone.tip == 200)

            // A refund split across the two charges.
            let admin = Principal(userID: UUID(), role: .admin, sessionID: nil)
            let (_, refunding) = try await context.module.payments.refund(
                settled.id, amount: 1_400, currencyCode: "USD", reason: "test", requestID: UUID(), caller: admin, logger: context.logger)
            #expect(refunding.refunded == 0)
            let refunded = try await reconcile(refunding, context)
            #expect(refunded.refunded == 1_400)
            #expect(refunded.operations.allSatisfy { !$0.state.isOpen })
            let sandboxRefunded = try await context.database.readPrimary { client in
                let rows = try await client.query(
                    "SELECT coalesce(sum(refunded), 0)::bigint FROM platform.sandbox_intents WHERE card_token = \(refunded.cardToken)",
                    logger: context.logger)
                for try await total in rows.decode(Int64.self) { return total }
                return 0
            }
            #expect(sandboxRefunded == 1_400)
            try await context.expectLedgerSound()
        }
    }

    @Test func unknownOutcomesAreOnTheMetricsUntilResolved() async throws {
        try await withUnreliableGateway(.notSent) { context in
            let passenger = try await context.passengerWithCard()
            let pending = try await context.authorize(passenger: passenger.id)
            try await context.module.reconciler.recordGauges()
            let metrics = try await context.api.call(.get, "/metrics").text
            #expect(metrics.contains(#"curbside_payments_gateway_calls_total{operation="AUTHORIZE",outcome="unknown"}"#), "\(metrics)")
            let open = metrics.split(separator: "\n").first { $0.hasPrefix(#"curbside_payments_operations_open{state="UNKNOWN"}"#) }
            #expect(open.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 1 } == true, "\(open ?? "missing")")
            #expect(metrics.contains("curbside_payments_oldest_unknown_seconds"))
            _ = try await reconcile(pending, context)
        }
    }

    @Test func aReleaseThatIsNotAnsweredIsAskedAgain() async throws {
        try await withUnreliableGateway(.answerLost) { context in
            let passenger = try await context.passengerWithCard()
            let held = try await reconcile(try await context.authorize(passenger: passenger.id), context)
            let cancelled = try await context.cancel(held, fee: nil, driver: nil)
            #expect(cancelled.state == .voided && cancelled.holdActive)  // not yet known to be released
            let released = try await reconcile(cancelled, context)
            #expect(!released.holdActive && released.operations.last?.state == .succeeded)
        }
    }
}
