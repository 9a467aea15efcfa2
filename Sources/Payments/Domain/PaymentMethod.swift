import Foundation

/// A passenger's way to pay: a card tokenized by the gateway (never its number) or cash.
public struct PaymentMethod: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case card = "CARD"
        case cash = "CASH"
    }

    public let id: UUID
    public let passengerID: UUID
    public let kind: Kind
    /// The gateway's token, for cards.
    public let gatewayToken: String?
    public let card: CardDetails?
    public var isDefault: Bool
    public let createTime: Date

    public init(
        id: UUID, passengerID: UUID, kind: Kind, gatewayToken: String?, card: CardDetails?, isDefault: Bool, createTime: Date
    ) {
        self.id = id
        self.passengerID = passengerID
        self.kind = kind
        self.gatewayToken = gatewayToken
        self.card = card
        self.isDefault = isDefault
        self.createTime = createTime
    }

    /// `users/{user}/paymentMethods/{paymentMethod}`.
    public var name: String { "users/\(passengerID.uuidString.lowercased())/paymentMethods/\(id.uuidString.lowercased())" }

    /// Whether the card's expiry month has passed at `date` (cards are valid through the end of that month).
    public func isExpired(at date: Date) -> Bool {
        guard let card else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let now = calendar.dateComponents([.year, .month], from: date)
        guard let year = now.year, let month = now.month else { return false }
        return card.expYear < year || (card.expYear == year && card.expMonth < month)
    }
}
