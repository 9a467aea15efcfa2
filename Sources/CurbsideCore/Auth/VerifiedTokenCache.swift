import Crypto
import Foundation
import NIOConcurrencyHelpers

/// Access tokens already verified, so that a client's next request with the same token skips the
/// signature check (an ES256 verification is the largest single cost of a location report).
///
/// Entries are keyed by the SHA-256 of the exact token text, so only the very token that was
/// verified matches, and they keep the token's validity window: an entry is used only while its
/// token would still pass (`notBefore ≤ now < expiration`). Signing keys are loaded once per
/// process, so nothing a cached verification relied on can change while it is cached.
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        let principal: Principal
        let notBefore: Date
        let expiration: Date
    }

    private let entries = NIOLockedValueBox<[SHA256Digest: Entry]>([:])
    /// Bounds memory (about 100 bytes an entry): roughly one entry per active client.
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    static func key(_ token: String) -> SHA256Digest { SHA256.hash(data: Data(token.utf8)) }

    /// The principal of an earlier verification of `token`, while the token is valid at `now`.
    func principal(for key: SHA256Digest, now: Date) -> Principal? { entry(for: key, now: now)?.principal }

    func entry(for key: SHA256Digest, now: Date) -> Entry? {
        guard let entry = entries.withLockedValue({ $0[key] }), entry.notBefore <= now, now < entry.expiration else { return nil }
        return entry
    }

    func insert(_ entry: Entry, for key: SHA256Digest, now: Date) {
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries = entries.filter { now < $0.value.expiration }
                // Still full of valid tokens: start over rather than track recency on every request.
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = entry
        }
    }

    var count: Int { entries.withLockedValue(\.count) }
}
