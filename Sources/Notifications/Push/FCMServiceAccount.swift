import Foundation
import JWTKit

/// A Google service account as its JSON key file describes it (the file the Firebase console
/// downloads): who signs the access-token requests, with which key, for which project.
///
/// The private key appears in no description, debug description or mirror, so an account that ends
/// up in a log line, an error or a test failure leaks nothing.
public struct FCMServiceAccount: Sendable, Decodable {
    /// Always `service_account` for a key file that can sign.
    public var type: String
    /// The Firebase project messages are sent through.
    public var projectID: String
    /// Names the key among the account's keys; sent as the JWT's `kid`.
    public var privateKeyID: String
    /// The PEM private key (PKCS#8, as Google issues it).
    public var privateKey: String
    /// The account's address, the JWT's issuer.
    public var clientEmail: String
    /// Google's OAuth 2.0 token endpoint, the JWT's audience.
    public var tokenURI: String

    enum CodingKeys: String, CodingKey {
        case type
        case projectID = "project_id"
        case privateKeyID = "private_key_id"
        case privateKey = "private_key"
        case clientEmail = "client_email"
        case tokenURI = "token_uri"
    }

    /// Reads and checks a key file: every field present, the key an RSA key of at least 2048 bits.
    ///
    /// - Throws: ``FCMConfigurationError`` naming what is wrong, never quoting the file.
    public init(json: Data) throws(FCMConfigurationError) {
        do {
            self = try JSONDecoder().decode(Self.self, from: json)
        } catch DecodingError.keyNotFound(let key, _) {
            throw FCMConfigurationError("the service account JSON has no \(key.stringValue)")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FCMConfigurationError("the service account JSON's \(field) is not a string")
        } catch {
            // The underlying error may quote part of the file, which holds the key: not repeated.
            throw FCMConfigurationError("the service account JSON is not a JSON object")
        }
        guard type == "service_account" else {
            throw FCMConfigurationError("the service account JSON's type is \"\(type)\", not \"service_account\"")
        }
        for (field, value) in [("project_id", projectID), ("private_key_id", privateKeyID), ("client_email", clientEmail)]
        where value.isEmpty {
            throw FCMConfigurationError("the service account JSON's \(field) is empty")
        }
        guard let url = URL(string: tokenURI), url.scheme != nil, url.host != nil else {
            throw FCMConfigurationError("the service account JSON's token_uri is not a URL")
        }
        _ = try signingKey()
    }

    /// The private key, parsed.
    func signingKey() throws(FCMConfigurationError) -> Insecure.RSA.PrivateKey {
        do {
            return try Insecure.RSA.PrivateKey(pem: privateKey)
        } catch {
            // The parser's error is not repeated: nothing guarantees it never quotes the PEM.
            throw FCMConfigurationError("the service account's private_key is not a PEM RSA private key of at least 2048 bits")
        }
    }
}

extension FCMServiceAccount: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The account and its project, never the key.
    public var description: String {
        "FCMServiceAccount(\(clientEmail), project: \(projectID), key: \(privateKeyID))"
    }

    /// ``description``: the debug form must not print the key either.
    public var debugDescription: String { description }

    /// Keeps `dump` and `String(reflecting:)` from walking into the key.
    public var customMirror: Mirror {
        Mirror(self, children: ["clientEmail": clientEmail, "projectID": projectID, "privateKeyID": privateKeyID])
    }
}

/// Push credentials that cannot be used; the message says what is wrong and never contains a key.
public struct FCMConfigurationError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, for the operator.
    public var message: String

    init(_ message: String) {
        self.message = message
    }

    /// ``message``.
    public var description: String { message }
}
