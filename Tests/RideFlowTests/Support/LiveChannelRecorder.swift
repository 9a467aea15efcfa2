import CurbsideTesting
import Foundation
import HummingbirdWSClient
import NIOConcurrencyHelpers

/// A phone's live channel during a scenario: connected as the apps connect (`/v1/stream` with the
/// access token), keeping every notification it is sent, in order.
final class LiveChannelRecorder: Sendable {
    /// One notification as the app sees it.
    struct Message: Sendable {
        var seq: Int64
        var kind: String
        var data: [String: String]
    }

    private let received = NIOLockedValueBox<[Message]>([])
    private let connection: Task<Void, any Error>

    /// Connects to the notifications server at `base` (`http://host:port`) as the holder of `token`.
    init(base: String, token: String) {
        let url = "ws" + base.dropFirst("http".count) + "/v1/stream?access_token=\(token)&after=0"
        let received = received
        connection = Task {
            _ = try await WebSocketClient.connect(url: url, logger: TestEnvironment.logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await frame in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = frame,
                                let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                                json["type"] as? String == "notification", let kind = json["kind"] as? String,
                                let seq = (json["seq"] as? String).flatMap(Int64.init)
                            else { continue }
                            let data = (json["data"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
                            received.withLockedValue { $0.append(Message(seq: seq, kind: kind, data: data)) }
                        }
                    }
                    // Until the scenario hangs up (cancels this task).
                    group.addTask { try? await Task.sleep(for: .seconds(3_600)) }
                    _ = try await group.next()
                    try await outbound.close(.normalClosure, reason: nil)
                    group.cancelAll()
                }
            }
        }
    }

    /// Everything received so far, in order.
    var messages: [Message] { received.withLockedValue { $0 } }

    /// The first message of `kind`, waiting up to `timeout` for it.
    func first(_ kind: String, timeout: Duration = .seconds(10)) async throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = messages.first(where: { $0.kind == kind }) { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("no \(kind) on the live channel within \(timeout); got \(messages.map(\.kind))")
    }

    /// Hangs up.
    func close() async {
        connection.cancel()
        _ = await connection.result
    }
}
