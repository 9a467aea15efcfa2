import Foundation
import Testing

@testable import DispatchService

/// What the ops stream accepts as the box and interval to watch, and what it refuses (4400).
@Suite struct OpsStreamParametersTests {
    @Test func aCitySizedBoxAndTheDefaultIntervalAreAccepted() throws {
        let parameters = try OpsStream.parameters(["bbox": "52.45,13.30,52.60,13.50"]).get()
        #expect(parameters.box == BoundingBox(minLatitude: 52.45, minLongitude: 13.30, maxLatitude: 52.60, maxLongitude: 13.50))
        #expect(parameters.interval == .milliseconds(1000))
        #expect(try OpsStream.parameters(["bbox": "-0.1,-0.1,0.1,0.1", "intervalMs": "250"]).get().interval == .milliseconds(250))
    }

    @Test(arguments: [
        "", "52.45,13.30,52.60", "52.45,13.30,52.60,13.50,1", "a,b,c,d", "52.60,13.30,52.45,13.50", "52.45,13.50,52.60,13.30",
        "-91,0,-89,1", "0,179.5,1,180.5", "nan,0,1,1",
        // More than 100 km a side: north to south, and west to east at the equator.
        "52,13,53,13.1", "0,0,0.1,1",
    ])
    func aBadOrTooLargeBoxIsRefusedWithAReason(_ bbox: String) {
        let result = OpsStream.parameters(["bbox": bbox])
        guard case .failure(let refusal) = result else {
            Issue.record("\(bbox) was accepted")
            return
        }
        #expect(refusal.message.hasPrefix("bbox"))
        // A WebSocket close reason is at most 123 bytes.
        #expect(refusal.message.utf8.count <= 123)
    }

    @Test func aMissingBoxOrAnIntervalOutOfRangeIsRefused() {
        #expect(throws: OpsStream.Refusal.self) { try OpsStream.parameters([:]).get() }
        for interval in ["249", "10001", "-5", "soon"] {
            #expect(throws: OpsStream.Refusal.self) { try OpsStream.parameters(["bbox": "1,1,1.1,1.1", "intervalMs": interval]).get() }
        }
    }

    @Test func theBoxesWidthIsMeasuredWhereItIsWidest() {
        // 1° of longitude is about 111 km at the equator and about 68 km at 52°N.
        #expect(BoundingBox.parse("52,13,52.1,14").isSuccess)
        #expect(!BoundingBox.parse("-0.05,13,0.05,14").isSuccess)
        let box = BoundingBox(minLatitude: 52, minLongitude: 13, maxLatitude: 52.2, maxLongitude: 13.4)
        #expect(abs(box.heightMeters - 22_239) < 10)
        // The corners are the farthest points from the centre.
        #expect(box.circumradiusMeters >= Geo.distanceMeters(box.center, Coordinate(latitude: 52, longitude: 13.4)))
    }

    @Test func zoneEdgesFollowTheGrid() throws {
        let grid = ZoneGrid()
        let id = grid.zoneID(Coordinate(latitude: 52.5212, longitude: 13.4049))
        let edges = try #require(grid.bounds(ofZone: id))
        #expect(edges.south <= 52.5212 && 52.5212 < edges.north && edges.west <= 13.4049 && 13.4049 < edges.east)
        #expect(abs(edges.north - edges.south - 0.01) < 1e-9)
        #expect(abs((grid.bounds(ofZone: "4075_-7399")?.west ?? 0) + 73.99) < 1e-9)
        #expect(grid.bounds(ofZone: "not-a-zone") == nil)
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
