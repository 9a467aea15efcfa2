import CurbsideCore
import Foundation
import HTTPTypes
import Testing

@testable import Trips

/// The hand-written document: every operation declares its roles, and the platform's inbox merges in.
@Suite struct DocumentTests {
    @Test func operationsDeclareTheirRoles() throws {
        let document = try TripsModule.loadDocument()
        let expected: [(HTTPRequest.Method, String, OperationPolicy)] = [
            (.post, "/v1/trips:estimateFare", .roles([.passenger])),
            (.post, "/v1/trips", .roles([.passenger])),
            (.get, "/v1/trips", .roles([.passenger, .driver, .admin])),
            (.post, "/v1/trips/{trip}:start", .roles([.driver])),
            (.post, "/v1/trips/{trip}:rate", .roles([.passenger, .driver])),
            (.patch, "/v1/cities/{city}/pricingRules/{vehicleClass}", .roles([.admin])),
        ]
        for (method, path, policy) in expected {
            #expect(document.policy(method: method, path: path) == policy, "\(method) \(path)")
        }
        let merged = document.withPlatformOperations(service: .trips, hostsSubscribers: true)
        #expect(merged.policy(method: .post, path: "/v1/inboxes/{subscriber}/events:receive") == .roles([.service]))
        #expect(merged.policy(method: .post, path: "/v1/trips") == .roles([.passenger]))
    }
}
