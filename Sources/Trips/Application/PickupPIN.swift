import Crypto
import Foundation

/// The 4-digit PIN the passenger tells the driver at pickup: HMAC(secret, trip id) mod 10000.
///
/// Derived rather than stored, so it exists from the moment the trip does and never sits in the
/// database; only the passenger's view of the trip shows it.
public struct PickupPIN: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(("trips-pickup-pin:" + secret).utf8)))
    }

    public func pin(for trip: UUID) -> String {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Data(trip.uuidString.lowercased().utf8), using: key))
        let value = mac.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return String(format: "%04u", value % 10_000)
    }

    /// Compares without an early exit, so timing does not reveal how many digits matched.
    public func matches(_ candidate: String, trip: UUID) -> Bool {
        let expected = Array(pin(for: trip).utf8)
        let given = Array(candidate.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
