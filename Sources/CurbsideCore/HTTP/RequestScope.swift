import Logging

/// What a handler needs to know about the request it serves: who is calling, from where,
/// and the logger that carries the request and trace ids.
///
/// OpenAPI handlers receive only their `Input`, so the platform middleware publishes this as a task local.
public struct RequestScope: Sendable {
    public var requestID: String
    public var traceID: String
    public var logger: Logger
    /// The verified caller, or `nil` for an anonymous request.
    public var principal: Principal?
    /// Why the presented credential was refused, if one was presented and refused.
    public var credentialError: AIPError?
    /// The client's address as the server sees it (after trusted proxy headers).
    public var clientAddress: String

    public init(
        requestID: String, traceID: String, logger: Logger, principal: Principal? = nil,
        credentialError: AIPError? = nil, clientAddress: String = "unknown"
    ) {
        self.requestID = requestID
        self.traceID = traceID
        self.logger = logger
        self.principal = principal
        self.credentialError = credentialError
        self.clientAddress = clientAddress
    }

    /// The scope of the request being served by the current task.
    @TaskLocal public static var current = RequestScope(
        requestID: "none", traceID: "none", logger: Logger(label: "curbside"))

    /// The caller, or a 401 explaining why there is none.
    public func requirePrincipal() throws(AIPError) -> Principal {
        if let principal { return principal }
        throw credentialError ?? .unauthenticated()
    }
}
