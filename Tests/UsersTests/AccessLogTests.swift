import CurbsideCore
import CurbsideTesting
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Users

/// Collects log lines in memory.
final class CapturedLines: LogLineSink {
    private let lines = NIOLockedValueBox<[String]>([])
    func write(_ line: String) { lines.withLockedValue { $0.append(line) } }
    var all: [String] { lines.withLockedValue { $0 } }
}

@Suite struct AccessLogTests {
    @Test func eachRequestLogsOneECSLineWithoutSecrets() async throws {
        let captured = CapturedLines()
        let password = "very-secret-password-7"
        let email = "logged-\(UUID().uuidString.prefix(8))@example.com"
        try await TestPlatform.withAPI(logSink: captured) { api, _ in
            _ = try await api.call(
                .post, "/v1/users", json: #"{"role":"PASSENGER","email":"\#(email)","displayName":"L","password":"\#(password)"}"#)
            let session = try await api.signIn(.init(id: "", email: email, password: password))
            _ = try await api.call(
                .get, "/v1/users/me?pageToken=secret-in-query", token: session.accessToken,
                headers: [.traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
            _ = try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)

            let lines = captured.all
            let access = lines.compactMap { line -> [String: Any]? in
                guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    json["http.request.method"] != nil
                else { return nil }
                return json
            }
            #expect(access.count == 4)
            for entry in access {
                #expect(entry["http.request.id"] as? String != nil)
                #expect(entry["trace.id"] as? String != nil)
                #expect(entry["event.duration"] as? Int != nil)
                #expect(entry["http.response.status_code"] as? Int == 200)
            }
            let me = try #require(access.first { $0["url.path"] as? String == "/v1/users/me" })
            #expect(me["trace.id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(me["user.id"] as? String != nil)
            let everything = lines.joined(separator: "\n")
            for secret in [password, session.accessToken, session.refreshToken, "secret-in-query"] {
                #expect(!everything.contains(secret))
            }
        }
    }
}
