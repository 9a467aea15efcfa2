import Foundation
import IntegrationEvents

/// How one city prices one vehicle class. Rules are versioned: an edit writes a new `revision`, and
/// a quote or trip refers to the revision it was priced with, so later edits never change its price.
public struct PricingRule: Sendable, Equatable, Codable {
    public let cityID: String
    public let vehicleClass: VehicleClass
    public let revision: Int
    public let currencyCode: String
    /// The amounts, in integer minor units of `currencyCode`.
    public var amounts: Amounts
    public let createTime: Date

    public struct Amounts: Sendable, Equatable, Codable {
        public var baseFare: Int64
        public var perKilometer: Int64
        public var perMinute: Int64
        public var bookingFee: Int64
        public var minimumFare: Int64
        public var cancellationFee: Int64
        /// The highest surge multiplier this rule allows, in hundredths (150 = 1.5×), at least 100.
        public var surgeCapHundredths: Int

        public init(
            baseFare: Int64, perKilometer: Int64, perMinute: Int64, bookingFee: Int64, minimumFare: Int64, cancellationFee: Int64,
            surgeCapHundredths: Int
        ) throws(TripsError) {
            for (field, value) in [
                ("baseFare", baseFare), ("perKm", perKilometer), ("perMinute", perMinute), ("bookingFee", bookingFee),
                ("minimumFare", minimumFare), ("cancellationFee", cancellationFee),
            ] where !(0...Money.maxRuleAmount).contains(value) {
                throw .invalidField(
                    field: field, message: "\(field) must be between 0 and \(Money.maxRuleAmount) minor units", reason: "INVALID_AMOUNT")
            }
            guard (100...1_000).contains(surgeCapHundredths) else {
                throw .invalidField(field: "surgeCap", message: "surgeCap must be between 1.0 and 10.0", reason: "INVALID_SURGE_CAP")
            }
            self.baseFare = baseFare
            self.perKilometer = perKilometer
            self.perMinute = perMinute
            self.bookingFee = bookingFee
            self.minimumFare = minimumFare
            self.cancellationFee = cancellationFee
            self.surgeCapHundredths = surgeCapHundredths
        }
    }

    public init(cityID: String, vehicleClass: VehicleClass, revision: Int, currencyCode: String, amounts: Amounts, createTime: Date) {
        self.cityID = cityID
        self.vehicleClass = vehicleClass
        self.revision = revision
        self.currencyCode = currencyCode
        self.amounts = amounts
        self.createTime = createTime
    }

    /// `cities/{city}/pricingRules/{vehicleClass}`.
    public var name: String { "cities/\(cityID)/pricingRules/\(vehicleClass.rawValue)" }
}

extension Money {
    /// The largest amount a pricing rule may hold (minor units): large enough for any fare, small
    /// enough that fare arithmetic can never overflow.
    static let maxRuleAmount: Int64 = 100_000_000
}
