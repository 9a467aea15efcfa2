import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Payments in `platform.payments` with their operations in `platform.gateway_operations`. Every
/// change goes through ``update(_:on:logger:_:)``: one transaction that locks the payment, applies the
/// aggregate's change, saves it, posts its ledger entries and writes its events into the outbox.
struct PaymentRepository: Sendable {
    let outbox: OutboxWriter
    let ledger: LedgerStore

    /// Stores a new payment unless its trip already has one; returns the stored payment. The same
    /// trip asked for with a different amount or method is a 400.
    func create(_ payment: Payment, requestHash: String, on connection: PostgresConnection, logger: Logger) async throws -> Payment {
        let inserted = try await connection.query(
            """
            INSERT INTO platform.payments (id, passenger_id, driver_id, method_id, method_kind, card_token, card, currency_code,
                city_id, vehicle_class, state, hold_amount, hold, hold_active, charge, owed, collected, cash_collected, tip, refunded,
                decline_reason, request_hash, create_time, update_time, end_time, version)
            VALUES (\(payment.id), \(payment.passengerID), \(payment.driverID), \(payment.methodID), \(payment.methodKind.rawValue),
                \(payment.cardToken), \(try StoredJSON.encodeOptional(payment.card))::jsonb, \(payment.currencyCode), \(payment.cityID),
                \(payment.vehicleClass), \(payment.state.rawValue), \(payment.holdAmount), NULL, false, NULL, 0, 0, 0, 0, 0, NULL,
                \(requestHash), \(payment.createTime.postgres), \(payment.updateTime.postgres), NULL, \(payment.version))
            ON CONFLICT (id) DO NOTHING RETURNING 1
            """, logger: logger)
        var isNew = false
        for try await _ in inserted { isNew = true }
        guard isNew else {
            let rows = try await connection.query(
                "SELECT request_hash FROM platform.payments WHERE id = \(payment.id)", logger: logger)
            for try await stored in rows.decode(String.self) where stored != requestHash {
                throw PaymentsError.failedPrecondition(
                    reason: "PAYMENT_EXISTS", message: "this trip already has a payment with another amount or method")
            }
            guard let existing = try await load(payment.id, lock: false, on: connection, logger: logger) else {
                throw PaymentsError.notFound(payment.name)
            }
            return existing
        }
        for operation in payment.operations { try await save(operation, on: connection, logger: logger) }
        if payment.state == .authorized { try await publishAuthorized(payment, on: connection, logger: logger) }
        return payment
    }

    func load(_ id: UUID, lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> Payment? {
        let operations = try await self.operations(of: id, on: connection, logger: logger)
        let rows = try await connection.query(
            "SELECT \(unescaped: PaymentRecords.paymentColumns) FROM platform.payments WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")",
            logger: logger)
        for try await row in rows { return try PaymentRecords.payment(row, operations: operations) }
        return nil
    }

    /// A payment read outside a transaction (from a replica when the caller tolerates lag).
    func payment(_ id: UUID, on database: Database, reader: UUID?, primary: Bool = false, logger: Logger) async throws -> Payment? {
        let query: @Sendable (PostgresClient) async throws -> Payment? = { client in
            try await client.withConnection { connection in try await load(id, lock: false, on: connection, logger: logger) }
        }
        return primary ? try await database.readPrimary(query) : try await database.read(reader: reader, logger: logger, query)
    }

