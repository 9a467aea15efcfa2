/// Where a run stands: what the progress line shows and what the summary is made of.
public struct SimulationSnapshot: Sendable {
    /// The stage a run is in.
    public enum Phase: String, Sendable, Codable {
        /// Opening the city and signing up drivers and passengers.
        case settingUp
        /// The city is live: requests arrive, drivers drive.
        case running
        /// The duration is over (or a stop was asked for): open trips are ended, drivers go offline.
        case windingDown
        case finished
    }

    /// One kind of API error: the status, the operation that got it and the error's `reason`.
    public struct ErrorKind: Sendable, Hashable, Codable {
        public var status: Int
        public var operation: String
        public var reason: String
    }

    public var phase = Phase.settingUp
    /// Seconds since the city went live (0 while setting up).
    public var elapsedSeconds = 0.0
    public var accountsWanted = 0
    public var accountsReady = 0
    public var accountsFailed = 0
    public var driversOnline = 0
    /// Passengers following a trip right now.
    public var activeRides = 0

    /// Trips created (`POST /v1/trips` answered 2xx).
    public var requests = 0
    /// Requests that were refused (a declined card, no method, ...).
    public var requestsRefused = 0
    /// Requests the demand curve wanted while every passenger already had a trip.
    public var unservedDemand = 0
    /// Offers a driver accepted successfully (the trip got its driver).
    public var matched = 0
    public var completed = 0
    /// Trips the passenger cancelled while waiting.
    public var cancelledByPassenger = 0
    /// Trips that ended CANCELLED otherwise (by the system, an admin, a payment decline).
    public var cancelledOtherwise = 0
    public var noDriverFound = 0
    /// Trips still open when the run ended, cancelled by the simulator on the way out.
    public var cancelledAtEnd = 0

    public var offersReceived = 0
    public var offersDeclined = 0
    /// Offers that closed (expired, withdrawn, taken) before the driver answered, or whose accept was refused.
    public var offersLost = 0
    public var ratings = 0

    /// Sum and count of measured pickups: seconds from the driver's accepted offer to `:arrive`.
    public var pickupSecondsTotal = 0.0
    public var pickups = 0
    /// Sum and count of dispatch's pickup estimates (`pickupEta` of the accepted offer), seconds.
    public var quotedPickupSecondsTotal = 0.0
    public var quotedPickups = 0

    public var latency = LatencyHistogram()
    public var errors: [ErrorKind: Int] = [:]
    /// The first few 5xx answers, for the summary (method, path, status, message).
    public var serverErrorSamples: [String] = []
    /// Calls that got no HTTP answer at all (connection refused or reset, timeout).
    public var transportErrors = 0
    /// Calls sent again after no answer or a 502, 503 or 504.
    public var retries = 0
    public var transportErrorSamples: [String] = []

    public var liveConnects = 0
    public var liveDisconnects = 0
    public var liveMessages = 0

    /// API calls made.
    public var calls: Int { latency.count }
    /// API answers with a status of 500 or more.
    public var serverErrors: Int { errors.filter { $0.key.status >= 500 }.values.reduce(0, +) }
    /// API answers with a status outside 2xx.
    public var errorCount: Int { errors.values.reduce(0, +) }
    /// Mean measured pickup time in seconds (accepted offer to arrival), `nil` before the first.
    public var meanPickupSeconds: Double? { pickups > 0 ? pickupSecondsTotal / Double(pickups) : nil }
    /// Mean of dispatch's pickup estimates, `nil` before the first.
    public var meanQuotedPickupSeconds: Double? { quotedPickups > 0 ? quotedPickupSecondsTotal / Double(quotedPickups) : nil }
}
