import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import Trips

/// Invariants that must hold when requests and events race.
@Suite struct ConcurrencyTests {
    @Test func twoConcurrentRequestsByOnePassengerMakeOneTrip() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger)
            let quotes = [try await context.quoteToken(city, passenger: passenger), try await context.quoteToken(city, passenger: passenger)]
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for quote in quotes {
                    group.addTask { try await context.api.call(.post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(quote)"}"#) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == 200 }.count == 1)
            let refused = try #require(replies.first { $0.status != 200 })
            #expect(refused.status == 409 && refused.errorReason == "ACTIVE_TRIP_EXISTS", "\(refused.text)")
            let list = try await context.api.call(.get, "/v1/trips", token: passenger)
            #expect((list["trips"] as? [Any])?.count == 1)
        }
    }

    @Test func aRetriedRequestReturnsTheSameTripEvenWhenConcurrent() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger)
            let quote = try await context.quoteToken(city, passenger: passenger)
            let requestID = UUID().uuidString
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await context.api.call(
                            .post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(quote)","requestId":"\#(requestID)"}"#)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.text))")
            #expect(Set(replies.compactMap { $0.string("uid") }).count == 1)
            let trip = try #require(replies.first?.string("uid"))
            #expect(
                try await TripsTestDatabase.eventTypes(of: trip, module: context.module).filter { $0 == TripsV1.TripRequested.eventType }.count == 1)
            // The same quote without the request id is a second purchase of the quote.
            let reused = try await context.api.call(.post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(quote)"}"#)
            #expect(reused.status == 409)
        }
    }

    @Test func aCancelRacingTheAssignmentEndsConsistently() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            for _ in 0..<6 {
                let passenger = try await context.api.token(.passenger)
                let trip = try await context.requestTrip(city, passenger: passenger)
                let event = try context.assignedEvent(trip: trip, driver: UUID())
                async let cancel = context.api.call(.post, "/v1/trips/\(trip):cancel", token: passenger, json: "{}")
                async let assign: Void = context.deliver(event)
                let (reply, _) = try await (cancel, assign)
                #expect(reply.status == 200 && reply.string("state") == "CANCELLED", "\(reply.text)")
                #expect(reply.value("cancellation", "cancellationFee") == nil)
                let types = try await TripsTestDatabase.eventTypes(of: trip, module: context.module)
                #expect(types.first == TripsV1.TripRequested.eventType && types.last == TripsV1.TripCancelled.eventType, "\(types)")
                #expect(types.filter { $0 == TripsV1.TripDriverAssigned.eventType }.count <= 1)
                // A late delivery changes nothing.
                try await context.deliver(event)
                #expect(try await context.state(of: trip, token: passenger) == "CANCELLED")
            }
        }
    }

    @Test func aRedeliveredAssignmentIsAppliedOnce() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger)
            let driverID = UUID()
            let driver = try await context.api.token(.driver, userID: driverID)
            let trip = try await context.requestTrip(city, passenger: passenger)
            let event = try context.assignedEvent(trip: trip, driver: driverID)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await context.deliver(event) } }
                try await group.waitForAll()
            }
            #expect(try await context.state(of: trip, token: passenger) == "DRIVER_ASSIGNED")
            // The driver hands the trip back; the old event arriving again must not re-assign them.
            _ = try await context.api.call(.post, "/v1/trips/\(trip):cancel", token: driver, json: "{}")
            try await context.deliver(event)
            #expect(try await context.state(of: trip, token: passenger) == "DISPATCHING")
            let types = try await TripsTestDatabase.eventTypes(of: trip, module: context.module)
            #expect(types.filter { $0 == TripsV1.TripDriverAssigned.eventType }.count == 1)
            #expect(types.last == TripsV1.TripRedispatched.eventType)
        }
    }

    @Test func aDriverHoldsOneActiveTrip() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let driverID = UUID()
            let first = try await context.requestTrip(city, passenger: try await context.api.token(.passenger))
            let secondPassenger = try await context.api.token(.passenger)
            let second = try await context.requestTrip(city, passenger: secondPassenger)
            try await context.assign(trip: first, driver: driverID)
            // Dispatch never does this; if it did, the database refuses and the event is retried, not lost.
            await #expect(throws: (any Error).self) { try await context.assign(trip: second, driver: driverID) }
            #expect(try await context.state(of: second, token: secondPassenger) == "DISPATCHING")
        }
    }

    @Test func noDriverFoundEndsADispatchingTripOnly() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger)
            let trip = try await context.requestTrip(city, passenger: passenger)
            let event = try EventEnvelope(
                DispatchV1.NoDriverFound(trip: "trips/\(trip)", offersMade: 3, giveUpTime: Date()), occurTime: Date(), traceID: nil)
            try await context.deliver(event)
            try await context.deliver(event)
            #expect(try await context.state(of: trip, token: passenger) == "NO_DRIVER_FOUND")
            let types = try await TripsTestDatabase.eventTypes(of: trip, module: context.module)
            #expect(types.filter { $0 == TripsV1.TripNoDriverFound.eventType }.count == 1)
            // Unknown event types and unknown trips are acknowledged.
            try await context.deliver(
                try EventEnvelope(
                    DispatchV1.NoDriverFound(trip: "trips/\(UUID())", offersMade: 0, giveUpTime: Date()), occurTime: Date(), traceID: nil))
            try await context.deliver(
                try EventEnvelope(UsersV1.DriverApproved(driver: "drivers/\(UUID())", approveTime: Date()), occurTime: Date(), traceID: nil))
            // The passenger may request again.
            _ = try await context.requestTrip(city, passenger: passenger)
        }
    }
}
