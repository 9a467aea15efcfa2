import Foundation

/// One account of the double-entry ledger, in one currency. Per-person accounts name their owner.
///
/// Postings are signed: debits positive, credits negative. So a driver's earnings account carries a
/// negative (credit) balance for what the platform owes them, and a passenger's receivable a
/// positive (debit) balance for what they still owe.
public struct LedgerAccount: Hashable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// What a passenger owes for rides, fees and tips until their card or cash pays it.
        case passengerReceivable = "PASSENGER_RECEIVABLE"
        /// What the platform owes a driver (fares after commission, tips, fees).
        case driverEarnings = "DRIVER_EARNINGS"
        /// Cash a driver collected on the platform's behalf.
        case driverCash = "DRIVER_CASH"
        /// Commission earned, less refunds the platform granted.
        case platformRevenue = "PLATFORM_REVENUE"
        /// Money the card gateway holds for us until it settles to our bank.
        case gatewayClearing = "GATEWAY_CLEARING"
        /// Money sent to drivers' bank accounts.
        case payoutsClearing = "PAYOUTS_CLEARING"

        var hasOwner: Bool { self == .passengerReceivable || self == .driverEarnings || self == .driverCash }
    }

    public var kind: Kind
    /// The passenger or driver for per-person kinds, nil otherwise.
    public var owner: UUID?
    public var currencyCode: String

    public init(_ kind: Kind, owner: UUID? = nil, currencyCode: String) {
        precondition(kind.hasOwner == (owner != nil), "\(kind) accounts \(kind.hasOwner ? "need" : "have no") owner")
        self.kind = kind
        self.owner = owner
        self.currencyCode = currencyCode
    }

    /// The stored key: `DRIVER_EARNINGS/<uuid>/EUR`, `PLATFORM_REVENUE/-/EUR`.
    public var key: String { "\(kind.rawValue)/\(owner?.uuidString.lowercased() ?? "-")/\(currencyCode)" }

    public init?(key: String) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[0])) else { return nil }
        let owner = parts[1] == "-" ? nil : UUID(uuidString: String(parts[1]))
        guard kind.hasOwner == (owner != nil) else { return nil }
        self.init(kind, owner: owner, currencyCode: String(parts[2]))
    }
}
