import CurbsideCore
import Foundation

/// Who may touch whose resources, beyond the role check the OpenAPI document declares.
enum Access {
    /// The caller is the user `id` or an admin (or, where `allowService`, another service).
    static func requireSelfOrAdmin(_ caller: Principal, _ id: UUID, allowService: Bool = false) throws(UsersError) {
        if caller.role == .admin || caller.userID == id || (allowService && caller.role == .service) { return }
        throw .notYourResource
    }

    /// Runs `body` with primary reads when another service is asking: it acts on what it just
    /// learned (an approval event, say), so a replica's older view would mislead it.
    static func consistentForServices<Result: Sendable>(_ caller: Principal, _ body: () async throws -> Result) async throws -> Result {
        caller.role == .service ? try await Database.withPrimaryReads(body) : try await body()
    }
}

/// The time source of the users service, truncated to milliseconds so that stored timestamps,
/// API timestamps and page cursors all agree exactly.
public struct UsersClock: Sendable {
    let source: @Sendable () -> Date

    public init(_ source: @escaping @Sendable () -> Date = Date.init) { self.source = source }

    public func now() -> Date {
        Date(timeIntervalSince1970: (source().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
