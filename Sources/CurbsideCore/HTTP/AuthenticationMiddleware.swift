import Hummingbird

/// Verifies a bearer token when one is presented and publishes the caller in ``RequestScope``.
///
/// It never rejects a request itself: whether an operation needs a caller, and which roles, is
/// decided per operation by ``GuardedTransport`` from the OpenAPI document. A refused token is
/// remembered so that an operation that needs a caller answers 401 with the precise reason.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = CurbsideRequestContext

    let verifier: any AccessTokenVerifier

    public init(verifier: any AccessTokenVerifier) {
        self.verifier = verifier
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        var scope = RequestScope.current
        do {
            let principal = try await verifier.verify(bearerToken: Self.bearerToken(in: header))
            scope.principal = principal
            scope.logger[metadataKey: "user.id"] = "\(principal.userID.uuidString.lowercased())"
            PrincipalRecorder.box?.value = principal
        } catch let error as AIPError {
            scope.credentialError = error
        } catch {
            scope.credentialError = .unauthenticated("the access token is not valid", reason: "INVALID_TOKEN")
        }
        return try await RequestScope.$current.withValue(scope) {
            try await next(request, context)
        }
    }

    static func bearerToken(in header: String) throws(AIPError) -> String {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw .unauthenticated("the Authorization header must be 'Bearer <access token>'", reason: "INVALID_TOKEN")
        }
        // Not Foundation's trimming: it bridges through NSString, a measurable cost on every request.
        return String(parts[1].trimmingSpacesAndTabs())
    }
}

/// Checks an access token and returns who it speaks for.
public protocol AccessTokenVerifier: Sendable {
    /// Throws ``AIPError`` (401) for a token that is malformed, forged, expired or not yet valid.
    func verify(bearerToken: String) async throws -> Principal
}
