import CurbsideCore
import HTTPTypes
import Logging
import OpenAPIRuntime
import Testing

/// What reaches the edge of the HTTP stack becomes an AIP error: a database that is away (a
/// restart, a failover) is 503 to retry, whether or not the generated handler wrapped it.
@Suite struct ErrorMapperTests {
    static let logger = Logger(label: "test")

    static func wrapped(_ error: any Error) -> ServerError {
        ServerError(
            operationID: "reportLocation", request: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/x"),
            requestBody: nil, requestMetadata: .init(), operationInput: "input", causeDescription: "handler threw",
            underlyingError: error)
    }

    @Test func aDatabaseTimeoutIsUnavailableWrappedOrNot() {
        #expect(ErrorMapper.aipError(for: DatabaseTimeout(), logger: Self.logger).code == .unavailable)
        #expect(ErrorMapper.aipError(for: Self.wrapped(DatabaseTimeout()), logger: Self.logger).code == .unavailable)
    }

    @Test func aCancelledRequestIsUnavailableWrappedOrNot() {
        #expect(ErrorMapper.aipError(for: CancellationError(), logger: Self.logger).code == .unavailable)
        #expect(ErrorMapper.aipError(for: Self.wrapped(CancellationError()), logger: Self.logger).code == .unavailable)
    }

    @Test func aMissingValueWithoutAPathIsNotBlamedOnTheBody() {
        let missingParameter = DecodingError.valueNotFound(String.self, .init(codingPath: [], debugDescription: "Value not found."))
        let error = ErrorMapper.aipError(for: Self.wrapped(missingParameter), logger: Self.logger)
        #expect(error.code == .invalidArgument)
        #expect(error.message == "a required query parameter or the request body is missing")
    }

    @Test func anUnknownHandlerFailureIsStillInternal() {
        struct Surprise: Error {}
        #expect(ErrorMapper.aipError(for: Self.wrapped(Surprise()), logger: Self.logger).code == .internal)
    }
}
