import CurbsideCore
import CurbsideTesting
import Foundation
import HTTPTypes
import Testing

@testable import Users

/// Every operation of the document × every role × someone else's resource, against each
/// operation's declared `x-curbside-roles`.
@Suite struct AuthorizationMatrixTests {
    enum Caller: String, CaseIterable {
        case anonymous, passenger, driver, admin, service
    }

    @Test func everyOperationAnswersEveryRoleAsDeclared() async throws {
        try await TestPlatform.withAPI { api, module in
            let passenger = try await api.newSession(role: "PASSENGER")
            let driver = try await api.newSession(role: "DRIVER")
            let admin = try await api.adminSession(module: module)
            let service = try await api.serviceToken()
            // The resources belong to a user none of the callers is.
            let victim = try await api.signUp(role: "DRIVER")
            let tokens: [Caller: String?] = [
                .anonymous: nil, .passenger: passenger.accessToken, .driver: driver.accessToken, .admin: admin.accessToken,
                .service: service,
            ]
            var checked = 0
            for operation in module.document.operations {
                guard case .roles(let allowed) = operation.policy else { continue }
                let path = operation.path
                    .replacingOccurrences(of: "{user}", with: victim.id)
                    .replacingOccurrences(of: "{driver}", with: victim.id)
                    .replacingOccurrences(of: "{vehicle}", with: UUID().uuidString)
                    .replacingOccurrences(of: "{document}", with: UUID().uuidString)
                    .replacingOccurrences(of: "{subscriber}", with: "analytics")
                    .replacingOccurrences(of: "{event}", with: UUID().uuidString)
                let query = path.contains(":checkEligibility") ? "?vehicle=drivers/\(victim.id)/vehicles/\(UUID().uuidString)" : ""
                let method = HTTPRequest.Method(operation.method)!
                let body: String? = (method == .post || method == .patch) ? "{}" : nil
                for caller in Caller.allCases {
                    let reply = try await api.call(method, path + query, token: tokens[caller] ?? nil, json: body)
                    let label = "\(operation.method) \(operation.path) as \(caller)"
                    let role = Role(rawValue: caller.rawValue)
                    if caller == .anonymous {
                        #expect(reply.status == 401, "\(label): \(reply.text)")
                    } else if let role, !allowed.contains(role) {
                        #expect(reply.status == 403, "\(label): \(reply.text)")
                        #expect(reply.errorReason == "ROLE_NOT_ALLOWED", "\(label)")
                    } else if caller == .passenger || caller == .driver {
                        // Allowed role, someone else's resource.
                        #expect(reply.status == 403, "\(label): \(reply.text)")
                    } else {
                        #expect(reply.status != 401 && reply.status != 403 && reply.status < 500, "\(label): \(reply.text)")
                    }
                    #expect(reply.status < 500, "\(label): \(reply.text)")
                    checked += 1
                }
            }
            #expect(checked >= 20 * Caller.allCases.count)
        }
    }

    @Test func aPassengerCannotReadAnotherPassenger() async throws {
        try await TestPlatform.withAPI { api, _ in
            let alice = try await api.newSession()
            let bob = try await api.signUp()
            let reply = try await api.call(.get, "/v1/users/\(bob.id)", token: alice.accessToken)
            #expect(reply.status == 403)
            #expect(reply.errorReason == "NOT_RESOURCE_OWNER")
        }
    }
}
