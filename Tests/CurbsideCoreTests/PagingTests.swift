import Foundation
import Testing

@testable import CurbsideCore

@Suite struct PagingTests {
    let codec = PageTokenCodec(secret: "test-secret")
    let cursor = PageTokenCodec.Cursor(sortKey: "2026-01-01T00:00:00.123Z", id: UUID().uuidString)

    @Test func aTokenRoundTripsForTheSameQuery() throws {
        let token = codec.encode(cursor, query: "users|a")
        #expect(try codec.decode(token, query: "users|a") == cursor)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) })
    }

    @Test func aTokenForAnotherQueryOrCallerIsRefused() {
        let token = codec.encode(cursor, query: "users|alice")
        #expect(throws: AIPError.self) { try codec.decode(token, query: "users|mallory") }
    }

    @Test func aTamperedTokenIsRefused() {
        var token = Array(codec.encode(cursor, query: "q"))
        token[3] = token[3] == "A" ? "B" : "A"
        #expect(throws: AIPError.self) { try codec.decode(String(token), query: "q") }
        #expect(throws: AIPError.self) { try codec.decode("garbage", query: "q") }
        #expect(throws: AIPError.self) { try PageTokenCodec(secret: "other").decode(codec.encode(cursor, query: "q"), query: "q") }
    }

    @Test func pageSizeFollowsAIP158() throws {
        #expect(try PageSize.resolve(nil) == 50)
        #expect(try PageSize.resolve(0) == 50)
        #expect(try PageSize.resolve(7) == 7)
        #expect(try PageSize.resolve(Int32.max) == 1000)
        #expect(throws: AIPError.self) { try PageSize.resolve(-1) }
    }

    @Test func orderByAcceptsOnlyListedFieldsAndDirections() throws {
        #expect(try OrderBy("createTime desc", allowed: ["createTime"], defaultField: "createTime").descending)
        #expect(try OrderBy(nil, allowed: ["createTime"], defaultField: "createTime").canonical == "createTime asc")
        #expect(throws: AIPError.self) { try OrderBy("password", allowed: ["createTime"], defaultField: "createTime") }
        #expect(throws: AIPError.self) { try OrderBy("createTime sideways", allowed: ["createTime"], defaultField: "createTime") }
    }

    @Test func fieldMasksFollowAIP161() throws {
        let updatable: Set = ["displayName", "email"]
        #expect(try FieldMask(nil, populated: ["email"], updatable: updatable).paths == ["email"])
        #expect(try FieldMask("displayName", populated: ["email"], updatable: updatable).paths == ["displayName"])
        #expect(try FieldMask("*", populated: [], updatable: updatable).paths == updatable)
        #expect(throws: AIPError.self) { try FieldMask("role", populated: [], updatable: updatable) }
    }

    @Test func aStaleETagIsAborted() throws {
        try ETag.check(nil, version: 3, resource: "r")
        try ETag.check(ETag.make(version: 3), version: 3, resource: "r")
        let error = #expect(throws: AIPError.self) { try ETag.check(ETag.make(version: 2), version: 3, resource: "r") }
        #expect(error?.httpCode == 409)
        #expect(error?.code == .aborted)
    }
}
