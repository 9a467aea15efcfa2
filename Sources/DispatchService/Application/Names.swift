import Foundation

/// Resource names as other services and events spell them.
enum Names {
    static func driver(_ id: UUID) -> String { "drivers/\(id.uuidString.lowercased())" }
    static func trip(_ id: UUID) -> String { "trips/\(id.uuidString.lowercased())" }
    static func offer(_ id: UUID) -> String { "offers/\(id.uuidString.lowercased())" }
    static func vehicle(driver: UUID, vehicle: UUID) -> String {
        "drivers/\(driver.uuidString.lowercased())/vehicles/\(vehicle.uuidString.lowercased())"
    }

    /// The id in `collection/{id}` (events carry names, not bare ids).
    static func id(_ name: String, collection: String) -> UUID? {
        let parts = name.split(separator: "/")
        guard parts.count == 2, parts[0] == collection else { return nil }
        return UUID(uuidString: String(parts[1]))
    }
}
