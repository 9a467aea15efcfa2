import CurbsideCore
import Foundation
import Logging

/// Cities and pricing rules, which admins edit and everyone is priced by.
public struct PricingService: Sendable {
    let cities: CityRepository
    let clock: TripsClock

    public init(cities: CityRepository, clock: TripsClock) {
        self.cities = cities
        self.clock = clock
    }

    /// The editable fields of a city; `nil` leaves a field alone.
    public struct CityFields: Sendable {
        public var displayName: String?
        public var center: (latitude: Double, longitude: Double)?
        public var radiusMeters: Int?
        public var currencyCode: String?
        public var timeZone: String?

        public init(
            displayName: String?, center: (latitude: Double, longitude: Double)?, radiusMeters: Int?, currencyCode: String?,
            timeZone: String?
        ) {
            self.displayName = displayName
            self.center = center
            self.radiusMeters = radiusMeters
            self.currencyCode = currencyCode
            self.timeZone = timeZone
        }
    }

    /// `actor` is the admin acting: their own later reads see what they wrote (read-your-writes).
    public func createCity(id rawID: String, fields: CityFields, actor: UUID? = nil, logger: Logger) async throws -> City {
        let id = try City.validID(rawID)
        guard let displayName = fields.displayName, let center = fields.center, let radius = fields.radiusMeters,
            let currency = fields.currencyCode, let timeZone = fields.timeZone
        else {
            throw TripsError.invalidField(
                field: "city", message: "displayName, center, radiusKm, currencyCode and timeZone are required",
                reason: "MISSING_FIELD")
        }
        let coordinate = try Coordinate(latitude: center.latitude, longitude: center.longitude, field: "center")
        try City.validate(displayName: displayName, radiusMeters: radius, currencyCode: currency, timeZone: timeZone)
        let now = clock.now()
        let city = City(
            id: id, displayName: displayName.trimmingCharacters(in: .whitespacesAndNewlines), center: coordinate, radiusMeters: radius,
            currencyCode: currency, timeZone: timeZone, createTime: now, updateTime: now, version: 1)
        try await cities.insert(city, writer: actor, logger: logger)
        return city
    }

    public func city(_ id: String, actor: UUID? = nil, logger: Logger) async throws -> City {
        guard let city = try await cities.city(id, reader: actor, logger: logger) else { throw TripsError.notFound("cities/\(id)") }
        return city
    }

    public func allCities(actor: UUID? = nil, logger: Logger) async throws -> [City] {
        try await cities.cities(reader: actor, logger: logger)
    }

    public func updateCity(_ id: String, fields: CityFields, etag: String?, actor: UUID? = nil, logger: Logger) async throws -> City {
        let center = try fields.center.map { value throws(TripsError) in
            try Coordinate(latitude: value.latitude, longitude: value.longitude, field: "center")
        }
        let now = clock.now()
        return try await cities.update(id, writer: actor, logger: logger) { city in
            try ETag.check(etag, version: city.version, resource: city.name)
            let displayName = fields.displayName ?? city.displayName
            let radius = fields.radiusMeters ?? city.radiusMeters
            let currency = fields.currencyCode ?? city.currencyCode
            let timeZone = fields.timeZone ?? city.timeZone
            try City.validate(displayName: displayName, radiusMeters: radius, currencyCode: currency, timeZone: timeZone)
            city.displayName = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
            city.center = center ?? city.center
            city.radiusMeters = radius
            city.currencyCode = currency
            city.timeZone = timeZone
            city.updateTime = now
            city.version += 1
        }
    }

    /// The newest revision of a rule, or the given one.
    public func rule(city: String, vehicleClass: VehicleClass, revision: Int?, actor: UUID? = nil, logger: Logger) async throws
        -> PricingRule
    {
        guard
            let rule = try await cities.rule(city: city, vehicleClass: vehicleClass, revision: revision, reader: actor, logger: logger)
        else {
            throw TripsError.notFound("cities/\(city)/pricingRules/\(vehicleClass.rawValue)")
        }
        return rule
    }

    public func rules(city: String, actor: UUID? = nil, logger: Logger) async throws -> [PricingRule] {
        _ = try await self.city(city, actor: actor, logger: logger)
        return try await cities.rules(city: city, reader: actor, logger: logger)
    }

    /// Rule amounts to change; `nil` keeps the current revision's value. The first revision needs all.
    public struct RuleFields: Sendable {
        public var baseFare: Int64?
        public var perKilometer: Int64?
        public var perMinute: Int64?
        public var bookingFee: Int64?
        public var minimumFare: Int64?
        public var cancellationFee: Int64?
        public var surgeCapHundredths: Int?

        public init(
            baseFare: Int64?, perKilometer: Int64?, perMinute: Int64?, bookingFee: Int64?, minimumFare: Int64?, cancellationFee: Int64?,
            surgeCapHundredths: Int?
        ) {
            self.baseFare = baseFare
            self.perKilometer = perKilometer
            self.perMinute = perMinute
            self.bookingFee = bookingFee
            self.minimumFare = minimumFare
            self.cancellationFee = cancellationFee
            self.surgeCapHundredths = surgeCapHundredths
        }
    }

    /// Writes a new revision of the rule (the first one when there is none). `etag` must match the
    /// current revision when given.
    public func reviseRule(
        city: String, vehicleClass: VehicleClass, fields: RuleFields, etag: String?, actor: UUID? = nil, logger: Logger
    ) async throws -> PricingRule {
        try await cities.revise(city: city, vehicleClass: vehicleClass, now: clock.now(), writer: actor, logger: logger) { current in
            let name = "cities/\(city)/pricingRules/\(vehicleClass.rawValue)"
            if let current {
                try ETag.check(etag, version: current.revision, resource: name)
            } else if let etag, !etag.isEmpty {
                throw AIPError.staleETag(name)
            }
            func value<T>(_ new: T?, _ old: T?, _ field: String) throws(TripsError) -> T {
                guard let result = new ?? old else {
                    throw .invalidField(field: field, message: "\(field) is required for a new pricing rule", reason: "MISSING_FIELD")
                }
                return result
            }
            let old = current?.amounts
            return try PricingRule.Amounts(
                baseFare: try value(fields.baseFare, old?.baseFare, "baseFare"),
                perKilometer: try value(fields.perKilometer, old?.perKilometer, "perKm"),
                perMinute: try value(fields.perMinute, old?.perMinute, "perMinute"),
                bookingFee: try value(fields.bookingFee, old?.bookingFee, "bookingFee"),
                minimumFare: try value(fields.minimumFare, old?.minimumFare, "minimumFare"),
                cancellationFee: try value(fields.cancellationFee, old?.cancellationFee, "cancellationFee"),
                surgeCapHundredths: try value(fields.surgeCapHundredths, old?.surgeCapHundredths, "surgeCap"))
        }
    }
}
