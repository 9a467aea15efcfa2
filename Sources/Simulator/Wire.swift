/// The JSON bodies the simulator sends and reads: the parts of the services' OpenAPI schemas
/// (`Sources/*/openapi.yaml`) that a passenger app, a driver app and an operator's tool use.
enum Wire {
    struct Empty: Codable, Sendable {}

    struct SignUp: Encodable, Sendable {
        var role: String
        var email: String
        var displayName: String
        var password: String
    }

    struct SignIn: Encodable, Sendable {
        var email: String
        var password: String
    }

    struct Refresh: Encodable, Sendable {
        var refreshToken: String
    }

    struct Session: Decodable, Sendable {
        struct User: Decodable, Sendable {
            var uid: String
        }
        var accessToken: String
        var accessTokenExpireTime: String
        var refreshToken: String
        var user: User
    }

    struct City: Encodable, Sendable {
        var displayName: String
        var center: GeoPoint
        var radiusKm: Double
        var currencyCode: String
        var timeZone: String
    }

    /// google.type.Money: whole units as a string, the fraction in billionths.
    struct Money: Encodable, Sendable {
        var currencyCode: String
        var units: String
        var nanos: Int

        /// An amount of `cents` in a two-decimal currency.
        init(cents: Int, currencyCode: String) {
            self.currencyCode = currencyCode
            self.units = String(cents / 100)
            self.nanos = (cents % 100) * 10_000_000
        }
    }

    struct PricingRule: Encodable, Sendable {
        var baseFare: Money
        var perKm: Money
        var perMinute: Money
        var bookingFee: Money
        var minimumFare: Money
        var cancellationFee: Money
        var surgeCap: Double
    }

    struct Vehicle: Encodable, Sendable {
        var make: String
        var model: String
        var year: Int
        var licensePlate: String
        var color: String
        var seatCount: Int
        var vehicleClass: String
    }

    struct Document: Encodable, Sendable {
        var type: String
        var documentNumber: String
        var expireTime: String
        var vehicle: String?
    }

    struct Named: Decodable, Sendable {
        var name: String
    }

    struct SandboxCard: Encodable, Sendable {
        var number: String
        var expMonth: Int
        var expYear: Int
        var cvc: String
    }

    struct CardToken: Decodable, Sendable {
        var token: String
    }

    /// Exactly one of `card` and `cash`.
    struct PaymentMethod: Encodable, Sendable {
        struct Card: Encodable, Sendable {
            var token: String
        }
        var card: Card?
        var cash: Empty?
    }

    struct GoOnline: Encodable, Sendable {
        var vehicle: String
        var location: GeoPoint
    }

    struct LocationReport: Encodable, Sendable {
        var location: GeoPoint
        var accuracyMeters: Double
        var headingDegrees: Double
        var speedMetersPerSecond: Double
        var recordTime: String
    }

    struct EstimateFare: Encodable, Sendable {
        var pickup: GeoPoint
        var dropoff: GeoPoint
        var vehicleClass: String
    }

    struct Estimate: Decodable, Sendable {
        var quoteToken: String
    }

    struct CreateTrip: Encodable, Sendable {
        var quoteToken: String
    }

    struct Trip: Decodable, Sendable {
        var name: String
        var state: String
        var pickupPin: String?
    }

    struct Start: Encodable, Sendable {
        var pin: String
    }

    struct Cancel: Encodable, Sendable {
        var reason: String
    }

    struct Rate: Encodable, Sendable {
        var stars: Int
        var comment: String?
    }

    struct Offer: Decodable, Sendable {
        var name: String
        var trip: String
        var state: String
        var pickup: GeoPoint
        var dropoff: GeoPoint
        var pickupEta: String?
    }

    struct OfferList: Decodable, Sendable {
        var offers: [Offer]
    }

    /// Seconds of an API duration such as `"240s"`.
    static func seconds(_ duration: String?) -> Double? {
        guard let duration, duration.hasSuffix("s") else { return nil }
        return Double(duration.dropLast())
    }
}
