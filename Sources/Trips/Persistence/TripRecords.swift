import CurbsideCore
import Foundation
import PostgresNIO

/// How a trip is stored: scalar columns for what queries filter on, JSON for the value objects
/// (quote, vehicle, cancellation, receipt) that are only ever read whole.
enum TripRecords {
    static let columns = """
        id, passenger_id, quote::text, payment_method, state, driver_id, vehicle::text, pickup_eta_seconds, excluded_drivers,
        pin_attempts, cancellation::text, receipt::text, create_time, update_time, assign_time, arrive_time, start_time, end_time,
        passenger_rate_time, driver_rate_time, version
        """

    static func trips(_ rows: PostgresRowSequence) async throws -> [Trip] {
        var trips: [Trip] = []
        for try await row in rows { trips.append(try trip(row)) }
        return trips
    }

    static func trip(_ row: PostgresRow) throws -> Trip {
        let cells = row.makeRandomAccess()
        guard let state = Trip.State(rawValue: try cells[4].decode(String.self)) else { throw CorruptRecord(column: "state") }
        return Trip(
            id: try cells[0].decode(UUID.self),
            passengerID: try cells[1].decode(UUID.self),
            quote: try json(Quote.self, try cells[2].decode(String.self)),
            paymentMethod: try cells[3].decode(String?.self),
            state: state,
            driverID: try cells[5].decode(UUID?.self),
            vehicle: try optionalJSON(Trip.Vehicle.self, try cells[6].decode(String?.self)),
            pickupEtaSeconds: try cells[7].decode(Int?.self),
            excludedDrivers: try cells[8].decode([UUID].self),
            pinAttempts: try cells[9].decode(Int.self),
            cancellation: try optionalJSON(Trip.Cancellation.self, try cells[10].decode(String?.self)),
            receipt: try optionalJSON(Trip.Receipt.self, try cells[11].decode(String?.self)),
            createTime: try cells[12].decode(Date.self),
            updateTime: try cells[13].decode(Date.self),
            assignTime: try cells[14].decode(Date?.self),
            arriveTime: try cells[15].decode(Date?.self),
            startTime: try cells[16].decode(Date?.self),
            endTime: try cells[17].decode(Date?.self),
            passengerRateTime: try cells[18].decode(Date?.self),
            driverRateTime: try cells[19].decode(Date?.self),
            version: try cells[20].decode(Int.self))
    }

    static func encode(_ value: some Encodable) throws -> String { try StoredJSON.encode(value) }

    static func encodeOptional(_ value: (some Encodable)?) throws -> String? { try StoredJSON.encodeOptional(value) }

    static func json<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try StoredJSON.decode(type, text) }

    static func optionalJSON<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? { try StoredJSON.decodeOptional(type, text) }
}
