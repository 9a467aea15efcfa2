import Foundation
import IntegrationEvents
import OpenAPIRuntime

/// The payments plug-in point of the ride: called after a trip is stored as REQUESTED and before it
/// goes to dispatch, never inside a database transaction.
///
/// Implementations must be idempotent per trip: a retried trip request (same `requestId`) after a
/// crash may authorize the same trip again, and gets the same answer.
public protocol PaymentAuthorizer: Sendable {
    func authorize(_ request: PaymentAuthorizationRequest) async throws -> PaymentAuthorization
}

/// What payments needs to place a hold.
public struct PaymentAuthorizationRequest: Sendable, Equatable {
    public var tripID: UUID
    public var passengerID: UUID
    /// The client's payment method (`users/{user}/paymentMethods/{id}`); nil: the passenger's default.
    public var paymentMethod: String?
    public var currencyCode: String
    /// The quoted total in minor units (payments adds its buffer).
    public var amount: Int64
    public var cityID: String
    public var vehicleClass: String

    public init(
        tripID: UUID, passengerID: UUID, paymentMethod: String?, currencyCode: String, amount: Int64, cityID: String, vehicleClass: String
    ) {
        self.tripID = tripID
        self.passengerID = passengerID
        self.paymentMethod = paymentMethod
        self.currencyCode = currencyCode
        self.amount = amount
        self.cityID = cityID
        self.vehicleClass = vehicleClass
    }
}

/// The outcome of an authorization.
public enum PaymentAuthorization: Sendable, Equatable {
    case approved
    /// The card was declined (`reason`: e.g. `INSUFFICIENT_FUNDS`).
    case declined(reason: String)
    /// The gateway has not answered yet; `payments.v1.PaymentAuthorized` or `PaymentDeclined` follows.
    case pending
    /// Payments refused the request itself (no method, an expired card, a method not the
    /// passenger's): `reason` is payments' stable reason, `message` is for the passenger.
    case refused(reason: String, message: String)
}

/// Until payments is wired in (and in trips' own tests): every trip is authorized at once.
public struct ImmediatePaymentAuthorizer: PaymentAuthorizer {
    public init() {}

    public func authorize(_ request: PaymentAuthorizationRequest) async throws -> PaymentAuthorization { .approved }
}

/// Payments answered with a server error or not as documented.
public struct PaymentsCallError: Error, CustomStringConvertible {
    public let statusCode: Int
    public let reason: String?
    public var description: String { "payments answered \(statusCode)\(reason.map { " (\($0))" } ?? "")" }
}

/// ``PaymentAuthorizer`` over HTTP (`POST /v1/payments`).
public struct HTTPPaymentAuthorizer: PaymentAuthorizer {
    let client: Client

    public init(
        serverURL: URL, configuration: Configuration = .init(), transport: any ClientTransport, middlewares: [any ClientMiddleware]
    ) {
        client = Client(serverURL: serverURL, configuration: configuration, transport: transport, middlewares: middlewares)
    }

    public func authorize(_ request: PaymentAuthorizationRequest) async throws -> PaymentAuthorization {
        guard let vehicleClass = Components.Schemas.VehicleClass(rawValue: request.vehicleClass) else {
            return .refused(reason: "UNKNOWN_VEHICLE_CLASS", message: "the vehicle class is not known to payments")
        }
        let scale = (0..<Money.exponent(of: request.currencyCode)).reduce(Int64(1)) { value, _ in value * 10 }
        let nanos = (request.amount % scale) * (1_000_000_000 / scale)
        let body = Components.Schemas.CreatePaymentRequest(
            trip: "trips/\(request.tripID.uuidString.lowercased())", passenger: "users/\(request.passengerID.uuidString.lowercased())",
            paymentMethod: request.paymentMethod,
            amount: .init(currencyCode: request.currencyCode, units: String(request.amount / scale), nanos: nanos == 0 ? nil : Int32(nanos)),
            city: "cities/\(request.cityID)", vehicleClass: vehicleClass, requestId: request.tripID.uuidString.lowercased())
        switch try await client.createPayment(body: .json(body)) {
        case .ok(let ok):
            let payment = try ok.body.json
            switch payment.state {
            case .authorized: return .approved
            case .declined: return .declined(reason: payment.declineReason?.rawValue ?? "CARD_DECLINED")
            case .pendingAuthorization: return .pending
            default: return .refused(reason: "PAYMENT_ALREADY_ENDED", message: "this trip's payment has already ended")
            }
        case .default(let status, let failure):
            let error = try? failure.body.json
            let reason = error?.error.details.first?.reason
            guard (400..<500).contains(status), status != 401, status != 403, status != 408, status != 429 else {
                throw PaymentsCallError(statusCode: status, reason: reason)
            }
            return .refused(reason: reason ?? "PAYMENT_REFUSED", message: error?.error.message ?? "the payment was refused")
        }
    }
}
