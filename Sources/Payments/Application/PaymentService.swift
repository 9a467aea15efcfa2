import Crypto
import CurbsideCore
import Foundation
import Logging

/// A trip's payment: the hold at request, reading it, tips and refunds. What happens when the trip
/// ends is in `PaymentService+TripEnd.swift`.
///
/// Every use case changes the payment in one short transaction and only then calls the gateway
/// (through ``OperationRunner``), so no transaction is ever open during a gateway call.
public struct PaymentService: Sendable {
    let payments: PaymentRepository
    let refunds = RefundRecords()
    let methods: PaymentMethodRepository
    let rates: CommissionRates
    let runner: OperationRunner
    let databases: ServiceDatabases
    let pageTokens: PageTokenCodec
    let settings: PaymentsSettings
    let clock: PaymentsClock

    /// What trips asks for when a passenger requests a trip.
    public struct HoldRequest: Sendable {
        public var tripID: UUID
        public var passengerID: UUID
        /// `users/{user}/paymentMethods/{id}` (or `users/me/...`); nil: the default method.
        public var paymentMethod: String?
        /// The quoted fare, minor units.
        public var amount: Int64
        public var currencyCode: String
        public var cityID: String
        public var vehicleClass: String
    }

    /// Places the hold for a trip request, once per trip. The answer is AUTHORIZED, DECLINED, or
    /// PENDING_AUTHORIZATION when the gateway did not answer (an event follows when it does).
    public func authorize(_ request: HoldRequest, logger: Logger) async throws -> Payment {
        guard request.amount > 0, request.amount <= 100_000_000 else {
            throw PaymentsError.invalidField(field: "amount", message: "amount must be between 1 and 100000000 minor units")
        }
        let method = try await resolveMethod(request.paymentMethod, passenger: request.passengerID, logger: logger)
        let now = clock.now()
        if method.isExpired(at: now) { throw PaymentsError.cardExpired }
        let hash = Self.hash([
            request.passengerID.uuidString, method.id.uuidString, String(request.amount), request.currencyCode, request.cityID,
            request.vehicleClass,
        ])
        let payment = Payment(
            tripID: request.tripID, passengerID: request.passengerID, method: method,
            amount: method.kind == .cash ? 0 : settings.holdAmount(forQuote: request.amount), currencyCode: request.currencyCode,
            cityID: request.cityID, vehicleClass: request.vehicleClass, now: now, lease: settings.operationLease)
        let stored = try await databases.platform.transaction(logger: logger) { connection in
            try await payments.create(payment, requestHash: hash, on: connection, logger: logger)
        }
        guard stored.state == .pendingAuthorization else { return stored }
        return try await runner.settle(stored, logger: logger)
    }

