import CurbsideCore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// The background side of payments, in every instance: asks the gateway again about operations it
/// did not answer (and takes over those whose caller died), and notices holds that lapsed.
///
/// Operations are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so two instances never run the
/// same one at the same time; if they did, the idempotency key would still make it one.
public struct Reconciler: Service {
    let payments: PaymentRepository
    let runner: OperationRunner
    let database: Database
    let settings: PaymentsSettings
    let clock: PaymentsClock
    let logger: Logger

    public func run() async throws {
        await PeriodicWork.run(every: settings.reconcileInterval, failure: "payment reconciliation failed", logger: logger) {
            let resolved = try await reconcileDue(limit: 20)
            let lapsed = try await expireLapsedHolds(limit: 100)
            try await recordGauges()
            return resolved == 20 || lapsed == 100
        }
    }

    /// Runs operations that are due (unanswered, or pending past their lease). Returns how many were claimed.
    @discardableResult
    func reconcileDue(limit: Int) async throws -> Int {
        let now = clock.now()
        let leaseEnd = now.addingTimeInterval(settings.operationLease)
        let claimed = try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE platform.gateway_operations SET next_attempt_time = \(leaseEnd.postgres)
                WHERE id IN (SELECT id FROM platform.gateway_operations
                             WHERE state IN ('PENDING', 'UNKNOWN') AND next_attempt_time <= \(now.postgres)
                             ORDER BY next_attempt_time LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, payment_id
                """, logger: logger)
            var claimed: [(UUID, UUID)] = []
            for try await row in rows.decode((UUID, UUID).self) { claimed.append(row) }
            return claimed
        }
        for (paymentID, operations) in Dictionary(grouping: claimed, by: \.1) {
            do {
                guard let payment = try await payments.payment(paymentID, on: database, reader: nil, primary: true, logger: logger) else { continue }
                try await runner.settle(payment, only: Set(operations.map(\.0)), logger: logger)
            } catch {
                logger.warning(
                    "reconciling a payment failed", metadata: ["payment": "\(paymentID)", "error.message": "\(String(reflecting: error))"])
            }
        }
        return claimed.count
    }

    /// What an operator watches: gateway calls still open (and how old the oldest unknown one is),
    /// and trips whose money was not all collected.
    func recordGauges() async throws {
        let now = clock.now()
        try await database.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT
                  (SELECT count(*) FROM platform.gateway_operations WHERE state = 'PENDING')::int,
                  (SELECT count(*) FROM platform.gateway_operations WHERE state = 'UNKNOWN')::int,
                  (SELECT min(create_time) FROM platform.gateway_operations WHERE state = 'UNKNOWN'),
                  (SELECT count(*) FROM platform.payments WHERE state = 'UNPAID')::int
                """, logger: logger)
            for try await (pending, unknown, oldest, unpaid) in rows.decode((Int, Int, Date?, Int).self) {
                Gauge(label: "curbside_payments_operations_open", dimensions: [("state", "PENDING")]).record(pending)
                Gauge(label: "curbside_payments_operations_open", dimensions: [("state", "UNKNOWN")]).record(unknown)
                Gauge(label: "curbside_payments_oldest_unknown_seconds").record(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
                Gauge(label: "curbside_payments_unpaid").record(unpaid)
            }
        }
    }

    /// Marks holds past their expiry as no longer capturable, so the payment says so and a later
    /// end of the trip charges the card instead. Returns how many lapsed.
    @discardableResult
    func expireLapsedHolds(limit: Int) async throws -> Int {
        let now = clock.now()
        let millis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let ids = try await database.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT id FROM platform.payments
                WHERE hold_active AND (hold->>'expireTime')::double precision <= \(Double(millis)) LIMIT \(limit)
                """, logger: logger)
            var ids: [UUID] = []
            for try await id in rows.decode(UUID.self) { ids.append(id) }
            return ids
        }
        for id in ids {
            try await payments.update(id, on: database, logger: logger) { payment in
                payment.holdLapsed(now: now)
                return []
            }
        }
        return ids.count
    }
}
