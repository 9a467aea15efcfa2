import Foundation
import Testing

@testable import CurbsideCore

@Suite struct OpenAPIDocumentTests {
    static let base = """
        openapi: "3.1.0"
        info: { title: t, version: "1" }
        paths:
          /v1/things:
            get:
              operationId: listThings
              x-curbside-roles: [admin]
              responses: { "200": { description: ok } }
        components:
          schemas:
            Thing: { type: object }
        """

    @Test func theEventInboxFragmentAddsItsOperationAndSchemaWithTheServiceRole() throws {
        let merged = try OpenAPIDocument(yaml: Self.base).merging(fragment: EventInboxRoute.documentFragment)
        #expect(merged.policy(method: .post, path: "/v1/inboxes/{subscriber}/events:receive") == .roles([.service]))
        #expect(merged.policy(method: .get, path: "/v1/things") == .roles([.admin]))
        let tree = try JSONSerialization.jsonObject(with: Data(merged.json)) as? [String: Any]
        let schemas = (tree?["components"] as? [String: Any])?["schemas"] as? [String: Any]
        #expect(schemas?["EventEnvelope"] != nil)
        #expect(schemas?["Thing"] != nil)
    }
}
