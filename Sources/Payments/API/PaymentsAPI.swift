import CurbsideCore
import Foundation
import Logging
import OpenAPIRuntime

/// The generated `APIProtocol` of the payments service: maps DTOs to use cases and back; no rules here.
///
/// Roles are enforced before these methods run (``GuardedTransport`` reads `x-curbside-roles`);
/// whose resource a caller may touch is decided in the application layer.
struct PaymentsAPI: APIProtocol {
    let methods: PaymentMethodService
    let payments: PaymentService
    let earnings: EarningsService
    let payouts: PayoutService
    let administration: PaymentsAdministration
    /// Set with the sandbox gateway only.
    let sandbox: SandboxGateway?

    var logger: Logger { RequestScope.current.logger }

    func caller() throws -> Principal { try RequestScope.current.requirePrincipal() }

    func createPaymentMethod(_ input: Operations.CreatePaymentMethod.Input) async throws -> Operations.CreatePaymentMethod.Output {
        try await PaymentsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let caller = try caller()
            let passenger = try PaymentsMapping.userID(input.path.user, caller: caller, field: "user")
            let new: PaymentMethodService.NewMethod
            switch (body.card, body.cash) {
            case (let card?, nil): new = .card(token: card.token)
            case (nil, .some): new = .cash
            default:
                throw AIPError.invalidArgument("give exactly one of card and cash", field: "card", reason: "INVALID_ARGUMENT")
            }
            let method = try await methods.add(
                new, passenger: passenger, makeDefault: body.makeDefault ?? false,
                requestID: try PaymentsMapping.requestID(query: input.query.requestId, body: body.requestId), caller: caller, logger: logger)
            return .ok(.init(body: .json(PaymentsMapping.method(method))))
        }
    }

    func listPaymentMethods(_ input: Operations.ListPaymentMethods.Input) async throws -> Operations.ListPaymentMethods.Output {
        try await PaymentsErrorMapping.translating {
            let caller = try caller()
            let passenger = try PaymentsMapping.userID(input.path.user, caller: caller, field: "user")
            let page = try await methods.list(
                passenger: passenger, pageSize: input.query.pageSize, pageToken: input.query.pageToken, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init(paymentMethods: page.methods.map(PaymentsMapping.method), nextPageToken: page.nextPageToken))))
        }
    }

    func getPaymentMethod(_ input: Operations.GetPaymentMethod.Input) async throws -> Operations.GetPaymentMethod.Output {
        try await PaymentsErrorMapping.translating {
            let caller = try caller()
            let passenger = try PaymentsMapping.userID(input.path.user, caller: caller, field: "user")
            let id = try PaymentsMapping.uuid(input.path.paymentMethod, field: "paymentMethod")
            return .ok(.init(body: .json(PaymentsMapping.method(try await methods.get(id, passenger: passenger, caller: caller, logger: logger)))))
        }
    }

    func deletePaymentMethod(_ input: Operations.DeletePaymentMethod.Input) async throws -> Operations.DeletePaymentMethod.Output {
        try await PaymentsErrorMapping.translating {
            let caller = try caller()
            let passenger = try PaymentsMapping.userID(input.path.user, caller: caller, field: "user")
            let id = try PaymentsMapping.uuid(input.path.paymentMethod, field: "paymentMethod")
            try await methods.remove(id, passenger: passenger, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init())))
        }
    }

    func setDefaultPaymentMethod(_ input: Operations.SetDefaultPaymentMethod.Input) async throws -> Operations.SetDefaultPaymentMethod.Output {
        try await PaymentsErrorMapping.translating {
            let caller = try caller()
            let passenger = try PaymentsMapping.userID(input.path.user, caller: caller, field: "user")
            let id = try PaymentsMapping.uuid(input.path.paymentMethod, field: "paymentMethod")
            let method = try await methods.setDefault(id, passenger: passenger, caller: caller, logger: logger)
            return .ok(.init(body: .json(PaymentsMapping.method(method))))
        }
    }

    func createSandboxCardToken(_ input: Operations.CreateSandboxCardToken.Input) async throws -> Operations.CreateSandboxCardToken.Output {
        try await PaymentsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            guard let sandbox else {
                throw AIPError.failedPrecondition("the sandbox gateway is not in use", reason: "SANDBOX_DISABLED")
            }
            let (token, card) = try await sandbox.tokenize(
                number: body.number, expMonth: Int(body.expMonth), expYear: Int(body.expYear), cvc: body.cvc)
            return .ok(.init(body: .json(.init(token: token, card: PaymentsMapping.card(card)))))
        }
    }

    func createPayment(_ input: Operations.CreatePayment.Input) async throws -> Operations.CreatePayment.Output {
        try await PaymentsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            _ = try PaymentsMapping.requestID(query: input.query.requestId, body: body.requestId)
            guard let trip = PaymentService.id(body.trip, "trips") else {
                throw AIPError.invalidArgument("trip must be trips/{uuid}", field: "trip", reason: "INVALID_ID")
            }
            guard let passenger = PaymentService.id(body.passenger, "users") else {
                throw AIPError.invalidArgument("passenger must be users/{uuid}", field: "passenger", reason: "INVALID_ID")
            }
            let cityParts = body.city.split(separator: "/")
            guard cityParts.count == 2, cityParts[0] == "cities" else {
                throw AIPError.invalidArgument("city must be cities/{city}", field: "city", reason: "INVALID_ID")
            }
            let (amount, currency) = try PaymentsMapping.minorUnits(body.amount, field: "amount")
            let payment = try await payments.authorize(
                .init(
                    tripID: trip, passengerID: passenger, paymentMethod: body.paymentMethod, amount: amount, currencyCode: currency,
                    cityID: String(cityParts[1]), vehicleClass: body.vehicleClass.rawValue),
                logger: logger)
            return .ok(.init(body: .json(PaymentsMapping.payment(payment))))
        }
    }

    func getPayment(_ input: Operations.GetPayment.Input) async throws -> Operations.GetPayment.Output {
        try await PaymentsErrorMapping.translating {
            let id = try PaymentsMapping.uuid(input.path.payment, field: "payment")
            return .ok(.init(body: .json(PaymentsMapping.payment(try await payments.get(id, caller: try caller(), logger: logger)))))
        }
    }

    func listPayments(_ input: Operations.ListPayments.Input) async throws -> Operations.ListPayments.Output {
        try await PaymentsErrorMapping.translating {
            let page = try await payments.list(
                pageSize: input.query.pageSize, pageToken: input.query.pageToken, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(.init(payments: page.payments.map(PaymentsMapping.payment), nextPageToken: page.nextPageToken))))
        }
    }

    func tipPayment(_ input: Operations.TipPayment.Input) async throws -> Operations.TipPayment.Output {
        try await PaymentsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let id = try PaymentsMapping.uuid(input.path.payment, field: "payment")
            let (amount, currency) = try PaymentsMapping.minorUnits(body.amount, field: "amount")
            let payment = try await payments.tip(
                id, amount: amount, currencyCode: currency,
                requestID: try PaymentsMapping.requestID(query: input.query.requestId, body: body.requestId), caller: try caller(),
                logger: logger)
            return .ok(.init(body: .json(PaymentsMapping.payment(payment))))
        }
    }

    func createRefund(_ input: Operations.CreateRefund.Input) async throws -> Operations.CreateRefund.Output {
        try await PaymentsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let id = try PaymentsMapping.uuid(input.path.payment, field: "payment")
            let (amount, currency) = try PaymentsMapping.minorUnits(body.amount, field: "amount")
            let (refund, payment) = try await payments.refund(
                id, amount: amount, currencyCode: currency, reason: body.reason,
                requestID: try PaymentsMapping.requestID(query: input.query.requestId, body: body.requestId), caller: try caller(),
                logger: logger)
            return .ok(.init(body: .json(PaymentsMapping.refund(refund, payment))))
        }
    }

    func listRefunds(_ input: Operations.ListRefunds.Input) async throws -> Operations.ListRefunds.Output {
        try await PaymentsErrorMapping.translating {
            let id = try PaymentsMapping.uuid(input.path.payment, field: "payment")
            let (payment, refunds) = try await payments.refunds(of: id, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(.init(refunds: refunds.map { PaymentsMapping.refund($0, payment) }))))
        }
    }

    func getRefund(_ input: Operations.GetRefund.Input) async throws -> Operations.GetRefund.Output {
        try await PaymentsErrorMapping.translating {
            let id = try PaymentsMapping.uuid(input.path.payment, field: "payment")
            let refundID = try PaymentsMapping.uuid(input.path.refund, field: "refund")
            let (payment, refunds) = try await payments.refunds(of: id, refund: refundID, caller: try caller(), logger: logger)
            guard let refund = refunds.first else { throw PaymentsError.notFound("\(payment.name)/refunds/\(input.path.refund)") }
            return .ok(.init(body: .json(PaymentsMapping.refund(refund, payment))))
        }
    }

    func getDriverBalance(_ input: Operations.GetDriverBalance.Input) async throws -> Operations.GetDriverBalance.Output {
        try await PaymentsErrorMapping.translating {
            let caller = try caller()
            let driver = try PaymentsMapping.userID(input.path.driver, caller: caller, field: "driver")
            let balances = try await earnings.balances(driver: driver, caller: caller, logger: logger)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            driver: "drivers/\(driver.uuidString.lowercased())",
                            balances: balances.map {
                                .init(
                                    earnings: PaymentsMapping.money($0.earnings, $0.currencyCode),
                                    cashHeld: PaymentsMapping.money($0.cashHeld, $0.currencyCode),
                                    payable: PaymentsMapping.money($0.payable, $0.currencyCode))
                            }))))
        }
    }

    func listStatementLines(_ input: Operations.ListStatementLines.Input) async throws -> Operations.ListStatementLines.Output {
        try await PaymentsErrorMapping.translating {
            let caller = try caller()
            let driver = try PaymentsMapping.userID(input.path.driver, caller: caller, field: "driver")
            let page = try await earnings.statement(
                driver: driver, pageSize: input.query.pageSize, pageToken: input.query.pageToken, caller: caller, logger: logger)
            let lines: [Components.Schemas.StatementLine] = page.lines.map { line in
                // Seen from the driver: a credit (negative posting) to either account adds to what they are owed.
                .init(
                    entry: "journalEntries/\(line.entryID.uuidString.lowercased())", kind: .init(rawValue: line.kind.rawValue) ?? .tripFare,
                    subject: line.subject, account: line.account.kind == .driverEarnings ? .driverEarnings : .driverCash,
                    amount: PaymentsMapping.money(abs(line.amount), line.account.currencyCode),
                    direction: line.amount < 0 ? .credit : .debit, createTime: line.createTime)
            }
            return .ok(.init(body: .json(.init(lines: lines, nextPageToken: page.nextPageToken))))
        }
    }

    func getCommissionRate(_ input: Operations.GetCommissionRate.Input) async throws -> Operations.GetCommissionRate.Output {
        try await PaymentsErrorMapping.translating {
            let (commission, time) = try await administration.commission(
                city: input.path.city, vehicleClass: input.path.vehicleClass.rawValue, logger: logger)
            return .ok(.init(body: .json(Self.rate(commission, time, city: input.path.city, vehicleClass: input.path.vehicleClass.rawValue))))
        }
    }

    func updateCommissionRate(_ input: Operations.UpdateCommissionRate.Input) async throws -> Operations.UpdateCommissionRate.Output {
        try await PaymentsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let (commission, time) = try await administration.setCommission(
                basisPoints: Int(body.basisPoints), city: input.path.city, vehicleClass: input.path.vehicleClass.rawValue, logger: logger)
            return .ok(.init(body: .json(Self.rate(commission, time, city: input.path.city, vehicleClass: input.path.vehicleClass.rawValue))))
        }
    }

    private static func rate(_ commission: Commission, _ time: Date?, city: String, vehicleClass: String) -> Components.Schemas.CommissionRate {
        .init(name: "cities/\(city)/commissionRates/\(vehicleClass)", basisPoints: Int32(commission.basisPoints), updateTime: time)
    }

    func createPayoutRun(_ input: Operations.CreatePayoutRun.Input) async throws -> Operations.CreatePayoutRun.Output {
        try await PaymentsErrorMapping.translating {
            var bodyID: String?
            if case .json(let body) = input.body { bodyID = body.requestId }
            let run = try await payouts.requestRun(
                requestID: try PaymentsMapping.requestID(query: input.query.requestId, body: bodyID), caller: try caller())
            return .ok(.init(body: .json(PaymentsMapping.operation(run))))
        }
    }

    func getOperation(_ input: Operations.GetOperation.Input) async throws -> Operations.GetOperation.Output {
        try await PaymentsErrorMapping.translating {
            let id = try PaymentsMapping.uuid(input.path.operation, field: "operation")
            return .ok(.init(body: .json(PaymentsMapping.operation(try await payouts.operation(id, caller: try caller())))))
        }
    }

    func auditLedger(_ input: Operations.AuditLedger.Input) async throws -> Operations.AuditLedger.Output {
        try await PaymentsErrorMapping.translating {
            let audit = try await administration.audit(logger: logger)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            balanced: audit.sums.values.allSatisfy { $0 == 0 } && audit.mismatched.isEmpty,
                            currencies: audit.sums.sorted { $0.key < $1.key }.map { .init(currencyCode: $0.key, postingsSum: String($0.value)) },
                            mismatchedAccounts: audit.mismatched))))
        }
    }
}
