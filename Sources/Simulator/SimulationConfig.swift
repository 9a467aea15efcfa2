/// Everything a simulation run is told: where, how many, how busy, how long, and how the simulated
/// people behave. The defaults are the `curbside simulate` defaults.
public struct SimulationConfig: Sendable {
    /// How the simulator becomes an admin (to open the city and approve drivers).
    public enum AdminCredentials: Sendable {
        /// Sign in with an admin account (`curbside admin create` made it).
        case signIn(email: String, password: String)
        /// Use an access token obtained elsewhere (tests).
        case accessToken(String)
    }

    /// Where every service answers (`curbside serve` hosts all five on one address).
    public var baseURL = "http://127.0.0.1:8080"
    public var admin: AdminCredentials = .signIn(email: "admin@example.com", password: "")
    /// The centre of the simulated square.
    public var center = GeoPoint(latitude: 52.52, longitude: 13.405)
    /// The side of the square, in kilometres.
    public var sizeKm = 8.0
    public var drivers = 50
    public var passengers = 200
    /// Ride requests per hour, arriving as a Poisson process.
    public var demandPerHour = 300.0
    /// How long the city runs once everyone is signed up (set-up time is not counted).
    public var duration: Duration = .seconds(600)
    /// Every random decision is drawn from generators seeded with this.
    public var seed: UInt64 = 1
    public var timing = Timing()
    public var behaviour = Behaviour()
    /// Connections the shared HTTP client keeps to the server.
    public var maxConnections = 64
    /// Accounts set up at once (each sign-up and sign-in costs the server a bcrypt hash).
    public var setupConcurrency = 8

    public init() {}

    /// Clocks of the simulation; tests shorten them.
    public struct Timing: Sendable {
        /// How often a driver reports its position (the driver app: every 4 s).
        public var pingInterval: Duration = .seconds(4)
        /// How often each simulated person looks at its messages and moves its car.
        public var tick: Duration = .milliseconds(250)
        /// Driving speed multiplier: 10 makes every car ten times faster than real streets allow.
        /// Positions, pings and the pickup radius are unchanged, so the APIs see the same flow sooner.
        public var speedFactor = 1.0
        /// How long a driver takes to answer an offer, in seconds.
        public var offerAnswerDelaySeconds: ClosedRange<Double> = 1...5
        /// How long a passenger who will cancel waits first, in seconds after the request.
        public var cancelPatienceSeconds: ClosedRange<Double> = 20...120
        /// Drivers go online at random moments within this much of the start (`nil`: a fifth of the
        /// duration, at most a minute).
        public var goOnlineWindow: Duration?
        /// When nothing arrives on the live channel, a passenger re-reads its trip this often.
        public var tripRefreshInterval: Duration = .seconds(15)
        /// While a driver's live channel is down it polls its offers this often.
        public var offerPollInterval: Duration = .seconds(3)
        /// After the duration: how long trips may take to wind down before everything is stopped.
        public var windDownTimeout: Duration = .seconds(20)

        public init() {}
    }

    /// How the simulated people decide.
    public struct Behaviour: Sendable {
        /// A driver accepts an offer with this probability, otherwise declines.
        public var acceptProbability = 0.85
        /// A passenger cancels while waiting for the driver with this probability.
        public var cancelProbability = 0.08
        /// Share of passengers who pay cash instead of adding a card.
        public var cashShare = 0.15
        /// A passenger rates a completed ride with this probability.
        public var passengerRatingProbability = 0.5
        /// A driver rates the passenger with this probability.
        public var driverRatingProbability = 0.3
        /// Number of hot spots (train stations, nightlife) in the city.
        public var hotSpotCount: ClosedRange<Int> = 2...3
        /// Share of pickups drawn near a hot spot rather than anywhere.
        public var hotSpotShare = 0.5
        /// How far around a hot spot its pickups spread (standard deviation, metres).
        public var hotSpotSpreadMeters = 300.0
        /// Straight-line distance from pickup to destination, in kilometres (within the square).
        public var tripDistanceKm: ClosedRange<Double> = 1...6
        /// A car's speed on the streets, metres per second (before `Timing.speedFactor`).
        public var speedMetersPerSecond: ClosedRange<Double> = 8...12
        /// Length of a block of the street grid, metres.
        public var blockMeters = 200.0

        public init() {}
    }
}
