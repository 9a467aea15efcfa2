import CurbsideCore
import Foundation

/// Domain values to API DTOs, and path segments to ids.
enum PaymentsMapping {
    static func money(_ minorUnits: Int64, _ currency: String) -> Components.Schemas.Money {
        let parts = MoneyCoding.parts(minorUnits, currency: currency)
        return .init(currencyCode: currency, units: parts.units, nanos: parts.nanos)
    }

    static func minorUnits(_ money: Components.Schemas.Money, field: String, max: Int64 = 100_000_000) throws(AIPError) -> (Int64, String) {
        guard money.currencyCode.count == 3, money.currencyCode.utf8.allSatisfy({ (65...90).contains($0) }) else {
            throw .invalidArgument("\(field).currencyCode must be an ISO 4217 code", field: "\(field).currencyCode", reason: "INVALID_CURRENCY")
        }
        let amount = try MoneyCoding.minorUnits(
            currencyCode: money.currencyCode, units: money.units, nanos: money.nanos, currency: money.currencyCode, max: max, field: field)
        return (amount, money.currencyCode)
    }

    static func card(_ card: CardDetails) -> Components.Schemas.Card {
        .init(brand: card.brand, last4: card.last4, expMonth: Int32(clamping: card.expMonth), expYear: Int32(clamping: card.expYear))
    }

    static func method(_ method: PaymentMethod) -> Components.Schemas.PaymentMethod {
        .init(
            name: method.name, _type: method.kind == .card ? .card : .cash, card: method.card.map(card), isDefault: method.isDefault,
            createTime: method.createTime)
    }

    static func payment(_ payment: Payment) -> Components.Schemas.Payment {
        let currency = payment.currencyCode
        func m(_ amount: Int64) -> Components.Schemas.Money { money(amount, currency) }
        return .init(
            name: payment.name, trip: payment.trip, passenger: "users/\(payment.passengerID.uuidString.lowercased())",
            driver: payment.driverID.map { "drivers/\($0.uuidString.lowercased())" },
            state: .init(rawValue: payment.state.rawValue) ?? .pendingAuthorization,
            declineReason: payment.declineReason.flatMap { .init(rawValue: $0.rawValue) },
            method: .init(
                paymentMethod: payment.methodID.map {
                    "users/\(payment.passengerID.uuidString.lowercased())/paymentMethods/\($0.uuidString.lowercased())"
                },
                _type: payment.methodKind == .card ? .card : .cash, card: payment.card.map(card)),
            holdAmount: m(payment.holdAmount), holdActive: payment.holdActive, holdExpireTime: payment.holdActive ? payment.hold?.expireTime : nil,
            charge: payment.charge.flatMap { .init(rawValue: $0.rawValue) }, owed: m(payment.owed), collected: m(payment.collected),
            cashCollected: m(payment.cashCollected), tip: m(payment.tip), refunded: m(payment.refunded), outstanding: m(payment.outstanding),
            total: m(payment.collected + payment.cashCollected + payment.tip - payment.refunded),
            receipt: receipt(payment),
            operations: payment.operations.map { operation in
                .init(
                    kind: .init(rawValue: operation.kind.rawValue) ?? .authorize, amount: m(operation.amount),
                    state: .init(rawValue: operation.state.rawValue) ?? .pending,
                    refund: operation.refundID.map { "\(payment.name)/refunds/\($0.uuidString.lowercased())" },
                    failureReason: operation.failureReason, attempts: Int32(clamping: operation.attempts), createTime: operation.createTime)
            },
            createTime: payment.createTime, updateTime: payment.updateTime, endTime: payment.endTime)
    }

    /// The passenger's receipt: what the trip came to owe, the tip, the refunds, and what was paid.
    static func receipt(_ payment: Payment) -> Components.Schemas.Receipt {
        let currency = payment.currencyCode
        var items: [Components.Schemas.Receipt.LineItemsPayloadPayload] = []
        if let charge = payment.charge {
            items.append(
                .init(
                    kind: charge == .fare ? .fare : .cancellationFee, amount: money(payment.owed, currency),
                    description: charge == .fare ? "Trip fare" : "Cancellation fee"))
        }
        if payment.tip > 0 { items.append(.init(kind: .tip, amount: money(payment.tip, currency), description: "Tip for the driver")) }
        for refund in payment.operations where refund.kind == .refund && refund.state == .succeeded {
            items.append(.init(kind: .refund, amount: money(refund.amount, currency), description: "Refund"))
        }
        let paidWith =
            payment.methodKind == .cash ? "cash" : payment.card.map { "\($0.brand) •••• \($0.last4)" } ?? "card"
        return .init(
            lineItems: items, total: money(payment.collected + payment.cashCollected + payment.tip - payment.refunded, currency),
            outstanding: payment.outstanding > 0 ? money(payment.outstanding, currency) : nil, paidWith: paidWith)
    }

    static func refund(_ refund: Refund, _ payment: Payment) -> Components.Schemas.Refund {
        .init(
            name: refund.name, amount: money(refund.amount, payment.currencyCode),
            refunded: money(refund.refunded(in: payment), payment.currencyCode), reason: refund.reason,
            state: .init(rawValue: refund.state(in: payment).rawValue) ?? .pending, createTime: refund.createTime)
    }

    /// A payout run as an AIP-151 operation.
    static func operation(_ run: PayoutRun) -> Components.Schemas.Operation {
        let done = run.state != .running
        return .init(
            name: run.operationName, done: done,
            metadata: .init(
                _commat_type: "type.googleapis.com/curbside.payments.v1.PayoutRunMetadata", run: run.key,
                state: .init(rawValue: run.state.rawValue) ?? .running, threshold: String(run.threshold), createTime: run.createTime,
                doneTime: run.doneTime),
            response: run.state == .succeeded
                ? .init(
                    _commat_type: "type.googleapis.com/curbside.payments.v1.PayoutRunResult",
                    totals: run.totals.map { .init(drivers: Int32(clamping: $0.drivers), amount: money($0.amount, $0.currencyCode)) })
                : nil,
            error: run.state == .failed ? .init(code: 13, message: run.error ?? "the payout run failed") : nil)
    }

    /// `me` (the caller) or a UUID.
    static func userID(_ segment: String, caller: Principal, field: String) throws(AIPError) -> UUID {
        try PathIDs.userID(segment, caller: caller, field: field)
    }

    static func uuid(_ segment: String, field: String) throws(AIPError) -> UUID {
        try PathIDs.uuid(segment, field: field)
    }

    /// The request id from the query or the body (they must agree when both are given).
    static func requestID(query: String?, body: String?) throws(AIPError) -> UUID? {
        let (fromQuery, fromBody) = (try PathIDs.requestID(query), try PathIDs.requestID(body))
        if let fromQuery, let fromBody, fromQuery != fromBody {
            throw .invalidArgument("requestId differs between query and body", field: "requestId", reason: "INVALID_REQUEST_ID")
        }
        return fromQuery ?? fromBody
    }
}
