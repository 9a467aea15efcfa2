import CurbsideCore
import Foundation
import Logging

/// A passenger's payment methods: add (a gateway card token or cash), list, read, make default, remove.
public struct PaymentMethodService: Sendable {
    let methods: PaymentMethodRepository
    let gateway: any PaymentGateway
    let databases: ServiceDatabases
    let pageTokens: PageTokenCodec
    let clock: PaymentsClock

    public enum NewMethod: Sendable, Equatable {
        case card(token: String)
        case cash
    }

    /// Adds a method; the card's details come from the gateway, never from the client.
    public func add(
        _ new: NewMethod, passenger: UUID, makeDefault: Bool, requestID: UUID?, caller: Principal, logger: Logger
    ) async throws -> PaymentMethod {
        try Self.requireOwner(passenger, caller: caller, mayAdminRead: false)
        let now = clock.now()
        let method: PaymentMethod
        let fingerprint: String
        switch new {
        case .cash:
            method = PaymentMethod(id: UUID(), passengerID: passenger, kind: .cash, gatewayToken: nil, card: nil, isDefault: false, createTime: now)
            fingerprint = "cash"
        case .card(let token):
            let trimmed = token.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 255 else {
                throw PaymentsError.invalidField(field: "card.token", message: "card.token must be 1 to 255 characters")
            }
            let id = UUID()
            let saved: SavedCard
            do throws(GatewayError) {
                // Keyed by the request id when there is one, so a retried add saves the card once.
                saved = try await gateway.saveCard(token: trimmed, idempotencyKey: "curbside-card-\((requestID ?? id).uuidString.lowercased())")
            } catch {
                guard case .rejected = error else { throw PaymentsError.outcomeUnknown }
                throw PaymentsError.invalidField(field: "card.token", message: "the gateway knows no card with this token")
            }
            method = PaymentMethod(
                id: id, passengerID: passenger, kind: .card, gatewayToken: saved.reference, card: saved.card, isDefault: false,
                createTime: now)
            if method.isExpired(at: now) { throw PaymentsError.cardExpired }
            fingerprint = "card:" + trimmed
        }
        let id = try await methods.insert(
            method, makeDefault: makeDefault, requestID: requestID, requestHash: PaymentService.hash([fingerprint, String(makeDefault)]),
            on: databases.passenger, logger: logger)
        return try await get(id, passenger: passenger, caller: caller, logger: logger)
    }

    public func get(_ id: UUID, passenger: UUID, caller: Principal, logger: Logger) async throws -> PaymentMethod {
        try Self.requireOwner(passenger, caller: caller, mayAdminRead: true)
        guard let method = try await methods.method(id, passenger: passenger, primary: true, on: databases.passenger, logger: logger) else {
            throw PaymentsError.notFound("users/\(passenger.uuidString.lowercased())/paymentMethods/\(id.uuidString.lowercased())")
        }
        return method
    }

    public func list(passenger: UUID, pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger) async throws
        -> (methods: [PaymentMethod], nextPageToken: String?)
    {
        try Self.requireOwner(passenger, caller: caller, mayAdminRead: true)
        let paging = try PageRequest(
            pageSize: pageSize, pageToken: pageToken, query: "paymentMethods|\(passenger.uuidString)", codec: pageTokens)
        let cursor: (Date, UUID)? = try paging.cursor.map { cursor in
            guard let time = Timestamp.parse(cursor.sortKey), let id = UUID(uuidString: cursor.id) else {
                throw AIPError.invalidArgument("pageToken is not valid", field: "pageToken", reason: "INVALID_PAGE_TOKEN")
            }
            return (time, id)
        }
        let rows = try await methods.list(passenger: passenger, after: cursor, limit: paging.limit + 1, on: databases.passenger, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        return (page.items, page.nextPageToken)
    }

    public func setDefault(_ id: UUID, passenger: UUID, caller: Principal, logger: Logger) async throws -> PaymentMethod {
        try Self.requireOwner(passenger, caller: caller, mayAdminRead: false)
        guard try await methods.setDefault(id, passenger: passenger, on: databases.passenger, logger: logger) else {
            throw PaymentsError.notFound("users/\(passenger.uuidString.lowercased())/paymentMethods/\(id.uuidString.lowercased())")
        }
        return try await get(id, passenger: passenger, caller: caller, logger: logger)
    }

    public func remove(_ id: UUID, passenger: UUID, caller: Principal, logger: Logger) async throws {
        try Self.requireOwner(passenger, caller: caller, mayAdminRead: false)
        guard try await methods.remove(id, passenger: passenger, now: clock.now(), on: databases.passenger, logger: logger) else {
            throw PaymentsError.notFound("users/\(passenger.uuidString.lowercased())/paymentMethods/\(id.uuidString.lowercased())")
        }
    }

    /// A passenger acts on their own methods; an admin may read anyone's.
    static func requireOwner(_ passenger: UUID, caller: Principal, mayAdminRead: Bool) throws(PaymentsError) {
        if caller.role == .admin, mayAdminRead { return }
        guard caller.role == .passenger, caller.userID == passenger else { throw .notYours }
    }
}
