import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The `ServerTransport` that generated OpenAPI handlers register on: before an operation's input is
/// even decoded, it enforces the roles the document declares for that operation, so that no
/// operation can forget its authorization check. It also records routes for 405 answers.
public struct GuardedTransport: ServerTransport {
    let router: Router<CurbsideRequestContext>
    let document: OpenAPIDocument
    let routes: RouteTable

    public init(router: Router<CurbsideRequestContext>, document: OpenAPIDocument, routes: RouteTable) {
        self.router = router
        self.document = document
        self.routes = routes
    }

    public func register(
        _ handler:
            @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (
                HTTPResponse, HTTPBody?
            ),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        guard let policy = document.policy(method: method, path: path) else {
            throw OpenAPIDocumentError.undeclaredOperation("\(method.rawValue) \(path)")
        }
        routes.add(method: method, path: path)
        router.register(
            { request, body, metadata in
                try policy.authorize(RequestScope.current)
                return try await handler(request, body, metadata)
            },
            method: method,
            path: path
        )
    }
}