    private func resolveMethod(_ name: String?, passenger: UUID, logger: Logger) async throws -> PaymentMethod {
        guard let name else {
            guard let method = try await methods.defaultMethod(passenger: passenger, on: databases.passenger, logger: logger) else {
                throw PaymentsError.noPaymentMethod
            }
            return method
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "users", parts[2] == "paymentMethods",
            parts[1] == "me" || UUID(uuidString: String(parts[1])) == passenger, let id = UUID(uuidString: String(parts[3]))
        else {
            throw PaymentsError.invalidField(
                field: "paymentMethod", message: "paymentMethod must be one of the passenger's: users/{user}/paymentMethods/{paymentMethod}")
        }
        guard let method = try await methods.method(id, passenger: passenger, primary: true, on: databases.passenger, logger: logger) else {
            throw PaymentsError.notFound(name)
        }
        return method
    }

    /// The payment, for its passenger, an admin or another service.
    public func get(_ id: UUID, caller: Principal, logger: Logger) async throws -> Payment {
        // A payment made a moment ago (by trips' call) may not have reached the replica yet.
        var payment = try await payments.payment(id, on: databases.platform, reader: nil, logger: logger)
        if payment == nil { payment = try await payments.payment(id, on: databases.platform, reader: nil, primary: true, logger: logger) }
        guard caller.role == .admin || caller.role == .service else {
            guard let payment, payment.passengerID == caller.userID else { throw PaymentsError.notYours }
            return payment
        }
        guard let payment else { throw PaymentsError.notFound("payments/\(id.uuidString.lowercased())") }
        return payment
    }

    /// One page of receipts, newest first: the caller's own (passengers) or everyone's (admins).
    public func list(pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger) async throws
        -> (payments: [Payment], nextPageToken: String?)
    {
        let passenger: UUID? =
            switch caller.role {
            case .admin: nil
            case .passenger: caller.userID
            case .driver, .service: throw PaymentsError.notYours
            }
        let paging = try PageRequest(
            pageSize: pageSize, pageToken: pageToken, query: "payments|\(passenger?.uuidString ?? "all")", codec: pageTokens)
        let cursor: (Date, UUID)? = try paging.cursor.map { cursor in
            guard let time = Timestamp.parse(cursor.sortKey), let id = UUID(uuidString: cursor.id) else {
                throw AIPError.invalidArgument("pageToken is not valid", field: "pageToken", reason: "INVALID_PAGE_TOKEN")
            }
            return (time, id)
        }
        let rows = try await payments.list(
            passenger: passenger, before: cursor, limit: paging.limit + 1, on: databases.platform, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        return (page.items, page.nextPageToken)
    }

    /// Tips the driver of the caller's completed trip; a retry with the same request id is the same tip.
    public func tip(_ id: UUID, amount: Int64, currencyCode: String, requestID: UUID?, caller: Principal, logger: Logger) async throws
        -> Payment
    {
        let now = clock.now()
        let (window, lease) = (settings.tipWindow, settings.operationLease)
        let change: @Sendable (inout Payment) throws -> [JournalEntry] = { payment in
            guard payment.passengerID == caller.userID else { throw PaymentsError.notYours }
            guard payment.currencyCode == currencyCode else {
                throw PaymentsError.invalidField(field: "amount.currencyCode", message: "the tip must be in \(payment.currencyCode)")
            }
            try payment.addTip(amount, now: now, window: window, lease: lease)
            return []
        }
        try await databases.platform.transaction(logger: logger) { connection in
            guard let requestID else {
                _ = try await payments.update(id, on: connection, logger: logger, change)
                return
            }
            _ = try await IdempotencyKeys.once(
                scope: "payments.tip/\(id.uuidString.lowercased())", requestID: requestID,
                requestHash: Self.hash([String(amount), currencyCode, caller.userID.uuidString]), on: connection, logger: logger
            ) {
                _ = try await payments.update(id, on: connection, logger: logger, change)
                return Array("ok".utf8)
            }
        }
        let settled = try await settle(id, logger: logger)
        if let tip = settled.operations.last(where: { $0.kind == .tip }), tip.state == .failed {
            throw PaymentsError.declined(DeclineReason(rawValue: tip.failureReason ?? "") ?? .cardDeclined)
        }
        return settled
    }

    /// Refunds part or all of what the card paid (admins), once per request id. Returns the refund
    /// (the one the first request made, on a retry) and the payment as it then is.
    public func refund(
        _ id: UUID, amount: Int64, currencyCode: String, reason: String, requestID: UUID?, caller: Principal, logger: Logger
    ) async throws -> (refund: Refund, payment: Payment) {
        guard caller.role == .admin else { throw PaymentsError.notYours }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw PaymentsError.invalidField(field: "reason", message: "a refund needs a reason") }
        let now = clock.now()
        let lease = settings.operationLease
        let refund = Refund(id: UUID(), paymentID: id, amount: amount, reason: trimmed, requestedBy: caller.userID, createTime: now)
        let refundID = try await databases.platform.transaction(logger: logger) { connection in
            try await IdempotencyKeys.createOnce(
                scope: "payments.refund/\(id.uuidString.lowercased())", requestID: requestID,
                requestHash: Self.hash([String(amount), currencyCode, trimmed]), id: refund.id, on: connection, logger: logger
            ) {
                _ = try await payments.update(id, on: connection, logger: logger) { payment in
                    guard payment.currencyCode == currencyCode else {
                        throw PaymentsError.invalidField(field: "amount.currencyCode", message: "the refund must be in \(payment.currencyCode)")
                    }
                    try payment.refund(refund.id, amount: amount, now: now, lease: lease)
                    return []
                }
                try await refunds.insert(refund, on: connection, logger: logger)
            }
        }
        let payment = try await settle(id, logger: logger)
        guard let stored = try await refunds.refunds(of: id, id: refundID, on: databases.platform, logger: logger).first else {
            throw PaymentsError.notFound("payments/\(id.uuidString.lowercased())/refunds/\(refundID.uuidString.lowercased())")
        }
        return (stored, payment)
    }

    /// A payment's refunds, for its passenger or an admin.
    public func refunds(of id: UUID, refund: UUID? = nil, caller: Principal, logger: Logger) async throws -> (Payment, [Refund]) {
        let payment = try await get(id, caller: caller, logger: logger)
        return (payment, try await refunds.refunds(of: id, id: refund, on: databases.platform, logger: logger))
    }

    /// Runs whatever the payment still has open.
    func settle(_ id: UUID, logger: Logger) async throws -> Payment {
        guard let payment = try await payments.payment(id, on: databases.platform, reader: nil, primary: true, logger: logger) else {
            throw PaymentsError.notFound("payments/\(id.uuidString.lowercased())")
        }
        return try await runner.settle(payment, logger: logger)
    }

    /// A fingerprint of a request's body, so a request id reused with another body is refused.
    static func hash(_ parts: [String]) -> String {
        SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
