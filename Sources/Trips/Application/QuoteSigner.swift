import Crypto
import CurbsideCore
import Foundation

/// Signs quotes so a passenger can carry them to the trip request without trips storing them:
/// `base64url(JSON) "." base64url(HMAC-SHA256)`. The key is derived from the platform secret with its
/// own label, so a page token can never pass as a quote or the other way round.
public struct QuoteSigner: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(("trips-quote:" + secret).utf8)))
    }

    public func sign(_ quote: Quote) -> String {
        let data = (try? Self.encoder.encode(quote)) ?? Data()
        let mac = HMAC<SHA256>.authenticationCode(for: data, using: key)
        return Base64URL.encode(data) + "." + Base64URL.encode(Data(mac))
    }

    /// The quote in `token` if it is authentic, belongs to `passenger` and has not expired at `now`.
    public func verify(_ token: String, passenger: UUID, now: Date) throws(TripsError) -> Quote {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 4096, parts.count == 2, let data = Base64URL.decode(String(parts[0])),
            let mac = Base64URL.decode(String(parts[1])),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: data, using: key),
            let quote = try? Self.decoder.decode(Quote.self, from: data)
        else { throw .quoteInvalid }
        // Someone else's quote is as good as a forged one to this caller.
        guard quote.passengerID == passenger else { throw .quoteInvalid }
        guard now < quote.expireTime else { throw .quoteExpired }
        return quote
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }
}
