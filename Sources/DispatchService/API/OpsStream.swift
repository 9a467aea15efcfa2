import CurbsideCore
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import Synchronization

/// The ops console's live view: `GET /v1/ops/stream` upgraded to a WebSocket, for admins.
///
/// The access token comes in the `Authorization: Bearer` header or, for browsers that cannot set
/// one, the `access_token` query parameter. `bbox=minLat,minLng,maxLat,maxLng` (required, at most
/// 100 km a side) is the part of the map to watch; `intervalMs` (250 to 10000, default 1000) how
/// often. Every interval the server sends one ``OpsSnapshot`` as a JSON text message; the client
/// sends nothing. The server closes with 4401 for a missing, invalid or expired token (reconnect
/// with a fresh one), 4403 for a caller who is not an admin, 4400 for bad parameters (the close
/// reason says which), 1011 when a snapshot could not be read and 1001 when the server stops
/// (reconnect after a pause).
struct OpsStream: WebSocketEndpoint {
    let path = "/v1/ops/stream"
    let tokens: TokenService
    let snapshots: OpsSnapshotStore
    let clock: DispatchClock

    static let intervalRange = 250...10_000
    static let defaultIntervalMs = 1000
    /// A snapshot slower than this fails the connection rather than piling up behind the database.
    static let snapshotTimeout: Duration = .seconds(10)

    enum Ending: Sendable {
        case expired, clientLeft, snapshotFailed, serverStopping
    }

    /// What a connection watches.
    struct Parameters: Sendable, Equatable {
        var box: BoundingBox
        var interval: Duration
    }

    func upgrade(_ request: HTTPRequest, logger: Logger) async -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        let query = Self.query(request.path ?? "")
        let header = request.headerFields[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let caller = try? await tokens.verifyWithExpiry(bearerToken: header ?? query["access_token"] ?? "")
        let parameters = Self.parameters(query)
        let snapshots = snapshots
        let clock = clock
        return .upgrade([:]) { inbound, outbound, _ in
            let opened = ContinuousClock.now
            let sent = SentMessages()
            // One access-log line per connection when it ends, as the HTTP access log has one per request.
            func log(_ ending: String, code: Int, user: Principal?) {
                var metadata: Logger.Metadata = [
                    "event.kind": "event", "event.category": "web", "url.path": "/v1/ops/stream",
                    "event.duration": "\((ContinuousClock.now - opened).inNanoseconds)", "websocket.close_code": "\(code)",
                    "websocket.messages_sent": "\(sent.count.load(ordering: .relaxed))",
                ]
                if let user {
                    metadata["user.id"] = "\(user.userID.uuidString.lowercased())"
                    metadata["user.roles"] = "\(user.role.rawValue)"
                }
                logger.info("WebSocket /v1/ops/stream \(ending)", metadata: metadata)
            }
            guard let (principal, expiry) = caller else {
                log("refused: no valid token", code: 4401, user: nil)
                try await outbound.close(.unknown(4401), reason: "a valid access token is required")
                return
            }
            guard principal.role == .admin else {
                log("refused: not an admin", code: 4403, user: principal)
                try await outbound.close(.unknown(4403), reason: "the ops stream is for admins")
                return
            }
            let watched: Parameters
            switch parameters {
            case .success(let value): watched = value
            case .failure(let refusal):
                log("refused: bad parameters", code: 4400, user: principal)
                try await outbound.close(.unknown(4400), reason: refusal.message)
                return
            }
            let ending = try await withThrowingTaskGroup(of: Ending.self) { group in
                group.addTask {
                    let ticks = ContinuousClock()
                    var next = ticks.now
                    while true {
                        let snapshot: String
                        do {
                            snapshot = try await withTimeout(Self.snapshotTimeout) {
                                try await snapshots.snapshot(of: watched.box, now: clock.now(), logger: logger).encoded()
                            }
                        } catch {
                            // The connection ended while the snapshot was being read: not a failure.
                            if Task.isCancelled { throw CancellationError() }
                            logger.warning(
                                "ops snapshot failed", metadata: ["error.message": "\(String(reflecting: error))", "url.path": "/v1/ops/stream"])
                            return .snapshotFailed
                        }
                        do {
                            try await outbound.writeTextMessage(snapshot)
                        } catch {
                            return .clientLeft
                        }
                        sent.count.add(1, ordering: .relaxed)
                        // Ticks keep their rhythm; after a snapshot slower than the interval the next follows at once.
                        next = max(next.advanced(by: watched.interval), ticks.now)
                        try await Task.sleep(until: next, clock: ticks)
                    }
                }
                group.addTask {
                    let wait = expiry.timeIntervalSinceNow
                    if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
                    return .expired
                }
                group.addTask {
                    for try await _ in inbound {}
                    return .clientLeft
                }
                group.addTask {
                    // A stopping server ends the stream at once (the console reconnects, to another
                    // instance), instead of waiting for the client to answer a close it may never answer.
                    try await gracefulShutdown()
                    return .serverStopping
                }
                defer { group.cancelAll() }
                return try await group.next() ?? .clientLeft
            }
            switch ending {
            case .expired:
                log("closed: token expired", code: 4401, user: principal)
                try await outbound.close(.unknown(4401), reason: "the access token expired; reconnect with a new one")
            case .snapshotFailed:
                log("closed: snapshot failed", code: 1011, user: principal)
                try await outbound.close(.unexpectedServerError, reason: "the snapshot could not be read; reconnect")
            case .serverStopping:
                log("closed: server stopping", code: 1001, user: principal)
                try await outbound.close(.goingAway, reason: "the server is stopping; reconnect")
            case .clientLeft:
                log("closed by the client", code: 1000, user: principal)
            }
        }
    }

    /// Why a connection's parameters are refused; the message is the close reason.
    struct Refusal: Error, Equatable {
        let message: String
    }

    /// The watched box and interval from the query, or why they are refused.
    static func parameters(_ query: [String: String]) -> Result<Parameters, Refusal> {
        guard let text = query["bbox"] else { return .failure(Refusal(message: "bbox=minLat,minLng,maxLat,maxLng is required")) }
        let box: BoundingBox
        switch BoundingBox.parse(text) {
        case .success(let parsed): box = parsed
        case .failure(let error): return .failure(Refusal(message: error.message))
        }
        var milliseconds = defaultIntervalMs
        if let given = query["intervalMs"] {
            guard let value = Int(given), intervalRange.contains(value) else {
                return .failure(Refusal(message: "intervalMs must be \(intervalRange.lowerBound) to \(intervalRange.upperBound)"))
            }
            milliseconds = value
        }
        return .success(Parameters(box: box, interval: .milliseconds(milliseconds)))
    }

    /// The query parameters of a request path, percent-decoded.
    static func query(_ path: String) -> [String: String] {
        guard let start = path.firstIndex(of: "?") else { return [:] }
        var values: [String: String] = [:]
        for pair in path[path.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let key = parts.first?.removingPercentEncoding else { continue }
            values[key] = parts.count > 1 ? String(parts[1]).removingPercentEncoding : ""
        }
        return values
    }
}

/// Messages a connection has sent, for its log line.
private final class SentMessages: Sendable {
    let count = Atomic<Int>(0)
}
