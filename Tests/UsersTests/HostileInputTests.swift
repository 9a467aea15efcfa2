import CurbsideCore
import CurbsideTesting
import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import Users

/// Bad input of every kind gets a 4xx in AIP shape, never a 500.
@Suite struct HostileInputTests {
    @Test func malformedJSONIsABadRequest() async throws {
        try await TestPlatform.withAPI { api, _ in
            for body in ["{", "[]", "null", #"{"role": 5}"#, #"{"role":"PASSENGER","displayName":{"a":1},"password":"x"}"#] {
                let reply = try await api.call(.post, "/v1/users", json: body)
                #expect(reply.status == 400, "\(body): \(reply.text)")
                #expect(reply.errorStatus == "INVALID_ARGUMENT")
            }
        }
    }

    @Test func theWrongContentTypeIs415() async throws {
        try await TestPlatform.withAPI { api, _ in
            let reply = try await api.call(
                .post, "/v1/sessions", json: #"{"email":"a@b.co","password":"x"}"#, headers: [.contentType: "text/plain"])
            #expect(reply.status == 415)
            #expect(reply.errorReason == "UNSUPPORTED_MEDIA_TYPE")
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await TestPlatform.withAPI { api, _ in
            let huge = #"{"role":"PASSENGER","displayName":""# + String(repeating: "x", count: 100_000) + #""}"#
            let reply = try await api.call(.post, "/v1/users", json: huge)
            #expect(reply.status == 413)
            #expect(reply.errorReason == "REQUEST_TOO_LARGE")
        }
    }

    @Test func brokenUTF8IsABadRequest() async throws {
        try await TestPlatform.withAPI { api, _ in
            var buffer = ByteBuffer(string: #"{"role":"PASSENGER","displayName":""#)
            buffer.writeBytes([0xFF, 0xFE, 0xC3])
            buffer.writeString(#"","email":"u@example.com","password":"long-enough-1"}"#)
            let reply = try await api.call(.post, "/v1/users", headers: [.contentType: "application/json"], rawBody: buffer)
            #expect(reply.status == 400, "\(reply.text)")
        }
    }

    @Test func deeplyNestedJSONIsABadRequest() async throws {
        try await TestPlatform.withAPI { api, _ in
            let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
            let reply = try await api.call(.post, "/v1/users", json: ##"{"role":"PASSENGER","displayName":"## + deep + "}")
            #expect(reply.status == 400)
        }
    }

    @Test func hugeNumbersAreBadRequests() async throws {
        try await TestPlatform.withAPI { api, _ in
            let session = try await api.newSession(role: "DRIVER")
            for year in ["1e30", "99999999999999999999", "-1", "2.5"] {
                let reply = try await api.call(
                    .post, "/v1/drivers/me/vehicles", token: session.accessToken,
                    json:
                        #"{"make":"T","model":"P","year":\#(year),"licensePlate":"H\#(Int.random(in: 100...999))","color":"b","seatCount":4,"vehicleClass":"ECONOMY"}"#
                )
                #expect(reply.status == 400, "\(year): \(reply.text)")
            }
        }
    }

    @Test func sqlMetacharactersAreDataNotCode() async throws {
        try await TestPlatform.withAPI { api, _ in
            let name = #"Robert'); DROP TABLE platform.users;-- \ " $$"#
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let reply = try await api.call(
                .post, "/v1/users",
                json: #"{"role":"PASSENGER","email":"bobby-\#(UUID())@example.com","displayName":"\#(escaped)","password":"long-enough-1"}"#)
            #expect(reply.status == 200)
            #expect(reply.string("displayName") == name)
            let email = try await api.call(
                .post, "/v1/users",
                json: #"{"role":"PASSENGER","email":"x' OR '1'='1@example.com","displayName":"x","password":"long-enough-1"}"#)
            #expect(email.status == 400)
            #expect(try await api.call(.post, "/v1/sessions", json: #"{"email":"' OR 1=1 --@x.io","password":"long-enough-1"}"#).status < 500)
        }
    }

    @Test func malformedIdsAndNamesAreBadRequests() async throws {
        try await TestPlatform.withAPI { api, _ in
            let session = try await api.newSession(role: "DRIVER")
            for path in ["/v1/users/not-a-uuid", "/v1/drivers/%27%3B%20DROP/vehicles", "/v1/drivers/me/vehicles/xyz"] {
                let reply = try await api.call(.get, path, token: session.accessToken)
                #expect(reply.status == 400, "\(path): \(reply.text)")
            }
            let eligibility = try await api.call(.get, "/v1/drivers/me:checkEligibility?vehicle=trips/1", token: session.accessToken)
            #expect(eligibility.status == 400)
            let missing = try await api.call(.get, "/v1/drivers/me:checkEligibility", token: session.accessToken)
            #expect(missing.status == 400)
        }
    }

    @Test func unknownPathsAndMethodsAreAIPErrorsWithARequestID() async throws {
        try await TestPlatform.withAPI { api, _ in
            let missing = try await api.call(.get, "/v1/nothing-here")
            #expect(missing.status == 404)
            #expect(missing.errorStatus == "NOT_FOUND")
            #expect(missing.headers[.requestID] != nil)

            let wrongMethod = try await api.call(.put, "/v1/users/me")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers[.allow]?.contains("GET") == true)

            let echoed = try await api.call(.get, "/healthz", headers: [.requestID: "client-chosen-id-1"])
            #expect(echoed.headers[.requestID] == "client-chosen-id-1")
            let replaced = try await api.call(.get, "/healthz", headers: [.requestID: String(repeating: "x", count: 200)])
            #expect(replaced.headers[.requestID]?.count == 36)
        }
    }
}
