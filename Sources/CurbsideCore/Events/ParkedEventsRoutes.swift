import Foundation
import Hummingbird

/// The admin API over a service's parked deliveries, the same for every service that publishes
/// events: `GET /v1/outboxes/<service>/subscribers/{subscriber}/parkedEvents` and
/// `POST …/parkedEvents/{event}:requeue`. Platform routes, like the event inbox, and published in
/// each service's document (``OpenAPIDocument/withPlatformOperations(service:hostsSubscribers:)``).
struct ParkedEventsRoutes {
    let modules: [any ServiceModule]
    let pageTokens: PageTokenCodec

    func register(on router: Router<CurbsideRequestContext>, routes: RouteTable) {
        for module in modules {
            let parked = ParkedEvents(service: module.name, databases: module.databases, pageTokens: pageTokens)
            let base = "/v1/outboxes/\(module.name.rawValue)/subscribers/{subscriber}/parkedEvents"
            router.get(RouterPath(base)) { request, context -> Response in
                try OperationPolicy.roles([.admin]).authorize(RequestScope.current)
                let subscriber = try Self.parameter("subscriber", context)
                let pageSize = try request.uri.queryParameters["pageSize"].map { text -> Int32 in
                    guard let value = Int32(String(text)) else {
                        throw AIPError.invalidArgument("pageSize must be an integer", field: "pageSize", reason: "INVALID_PAGE_SIZE")
                    }
                    return value
                }
                let page = try await parked.list(
                    subscriber: subscriber, pageSize: pageSize, pageToken: request.uri.queryParameters["pageToken"].map(String.init),
                    logger: RequestScope.current.logger)
                let items = try page.items.map { item in
                    ParkedEventBody(
                        name: parked.name(item), event: item.eventID.uuidString.lowercased(), type: item.type, aggregate: item.aggregateKey,
                        attempts: item.attempts, lastError: item.lastError, parkTime: try RFC3339DateTranscoder().encode(item.parkTime))
                }
                return try Self.json(ListBody(parkedEvents: items, nextPageToken: page.nextPageToken))
            }
            routes.add(method: .get, path: base)
            let requeue = base + "/{event}:requeue"
            router.post(RouterPath(requeue)) { _, context -> Response in
                try OperationPolicy.roles([.admin]).authorize(RequestScope.current)
                try await parked.requeue(
                    subscriber: try Self.parameter("subscriber", context), event: try Self.parameter("event", context),
                    logger: RequestScope.current.logger)
                return try Self.json([String: String]())
            }
            routes.add(method: .post, path: requeue)
        }
    }

    struct ParkedEventBody: Encodable {
        let name: String
        let event: String
        let type: String
        let aggregate: String
        let attempts: Int
        let lastError: String?
        let parkTime: String
    }

    struct ListBody: Encodable {
        let parkedEvents: [ParkedEventBody]
        let nextPageToken: String?
    }

    static func parameter(_ name: String, _ context: CurbsideRequestContext) throws -> String {
        guard let value = context.parameters.get(name), !value.isEmpty, value.count <= 64 else {
            throw AIPError.invalidArgument("\(name) is not valid", field: name, reason: "INVALID_RESOURCE_NAME")
        }
        return value
    }

    static func json(_ body: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(body))))
    }

    /// The two operations as they appear in the document of `service`.
    static func documentFragment(service: String) -> String {
        """
        paths:
          /v1/outboxes/\(service)/subscribers/{subscriber}/parkedEvents:
            get:
              operationId: listParkedEvents
              summary: Events this service published that a subscriber could not take, parked after repeated failures (admins).
              description: |
                A parked event holds back later events of the same aggregate for that subscriber (order is kept);
                other aggregates flow on. Oldest first.
              tags: [Events]
              x-curbside-roles: [admin]
              parameters:
                - { name: subscriber, in: path, required: true, description: "A subscriber (a service, or analytics).", schema: { type: string, maxLength: 64 } }
                - { name: pageSize, in: query, description: "At most this many (default 50, at most 1000).", schema: { type: integer, format: int32 } }
                - { name: pageToken, in: query, schema: { type: string, maxLength: 2048 } }
              responses:
                "200":
                  description: A page of parked events.
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/ListParkedEventsResponse" }
                default: { $ref: "#/components/responses/Error" }
          /v1/outboxes/\(service)/subscribers/{subscriber}/parkedEvents/{event}:requeue:
            post:
              operationId: requeueParkedEvent
              summary: Put a parked event back in the delivery queue with a fresh attempt budget (admins).
              tags: [Events]
              x-curbside-roles: [admin]
              parameters:
                - { name: subscriber, in: path, required: true, schema: { type: string, maxLength: 64 } }
                - { name: event, in: path, required: true, description: "The event id.", schema: { type: string, maxLength: 64 } }
              responses:
                "200":
                  description: Re-queued.
                  content:
                    application/json:
                      schema: { type: object }
                default: { $ref: "#/components/responses/Error" }
        components:
          schemas:
            ParkedEvent:
              type: object
              properties:
                name: { type: string, description: "outboxes/\(service)/subscribers/{subscriber}/parkedEvents/{event}" }
                event: { type: string, description: "The event id." }
                type: { type: string, description: "The event type, e.g. users.v1.DriverApproved." }
                aggregate: { type: string, description: "aggregate type / aggregate id" }
                attempts: { type: integer, format: int32 }
                lastError: { type: string }
                parkTime: { type: string, format: date-time }
            ListParkedEventsResponse:
              type: object
              required: [parkedEvents]
              properties:
                parkedEvents:
                  type: array
                  items: { $ref: "#/components/schemas/ParkedEvent" }
                nextPageToken: { type: string }
        """
    }
}
