import Foundation
import IntegrationEvents
import Testing

@testable import Trips

/// The fare formula, the final-fare bounds, quote signatures and pickup PINs.
@Suite struct FareTests {
    static func rule(
        base: Int64 = 250, perKm: Int64 = 120, perMinute: Int64 = 30, booking: Int64 = 150, minimum: Int64 = 700, cap: Int = 200
    ) throws -> PricingRule {
        PricingRule(
            cityID: "c", vehicleClass: .economy, revision: 3, currencyCode: "USD",
            amounts: try .init(
                baseFare: base, perKilometer: perKm, perMinute: perMinute, bookingFee: booking, minimumFare: minimum,
                cancellationFee: 500, surgeCapHundredths: cap),
            createTime: Date())
    }

    @Test func aPlainFareAddsItsParts() throws {
        // 5 km, 10 min: 250 + 600 + 300 + 150 = 1300.
        let fare = FareCalculator.fare(rule: try Self.rule(), distanceMeters: 5000, durationSeconds: 600, surgeHundredths: 100)
        #expect(fare.distanceCharge == 600 && fare.timeCharge == 300 && fare.surgeCharge == 0)
        #expect(fare.minimumFareAdjustment == 0 && fare.total == 1300 && fare.currencyCode == "USD")
    }

    @Test func theMinimumFareLiftsShortRides() throws {
        // 250 + 12 + 15 + 150 = 427 → 700.
        let fare = FareCalculator.fare(rule: try Self.rule(), distanceMeters: 100, durationSeconds: 30, surgeHundredths: 100)
        #expect(fare.minimumFareAdjustment == 273 && fare.total == 700)
        let zero = FareCalculator.fare(rule: try Self.rule(), distanceMeters: 0, durationSeconds: 0, surgeHundredths: 100)
        #expect(zero.total == 700)
    }

    @Test func surgeIsBoundedByTheRulesCapAndNeverBelowOne() throws {
        let rule = try Self.rule(cap: 150)
        let capped = FareCalculator.fare(rule: rule, distanceMeters: 5000, durationSeconds: 600, surgeHundredths: 900)
        #expect(capped.surgeMultiplierHundredths == 150)
        // (250 + 600 + 300) × 0.5 = 575; the booking fee is not surged.
        #expect(capped.surgeCharge == 575 && capped.total == 1300 + 575)
        let below = FareCalculator.fare(rule: rule, distanceMeters: 5000, durationSeconds: 600, surgeHundredths: 40)
        #expect(below.surgeMultiplierHundredths == 100 && below.surgeCharge == 0)
    }

    @Test(arguments: [
        // perKm, metres → distance charge, rounded half up.
        (Int64(125), 1004, Int64(126)),  // 125.5 → 126
        (Int64(125), 1003, Int64(125)),  // 125.375 → 125
        (Int64(1), 499, Int64(0)),  // 0.499 → 0
        (Int64(1), 500, Int64(1)),  // 0.5 → 1
    ])
    func chargesRoundHalfUpToWholeMinorUnits(perKm: Int64, meters: Int, expected: Int64) throws {
        let fare = FareCalculator.fare(
            rule: try Self.rule(perKm: perKm, minimum: 0), distanceMeters: meters, durationSeconds: 0, surgeHundredths: 100)
        #expect(fare.distanceCharge == expected)
    }

    @Test func surgeRoundsOnce() throws {
        // (250 + 0 + 0) × 0.33 = 82.5 → 83.
        let fare = FareCalculator.fare(rule: try Self.rule(minimum: 0), distanceMeters: 0, durationSeconds: 0, surgeHundredths: 133)
        #expect(fare.surgeCharge == 83)
    }

    @Test func hugeInputsDoNotOverflow() throws {
        let rule = try Self.rule(base: Money.maxRuleAmount, perKm: Money.maxRuleAmount, perMinute: Money.maxRuleAmount, cap: 1000)
        let fare = FareCalculator.fare(rule: rule, distanceMeters: .max, durationSeconds: .max, surgeHundredths: .max)
        #expect(fare.total > 0)
    }

    @Test func ruleAmountsAreRangeChecked() {
        #expect(throws: TripsError.self) { try Self.rule(base: -1) }
        #expect(throws: TripsError.self) { try Self.rule(base: Money.maxRuleAmount + 1) }
        #expect(throws: TripsError.self) { try Self.rule(cap: 99) }
        #expect(throws: TripsError.self) { try Self.rule(cap: 1001) }
    }

