/// Which subscribers receive which event types.
///
/// Deliveries are fanned out when an event is written, so a subscriber added here receives the
/// events written after it was deployed, not earlier ones.
public struct EventRouting: Sendable {
    let byType: [String: [String]]
    let everything: [String]

    /// - Parameters:
    ///   - byType: subscribers per event type.
    ///   - everything: subscribers of every event type (the analytics export).
    public init(byType: [String: [String]], everything: [String]) {
        self.byType = byType
        self.everything = everything
    }

    /// The subscribers of `type`, each once.
    public func subscribers(of type: String) -> [String] {
        var seen = Set<String>()
        return (everything + (byType[type] ?? [])).filter { seen.insert($0).inserted }
    }

    /// The event types routed to specific subscribers.
    public var byTypeKeys: [String] { Array(byType.keys) }

    /// Every subscriber named anywhere in the routing.
    public var allSubscribers: Set<String> { Set(everything + byType.values.flatMap { $0 }) }

    /// The subscriber that writes every event to the analytics export.
    public static let analytics = "analytics"

    /// The dispatch service's subscriber.
    public static let dispatch = "dispatch"
    /// The trips service's subscriber.
    public static let trips = "trips"
    /// The payments service's subscriber.
    public static let payments = "payments"
    /// The notifications service's subscriber.
    public static let notifications = "notifications"

    /// Curbside's routing: every event to the analytics export, and each service the events it acts on.
    public static let curbside = EventRouting(
        byType: serviceSubscriptions.merging(notificationSubscriptions) { $0 + $1 }, everything: [analytics])

    private static let serviceSubscriptions: [String: [String]] = [
        UsersV1.DriverSuspended.eventType: [dispatch],
        TripsV1.TripRequested.eventType: [dispatch],
        TripsV1.TripRedispatched.eventType: [dispatch],
        TripsV1.TripCancelled.eventType: [dispatch, payments],
        TripsV1.TripCompleted.eventType: [dispatch, payments],
        TripsV1.TripNoDriverFound.eventType: [payments],
        DispatchV1.DriverAssigned.eventType: [trips],
        DispatchV1.NoDriverFound.eventType: [trips],
        PaymentsV1.PaymentAuthorized.eventType: [trips],
        PaymentsV1.PaymentDeclined.eventType: [trips],
    ]

    /// What users are told about (the notifications service's table of them).
    private static let notificationSubscriptions: [String: [String]] = Dictionary(
        uniqueKeysWithValues: [
            DispatchV1.OfferCreated.eventType, DispatchV1.OfferClosed.eventType, DispatchV1.DriverPositionShared.eventType,
            TripsV1.TripDriverAssigned.eventType,
            TripsV1.TripDriverArrived.eventType, TripsV1.TripStarted.eventType, TripsV1.TripCompleted.eventType,
            TripsV1.TripCancelled.eventType, TripsV1.TripNoDriverFound.eventType, PaymentsV1.PaymentSettled.eventType,
            PaymentsV1.PaymentDeclined.eventType, PaymentsV1.TipAdded.eventType, PaymentsV1.PaymentRefunded.eventType,
        ].map { ($0, [notifications]) })
}
