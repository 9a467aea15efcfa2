import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// The `payments.v1` events a change caused, read off the payment before and after it.
extension PaymentRepository {
    func publish(before: Payment, after payment: Payment, on connection: PostgresConnection, logger: Logger) async throws {
        let now = payment.updateTime
        let passenger = "users/\(payment.passengerID.uuidString.lowercased())"
        func money(_ amount: Int64) -> MoneyAmount { MoneyAmount(currencyCode: payment.currencyCode, minorUnits: amount) }
        if before.state == .pendingAuthorization, payment.state == .authorized {
            try await publishAuthorized(payment, on: connection, logger: logger)
        }
        if before.state == .pendingAuthorization, payment.state == .declined {
            try await outbox.append(
                PaymentsV1.PaymentDeclined(
                    payment: payment.name, trip: payment.trip, passenger: passenger,
                    declineReason: (payment.declineReason ?? .cardDeclined).rawValue, declineTime: now),
                occurredAt: now, on: connection, logger: logger)
        }
        if before.state != payment.state, [.settled, .unpaid, .voided].contains(payment.state) {
            try await outbox.append(
                PaymentsV1.PaymentSettled(
                    payment: payment.name, trip: payment.trip, passenger: passenger,
                    driver: payment.driverID.map { "drivers/\($0.uuidString.lowercased())" }, state: payment.state.rawValue,
                    charge: payment.charge?.rawValue, owed: money(payment.owed), collected: money(payment.collected),
                    cashCollected: money(payment.cashCollected), outstanding: money(payment.outstanding), settleTime: now),
                occurredAt: now, on: connection, logger: logger)
        }
        for operation in payment.operations where operation.state == .succeeded {
            guard before.operations.first(where: { $0.id == operation.id })?.state != .succeeded else { continue }
            switch operation.kind {
            case .tip:
                guard let driver = payment.driverID else { continue }
                try await outbox.append(
                    PaymentsV1.TipAdded(
                        payment: payment.name, trip: payment.trip, passenger: passenger, driver: "drivers/\(driver.uuidString.lowercased())",
                        amount: money(operation.amount), tipTime: now),
                    occurredAt: now, on: connection, logger: logger)
            case .refund:
                guard let refund = operation.refundID else { continue }
                try await outbox.append(
                    PaymentsV1.PaymentRefunded(
                        payment: payment.name, trip: payment.trip, passenger: passenger,
                        refund: "\(payment.name)/refunds/\(refund.uuidString.lowercased())", amount: money(operation.amount),
                        refundTime: now),
                    occurredAt: now, on: connection, logger: logger)
            case .authorize, .capture, .charge, .release:
                continue
            }
        }
    }

    func publishAuthorized(_ payment: Payment, on connection: PostgresConnection, logger: Logger) async throws {
        try await outbox.append(
            PaymentsV1.PaymentAuthorized(
                payment: payment.name, trip: payment.trip, passenger: "users/\(payment.passengerID.uuidString.lowercased())",
                amount: MoneyAmount(currencyCode: payment.currencyCode, minorUnits: payment.hold?.amount ?? 0),
                authorizeTime: payment.updateTime),
            occurredAt: payment.updateTime, on: connection, logger: logger)
    }
}
