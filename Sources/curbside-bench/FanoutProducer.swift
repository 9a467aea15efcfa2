import AsyncHTTPClient
import CurbsideCore
import Foundation
import IntegrationEvents
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat

/// Events for the notifications service, delivered as a relay in another process delivers them:
/// `POST /v1/inboxes/notifications/events:receiveBatch` with a service token. Each event is a
/// `TripNoDriverFound` for one passenger, which the service turns into exactly one notification
/// for that passenger.
struct FanoutProducer: Sendable {
    /// The passengers' user ids (lowercase UUIDs), in the order of the clients.
    let users: [String]
    let serviceToken: String
    let client: HTTPClient
    var batchSize = 100
    var posters = 8

    /// One request body and, for each of its events, the id and the index of the passenger it is for.
    struct Batch: Sendable {
        let body: String
        let events: [(id: UUID, user: Int)]
    }

    /// What a phase's posting did.
    struct Outcome: Sendable {
        /// When the first request went out (wall clock, to compare with the clients' receipt times).
        var start: Date
        /// The users of events the inbox did not apply (a failed request, or listed in `failedEvents`).
        var refusedUsers: [Int]
        var firstError: String?
    }

    /// `count` events, event `n` for user `(first + n) % users.count` (round robin), encoded before
    /// anything is timed so that the posters spend no time on JSON.
    func batches(count: Int, first: Int) throws -> [Batch] {
        return try stride(from: 0, to: count, by: batchSize).map { start in
            var envelopes: [EventEnvelope] = []
            var events: [(id: UUID, user: Int)] = []
            for n in start..<min(start + batchSize, count) {
                let user = (first + n) % users.count
                let event = TripsV1.TripNoDriverFound(trip: "trips/\(UUID())", passenger: "users/\(users[user])", endTime: Date())
                let envelope = try EventEnvelope(event, occurTime: Date(), traceID: nil)
                envelopes.append(envelope)
                events.append((envelope.id, user))
            }
            let body = String(decoding: try EventEnvelope.encodedList(envelopes, key: "events"), as: UTF8.self)
            return Batch(body: body, events: events)
        }
    }

    /// Posts `batches` from `posters` concurrent callers. With an `interval`, batch `b` is due at
    /// `start + b × interval` (a caller that fell behind sends at once); without one, each caller
    /// sends its next batch as soon as the previous one was answered.
    func post(_ batches: [Batch], interval: Duration?) async -> Outcome {
        let refused = NIOLockedValueBox<(users: [Int], firstError: String?)>(([], nil))
        let start = ContinuousClock.now
        let startDate = Date()
        await withTaskGroup(of: Void.self) { group in
            for poster in 0..<posters {
                group.addTask {
                    for b in stride(from: poster, to: batches.count, by: posters) {
                        if let interval { try? await Task.sleep(until: start + interval * b, clock: .continuous) }
                        if let error = await send(batches[b]) {
                            refused.withLockedValue {
                                $0.users += error.users; $0.firstError = $0.firstError ?? error.message
                            }
                        }
                    }
                }
            }
        }
        let (users, firstError) = refused.withLockedValue { $0 }
        return Outcome(start: startDate, refusedUsers: users, firstError: firstError)
    }

    /// Sends one batch; returns the users of the events that were not applied, and why.
    private func send(_ batch: Batch) async -> (users: [Int], message: String)? {
        let request = BenchHTTP.request(
            .POST, "/v1/inboxes/\(EventRouting.notifications)/events:receiveBatch", token: serviceToken, json: batch.body)
        do {
            let reply = try await BenchHTTP.send(request, on: client)
            guard reply.status == 200 else {
                return (batch.events.map(\.user), "the inbox answered \(reply.status): \(String(buffer: reply.body).prefix(300))")
            }
            let answer = try IntegrationEventCoding.decoder.decode(BatchAnswer.self, from: Data(buffer: reply.body))
            guard let firstFailure = answer.failedEvents.first else { return nil }
            let failed = Set(answer.failedEvents.map(\.eventId))
            return (batch.events.filter { failed.contains($0.id) }.map(\.user), "an event was not applied: \(firstFailure.message)")
        } catch {
            return (batch.events.map(\.user), String(describing: error))
        }
    }

    /// The answer: the events not applied (every other one was).
    private struct BatchAnswer: Decodable {
        struct Failure: Decodable {
            var eventId: UUID
            var message: String
        }
        var failedEvents: [Failure]
    }
}
