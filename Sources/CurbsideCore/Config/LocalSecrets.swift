import Crypto
import Foundation

/// Secrets for a local run, generated on first use into a git-ignored folder and reused afterwards.
///
/// A deployment sets the secrets in its environment instead; then nothing is written here.
struct LocalSecrets {
    let directory: String

    /// The secret stored under `name`, created (32 random bytes, hex) if absent.
    func value(named name: String) throws -> String {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
        if let existing = try? String(contentsOf: url, encoding: .utf8) {
            let trimmed = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { return trimmed }
        }
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
        // Written to a temporary file and linked into place so that two processes starting at once
        // agree on one secret: the loser of the race reads the winner's file.
        let temporary = url.appendingPathExtension("\(UUID().uuidString).tmp")
        try Data(secret.utf8).write(to: temporary)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary.path)
        defer { try? FileManager.default.removeItem(at: temporary) }
        if link(temporary.path, url.path) != 0 {
            return try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return secret
    }
}
