import Foundation
import Hummingbird
import IntegrationEvents

/// `POST /v1/inboxes/{subscriber}/events:receive` and `events:receiveBatch`: where relays in other
/// processes deliver events to the subscribers this process hosts. Only service identities may call them.
struct EventInboxRoute {
    let receivers: InProcessEventTransport

    func register(on router: Router<CurbsideRequestContext>, routes: RouteTable) {
        let single = "/v1/inboxes/{subscriber}/events:receive"
        router.post(RouterPath(single)) { request, context -> Response in
            let subscriber = try subscriberName(context)
            let envelope: EventEnvelope
            do {
                envelope = try EventEnvelope(json: try await body(of: request))
            } catch {
                throw AIPError.invalidArgument("the body is not an event envelope: \(Self.problem(error))", reason: "INVALID_EVENT")
            }
            try hosted(subscriber)
            try await receivers.deliver(envelope, to: subscriber)
            return json(Data("{}".utf8))
        }
        routes.add(method: .post, path: single)

        let batch = "/v1/inboxes/{subscriber}/events:receiveBatch"
        router.post(RouterPath(batch)) { request, context -> Response in
            let subscriber = try subscriberName(context)
            let events: [EventEnvelope]
            do {
                events = try EventBatchCoding.decodeBatch(try await body(of: request))
            } catch {
                throw AIPError.invalidArgument(
                    "the body is not {\"events\": [event envelope, …]}: \(Self.problem(error))", reason: "INVALID_EVENT")
            }
            guard (1...EventBatchCoding.maxEvents).contains(events.count) else {
                throw AIPError.invalidArgument(
                    "a batch carries 1 to \(EventBatchCoding.maxEvents) events; this one has \(events.count)", reason: "INVALID_BATCH_SIZE")
            }
            try hosted(subscriber)
            let failures = await receivers.deliver(batch: events, to: subscriber)
            return json(try EventBatchCoding.encode(failures: failures))
        }
        routes.add(method: .post, path: batch)
    }

    /// What was wrong with a body, in words safe to send back (never the body's values).
    private static func problem(_ error: any Error) -> String {
        switch error {
        case let error as EnvelopeJSONError: return error.description
        case let error as DecodingError: return DecodingErrorDescription.describe(error)
        default: return "not valid JSON"
        }
    }

    /// The subscriber in the path; the caller must be a service.
    private func subscriberName(_ context: CurbsideRequestContext) throws -> String {
        try OperationPolicy.roles([.service]).authorize(RequestScope.current)
        guard let subscriber = context.parameters.get("subscriber") else { throw AIPError.notFound("inbox") }
        return subscriber
    }

    private func hosted(_ subscriber: String) throws {
        guard receivers.hosts(subscriber) else { throw AIPError.notFound("inboxes/\(subscriber)") }
    }

    private func body(of request: Request) async throws -> Data {
        var request = request
        // The platform's request-size limit applies before this; it is the real bound.
        return Data(buffer: try await request.collectBody(upTo: .max))
    }

    private func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
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
    /// The inbox operations as they appear in the documents of services that host subscribers.
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
                - $ref: "#/components/parameters/InboxSubscriber"
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
          /v1/inboxes/{subscriber}/events:receiveBatch:
            post:
              operationId: receiveEventBatch
              summary: Deliver up to 500 integration events to a subscriber hosted here in one request.
              description: |
                What relays use: one request per batch instead of one per event. Events of one aggregate are
                applied in the order given (a later one is not attempted after an earlier one failed); other
                aggregates are applied independently, so one failing event does not fail the rest. The answer
                lists the events that were not applied; the relay retries those alone. Each event id is applied
                once, however often it is delivered.
              tags: [Events]
              x-curbside-roles: [service]
              parameters:
                - $ref: "#/components/parameters/InboxSubscriber"
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [events]
                      properties:
                        events:
                          type: array
                          minItems: 1
                          maxItems: 500
                          items: { $ref: "#/components/schemas/EventEnvelope" }
              responses:
                "200":
                  description: Every event not listed in failedEvents was applied (or had been before).
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [failedEvents]
                        properties:
                          failedEvents:
                            type: array
                            items:
                              type: object
                              required: [eventId, message]
                              properties:
                                eventId: { type: string, format: uuid }
                                message: { type: string }
                default: { $ref: "#/components/responses/Error" }
        components:
          parameters:
            InboxSubscriber:
              name: subscriber
              in: path
              required: true
              description: The subscriber's name (a service).
              schema: { type: string, maxLength: 64 }
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
