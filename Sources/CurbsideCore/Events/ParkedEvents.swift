import Foundation
import Logging

/// The admin's view of a service's parked deliveries: list them, put them back in the queue.
/// Each service exposes it under `outboxes/<service>/subscribers/<subscriber>/parkedEvents`.
public struct ParkedEvents: Sendable {
    let service: ServiceName
    let store: DeliveryStore
    let pageTokens: PageTokenCodec

    public init(service: ServiceName, databases: ServiceDatabases, pageTokens: PageTokenCodec) {
        self.service = service
        store = DeliveryStore(client: databases.platform.primary)
        self.pageTokens = pageTokens
    }

    /// The resource name of a parked delivery.
    public func name(_ parked: DeliveryStore.Parked) -> String {
        "outboxes/\(service.rawValue)/subscribers/\(parked.subscriber)/parkedEvents/\(parked.eventID.uuidString.lowercased())"
    }

    public func list(subscriber: String, pageSize: Int32?, pageToken: String?, logger: Logger) async throws
        -> (items: [DeliveryStore.Parked], nextPageToken: String?)
    {
        let paging = try PageRequest(
            pageSize: pageSize, pageToken: pageToken, query: "parked|\(service.rawValue)|\(subscriber)", codec: pageTokens)
        let afterSeq = paging.cursor.flatMap { Int64($0.sortKey) } ?? 0
        let rows = try await store.parked(subscriber: subscriber, afterSeq: afterSeq, limit: paging.limit + 1, logger: logger)
        return paging.page(rows) { PageTokenCodec.Cursor(sortKey: String($0.seq), id: $0.eventID.uuidString) }
    }

    /// Re-queues a parked delivery with a fresh attempt budget; 404 if it is not parked.
    public func requeue(subscriber: String, event: String, logger: Logger) async throws {
        guard let id = UUID(uuidString: event) else {
            throw AIPError.invalidArgument("event must be a UUID", field: "event", reason: "INVALID_RESOURCE_NAME")
        }
        guard try await store.requeue(subscriber: subscriber, eventID: id, logger: logger) else {
            throw AIPError.notFound("outboxes/\(service.rawValue)/subscribers/\(subscriber)/parkedEvents/\(event)")
        }
        logger.info("parked event requeued", metadata: ["event.id": "\(id)", "subscriber": "\(subscriber)"])
    }
}
