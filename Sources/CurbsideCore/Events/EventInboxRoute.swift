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