    /// A page of payments, newest first, before the cursor `(createTime, id)`; one passenger's or everyone's.
    func list(passenger: UUID?, before cursor: (Date, UUID)?, limit: Int, on database: Database, logger: Logger) async throws -> [Payment] {
        let start = cursor ?? (Date.distantFuture, UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        // Payments are written by other services' calls and events, not by the reader: the primary.
        return try await database.readPrimary { client in
            try await client.withConnection { connection in
                // Two statements rather than `passenger IS NULL OR ...`, so each uses its index.
                let rows =
                    if let passenger {
                        try await connection.query(
                            """
                            SELECT id FROM platform.payments
                            WHERE passenger_id = \(passenger) AND (create_time, id) < (\(start.0.postgres), \(start.1))
                            ORDER BY create_time DESC, id DESC LIMIT \(limit)
                            """, logger: logger)
                    } else {
                        try await connection.query(
                            """
                            SELECT id FROM platform.payments WHERE (create_time, id) < (\(start.0.postgres), \(start.1))
                            ORDER BY create_time DESC, id DESC LIMIT \(limit)
                            """, logger: logger)
                    }
                var ids: [UUID] = []
                for try await id in rows.decode(UUID.self) { ids.append(id) }
                var payments: [Payment] = []
                for id in ids {
                    if let payment = try await load(id, lock: false, on: connection, logger: logger) { payments.append(payment) }
                }
                return payments
            }
        }
    }

    /// Locks the payment, applies `change`, saves it with its ledger entries and events in one transaction.
    @discardableResult
    func update(
        _ id: UUID, on database: Database, logger: Logger, _ change: @escaping @Sendable (inout Payment) throws -> [JournalEntry]
    ) async throws -> Payment {
        try await database.transaction(logger: logger) { connection in
            try await update(id, on: connection, logger: logger, change)
        }
    }

    /// ``update(_:on:logger:_:)`` inside the caller's transaction.
    func update(
        _ id: UUID, on connection: PostgresConnection, logger: Logger, _ change: @Sendable (inout Payment) throws -> [JournalEntry]
    ) async throws -> Payment {
        // The payment row first, then its operations: every writer locks in that order.
        let lockRows = try await connection.query("SELECT 1 FROM platform.payments WHERE id = \(id) FOR UPDATE", logger: logger)
        var exists = false
        for try await _ in lockRows { exists = true }
        guard exists, let before = try await load(id, lock: false, on: connection, logger: logger) else {
            throw PaymentsError.notFound("payments/\(id.uuidString.lowercased())")
        }
        var payment = before
        let entries = try change(&payment)
        guard payment != before else { return payment }
        try await save(payment, on: connection, logger: logger)
        for operation in payment.operations where !before.operations.contains(operation) {
            try await save(operation, on: connection, logger: logger)
        }
        try await ledger.post(entries, on: connection, logger: logger)
        try await publish(before: before, after: payment, on: connection, logger: logger)
        return payment
    }

    private func operations(of id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [GatewayOperation] {
        let rows = try await connection.query(
            "SELECT \(unescaped: PaymentRecords.operationColumns) FROM platform.gateway_operations WHERE payment_id = \(id) ORDER BY create_time, key",
            logger: logger)
        var operations: [GatewayOperation] = []
        for try await row in rows { operations.append(try PaymentRecords.operation(row)) }
        return operations
    }

    private func save(_ payment: Payment, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE platform.payments SET driver_id = \(payment.driverID), state = \(payment.state.rawValue),
                hold = \(try StoredJSON.encodeOptional(payment.hold))::jsonb, hold_active = \(payment.holdActive),
                charge = \(payment.charge?.rawValue), owed = \(payment.owed), collected = \(payment.collected),
                cash_collected = \(payment.cashCollected), tip = \(payment.tip), refunded = \(payment.refunded),
                decline_reason = \(payment.declineReason?.rawValue), update_time = \(payment.updateTime.postgres),
                end_time = \(payment.endTime?.postgres), version = \(payment.version)
            WHERE id = \(payment.id)
            """, logger: logger)
    }

    private func save(_ operation: GatewayOperation, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO platform.gateway_operations (id, payment_id, kind, key, amount, state, reference, parent_id, refund_id,
                failure_reason, attempts, next_attempt_time, create_time, update_time)
            VALUES (\(operation.id), \(operation.paymentID), \(operation.kind.rawValue), \(operation.key), \(operation.amount),
                \(operation.state.rawValue), \(operation.reference), \(operation.parentID), \(operation.refundID),
                \(operation.failureReason), \(operation.attempts), \(operation.nextAttemptTime.postgres),
                \(operation.createTime.postgres), now())
            ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, reference = EXCLUDED.reference,
                failure_reason = EXCLUDED.failure_reason, attempts = EXCLUDED.attempts,
                next_attempt_time = EXCLUDED.next_attempt_time, update_time = now()
            """, logger: logger)
    }
}
