import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Refunds in `platform.refunds` (their money moves as the payment's operations).
struct RefundRecords: Sendable {
    func insert(_ refund: Refund, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO platform.refunds (id, payment_id, amount, reason, requested_by, create_time)
            VALUES (\(refund.id), \(refund.paymentID), \(refund.amount), \(refund.reason), \(refund.requestedBy),
                \(refund.createTime.postgres))
            """, logger: logger)
    }

    /// The payment's refunds, oldest first (`id` narrows it to one).
    func refunds(of paymentID: UUID, id: UUID? = nil, on database: Database, logger: Logger) async throws -> [Refund] {
        try await database.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT id, amount, reason, requested_by, create_time FROM platform.refunds
                WHERE payment_id = \(paymentID) AND (\(id)::uuid IS NULL OR id = \(id)) ORDER BY create_time, id
                """, logger: logger)
            var refunds: [Refund] = []
            for try await (id, amount, reason, requestedBy, created) in rows.decode((UUID, Int64, String, UUID, Date).self) {
                refunds.append(
                    Refund(id: id, paymentID: paymentID, amount: amount, reason: reason, requestedBy: requestedBy, createTime: created))
            }
            return refunds
        }
    }
}
