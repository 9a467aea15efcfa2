import CurbsideCore
import Foundation
import OpenAPIRuntime

extension TripsAPI {
    func listParkedEvents(_ input: Operations.ListParkedEvents.Input) async throws -> Operations.ListParkedEvents.Output {
        try await TripsErrorMapping.translating {
            let page = try await parkedEvents.list(
                subscriber: input.path.subscriber, pageSize: input.query.pageSize, pageToken: input.query.pageToken, logger: logger)
            let items = page.items.map { parked in
                Components.Schemas.ParkedEvent(
                    name: parkedEvents.name(parked), event: parked.eventID.uuidString.lowercased(), _type: parked.type,
                    aggregate: parked.aggregateKey, attempts: Int32(clamping: parked.attempts), lastError: parked.lastError,
                    parkTime: parked.parkTime)
            }
            return .ok(.init(body: .json(.init(parkedEvents: items, nextPageToken: page.nextPageToken))))
        }
    }

    func requeueParkedEvent(_ input: Operations.RequeueParkedEvent.Input) async throws -> Operations.RequeueParkedEvent.Output {
        try await TripsErrorMapping.translating {
            try await parkedEvents.requeue(subscriber: input.path.subscriber, event: input.path.event, logger: logger)
            return .ok(.init(body: .json(.init())))
        }
    }
}
