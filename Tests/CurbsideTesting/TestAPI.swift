import CurbsideCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A response as tests look at it.
public struct Reply: Sendable {
    public let status: Int
    public let headers: HTTPFields
    public let body: Data

    public init(status: Int, headers: HTTPFields, body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    public subscript(key: String) -> Any? { json[key] }
    public func string(_ key: String) -> String? { json[key] as? String }
    public var errorReason: String? {
        ((json["error"] as? [String: Any])?["details"] as? [[String: Any]])?.first?["reason"] as? String
    }
    public var errorStatus: String? { (json["error"] as? [String: Any])?["status"] as? String }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// JSON calls through a Hummingbird test client, and tokens for any role.
public struct TestAPI: Sendable {
    public let client: any TestClientProtocol
    public let platform: Platform

    public init(client: any TestClientProtocol, platform: Platform) {
        self.client = client
        self.platform = platform
    }

    @discardableResult
    public func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:], rawBody: ByteBuffer? = nil
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            body = ByteBuffer(string: json)
        }
        if let rawBody { body = rawBody }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// An access token for a user of `role` (a new random user unless `userID` is given), for
    /// services that trust the token without asking the users service.
    public func token(_ role: Role, userID: UUID = UUID()) async throws -> String {
        try await platform.tokens.issueAccessToken(for: Principal(userID: userID, role: role, sessionID: UUID())).token
    }

    /// A token for another Curbside service.
    public func serviceToken() async throws -> String {
        try await platform.tokens.issueAccessToken(for: Principal(userID: UUID(), role: .service, sessionID: nil)).token
    }
}
