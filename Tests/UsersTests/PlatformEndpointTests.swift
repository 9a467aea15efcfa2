import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Users

/// Health, readiness, metrics and the documentation pages, as an operator and a client see them.
@Suite struct PlatformEndpointTests {
    @Test func healthAndReadinessAnswer() async throws {
        try await TestPlatform.withAPI { api, _ in
            let health = try await api.call(.get, "/healthz")
            let readiness = try await api.call(.get, "/readyz")
            #expect(health.status == 200)
            #expect(readiness.status == 200)
        }
    }

    @Test func theDocumentAndItsPagesAreServed() async throws {
        try await TestPlatform.withAPI { api, _ in
            let json = try await api.call(.get, "/users/openapi.json")
            #expect(json.status == 200)
            #expect((json["paths"] as? [String: Any])?["/v1/users"] != nil)
            let root = try await api.call(.get, "/openapi.json")
            #expect(root.body == json.body)
            #expect(try await api.call(.get, "/openapi.yaml").text.hasPrefix("openapi:"))
            #expect(try await api.call(.get, "/docs").text.contains("swagger-ui"))
            #expect(try await api.call(.get, "/redoc").text.contains("redoc"))
        }
    }

    @Test func metricsAreExposedForPrometheus() async throws {
        try await TestPlatform.withAPI { api, _ in
            _ = try await api.call(.get, "/healthz")
            let metrics = try await api.call(.get, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("hb_requests"))
        }
    }
}
