import Foundation
import IntegrationEvents

/// A service area: trips are priced with its rules when their pickup lies within `radiusMeters` of
/// its centre.
public struct City: Sendable, Equatable {
    /// The user-chosen id in `cities/{city}`.
    public let id: String
    public var displayName: String
    public var center: Coordinate
    public var radiusMeters: Int
    /// ISO 4217, e.g. `USD`.
    public var currencyCode: String
    /// An IANA time zone, e.g. `America/New_York`: the estimator's time of day is local time.
    public var timeZone: String
    public let createTime: Date
    public var updateTime: Date
    public var version: Int

    public var name: String { "cities/\(id)" }

    public init(
        id: String, displayName: String, center: Coordinate, radiusMeters: Int, currencyCode: String, timeZone: String,
        createTime: Date, updateTime: Date, version: Int
    ) {
        self.id = id
        self.displayName = displayName
        self.center = center
        self.radiusMeters = radiusMeters
        self.currencyCode = currencyCode
        self.timeZone = timeZone
        self.createTime = createTime
        self.updateTime = updateTime
        self.version = version
    }

    /// True when `point` lies in the service area.
    public func contains(_ point: Coordinate) -> Bool { center.distance(to: point) <= Double(radiusMeters) }

    /// Checks a city id: 2 to 40 lowercase letters, digits and hyphens, starting with a letter (AIP-122).
    public static func validID(_ id: String) throws(TripsError) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard (2...40).contains(id.count), id.allSatisfy({ allowed.contains($0) }), id.first?.isLetter == true, !id.hasSuffix("-")
        else {
            throw .invalidField(
                field: "cityId", message: "cityId must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter",
                reason: "INVALID_CITY_ID")
        }
        return id
    }

    /// Checks the editable fields together.
    public static func validate(displayName: String, radiusMeters: Int, currencyCode: String, timeZone: String) throws(TripsError) {
        let trimmed = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw .invalidField(field: "displayName", message: "displayName must be 1 to 100 characters", reason: "INVALID_DISPLAY_NAME")
        }
        guard (1_000...200_000).contains(radiusMeters) else {
            throw .invalidField(field: "radiusKm", message: "radiusKm must be between 1 and 200", reason: "INVALID_RADIUS")
        }
        guard Money.isCurrencyCode(currencyCode) else {
            throw .invalidField(
                field: "currencyCode", message: "currencyCode must be an ISO 4217 code such as USD", reason: "INVALID_CURRENCY")
        }
        guard timeZone.count <= 64, TimeZone(identifier: timeZone) != nil else {
            throw .invalidField(
                field: "timeZone", message: "timeZone must be an IANA time zone such as Europe/Paris", reason: "INVALID_TIME_ZONE")
        }
    }
}
