import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Cities and their versioned pricing rules, in `platform` (both audiences are priced by them).
public struct CityRepository: Sendable {
    let database: Database

    public init(databases: ServiceDatabases) { database = databases.platform }

    static let cityColumns =
        "id, display_name, center_latitude, center_longitude, radius_meters, currency_code, time_zone, create_time, update_time, version"
    static let ruleColumns = """
        city_id, vehicle_class, revision, currency_code, base_fare, per_kilometer, per_minute, booking_fee, minimum_fare,
        cancellation_fee, surge_cap_hundredths, create_time
        """

    /// Stores a new city; its id is the caller's choice, so a duplicate is a conflict. `writer` (the
    /// admin) then reads the city back even from a replica that has not caught up.
    public func insert(_ city: City, writer: UUID? = nil, logger: Logger) async throws {
        do {
            try await database.transaction(writer: writer, logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO platform.cities (\(unescaped: Self.cityColumns))
                    VALUES (\(city.id), \(city.displayName), \(city.center.latitude), \(city.center.longitude), \(city.radiusMeters),
                        \(city.currencyCode), \(city.timeZone), \(city.createTime.postgres), \(city.updateTime.postgres), \(city.version))
                    """, logger: logger)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw TripsError.cityExists(city.name)
        }
    }

    public func city(_ id: String, reader: UUID? = nil, logger: Logger) async throws -> City? {
        try await database.read(reader: reader, logger: logger) { client in
            try await Self.cities(
                try await client.query("SELECT \(unescaped: Self.cityColumns) FROM platform.cities WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    /// Every city (a short list: service areas, not users).
    public func cities(reader: UUID? = nil, logger: Logger) async throws -> [City] {
        try await database.read(reader: reader, logger: logger) { client in
            try await Self.cities(
                try await client.query("SELECT \(unescaped: Self.cityColumns) FROM platform.cities ORDER BY id LIMIT 1000", logger: logger))
        }
    }

    /// Locks the city, applies `change` and saves it. The currency is fixed once rules exist.
    public func update(_ id: String, writer: UUID? = nil, logger: Logger, _ change: @escaping @Sendable (inout City) throws -> Void)
        async throws -> City
    {
        try await database.transaction(writer: writer, logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.cityColumns) FROM platform.cities WHERE id = \(id) FOR UPDATE", logger: logger)
            guard var city = try await Self.cities(rows).first else { throw TripsError.notFound("cities/\(id)") }
            let currency = city.currencyCode
            try change(&city)
            if city.currencyCode != currency {
                let rules = try await connection.query(
                    "SELECT 1 FROM platform.pricing_rules WHERE city_id = \(id) LIMIT 1", logger: logger)
                for try await _ in rules {
                    throw TripsError.invalidField(
                        field: "currencyCode", message: "currencyCode cannot change once the city has pricing rules",
                        reason: "CURRENCY_FIXED")
                }
            }
            try await connection.query(
                """
                UPDATE platform.cities SET display_name = \(city.displayName), center_latitude = \(city.center.latitude),
                    center_longitude = \(city.center.longitude), radius_meters = \(city.radiusMeters),
                    currency_code = \(city.currencyCode), time_zone = \(city.timeZone), update_time = \(city.updateTime.postgres),
                    version = \(city.version)
                WHERE id = \(id)
                """, logger: logger)
            return city
        }
    }

    /// The newest revision of a rule, or a given one.
    public func rule(city: String, vehicleClass: VehicleClass, revision: Int? = nil, reader: UUID? = nil, logger: Logger)
        async throws -> PricingRule?
    {
        try await database.read(reader: reader, logger: logger) { client in
            let rows =
                if let revision {
                    try await client.query(
                        """
                        SELECT \(unescaped: Self.ruleColumns) FROM platform.pricing_rules
                        WHERE city_id = \(city) AND vehicle_class = \(vehicleClass.rawValue) AND revision = \(revision)
                        """, logger: logger)
                } else {
                    try await client.query(
                        """
                        SELECT \(unescaped: Self.ruleColumns) FROM platform.pricing_rules
                        WHERE city_id = \(city) AND vehicle_class = \(vehicleClass.rawValue) ORDER BY revision DESC LIMIT 1
                        """, logger: logger)
                }
            return try await Self.rules(rows).first
        }
    }

    /// The newest revision of each class's rule in a city.
    public func rules(city: String, reader: UUID? = nil, logger: Logger) async throws -> [PricingRule] {
        try await database.read(reader: reader, logger: logger) { client in
            try await Self.rules(
                try await client.query(
                    """
                    SELECT DISTINCT ON (vehicle_class) \(unescaped: Self.ruleColumns) FROM platform.pricing_rules
                    WHERE city_id = \(city) ORDER BY vehicle_class, revision DESC
                    """, logger: logger))
        }
    }

    /// Writes the next revision of a rule: `change` receives the current revision (nil for the first)
    /// and returns the new amounts. The city row is locked, so concurrent edits serialize.
    public func revise(
        city cityID: String, vehicleClass: VehicleClass, now: Date, writer: UUID? = nil, logger: Logger,
        _ change: @escaping @Sendable (PricingRule?) throws -> PricingRule.Amounts
    ) async throws -> PricingRule {
        try await database.transaction(writer: writer, logger: logger) { connection in
            let cities = try await connection.query(
                "SELECT \(unescaped: Self.cityColumns) FROM platform.cities WHERE id = \(cityID) FOR UPDATE", logger: logger)
            guard let city = try await Self.cities(cities).first else { throw TripsError.notFound("cities/\(cityID)") }
            let current = try await Self.rules(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.ruleColumns) FROM platform.pricing_rules
                    WHERE city_id = \(cityID) AND vehicle_class = \(vehicleClass.rawValue) ORDER BY revision DESC LIMIT 1
                    """, logger: logger)
            ).first
            let amounts = try change(current)
            let rule = PricingRule(
                cityID: cityID, vehicleClass: vehicleClass, revision: (current?.revision ?? 0) + 1, currencyCode: city.currencyCode,
                amounts: amounts, createTime: now)
            try await connection.query(
                """
                INSERT INTO platform.pricing_rules (\(unescaped: Self.ruleColumns))
                VALUES (\(cityID), \(vehicleClass.rawValue), \(rule.revision), \(rule.currencyCode), \(amounts.baseFare),
                    \(amounts.perKilometer), \(amounts.perMinute), \(amounts.bookingFee), \(amounts.minimumFare),
                    \(amounts.cancellationFee), \(amounts.surgeCapHundredths), \(now.postgres))
                """, logger: logger)
            return rule
        }
    }

    static func cities(_ rows: PostgresRowSequence) async throws -> [City] {
        var result: [City] = []
        for try await row in rows.decode((String, String, Double, Double, Int, String, String, Date, Date, Int).self) {
            result.append(
                City(
                    id: row.0, displayName: row.1, center: Coordinate(stored: row.2, longitude: row.3), radiusMeters: row.4,
                    currencyCode: row.5, timeZone: row.6, createTime: row.7, updateTime: row.8, version: row.9))
        }
        return result
    }

    static func rules(_ rows: PostgresRowSequence) async throws -> [PricingRule] {
        var result: [PricingRule] = []
        for try await row in rows.decode((String, String, Int, String, Int64, Int64, Int64, Int64, Int64, Int64, Int, Date).self) {
            guard let vehicleClass = VehicleClass(rawValue: row.1),
                let amounts = try? PricingRule.Amounts(
                    baseFare: row.4, perKilometer: row.5, perMinute: row.6, bookingFee: row.7, minimumFare: row.8, cancellationFee: row.9,
                    surgeCapHundredths: row.10)
            else { throw CorruptRecord(column: "pricing_rules") }
            result.append(
                PricingRule(
                    cityID: row.0, vehicleClass: vehicleClass, revision: row.2, currencyCode: row.3, amounts: amounts, createTime: row.11))
        }
        return result
    }
}
