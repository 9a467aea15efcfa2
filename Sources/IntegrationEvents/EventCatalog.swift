/// Every integration event type Curbside publishes; the reference page (docs/events.md) must list
/// each one (a test checks).
public enum EventCatalog {
    public static let all: [any IntegrationEvent.Type] = [
        UsersV1.DriverApproved.self, UsersV1.DriverRejected.self, UsersV1.DriverSuspended.self,
        TripsV1.TripRequested.self, TripsV1.TripRedispatched.self, TripsV1.TripDriverAssigned.self,
        TripsV1.TripDriverArrived.self, TripsV1.TripStarted.self, TripsV1.TripCompleted.self, TripsV1.TripCancelled.self,
        TripsV1.TripNoDriverFound.self, TripsV1.TripRated.self,
        DispatchV1.OfferCreated.self, DispatchV1.OfferClosed.self, DispatchV1.DriverAssigned.self,
        DispatchV1.NoDriverFound.self, DispatchV1.DriverAvailabilityChanged.self, DispatchV1.DriverPositionShared.self,
        PaymentsV1.PaymentAuthorized.self, PaymentsV1.PaymentDeclined.self, PaymentsV1.PaymentSettled.self,
        PaymentsV1.TipAdded.self, PaymentsV1.PaymentRefunded.self,
    ]
}
