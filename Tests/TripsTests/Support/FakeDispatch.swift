import DispatchClient
import Foundation
import NIOConcurrencyHelpers

/// Dispatch as trips' tests need it: answers chosen by the test, or failures.
final class FakeDispatch: DispatchGateway {
    struct State {
        var surgeHundredths = 100
        var pickupEtaSeconds: Int? = 180
        var zoneFails = false
        var zoneDelay: Duration?
        var locations: [UUID: DriverPosition] = [:]
        var locationFails = false
        var trails: [UUID: TripTrail] = [:]
        var trailFails = false
    }

    let state = NIOLockedValueBox(State())

    func update(_ change: (inout State) -> Void) { state.withLockedValue { change(&$0) } }

    struct Unavailable: Error {}

    func zoneConditions(latitude: Double, longitude: Double, vehicleClass: String) async throws -> ZoneConditions {
        let current = state.withLockedValue { $0 }
        if let delay = current.zoneDelay { try await Task.sleep(for: delay) }
        if current.zoneFails { throw Unavailable() }
        return ZoneConditions(
            zone: "zones/test", surgeMultiplierHundredths: current.surgeHundredths, availableDrivers: 3,
            pickupEtaSeconds: current.pickupEtaSeconds)
    }

    func driverLocation(driverID: UUID) async throws -> DriverPosition? {
        let current = state.withLockedValue { $0 }
        if current.locationFails { throw Unavailable() }
        return current.locations[driverID]
    }

    func tripTrail(tripID: UUID, since startTime: Date) async throws -> TripTrail? {
        let current = state.withLockedValue { $0 }
        if current.trailFails { throw Unavailable() }
        return current.trails[tripID]
    }
}

/// A clock tests can move forward.
final class TestClock: Sendable {
    private let offset = NIOLockedValueBox<TimeInterval>(0)

    func advance(_ seconds: TimeInterval) { offset.withLockedValue { $0 += seconds } }

    var tripsClock: TripsClockSource {
        let offset = self.offset
        return { Date().addingTimeInterval(offset.withLockedValue { $0 }) }
    }
}

typealias TripsClockSource = @Sendable () -> Date
