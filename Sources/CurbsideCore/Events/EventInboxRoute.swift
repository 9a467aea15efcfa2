import Foundation
import Hummingbird
import IntegrationEvents

/// `POST /v1/inboxes/{subscriber}/events:receive`: where relays in other processes deliver events to
/// the subscribers this process hosts. Only service identities may call it.
struct EventInboxRoute {
    let receivers: InProcessEventTransport

    func register(on router: Router<CurbsideRequestContext>, routes: RouteTable) {
        let path = "/v1/inboxes/{subscriber}/events:receive"
        router.post(RouterPath(path)) { request, context -> Response in
            try OperationPolicy.roles([.service]).authorize(RequestScope.current)
            guard let subscriber = context.parameters.get("subscriber") else { throw AIPError.notFound("inbox") }
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let envelope: EventEnvelope
            do {
                envelope = try IntegrationEventCoding.decoder.decode(EventEnvelope.self, from: Data(buffer: body))
            } catch {
                throw AIPError.invalidArgument("the body is not an event envelope", reason: "INVALID_EVENT")
            }
            do {
                try await receivers.deliver(envelope, to: subscriber)
            } catch let error as UnknownSubscriber {
                throw AIPError.notFound("inboxes/\(error.name)")
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        routes.add(method: .post, path: path)
    }
}

extension OpenAPIDocument {
    /// The document with the platform's operations a service serves: the admin API over its parked
    /// events (every service publishes events) and, when it hosts subscribers, the event inbox.
    public func withPlatformOperations(service: ServiceName, hostsSubscribers: Bool) -> OpenAPIDocument {
        var fragments = [ParkedEventsRoutes.documentFragment(service: service.rawValue)]
        if hostsSubscribers { fragments.append(EventInboxRoute.documentFragment) }
        // The fragments are constants that tests merge; failing here would be a programming error.
        return fragments.reduce(self) { document, fragment in (try? document.merging(fragment: fragment)) ?? document }
    }
}

extension EventInboxRoute {
    /// The inbox operation as it appears in the documents of services that host subscribers.
    static let documentFragment = """
        paths:
          /v1/inboxes/{subscriber}/events:receive:
            post:
              operationId: receiveEvent
              summary: Deliver an integration event to a subscriber hosted here (used by other services' relays).
              description: |
                At-least-once delivery: the subscriber applies each event id once (an inbox in its database), so
                a redelivered event answers 200 with no second effect. Any answer but 2xx makes the relay retry
                with backoff; after the configured attempts the event is parked for the subscriber.
              tags: [Events]
              x-curbside-roles: [service]
              parameters:
                - name: subscriber
                  in: path
                  required: true
                  description: The subscriber's name (a service).
                  schema: { type: string, maxLength: 64 }
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/EventEnvelope" }
              responses:
                "200":
                  description: Applied (or already applied before).
                  content:
                    application/json:
                      schema: { type: object }
                default: { $ref: "#/components/responses/Error" }
        components:
          schemas:
            EventEnvelope:
              type: object
              description: One integration event (see docs/events.md for every type and its payload).
              required: [id, type, aggregateType, aggregateID, occurTime, schemaVersion, payload]
              properties:
                id: { type: string, format: uuid }
                type: { type: string, description: "e.g. trips.v1.TripRequested" }
                aggregateType: { type: string }
                aggregateID: { type: string }
                occurTime: { type: string, format: date-time }
                schemaVersion: { type: integer }
                traceID: { type: string }
                payload: { type: object }
        """
}
