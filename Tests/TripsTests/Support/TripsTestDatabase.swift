import CurbsideCore
import Foundation
import PostgresNIO

@testable import Trips

/// Direct looks into the trips database that tests need (the outbox).
enum TripsTestDatabase {
    /// The event types written to the outbox for a trip, in order.
    static func eventTypes(of trip: String, module: TripsModule) async throws -> [String] {
        let aggregate = "trips/\(trip)"
        return try await module.databases.platform.readPrimary { client in
            let rows = try await client.query(
                "SELECT type FROM platform.outbox WHERE aggregateid = \(aggregate) ORDER BY seq", logger: TripsTestPlatform.logger)
            var types: [String] = []
            for try await type in rows.decode(String.self) { types.append(type) }
            return types
        }
    }
}
