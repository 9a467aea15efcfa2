/// The kinds of ride a passenger can order; each city prices each class with its own rule.
public enum VehicleClass: String, Sendable, Codable, CaseIterable {
    case economy = "ECONOMY", comfort = "COMFORT", xl = "XL", premium = "PREMIUM"
}
