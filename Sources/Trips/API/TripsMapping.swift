import CurbsideCore
import Foundation

/// Domain values → API schemas.
enum TripsMapping {
    static func trip(_ trip: Trip, pin: String?) -> Components.Schemas.Trip {
        let quote = trip.quote
        let currency = quote.fare.currencyCode
        return .init(
            name: trip.name, uid: trip.id.uuidString.lowercased(), passenger: Names.user(trip.passengerID),
            driver: trip.driverID.map { Names.driver($0) },
            vehicle: trip.vehicle.map {
                .init(
                    vehicle: $0.name, vehicleClass: $0.vehicleClass, make: $0.make, model: $0.model, color: $0.color,
                    licensePlate: $0.licensePlate)
            },
            city: "cities/\(quote.cityID)", vehicleClass: .init(rawValue: quote.vehicleClass.rawValue),
            state: .init(rawValue: trip.state.rawValue), pickup: latLng(quote.pickup), dropoff: latLng(quote.dropoff),
            quotedFare: fare(quote.fare), pricingRuleRevision: Int32(clamping: quote.ruleRevision),
            pickupEta: trip.pickupEtaSeconds.map(duration), pickupPin: pin,
            cancellation: trip.cancellation.map {
                .init(
                    cancelledBy: .init(rawValue: $0.by.rawValue), reason: $0.reason,
                    cancellationFee: $0.fee.map { MoneyMapping.money($0, currency: currency) })
            },
            receipt: trip.receipt.map { .init(fare: fare($0.fare), source: .init(rawValue: $0.source.rawValue)) },
            paymentMethod: trip.paymentMethod, passengerRated: trip.passengerRateTime != nil, driverRated: trip.driverRateTime != nil,
            createTime: trip.createTime, updateTime: trip.updateTime, assignTime: trip.assignTime, arriveTime: trip.arriveTime,
            startTime: trip.startTime, endTime: trip.endTime, etag: ETag.make(version: trip.version))
    }

    static func fare(_ fare: FareBreakdown) -> Components.Schemas.FareBreakdown {
        let money = { (amount: Int64) in MoneyMapping.money(amount, currency: fare.currencyCode) }
        return .init(
            baseFare: money(fare.baseFare), distanceCharge: money(fare.distanceCharge), timeCharge: money(fare.timeCharge),
            surgeCharge: money(fare.surgeCharge), bookingFee: money(fare.bookingFee),
            minimumFareAdjustment: money(fare.minimumFareAdjustment), total: money(fare.total),
            surgeMultiplier: multiplier(fare.surgeMultiplierHundredths), distanceMeters: Int32(clamping: fare.distanceMeters),
            duration: duration(fare.durationSeconds))
    }

    static func estimate(_ estimate: FareService.Estimate) -> Components.Schemas.FareEstimate {
        let quote = estimate.quote
        return .init(
            city: estimate.city.name, vehicleClass: .init(rawValue: quote.vehicleClass.rawValue),
            pricingRuleRevision: Int32(clamping: quote.ruleRevision), fare: fare(quote.fare),
            surgeMultiplier: multiplier(quote.fare.surgeMultiplierHundredths), pickupEta: duration(quote.pickupEtaSeconds),
            quoteToken: estimate.token, expireTime: quote.expireTime)
    }

    static func city(_ city: City) -> Components.Schemas.City {
        .init(
            name: city.name, displayName: city.displayName, center: latLng(city.center), radiusKm: Double(city.radiusMeters) / 1000,
            currencyCode: city.currencyCode, timeZone: city.timeZone, createTime: city.createTime, updateTime: city.updateTime,
            etag: ETag.make(version: city.version))
    }

    static func rule(_ rule: PricingRule) -> Components.Schemas.PricingRule {
        let money = { (amount: Int64) in MoneyMapping.money(amount, currency: rule.currencyCode) }
        let amounts = rule.amounts
        return .init(
            name: rule.name, vehicleClass: .init(rawValue: rule.vehicleClass.rawValue), revision: Int32(clamping: rule.revision),
            baseFare: money(amounts.baseFare), perKm: money(amounts.perKilometer), perMinute: money(amounts.perMinute),
            bookingFee: money(amounts.bookingFee), minimumFare: money(amounts.minimumFare), cancellationFee: money(amounts.cancellationFee),
            surgeCap: multiplier(amounts.surgeCapHundredths), createTime: rule.createTime, etag: ETag.make(version: rule.revision))
    }

    static func rating(name: String, count: Int, total: Int) -> Components.Schemas.Rating {
        .init(
            name: name, averageStars: count > 0 ? (Double(total) / Double(count) * 100).rounded() / 100 : nil,
            ratingCount: Int32(clamping: count))
    }

    static func latLng(_ coordinate: Coordinate) -> Components.Schemas.LatLng {
        .init(latitude: coordinate.latitude, longitude: coordinate.longitude)
    }

    static func multiplier(_ hundredths: Int) -> Double { Double(hundredths) / 100 }

    /// AIP-142 duration text.
    static func duration(_ seconds: Int) -> String { "\(seconds)s" }
}
