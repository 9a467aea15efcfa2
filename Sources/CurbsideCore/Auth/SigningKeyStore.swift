import Foundation
import JWTKit

/// The ES256 keys that sign access tokens, one PEM file per key id in a directory.
///
/// The key with the greatest id signs; every key in the directory verifies, so a key can be rotated
/// by adding a new file and removing the old one after the longest token lifetime has passed.
/// When the directory is empty a key is generated (a local run), never committed.
public struct SigningKeyStore: Sendable {
    public struct Key: Sendable {
        public let id: String
        public let privateKey: ES256PrivateKey
    }

    public let keys: [Key]

    /// The signing key.
    public var current: Key { keys.last! }

    public init(keys: [Key]) throws {
        guard !keys.isEmpty else { throw ConfigurationError("no signing keys") }
        self.keys = keys.sorted { $0.id < $1.id }
    }

    /// Loads `<kid>.pem` files from `directory`, generating a first key if there are none.
    public static func load(directory: String) throws -> SigningKeyStore {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var keys = try readKeys(in: directory)
        if keys.isEmpty {
            // A fixed id: instances starting together for the first time race to link the same
            // name, and all end up with the winner's key. Rotated keys are named `k<unix time>`,
            // which sorts after it.
            let id = "k0000000000"
            let key = ES256PrivateKey()
            let path = directory + "/" + id + ".pem"
            let temporary = path + ".\(UUID().uuidString).tmp"
            try Data(key.pemRepresentation.utf8).write(to: URL(fileURLWithPath: temporary))
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary)
            // If another instance linked first, this link fails and its key is the one read below.
            _ = link(temporary, path)
            try? manager.removeItem(atPath: temporary)
            keys = try readKeys(in: directory)
        }
        return try SigningKeyStore(keys: keys)
    }

    private static func readKeys(in directory: String) throws -> [Key] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".pem") }
            .map { file in
                let pem = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
                do {
                    return Key(id: String(file.dropLast(4)), privateKey: try ES256PrivateKey(pem: pem))
                } catch {
                    throw ConfigurationError("\(directory)/\(file) is not an ES256 (P-256) private key in PEM form")
                }
            }
    }
}
