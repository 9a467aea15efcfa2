import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// The built-in gateway (the local default): a card processor's test mode, kept in the payments
/// database so that every instance of the service sees the same holds.
///
/// Behaves as a processor does: test cards that succeed or are declined (``SandboxCards``), holds
/// that lapse after `holdLifetime`, captures of at most the hold, refunds of at most what was
/// captured, and idempotency keys: a key sent again gets the first answer and moves no money.
public struct SandboxGateway: PaymentGateway {
    let database: Database
    let clock: PaymentsClock
    let holdLifetime: TimeInterval
    let logger: Logger

    public init(database: Database, clock: PaymentsClock, holdLifetime: TimeInterval, logger: Logger) {
        self.database = database
        self.clock = clock
        self.holdLifetime = holdLifetime
        self.logger = logger
    }

    /// What a sandbox request answered, stored under its idempotency key.
    enum Answer: Codable {
        case hold(GatewayHold)
        case charge(GatewayCharge)
        case refund(GatewayRefund)
        case released
        case declined(DeclineReason)
        case holdExpired
        case rejected(String)
    }

    /// Tokenizes a test card, as the processor's client SDK would in the app.
    public func tokenize(number: String, expMonth: Int, expYear: Int, cvc: String) async throws -> (token: String, card: CardDetails) {
        let now = clock.now()
        let (brand, behaviour) = try SandboxCards.validate(number: number, expMonth: expMonth, expYear: expYear, cvc: cvc, now: now)
        let digits = number.filter { $0 != " " && $0 != "-" }
        let card = CardDetails(brand: brand, last4: String(digits.suffix(4)), expMonth: expMonth, expYear: expYear)
        let token = "tok_sandbox_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO platform.sandbox_cards (token, behaviour, brand, last4, exp_month, exp_year, create_time)
                VALUES (\(token), \(behaviour.rawValue), \(brand), \(card.last4), \(expMonth), \(expYear), \(now.postgres))
                """, logger: logger)
        }
        return (token, card)
    }

    public func card(token: String) async throws(GatewayError) -> CardDetails {
        let found = try await call { connection in try await cardRow(token, on: connection) }
        guard let found else { throw .rejected("No such payment method: '\(token.prefix(80))'") }
        return found.card
    }

    public func authorize(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayHold {
        let answer = try await once(request.idempotencyKey, operation: "authorize", card: request.cardToken) { connection, now in
            guard let card = try await cardRow(request.cardToken, on: connection) else { return .rejected("No such payment method") }
            if let decline = card.behaviour.decline { return .declined(decline) }
            let hold = GatewayHold(reference: Self.newID("sbx_pi"), amount: request.amount, expireTime: now.addingTimeInterval(holdLifetime))
            try await connection.query(
                """
                INSERT INTO platform.sandbox_intents (id, card_token, amount, currency_code, status, expire_time, create_time)
                VALUES (\(hold.reference), \(request.cardToken), \(request.amount), \(request.currencyCode), 'REQUIRES_CAPTURE',
                    \(hold.expireTime.postgres), \(now.postgres))
                """, logger: logger)
            return .hold(hold)
        }
        guard case .hold(let hold) = answer else { throw Self.failure(answer) }
        return hold
    }

    public func capture(hold: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayCharge {
        let answer = try await once(idempotencyKey, operation: "capture", intent: hold) { connection, now in
            guard let intent = try await intentRow(hold, on: connection, lock: true) else { return .rejected("No such payment intent") }
            guard intent.status == "REQUIRES_CAPTURE", (intent.expireTime ?? .distantFuture) > now else { return .holdExpired }
            guard amount > 0, amount <= intent.amount else { return .rejected("amount_to_capture must be between 1 and the held amount") }
            try await connection.query(
                "UPDATE platform.sandbox_intents SET status = 'SUCCEEDED', captured = \(amount) WHERE id = \(hold)", logger: logger)
            return .charge(GatewayCharge(reference: hold, amount: amount))
        }
        guard case .charge(let charge) = answer else { throw Self.failure(answer) }
        return charge
    }

    public func release(hold: String, idempotencyKey: String) async throws(GatewayError) {
        let answer = try await once(idempotencyKey, operation: "release", intent: hold) { connection, _ in
            // Releasing what is already gone is no error: nothing is held either way.
            try await connection.query(
                "UPDATE platform.sandbox_intents SET status = 'CANCELED' WHERE id = \(hold) AND status = 'REQUIRES_CAPTURE'",
                logger: logger)
            return .released
        }
        guard case .released = answer else { throw Self.failure(answer) }
    }

    public func charge(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayCharge {
        let answer = try await once(request.idempotencyKey, operation: "charge", card: request.cardToken) { connection, now in
            guard let card = try await cardRow(request.cardToken, on: connection) else { return .rejected("No such payment method") }
            if let decline = card.behaviour.decline { return .declined(decline) }
            let reference = Self.newID("sbx_pi")
            try await connection.query(
                """
                INSERT INTO platform.sandbox_intents (id, card_token, amount, currency_code, captured, status, create_time)
                VALUES (\(reference), \(request.cardToken), \(request.amount), \(request.currencyCode), \(request.amount), 'SUCCEEDED',
                    \(now.postgres))
                """, logger: logger)
            return .charge(GatewayCharge(reference: reference, amount: request.amount))
        }
        guard case .charge(let charge) = answer else { throw Self.failure(answer) }
        return charge
    }

    public func refund(charge: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        let answer = try await once(idempotencyKey, operation: "refund", intent: charge) { connection, _ in
            guard let intent = try await intentRow(charge, on: connection, lock: true) else { return .rejected("No such payment intent") }
            guard amount > 0, amount <= intent.captured - intent.refunded else {
                return .rejected("Refund amount is greater than the unrefunded amount on the charge")
            }
            try await connection.query(
                "UPDATE platform.sandbox_intents SET refunded = refunded + \(amount) WHERE id = \(charge)", logger: logger)
            return .refund(GatewayRefund(reference: Self.newID("sbx_re"), amount: amount))
        }
        guard case .refund(let refund) = answer else { throw Self.failure(answer) }
        return refund
    }

    // MARK: - Idempotency and storage

    /// Runs `effect` once per idempotency key and stores its answer; later calls with the key get
    /// the stored answer. A timeout card loses the first answer of each key (the effect stands).
    private func once(
        _ key: String, operation: String, card token: String? = nil, intent: String? = nil,
        _ effect: @escaping @Sendable (PostgresConnection, Date) async throws -> Answer
    ) async throws(GatewayError) -> Answer {
        let now = clock.now()
        let (answer, lost) = try await call { connection in
            let claimed = try await connection.query(
                """
                INSERT INTO platform.sandbox_requests (idempotency_key, operation, response, answered, create_time)
                VALUES (\(key), \(operation), 'null'::jsonb, false, \(now.postgres)) ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger)
            var isFirst = false
            for try await _ in claimed { isFirst = true }
            if isFirst {
                let answer = try await effect(connection, now)
                var cardToken = token
                if cardToken == nil, let intent { cardToken = try await intentRow(intent, on: connection)?.cardToken }
                var timesOut = false
                if let cardToken { timesOut = try await cardRow(cardToken, on: connection)?.behaviour == .timeout }
                try await connection.query(
                    """
                    UPDATE platform.sandbox_requests SET response = \(try StoredJSON.encode(answer))::jsonb, answered = \(!timesOut)
                    WHERE idempotency_key = \(key)
                    """, logger: logger)
                return (answer, timesOut)
            }
            let rows = try await connection.query(
                "SELECT operation, response::text FROM platform.sandbox_requests WHERE idempotency_key = \(key) FOR UPDATE",
                logger: logger)
            for try await (storedOperation, response) in rows.decode((String, String).self) {
                guard storedOperation == operation else {
                    return (Answer.rejected("Keys for idempotent requests can only be used for the same request"), false)
                }
                try await connection.query(
                    "UPDATE platform.sandbox_requests SET answered = true WHERE idempotency_key = \(key)", logger: logger)
                return (try StoredJSON.decode(Answer.self, response), false)
            }
            throw GatewayError.unknownOutcome("the sandbox lost the request")
        }
        if lost { throw .unknownOutcome("the sandbox gateway timed out (test card)") }
        return answer
    }

    private func call<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(GatewayError) -> T {
        do {
            return try await database.transaction(logger: logger, body)
        } catch let error as GatewayError {
            throw error
        } catch {
            // The sandbox's database failed: to the caller, a processor that did not answer.
            throw .unknownOutcome("the sandbox gateway failed: \(String(reflecting: error))")
        }
    }

    private struct CardRow {
        var behaviour: SandboxCards.Behaviour
        var card: CardDetails
    }

    private func cardRow(_ token: String, on connection: PostgresConnection) async throws -> CardRow? {
        let rows = try await connection.query(
            "SELECT behaviour, brand, last4, exp_month, exp_year FROM platform.sandbox_cards WHERE token = \(token)", logger: logger)
        for try await (behaviour, brand, last4, month, year) in rows.decode((String, String, String, Int, Int).self) {
            return CardRow(
                behaviour: SandboxCards.Behaviour(rawValue: behaviour) ?? .decline,
                card: CardDetails(brand: brand, last4: last4, expMonth: month, expYear: year))
        }
        return nil
    }

    private struct IntentRow {
        var cardToken: String
        var amount: Int64
        var captured: Int64
        var refunded: Int64
        var status: String
        var expireTime: Date?
    }

    private func intentRow(_ id: String, on connection: PostgresConnection, lock: Bool = false) async throws -> IntentRow? {
        let rows = try await connection.query(
            """
            SELECT card_token, amount, captured, refunded, status, expire_time FROM platform.sandbox_intents WHERE id = \(id)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger)
        for try await (token, amount, captured, refunded, status, expire) in rows.decode((String, Int64, Int64, Int64, String, Date?).self) {
            return IntentRow(cardToken: token, amount: amount, captured: captured, refunded: refunded, status: status, expireTime: expire)
        }
        return nil
    }

    private static func failure(_ answer: Answer) -> GatewayError {
        switch answer {
        case .declined(let reason): .declined(reason)
        case .holdExpired: .holdExpired
        case .rejected(let message): .rejected(message)
        case .hold, .charge, .refund, .released: .rejected("the sandbox answered a different operation")
        }
    }

    private static func newID(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24))"
    }
}
