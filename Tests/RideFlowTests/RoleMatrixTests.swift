import CurbsideCore
import CurbsideTesting
import DispatchService
import Foundation
import HTTPTypes
import Notifications
import Payments
import Testing
import Trips

/// Every operation of the trips, dispatch, payments and notifications documents (with the platform's event inbox) × every
/// role, on resources that do not exist: the roles each operation declares (`x-curbside-roles`) are
/// the roles that get past the gate, everyone else is refused before anything runs, and nothing
/// answers 5xx. Whose resource a caller may touch is tested per service.
@Suite struct RoleMatrixTests {
    enum Caller: String, CaseIterable {
        case anonymous, passenger, driver, admin, service
    }

    @Test func everyRideServiceOperationAnswersEveryRoleAsDeclared() async throws {
        try await AllInOneServer.run { server in
            let platform = try await TestEnvironment.platform()
            func token(_ role: Role) async throws -> String {
                try await platform.tokens.issueAccessToken(for: Principal(userID: UUID(), role: role, sessionID: UUID())).token
            }
            let tokens: [Caller: String?] = [
                .anonymous: nil, .passenger: try await token(.passenger), .driver: try await token(.driver),
                .admin: try await token(.admin), .service: try await token(.service),
            ]
            let documents = [
                try TripsModule.loadDocument().withPlatformOperations(service: .trips, hostsSubscribers: true),
                try DispatchModule.loadDocument().withPlatformOperations(service: .dispatch, hostsSubscribers: true),
                try PaymentsModule.loadDocument().withPlatformOperations(service: .payments, hostsSubscribers: true),
                try NotificationsModule.loadDocument().withPlatformOperations(service: .notifications, hostsSubscribers: true),
            ]
            // Every query parameter any of these operations requires; extra ones are ignored.
            let query = "?latitude=1&longitude=1&vehicleClass=ECONOMY&startTime=2026-01-01T00:00:00Z&cityId=nowhere"
            var checked = 0
            for operation in documents.flatMap(\.operations) {
                guard case .roles(let allowed) = operation.policy else { continue }
                var path = operation.path
                for placeholder in [
                    "{trip}", "{driver}", "{passenger}", "{offer}", "{event}", "{user}", "{paymentMethod}", "{payment}", "{notification}", "{refund}",
                    "{operation}",
                ] {
                    path = path.replacingOccurrences(of: placeholder, with: UUID().uuidString.lowercased())
                }
                path = path.replacingOccurrences(of: "{city}", with: "nowhere")
                    .replacingOccurrences(of: "{vehicleClass}", with: "ECONOMY")
                    .replacingOccurrences(of: "{subscriber}", with: "analytics")
                    .replacingOccurrences(of: "{device}", with: "install-1")
                let method = HTTPRequest.Method(operation.method)!
                let body: String? = (method == .post || method == .patch) ? "{}" : nil
                for caller in Caller.allCases {
                    let reply = try await LiveHTTP.call(method, server.baseURL + path + query, token: tokens[caller] ?? nil, json: body)
                    let label = "\(operation.method) \(operation.path) as \(caller)"
                    if caller == .anonymous {
                        #expect(reply.status == 401, "\(label): \(reply.text)")
                    } else if let role = Role(rawValue: caller.rawValue), !allowed.contains(role) {
                        #expect(reply.status == 403 && reply.errorReason == "ROLE_NOT_ALLOWED", "\(label): \(reply.text)")
                    } else {
                        #expect(reply.status != 401 && reply.errorReason != "ROLE_NOT_ALLOWED", "\(label): \(reply.text)")
                    }
                    #expect(reply.status < 500, "\(label): \(reply.text)")
                    checked += 1
                }
            }
            #expect(checked >= 30 * Caller.allCases.count)
        }
    }
}
