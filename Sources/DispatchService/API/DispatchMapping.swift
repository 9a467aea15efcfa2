import CurbsideCore
import Foundation

/// Domain values to API DTOs.
enum DispatchMapping {
    static func latLng(_ c: Coordinate) -> Components.Schemas.LatLng { .init(latitude: c.latitude, longitude: c.longitude) }

    static func duration(_ seconds: Int) -> String { "\(seconds)s" }

    static func availability(_ view: AvailabilityService.View) -> Components.Schemas.Availability {
        let driver = view.driver
        return .init(
            name: "\(Names.driver(view.driverID))/availability", driver: Names.driver(view.driverID),
            state: Components.Schemas.AvailabilityState(rawValue: view.state) ?? .offline,
            vehicle: driver?.vehicleID.map { Names.vehicle(driver: view.driverID, vehicle: $0) },
            vehicleClass: driver?.vehicleClass.flatMap(Components.Schemas.VehicleClass.init(rawValue:)),
            trip: driver?.currentTrip.map(Names.trip), lastLocationTime: driver?.lastLocationTime, updateTime: driver?.updateTime)
    }

    static func location(_ p: PositionRecord) -> Components.Schemas.DriverLocation {
        .init(
            driver: Names.driver(p.driverID), location: latLng(p.coordinate), headingDegrees: p.headingDegrees,
            speedMetersPerSecond: p.speedMetersPerSecond, accuracyMeters: p.accuracyMeters, recordTime: p.recordTime)
    }

    static func offer(_ o: OfferRecord) -> Components.Schemas.Offer {
        .init(
            name: Names.offer(o.id), trip: Names.trip(o.tripID), driver: Names.driver(o.driverID),
            state: Components.Schemas.OfferState(rawValue: o.state) ?? .open, pickup: latLng(o.pickup), dropoff: latLng(o.dropoff),
            pickupEta: duration(o.pickupEtaSeconds), createTime: o.createTime, expireTime: o.expireTime, closeTime: o.closeTime)
    }

    /// `me` (the caller) or a UUID.
    static func userID(_ segment: String, caller: Principal, field: String) throws(AIPError) -> UUID {
        try PathIDs.userID(segment, caller: caller, field: field)
    }

    static func uuid(_ segment: String, field: String) throws(AIPError) -> UUID {
        try PathIDs.uuid(segment, field: field)
    }

    /// The vehicle id in `drivers/{driver}/vehicles/{vehicle}`, which must belong to `driver`.
    static func vehicleID(inName name: String, driver: UUID) throws(AIPError) -> UUID {
        let parts = name.split(separator: "/")
        guard parts.count == 4, parts[0] == "drivers", parts[2] == "vehicles", UUID(uuidString: String(parts[1])) == driver,
            let id = UUID(uuidString: String(parts[3]))
        else {
            throw .invalidArgument(
                "vehicle must be a vehicle of this driver: drivers/{driver}/vehicles/{vehicle}", field: "vehicle",
                reason: "INVALID_RESOURCE_NAME")
        }
        return id
    }
}
