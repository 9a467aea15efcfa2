import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

/// The ride across services, through HTTP only, in both deployments.
@Suite(.serialized) struct RideFlowTests {
    @Test func aRideInTheOneProcessDeployment() async throws {
        try await AllInOneServer.run { server in
            try await RideScenario(
                users: server.baseURL, trips: server.baseURL, dispatch: server.baseURL, payments: server.baseURL,
                notifications: server.baseURL
            ).run()
        }
    }

    @Test(.enabled(if: ProcessCluster.binary != nil, "needs CURBSIDE_TEST_BINARY (make test sets it)"))
    func aRideAcrossFiveServiceProcesses() async throws {
        try await ProcessCluster.run { cluster in
            try await RideScenario(
                users: cluster.urls[.users]!, trips: cluster.urls[.trips]!, dispatch: cluster.urls[.dispatch]!,
                payments: cluster.urls[.payments]!, notifications: cluster.urls[.notifications]!
            ).run()
        }
    }
}
