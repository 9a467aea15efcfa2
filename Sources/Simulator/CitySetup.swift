/// The simulation's city: one per centre and size, created on the first run there and reused by
/// later ones, with ECONOMY prices (the request bodies of the ride-flow tests' set-up).
enum CitySetup {
    /// Makes sure the city covering `grid` exists and prices ECONOMY rides; returns its name.
    static func prepare(api: APIClient, grid: StreetGrid, sizeKm: Double, adminToken: String) async throws -> String {
        let id = cityID(center: grid.center, sizeKm: sizeKm)
        let name = "cities/\(id)"
        // Listing first instead of creating and reading a 409: the summary's error table then only
        // shows errors of the simulation itself.
        let cities = await api.send("listCities", .get, "/v1/cities", token: adminToken)
        guard cities.isSuccess else { throw SimulationError.setupFailed(step: "listing cities", detail: cities.summary) }
        if !(cities.decode(CityList.self)?.cities.contains { $0.name == name } ?? false) {
            let created = await api.send(
                "createCity", .post, "/v1/cities?cityId=\(id)", token: adminToken,
                body: Wire.City(
                    displayName: "Simulated city", center: grid.center, radiusKm: min(max(grid.coveringRadiusKm, 1), 200),
                    currencyCode: "USD", timeZone: "UTC"))
            // 409: another run created it a moment ago, which is as good.
            guard created.isSuccess || created.status == 409 else {
                throw SimulationError.setupFailed(step: "creating \(name)", detail: created.summary)
            }
        }
        let rules = await api.send("listPricingRules", .get, "/v1/\(name)/pricingRules", token: adminToken)
        if rules.decode(RuleList.self)?.pricingRules.contains(where: { $0.vehicleClass == SimulationContext.vehicleClass }) == true {
            return name
        }
        func usd(_ cents: Int) -> Wire.Money { Wire.Money(cents: cents, currencyCode: "USD") }
        let rule = await api.send(
            "updatePricingRule", .patch, "/v1/\(name)/pricingRules/\(SimulationContext.vehicleClass)", token: adminToken,
            body: Wire.PricingRule(
                baseFare: usd(250), perKm: usd(120), perMinute: usd(30), bookingFee: usd(150), minimumFare: usd(700),
                cancellationFee: usd(500), surgeCap: 3.0))
        guard rule.isSuccess else { throw SimulationError.setupFailed(step: "pricing \(name)", detail: rule.summary) }
        return name
    }

    /// `sim-n525200-e134050-80`: the centre to 1/10,000 degree and the size in tenths of a km, so
    /// that runs over the same square share one city (ids are 2–40 lowercase letters, digits, hyphens).
    static func cityID(center: GeoPoint, sizeKm: Double) -> String {
        func part(_ value: Double, _ positive: String, _ negative: String) -> String {
            (value >= 0 ? positive : negative) + String(Int((abs(value) * 10_000).rounded()))
        }
        return "sim-\(part(center.latitude, "n", "s"))-\(part(center.longitude, "e", "w"))-\(Int((sizeKm * 10).rounded()))"
    }

    private struct CityList: Decodable {
        struct City: Decodable {
            var name: String
        }
        var cities: [City]
    }

    private struct RuleList: Decodable {
        struct Rule: Decodable {
            var vehicleClass: String?
        }
        var pricingRules: [Rule]
    }
}
