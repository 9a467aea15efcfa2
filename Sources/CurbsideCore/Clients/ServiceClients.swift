import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// What a service needs to call another service's API through its generated `Client`: the
/// server URL, a transport, and a middleware that signs every call with a service token and passes
/// the caller's trace on.
///
/// ```swift
/// let parts = try platform.clients.parts(for: .dispatch)
/// let dispatch = HTTPDispatchGateway(
///     serverURL: parts.serverURL, configuration: parts.configuration, transport: parts.transport, middlewares: parts.middlewares)
/// ```
public struct ServiceClients: Sendable {
    let urls: [ServiceName: String]
    let tokens: ServiceTokenCache
    let timeout: Duration

    public init(urls: [ServiceName: String], tokens: TokenService, timeout: Duration = .seconds(3)) {
        self.urls = urls
        self.tokens = ServiceTokenCache(tokens: tokens)
        self.timeout = timeout
    }

    /// The pieces of a generated client for `service`.
    public struct Parts: Sendable {
        public let serverURL: URL
        public let transport: any ClientTransport
        public let middlewares: [any ClientMiddleware]
        /// Reads timestamps as Curbside writes them (RFC 3339, milliseconds only when non-zero).
        public let configuration: Configuration
    }

    public func parts(for service: ServiceName) throws -> Parts {
        guard let text = urls[service], let url = URL(string: text) else {
            throw ConfigurationError("no URL for the \(service.rawValue) service (CURBSIDE_SERVICES_\(service.rawValue.uppercased())_URL)")
        }
        return Parts(
            serverURL: url,
            transport: AsyncHTTPClientTransport(configuration: .init(client: .shared, timeout: .nanoseconds(timeout.inNanoseconds))),
            middlewares: [ServiceCallMiddleware(tokens: tokens)],
            configuration: Configuration(dateTranscoder: RFC3339DateTranscoder()))
    }
}

/// Adds `Authorization: Bearer <service token>` and the current trace to an outgoing call.
struct ServiceCallMiddleware: ClientMiddleware {
    let tokens: ServiceTokenCache

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(try await tokens.token())"
        let traceID = RequestScope.current.traceID
        if traceID.count == 32 {
            request.headerFields[HTTPField.Name("traceparent")!] = "00-\(traceID)-\(String(repeating: "0", count: 15))1-01"
        }
        return try await next(request, body, baseURL)
    }
}

/// One service token per process, re-issued a minute before it expires.
final class ServiceTokenCache: Sendable {
    let tokens: TokenService
    let identity: UUID
    private let current = NIOLockedValueBox<(token: String, expiry: Date)?>(nil)

    init(tokens: TokenService, identity: UUID = ServiceTokenCache.serviceIdentity) {
        self.tokens = tokens
        self.identity = identity
    }

    /// The user id service tokens of service-to-service calls carry.
    static let serviceIdentity = UUID(uuidString: "00000000-0000-0000-0000-00000000c411")!

    func token(now: Date = Date()) async throws -> String {
        if let cached = current.withLockedValue({ $0 }), cached.expiry.timeIntervalSince(now) > 60 { return cached.token }
        let issued = try await tokens.issueAccessToken(for: Principal(userID: identity, role: .service, sessionID: nil))
        current.withLockedValue { $0 = issued }
        return issued.token
    }
}
