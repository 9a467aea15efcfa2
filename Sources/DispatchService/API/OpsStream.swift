import CurbsideCore
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging

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

    static let snapshotFailed = WebSocketEnding(
        "closed: snapshot failed", code: 1011, reason: "the snapshot could not be read; reconnect")
    static let notAnAdmin = WebSocketEnding("refused: not an admin", code: 4403, reason: "the ops stream is for admins")

    /// What a connection watches.
    struct Parameters: Sendable, Equatable {
        var box: BoundingBox
        var interval: Duration
    }

    func upgrade(_ request: HTTPRequest, logger: Logger) async -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        let query = request.queryParameters
        let caller = try? await tokens.verifyWithExpiry(bearerToken: request.webSocketAccessToken(query: query))
        let parameters = Self.parameters(query)
        let snapshots = snapshots
        let clock = clock
        return .upgrade([:]) { inbound, outbound, _ in
            let session = WebSocketSession(path: path, logger: logger)
            guard let (principal, expiry) = caller else {
                return try await session.end(.noValidToken, outbound: outbound, user: nil)
            }
            guard principal.role == .admin else {
                return try await session.end(Self.notAnAdmin, outbound: outbound, user: principal)
            }
            let watched: Parameters
            switch parameters {
            case .success(let value): watched = value
            case .failure(let refusal):
                return try await session.end(
                    .badRequest("bad parameters", reason: refusal.message), outbound: outbound, user: principal)
            }
            // The console reconnects after a pause, to another instance.
            let stopping = WebSocketEnding.serverStopping(reason: "the server is stopping; reconnect")
            let ending = try await session.run(
                expiry: expiry, inbound: inbound, serverStopping: stopping,
                work: [
                    {
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
                                return Self.snapshotFailed
                            }
                            do {
                                try await outbound.writeTextMessage(snapshot)
                            } catch {
                                return .clientLeft
                            }
                            session.messageSent()
                            // Ticks keep their rhythm; after a snapshot slower than the interval the next follows at once.
                            next = max(next.advanced(by: watched.interval), ticks.now)
                            try await Task.sleep(until: next, clock: ticks)
                        }
                    }
                ])
            try await session.end(ending, outbound: outbound, user: principal)
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
}
