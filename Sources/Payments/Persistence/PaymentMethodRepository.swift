import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Passengers' payment methods in `passenger.payment_methods`, reachable only through the passenger
/// role. Removed methods are kept (soft-deleted) because past payments name them.
struct PaymentMethodRepository: Sendable {
    static let columns = """
        id, passenger_id, kind, gateway_token, card_brand, card_last4, card_exp_month, card_exp_year, is_default, create_time
        """

    /// Adds a method once per request id; the passenger's first method becomes the default, and so
    /// does any added with `makeDefault`. Returns the id of the method the request created.
    func insert(
        _ method: PaymentMethod, makeDefault: Bool, requestID: UUID?, requestHash: String, on database: Database, logger: Logger
    ) async throws -> UUID {
        do {
            return try await database.transaction(writer: method.passengerID, logger: logger) { connection in
                try await IdempotencyKeys.createOnce(
                    scope: "payments.createPaymentMethod/\(method.passengerID.uuidString.lowercased())", requestID: requestID,
                    requestHash: requestHash, id: method.id, on: connection, logger: logger
                ) {
                    try await lockPassenger(method.passengerID, on: connection, logger: logger)
                    let existing = try await connection.query(
                        "SELECT count(*)::int FROM passenger.payment_methods WHERE passenger_id = \(method.passengerID) AND delete_time IS NULL",
                        logger: logger)
                    var count = 0
                    for try await value in existing.decode(Int.self) { count = value }
                    let isDefault = makeDefault || count == 0
                    if isDefault { try await clearDefault(method.passengerID, on: connection, logger: logger) }
                    try await connection.query(
                        """
                        INSERT INTO passenger.payment_methods (id, passenger_id, kind, gateway_token, card_brand, card_last4,
                            card_exp_month, card_exp_year, is_default, create_time)
                        VALUES (\(method.id), \(method.passengerID), \(method.kind.rawValue), \(method.gatewayToken), \(method.card?.brand),
                            \(method.card?.last4), \(method.card?.expMonth), \(method.card?.expYear), \(isDefault),
                            \(method.createTime.postgres))
                        """, logger: logger)
                }
            }
        } catch let error as PSQLError where error.serverInfo?[.constraintName] == "payment_methods_one_cash" {
            throw PaymentsError.failedPrecondition(reason: "CASH_ALREADY_ADDED", message: "cash is already one of your payment methods")
        }
    }

    /// One of the passenger's methods; `primary` when a decision depends on it (a trip request).
    func method(_ id: UUID, passenger: UUID, primary: Bool = false, on database: Database, logger: Logger) async throws -> PaymentMethod? {
        let query: @Sendable (PostgresClient) async throws -> PaymentMethod? = { client in
            try await Self.methods(
                client.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM passenger.payment_methods
                    WHERE id = \(id) AND passenger_id = \(passenger) AND delete_time IS NULL
                    """, logger: logger)
            ).first
        }
        return primary ? try await database.readPrimary(query) : try await database.read(reader: passenger, logger: logger, query)
    }

    /// The passenger's default method, read from the primary (a trip request must see a method added a moment ago).
    func defaultMethod(passenger: UUID, on database: Database, logger: Logger) async throws -> PaymentMethod? {
        try await database.readPrimary { client in
            try await Self.methods(
                client.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM passenger.payment_methods
                    WHERE passenger_id = \(passenger) AND is_default AND delete_time IS NULL
                    """, logger: logger)
            ).first
        }
    }

    /// One page of the passenger's methods, oldest first.
    func list(passenger: UUID, after cursor: (Date, UUID)?, limit: Int, on database: Database, logger: Logger) async throws
        -> [PaymentMethod]
    {
        let start = cursor ?? (Date(timeIntervalSince1970: 0), UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        return try await database.read(reader: passenger, logger: logger) { client in
            try await Self.methods(
                client.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM passenger.payment_methods
                    WHERE passenger_id = \(passenger) AND delete_time IS NULL AND (create_time, id) > (\(start.0.postgres), \(start.1))
                    ORDER BY create_time, id LIMIT \(limit)
                    """, logger: logger))
        }
    }

    /// Makes `id` the default; false when the passenger has no such method.
    func setDefault(_ id: UUID, passenger: UUID, on database: Database, logger: Logger) async throws -> Bool {
        try await database.transaction(writer: passenger, logger: logger) { connection in
            try await lockPassenger(passenger, on: connection, logger: logger)
            guard try await exists(id, passenger: passenger, on: connection, logger: logger) else { return false }
            try await clearDefault(passenger, on: connection, logger: logger)
            try await connection.query(
                "UPDATE passenger.payment_methods SET is_default = true WHERE id = \(id)", logger: logger)
            return true
        }
    }

    /// Removes a method; when it was the default, the newest remaining one becomes the default.
    func remove(_ id: UUID, passenger: UUID, now: Date, on database: Database, logger: Logger) async throws -> Bool {
        try await database.transaction(writer: passenger, logger: logger) { connection in
            try await lockPassenger(passenger, on: connection, logger: logger)
            guard try await exists(id, passenger: passenger, on: connection, logger: logger) else { return false }
            try await connection.query(
                "UPDATE passenger.payment_methods SET delete_time = \(now.postgres), is_default = false WHERE id = \(id)",
                logger: logger)
            try await connection.query(
                """
                UPDATE passenger.payment_methods SET is_default = true
                WHERE id = (SELECT id FROM passenger.payment_methods WHERE passenger_id = \(passenger) AND delete_time IS NULL
                            ORDER BY create_time DESC, id DESC LIMIT 1)
                  AND NOT EXISTS (SELECT 1 FROM passenger.payment_methods
                                  WHERE passenger_id = \(passenger) AND is_default AND delete_time IS NULL)
                """, logger: logger)
            return true
        }
    }

    /// Serializes one passenger's changes to their methods (who is the default depends on the others).
    private func lockPassenger(_ passenger: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\("payment_methods/" + passenger.uuidString), 0))", logger: logger)
    }

    private func clearDefault(_ passenger: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE passenger.payment_methods SET is_default = false WHERE passenger_id = \(passenger) AND is_default", logger: logger)
    }

    private func exists(_ id: UUID, passenger: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM passenger.payment_methods WHERE id = \(id) AND passenger_id = \(passenger) AND delete_time IS NULL",
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    static func methods(_ rows: PostgresRowSequence) async throws -> [PaymentMethod] {
        var methods: [PaymentMethod] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            guard let kind = PaymentMethod.Kind(rawValue: try cells[2].decode(String.self)) else { throw CorruptRecord(column: "kind") }
            var card: CardDetails?
            if let brand = try cells[4].decode(String?.self), let last4 = try cells[5].decode(String?.self),
                let month = try cells[6].decode(Int?.self), let year = try cells[7].decode(Int?.self)
            {
                card = CardDetails(brand: brand, last4: last4, expMonth: month, expYear: year)
            }
            methods.append(
                PaymentMethod(
                    id: try cells[0].decode(UUID.self), passengerID: try cells[1].decode(UUID.self), kind: kind,
                    gatewayToken: try cells[3].decode(String?.self), card: card, isDefault: try cells[8].decode(Bool.self),
                    createTime: try cells[9].decode(Date.self)))
        }
        return methods
    }
}
