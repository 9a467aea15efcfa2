import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Users

@Suite struct ProfileAPITests {
    @Test func signUpErrorsAreAIPShaped() async throws {
        try await TestPlatform.withAPI { api, _ in
            let weak = try await api.call(
                .post, "/v1/users", json: #"{"role":"PASSENGER","email":"w-\#(UUID())@example.com","displayName":"W","password":"short"}"#)
            #expect(weak.status == 400)
            #expect(weak.errorReason == "WEAK_PASSWORD")

            let admin = try await api.call(
                .post, "/v1/users", json: #"{"role":"ADMIN","email":"a-\#(UUID())@example.com","displayName":"A","password":"long-enough-1"}"#)
            #expect(admin.status == 400)
            #expect(admin.errorReason == "INVALID_ROLE")

            let unknownRole = try await api.call(
                .post, "/v1/users", json: #"{"role":"PILOT","email":"p@example.com","displayName":"P","password":"long-enough-1"}"#)
            #expect(unknownRole.status == 400)

            let noContact = try await api.call(.post, "/v1/users", json: #"{"role":"PASSENGER","displayName":"N","password":"long-enough-1"}"#)
            #expect(noContact.status == 400)
            #expect(noContact.errorReason == "CONTACT_REQUIRED")

            let account = try await api.signUp()
            let duplicate = try await api.call(
                .post, "/v1/users", json: #"{"role":"DRIVER","email":"\#(account.email.uppercased())","displayName":"D","password":"long-enough-1"}"#)
            #expect(duplicate.status == 409)
            #expect(duplicate.errorReason == "EMAIL_TAKEN")
        }
    }

    @Test func aRetriedSignUpCreatesOneAccountEvenWhenConcurrent() async throws {
        try await TestPlatform.withAPI { api, _ in
            let requestID = UUID().uuidString
            let body = #"{"role":"PASSENGER","email":"retry-\#(UUID())@example.com","displayName":"R","password":"long-enough-1"}"#
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await api.call(.post, "/v1/users?requestId=\(requestID)", json: body) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 200 })
            #expect(Set(replies.compactMap { $0.string("name") }).count == 1)

            let other = try await api.call(
                .post, "/v1/users?requestId=\(requestID)",
                json: #"{"role":"PASSENGER","email":"other-\#(UUID())@example.com","displayName":"R","password":"long-enough-1"}"#)
            #expect(other.status == 400)
            #expect(other.errorReason == "REQUEST_ID_REUSED")

            let badID = try await api.call(.post, "/v1/users?requestId=not-a-uuid", json: body)
            #expect(badID.status == 400)
        }
    }

    @Test func updatesChangeOnlyMaskedFieldsAndRefuseStaleEtags() async throws {
        try await TestPlatform.withAPI { api, _ in
            let session = try await api.newSession()
            let me = try await api.call(.get, "/v1/users/me", token: session.accessToken)
            let etag = try #require(me.string("etag"))

            let updated = try await api.call(
                .patch, "/v1/users/me?updateMask=displayName", token: session.accessToken,
                json: #"{"displayName":"New Name","phoneNumber":"+14155550100","etag":"\#(etag)"}"#)
            #expect(updated.status == 200)
            #expect(updated.string("displayName") == "New Name")
            #expect(updated.json["phoneNumber"] == nil)
            #expect(updated.string("etag") != etag)

            let stale = try await api.call(
                .patch, "/v1/users/me", token: session.accessToken, json: #"{"displayName":"Lost","etag":"\#(etag)"}"#)
            #expect(stale.status == 409)
            #expect(stale.errorStatus == "ABORTED")

            let unknownPath = try await api.call(.patch, "/v1/users/me?updateMask=role", token: session.accessToken, json: #"{}"#)
            #expect(unknownPath.status == 400)
            #expect(unknownPath.errorReason == "INVALID_UPDATE_MASK")

            // Phone numbers are unique: a fresh one, so that the test passes again on the same database.
            let phone = "+1415\(Int.random(in: 1_000_000...9_999_999))"
            let implicit = try await api.call(.patch, "/v1/users/me", token: session.accessToken, json: #"{"phoneNumber":"\#(phone)"}"#)
            #expect(implicit.status == 200)
            #expect(implicit.string("phoneNumber") == phone)
            #expect(implicit.string("displayName") == "New Name")
        }
    }

    @Test func deletionIsSoftUntilPurgedAndAdminsCanUndelete() async throws {
        try await TestPlatform.withAPI { api, module in
            let session = try await api.newSession()
            let admin = try await api.adminSession(module: module)
            let deleted = try await api.call(.delete, "/v1/users/me", token: session.accessToken)
            #expect(deleted.status == 200)
            #expect(deleted.string("state") == "DELETED")
            #expect(deleted.string("deleteTime") != nil)
            #expect(deleted.string("purgeTime") != nil)

            #expect(try await api.call(.delete, "/v1/users/me", token: session.accessToken).status == 404)
            #expect(try await api.call(.get, "/v1/users/me", token: session.accessToken).status == 404)
            #expect(try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#).status == 401)
            let signIn = try await api.call(
                .post, "/v1/sessions", json: #"{"email":"\#(session.account.email)","password":"\#(session.account.password)"}"#,
                headers: [.xForwardedFor: "10.9.\(Int.random(in: 0...255)).1"])
            #expect(signIn.status == 401)

            let restored = try await api.call(.post, "/v1/users/\(session.account.id):undelete", token: admin.accessToken, json: "{}")
            #expect(restored.status == 200)
            #expect(restored.string("state") == "ACTIVE")
            _ = try await api.signIn(session.account)
        }
    }

    @Test func adminsListUsersWithFilterOrderAndPagesThatCoverEveryItemOnce() async throws {
        try await TestPlatform.withAPI { api, module in
            let admin = try await api.adminSession(module: module)
            let since = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-1))
            var created: Set<String> = []
            for _ in 0..<5 { created.insert(try await api.signUp(role: "DRIVER").name) }

            var seen: [String] = []
            var token: String?
            let filter = #"role = "DRIVER" AND createTime >= "\#(since)""#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            repeat {
                let tokenPart = token.map { "&pageToken=\($0)" } ?? ""
                let page = try await api.call(
                    .get, "/v1/users?pageSize=2&orderBy=createTime%20desc&filter=\(filter)\(tokenPart)", token: admin.accessToken)
                #expect(page.status == 200)
                let users = page.json["users"] as? [[String: Any]] ?? []
                #expect(users.count <= 2)
                #expect(users.allSatisfy { $0["role"] as? String == "DRIVER" })
                seen += users.compactMap { $0["name"] as? String }
                token = page.string("nextPageToken")
            } while token != nil
            #expect(Set(seen).isSuperset(of: created))
            #expect(seen.count == Set(seen).count)

            let first = try await api.call(.get, "/v1/users?pageSize=1", token: admin.accessToken)
            let firstToken = try #require(first.string("nextPageToken"))
            let mismatched = try await api.call(
                .get, "/v1/users?pageSize=1&filter=role%20%3D%20DRIVER&pageToken=\(firstToken)", token: admin.accessToken)
            #expect(mismatched.status == 400)
            #expect(mismatched.errorReason == "INVALID_PAGE_TOKEN")

            #expect(try await api.call(.get, "/v1/users?pageSize=-1", token: admin.accessToken).status == 400)
            #expect(try await api.call(.get, "/v1/users?pageSize=99999", token: admin.accessToken).status == 200)
            #expect(try await api.call(.get, "/v1/users?orderBy=password", token: admin.accessToken).status == 400)
            #expect(try await api.call(.get, "/v1/users?filter=password%20%3D%20x", token: admin.accessToken).status == 400)
        }
    }
}