    @Test func theFinalFareUsesTheTrailWithinBoundsOfTheEstimate() {
        #expect(FinalFarePolicy.measures(estimatedMeters: 4000, estimatedSeconds: 600, trailMeters: 4500, trailSeconds: 700) == (4500, 700, .trail))
        let long = FinalFarePolicy.measures(estimatedMeters: 4000, estimatedSeconds: 600, trailMeters: 50_000, trailSeconds: 100)
        #expect(long == (8000, 300, .trailClamped))
        #expect(FinalFarePolicy.measures(estimatedMeters: 4000, estimatedSeconds: 600, trailMeters: nil, trailSeconds: nil) == (4000, 600, .estimate))
    }

    static func quote(passenger: UUID, expire: Date) throws -> Quote {
        let rule = try rule()
        return Quote(
            id: UUID(), passengerID: passenger, cityID: "c", vehicleClass: .xl,
            pickup: try Coordinate(latitude: 1, longitude: 2, field: "p"), dropoff: try Coordinate(latitude: 1.01, longitude: 2, field: "d"),
            ruleRevision: 3, fare: FareCalculator.fare(rule: rule, distanceMeters: 1000, durationSeconds: 100, surgeHundredths: 120),
            cancellationFee: 500, pickupEtaSeconds: 60, expireTime: expire)
    }

    @Test func aQuoteRoundTripsForItsPassengerUntilItExpires() throws {
        let signer = QuoteSigner(secret: "secret-one")
        let passenger = UUID()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let quote = try Self.quote(passenger: passenger, expire: now.addingTimeInterval(120))
        let token = signer.sign(quote)
        #expect(try signer.verify(token, passenger: passenger, now: now) == quote)
        #expect(throws: TripsError.quoteExpired) { try signer.verify(token, passenger: passenger, now: now.addingTimeInterval(120)) }
        #expect(throws: TripsError.quoteInvalid) { try signer.verify(token, passenger: UUID(), now: now) }
        #expect(throws: TripsError.quoteInvalid) { try QuoteSigner(secret: "secret-two").verify(token, passenger: passenger, now: now) }
    }

    @Test func aTamperedQuoteIsRefused() throws {
        let signer = QuoteSigner(secret: "secret-one")
        let passenger = UUID()
        let now = Date()
        let token = signer.sign(try Self.quote(passenger: passenger, expire: now.addingTimeInterval(120)))
        let parts = token.split(separator: ".").map(String.init)
        // Rewrite the payload (a cheaper total) and keep the signature.
        var payload = try #require(Data(base64Encoded: Self.base64(parts[0])))
        var json = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        var fare = try #require(json["fare"] as? [String: Any])
        fare["total"] = 1
        json["fare"] = fare
        payload = try JSONSerialization.data(withJSONObject: json)
        let forged =
            payload.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "") + "." + parts[1]
        for bad in [forged, parts[0], token + "x", "", "a.b", String(repeating: "A", count: 5000) + ".x"] {
            #expect(throws: TripsError.quoteInvalid) { try signer.verify(bad, passenger: passenger, now: now) }
        }
    }

    static func base64(_ url: String) -> String {
        var text = url.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return text
    }

    @Test func pickupPINsAreFourStableDigitsPerTrip() {
        let pins = PickupPIN(secret: "s")
        let trip = UUID()
        let pin = pins.pin(for: trip)
        #expect(pin.count == 4 && pin.allSatisfy(\.isNumber))
        #expect(pins.pin(for: trip) == pin && pins.matches(pin, trip: trip))
        #expect(!pins.matches("12345", trip: trip) && !pins.matches("", trip: trip))
        let distinct = Set((0..<200).map { _ in pins.pin(for: UUID()) })
        #expect(distinct.count > 150)
    }

    @Test func theBuiltInEstimatorIsSlowerInRushHour() throws {
        let estimator = StraightLineEstimator(roadFactor: 1.3)
        let a = try Coordinate(latitude: 40.70, longitude: -74.0, field: "a")
        let b = try Coordinate(latitude: 40.75, longitude: -74.0, field: "b")
        let utc = TimeZone(identifier: "UTC")!
        let night = estimator.estimate(from: a, to: b, departure: Date(timeIntervalSince1970: 3 * 3600), timeZone: utc)
        let rush = estimator.estimate(from: a, to: b, departure: Date(timeIntervalSince1970: 8 * 3600), timeZone: utc)
        #expect(night.distanceMeters == rush.distanceMeters)
        #expect(abs(Double(night.distanceMeters) - a.distance(to: b) * 1.3) < 1)
        #expect(rush.durationSeconds > night.durationSeconds * 2)
    }
}
