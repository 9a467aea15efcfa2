import HummingbirdBcrypt
import NIOPosix

/// bcrypt password hashing, run on NIO's thread pool so a hash (≈250 ms at cost 12) never blocks
/// an event loop.
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    /// A hash that no password matches, verified against for unknown accounts so that a sign-in
    /// takes as long whether or not the account exists.
    public let decoyHash: String

    /// Prepares a hasher (computing the decoy hash once, at the configured cost).
    public init(cost: UInt8) async throws {
        self.cost = cost
        decoyHash = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.hash("decoy-\(UInt64.random(in: .min ... .max))", cost: cost)
        }
    }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
