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

    static func document(roles: String, owner: String?) -> String {
        """
        openapi: "3.1.0"
        info: { title: t, version: "1" }
        paths:
          /v1/users/{user}/things:
            get:
              operationId: listThings
              x-curbside-roles: \(roles)
        \(owner.map { "      x-curbside-owner: \($0)\n" } ?? "")      responses: { "200": { description: ok } }
        """
    }

    @Test func ownershipIsDeclaredForEveryRoleItBindsOrTheDocumentIsRefused() throws {
        let path = "/v1/users/{user}/things"
        let single = try OpenAPIDocument(yaml: Self.document(roles: "[passenger, driver, admin]", owner: #""{user}""#))
        #expect(single.operations.first { $0.path == path }?.owners == [.passenger: .pathParameter("user"), .driver: .pathParameter("user")])
        let perRole = try OpenAPIDocument(yaml: Self.document(roles: "[passenger, driver]", owner: #"{ passenger: "{user}", driver: none }"#))
        #expect(perRole.operations.first { $0.path == path }?.owners == [.passenger: .pathParameter("user"), .driver: .shared])
        #expect(try OpenAPIDocument(yaml: Self.document(roles: "[admin]", owner: nil)).operations.first?.owners == [:])
        for (roles, owner) in [
            ("[passenger]", nil), ("[passenger]", #""{trip}""#), ("[passenger]", "everyone"),
            ("[passenger, driver]", #"{ passenger: none }"#),
        ] {
            #expect(throws: OpenAPIDocumentError.self, "\(roles) \(owner ?? "-")") {
                try OpenAPIDocument(yaml: Self.document(roles: roles, owner: owner))
            }
        }
    }
}
