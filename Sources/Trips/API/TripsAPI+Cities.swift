import CurbsideCore
import Foundation

extension TripsAPI {
    func createCity(_ input: Operations.CreateCity.Input) async throws -> Operations.CreateCity.Output {
        try await TripsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let city = try await pricing.createCity(
                id: input.query.cityId, fields: try Self.cityFields(body, mask: nil), actor: try caller().userID, logger: logger)
            return .ok(.init(body: .json(TripsMapping.city(city))))
        }
    }

    func listCities(_ input: Operations.ListCities.Input) async throws -> Operations.ListCities.Output {
        try await TripsErrorMapping.translating {
            let cities = try await pricing.allCities(actor: try caller().userID, logger: logger)
            return .ok(.init(body: .json(.init(cities: cities.map(TripsMapping.city)))))
        }
    }

    func getCity(_ input: Operations.GetCity.Input) async throws -> Operations.GetCity.Output {
        try await TripsErrorMapping.translating {
            .ok(.init(body: .json(TripsMapping.city(try await pricing.city(input.path.city, actor: try caller().userID, logger: logger)))))
        }
    }

    func updateCity(_ input: Operations.UpdateCity.Input) async throws -> Operations.UpdateCity.Output {
        try await TripsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            var populated = Set<String>()
            if body.displayName != nil { populated.insert("displayName") }
            if body.center != nil { populated.insert("center") }
            if body.radiusKm != nil { populated.insert("radiusKm") }
            if body.currencyCode != nil { populated.insert("currencyCode") }
            if body.timeZone != nil { populated.insert("timeZone") }
            let mask = try FieldMask(
                input.query.updateMask, populated: populated, updatable: ["displayName", "center", "radiusKm", "currencyCode", "timeZone"])
            let city = try await pricing.updateCity(
                input.path.city, fields: try Self.cityFields(body, mask: mask), etag: body.etag, actor: try caller().userID, logger: logger)
            return .ok(.init(body: .json(TripsMapping.city(city))))
        }
    }

    func listPricingRules(_ input: Operations.ListPricingRules.Input) async throws -> Operations.ListPricingRules.Output {
        try await TripsErrorMapping.translating {
            let rules = try await pricing.rules(city: input.path.city, actor: try caller().userID, logger: logger)
            return .ok(.init(body: .json(.init(pricingRules: rules.map(TripsMapping.rule)))))
        }
    }

    func getPricingRule(_ input: Operations.GetPricingRule.Input) async throws -> Operations.GetPricingRule.Output {
        try await TripsErrorMapping.translating {
            let rule = try await pricing.rule(
                city: input.path.city, vehicleClass: try ResourceNames.vehicleClass(input.path.vehicleClass),
                revision: input.query.revision.map { Int($0) }, actor: try caller().userID, logger: logger)
            return .ok(.init(body: .json(TripsMapping.rule(rule))))
        }
    }

    func updatePricingRule(_ input: Operations.UpdatePricingRule.Input) async throws -> Operations.UpdatePricingRule.Output {
        try await TripsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let vehicleClass = try ResourceNames.vehicleClass(input.path.vehicleClass)
            let admin = try caller().userID
            let city = try await pricing.city(input.path.city, actor: admin, logger: logger)
            let amounts: [(String, Components.Schemas.Money?)] = [
                ("baseFare", body.baseFare), ("perKm", body.perKm), ("perMinute", body.perMinute), ("bookingFee", body.bookingFee),
                ("minimumFare", body.minimumFare), ("cancellationFee", body.cancellationFee),
            ]
            var populated = Set(amounts.filter { $0.1 != nil }.map(\.0))
            if body.surgeCap != nil { populated.insert("surgeCap") }
            let mask = try FieldMask(
                input.query.updateMask, populated: populated, updatable: Set(amounts.map(\.0)).union(["surgeCap"]))
            var values: [String: Int64] = [:]
            for (field, money) in amounts where mask.contains(field) {
                guard let money else {
                    throw AIPError.invalidArgument("\(field) is in updateMask but not in the body", field: field, reason: "MISSING_FIELD")
                }
                values[field] = try MoneyMapping.minorUnits(money, currency: city.currencyCode, field: field)
            }
            var surgeCap: Int?
            if mask.contains("surgeCap") {
                guard let cap = body.surgeCap else {
                    throw AIPError.invalidArgument("surgeCap is in updateMask but not in the body", field: "surgeCap", reason: "MISSING_FIELD")
                }
                surgeCap = try ResourceNames.hundredths(cap, field: "surgeCap")
            }
            let rule = try await pricing.reviseRule(
                city: city.id, vehicleClass: vehicleClass,
                fields: .init(
                    baseFare: values["baseFare"], perKilometer: values["perKm"], perMinute: values["perMinute"],
                    bookingFee: values["bookingFee"], minimumFare: values["minimumFare"], cancellationFee: values["cancellationFee"],
                    surgeCapHundredths: surgeCap),
                etag: body.etag, actor: admin, logger: logger)
            return .ok(.init(body: .json(TripsMapping.rule(rule))))
        }
    }

    /// The city fields in `body` that `mask` selects (all present ones when `mask` is nil).
    static func cityFields(_ body: Components.Schemas.City, mask: FieldMask?) throws(AIPError) -> PricingService.CityFields {
        func selected(_ field: String) -> Bool { mask?.contains(field) ?? true }
        var radius: Int?
        if selected("radiusKm"), let km = body.radiusKm {
            guard km.isFinite, (1...200).contains(km) else {
                throw .invalidArgument("radiusKm must be between 1 and 200", field: "radiusKm", reason: "INVALID_RADIUS")
            }
            radius = Int((km * 1000).rounded())
        }
        return .init(
            displayName: selected("displayName") ? body.displayName : nil,
            center: selected("center") ? body.center.map { ($0.latitude, $0.longitude) } : nil, radiusMeters: radius,
            currencyCode: selected("currencyCode") ? body.currencyCode : nil, timeZone: selected("timeZone") ? body.timeZone : nil)
    }
}
