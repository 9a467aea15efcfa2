/// The outcome of a run: what the summary table shows, and what `--json` prints.
public struct SimulationSummary: Sendable, Codable {
    /// One row of the error table.
    public struct ErrorCount: Sendable, Codable {
        public var status: Int
        public var operation: String
        public var reason: String
        public var count: Int
    }

    public var baseURL: String
    public var city: String
    public var center: GeoPoint
    public var sizeKm: Double
    public var seed: UInt64
    /// Seconds the city was live (from the end of set-up to the end of the wind-down).
    public var elapsedSeconds: Double
    /// Whether the run was asked to stop before its duration was over.
    public var stoppedEarly: Bool

    public var drivers: Int
    public var passengers: Int
    public var accountsFailed: Int

    public var requests: Int
    public var requestsRefused: Int
    public var unservedDemand: Int
    public var matched: Int
    public var completed: Int
    public var cancelledByPassenger: Int
    public var cancelledOtherwise: Int
    public var cancelledAtEnd: Int
    public var noDriverFound: Int
    public var offersReceived: Int
    public var offersDeclined: Int
    public var offersLost: Int
    public var ratings: Int

    /// Mean seconds from a driver's accepted offer to its `:arrive` (measured by the simulator;
    /// with a speed factor above 1 shorter than on real streets by about that factor).
    public var meanPickupSeconds: Double?
    /// Mean of dispatch's own pickup estimate (`pickupEta`) on the accepted offers.
    public var meanQuotedPickupSeconds: Double?

    public var apiCalls: Int
    public var latencyP50Milliseconds: Double?
    public var latencyP99Milliseconds: Double?
    public var latencyMaxMilliseconds: Double?
    /// Answers outside 2xx, by status, operation and reason, most frequent first.
    public var errors: [ErrorCount]
    /// Answers outside 2xx by status (`"400"`: 12).
    public var errorsByStatus: [String: Int]
    /// Answers of 500 or more: each is a bug or an outage of the platform.
    public var serverErrors: Int
    public var serverErrorSamples: [String]
    /// Calls without an answer (refused or reset connections, timeouts).
    public var transportErrors: Int
    /// Calls sent again after no answer or a 502, 503 or 504.
    public var retries: Int
    public var transportErrorSamples: [String]

    public var liveConnects: Int
    public var liveDisconnects: Int
    public var liveMessages: Int

    /// The summary of a run of `config` that reached `snapshot`.
    public init(config: SimulationConfig, city: String, snapshot: SimulationSnapshot, stoppedEarly: Bool) {
        baseURL = config.baseURL
        self.city = city
        center = config.center
        sizeKm = config.sizeKm
        seed = config.seed
        elapsedSeconds = snapshot.elapsedSeconds
        self.stoppedEarly = stoppedEarly
        drivers = config.drivers
        passengers = config.passengers
        accountsFailed = snapshot.accountsFailed
        requests = snapshot.requests
        requestsRefused = snapshot.requestsRefused
        unservedDemand = snapshot.unservedDemand
        matched = snapshot.matched
        completed = snapshot.completed
        cancelledByPassenger = snapshot.cancelledByPassenger
        cancelledOtherwise = snapshot.cancelledOtherwise
        cancelledAtEnd = snapshot.cancelledAtEnd
        noDriverFound = snapshot.noDriverFound
        offersReceived = snapshot.offersReceived
        offersDeclined = snapshot.offersDeclined
        offersLost = snapshot.offersLost
        ratings = snapshot.ratings
        meanPickupSeconds = snapshot.meanPickupSeconds
        meanQuotedPickupSeconds = snapshot.meanQuotedPickupSeconds
        apiCalls = snapshot.calls
        latencyP50Milliseconds = snapshot.latency.percentile(0.5).map { $0 * 1000 }
        latencyP99Milliseconds = snapshot.latency.percentile(0.99).map { $0 * 1000 }
        latencyMaxMilliseconds = snapshot.calls > 0 ? snapshot.latency.maxSeconds * 1000 : nil
        errors = snapshot.errors.map { ErrorCount(status: $0.key.status, operation: $0.key.operation, reason: $0.key.reason, count: $0.value) }
            .sorted { ($0.count, $1.operation) > ($1.count, $0.operation) }
        errorsByStatus = snapshot.errors.reduce(into: [:]) { $0[String($1.key.status), default: 0] += $1.value }
        serverErrors = snapshot.serverErrors
        serverErrorSamples = snapshot.serverErrorSamples
        transportErrors = snapshot.transportErrors
        retries = snapshot.retries
        transportErrorSamples = snapshot.transportErrorSamples
        liveConnects = snapshot.liveConnects
        liveDisconnects = snapshot.liveDisconnects
        liveMessages = snapshot.liveMessages
    }
}
