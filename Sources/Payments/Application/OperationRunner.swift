import CurbsideCore
import Foundation
import Logging
import Metrics

/// Runs a payment's recorded gateway operations and records what the gateway said, each outcome in
/// its own short transaction (never a transaction open during a gateway call).
///
/// Safe to run twice at once for the same operation (a retried request, a second instance, the
/// reconciler): the gateway gets the same idempotency key and answers both the same, and only the
/// first answer recorded changes the payment.
struct OperationRunner: Sendable {
    let payments: PaymentRepository
    let gateway: any PaymentGateway
    let database: Database
    let settings: PaymentsSettings
    let clock: PaymentsClock

    /// Runs the payment's open operations (only those in `only`, when given) and then those their
    /// outcomes ask for, such as a charge when a hold lapsed. Returns the payment as it then is.
    @discardableResult
    func settle(_ payment: Payment, only: Set<UUID>? = nil, logger: Logger) async throws -> Payment {
        var payment = payment
        let initial = Set(payment.operations.map(\.id))
        var done = Set<UUID>()
        // Each round runs what the previous one created; a chain is never longer than a few.
        for round in 0..<5 {
            let runnable = payment.openOperations.filter {
                !done.contains($0.id) && (round == 0 ? (only?.contains($0.id) ?? true) : !initial.contains($0.id))
            }
            guard !runnable.isEmpty else { break }
            for operation in runnable {
                done.insert(operation.id)
                payment = try await run(operation, of: payment, logger: logger)
            }
        }
        return payment
    }

    /// Asks the gateway once and records the answer.
    func run(_ operation: GatewayOperation, of payment: Payment, logger: Logger) async throws -> Payment {
        var logger = logger
        logger[metadataKey: "payment"] = "\(payment.name)"
        logger[metadataKey: "gateway.operation"] = "\(operation.kind.rawValue)"
        let outcome = await call(operation, of: payment)
        Counter(
            label: "curbside_payments_gateway_calls_total",
            dimensions: [("operation", operation.kind.rawValue), ("outcome", Self.outcomeLabel(outcome))]
        ).increment()
        let lease = settings.operationLease
        let retry = settings.retryDelay(attempts: operation.attempts)
        switch outcome {
        case .success: logger.info("gateway operation succeeded")
        case .failure(.unknownOutcome(let reason)):
            logger.warning("gateway outcome unknown; will ask again", metadata: ["error.message": "\(reason)"])
        case .failure(let error): logger.info("gateway operation failed", metadata: ["error.message": "\(error)"])
        }
        let now = clock.now()
        return try await payments.update(payment.id, on: database, logger: logger) { payment in
            switch outcome {
            case .success(let answer):
                return try payment.succeeded(operation.id, reference: answer.reference, hold: answer.hold, now: now, lease: lease)
            case .failure(.declined(let reason)):
                payment.failed(operation.id, reason: reason.rawValue, decline: reason, holdGone: false, now: now, lease: lease)
            case .failure(.holdExpired):
                payment.failed(operation.id, reason: "HOLD_EXPIRED", decline: nil, holdGone: true, now: now, lease: lease)
            case .failure(.rejected(let message)):
                // A capture the gateway refuses outright has no usable hold behind it: charge instead.
                payment.failed(operation.id, reason: message, decline: nil, holdGone: operation.kind == .capture, now: now, lease: lease)
            case .failure(.unknownOutcome(let reason)):
                payment.unanswered(operation.id, reason: reason, retryTime: now.addingTimeInterval(retry), now: now)
            }
            return []
        }
    }

    static func outcomeLabel(_ outcome: Result<Answer, GatewayError>) -> String {
        switch outcome {
        case .success: "succeeded"
        case .failure(.declined): "declined"
        case .failure(.holdExpired): "hold_expired"
        case .failure(.rejected): "rejected"
        case .failure(.unknownOutcome): "unknown"
        }
    }

    struct Answer {
        var reference: String?
        var hold: GatewayHold?
    }

    private func call(_ operation: GatewayOperation, of payment: Payment) async -> Result<Answer, GatewayError> {
        let key = operation.idempotencyKey
        do throws(GatewayError) {
            switch operation.kind {
            case .authorize, .charge, .tip:
                guard let token = payment.cardToken else { return .failure(.rejected("the payment has no card")) }
                let request = GatewayChargeRequest(
                    cardToken: token, amount: operation.amount, currencyCode: payment.currencyCode, idempotencyKey: key,
                    description: payment.trip)
                if operation.kind == .authorize {
                    let hold = try await gateway.authorize(request)
                    return .success(Answer(reference: hold.reference, hold: hold))
                }
                return .success(Answer(reference: try await gateway.charge(request).reference))
            case .capture:
                guard let hold = payment.hold else { return .failure(.holdExpired) }
                return .success(
                    Answer(reference: try await gateway.capture(hold: hold.reference, amount: operation.amount, idempotencyKey: key).reference))
            case .release:
                guard let hold = payment.hold else { return .success(Answer()) }
                try await gateway.release(hold: hold.reference, idempotencyKey: key)
                return .success(Answer(reference: hold.reference))
            case .refund:
                guard let charge = payment.operations.first(where: { $0.id == operation.parentID })?.reference else {
                    return .failure(.rejected("the refunded charge has no gateway reference"))
                }
                return .success(Answer(reference: try await gateway.refund(charge: charge, amount: operation.amount, idempotencyKey: key).reference))
            }
        } catch {
            return .failure(error)
        }
    }
}
