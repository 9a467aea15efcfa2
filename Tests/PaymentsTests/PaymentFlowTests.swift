import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import PostgresNIO
import Testing

@testable import Payments

/// A trip's payment against PostgreSQL and the sandbox gateway: holds, captures, extra charges,
/// fees, releases, cash, and what the ledger says after each. Serialized: the reconciler and the
/// hold-expiry sweep these tests call act on every payment in the database, with this test's clock.
@Suite(.serialized) struct PaymentFlowTests {
    @Test func aCardTripIsHeldThenCapturedAndTheDriverEarnsTheFareLessCommission() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let payment = try await context.authorize(passenger: passenger.id, amount: 1_000)
            #expect(payment.state == .authorized)
            #expect(payment.holdAmount == 1_200)  // the quote plus the 20 % buffer
            #expect(payment.holdActive)
            let driver = UUID()
            let settled = try await context.complete(payment, driver: driver, fare: 1_100)
            #expect(settled.state == .settled)
            #expect(settled.collected == 1_100 && settled.outstanding == 0)
            #expect(settled.operations.map(\.kind) == [.authorize, .capture])
            #expect(try await context.sandboxIntents(of: settled) == (1_100, 1))
            #expect(try await context.entries(of: settled).sorted() == ["CARD_PAYMENT", "TRIP_FARE"])
            let balance = try await context.module.earnings.balances(
                driver: driver, caller: Principal(userID: driver, role: .driver, sessionID: nil), logger: context.logger)
            #expect(balance == [DriverBalance(currencyCode: "USD", earnings: 880, cashHeld: 0)])  // 1,100 less 20 %
            try await context.expectLedgerSound()
        }
    }

    @Test func aFareAboveTheHoldCapturesTheHoldAndChargesTheRest() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let payment = try await context.authorize(passenger: passenger.id, amount: 1_000)
            let settled = try await context.complete(payment, driver: UUID(), fare: 1_500)
            #expect(settled.state == .settled)
            #expect(settled.operations.map(\.kind) == [.authorize, .capture, .charge])
            #expect(settled.operations.map(\.amount) == [1_200, 1_200, 300])
            #expect(settled.collected == 1_500)
            try await context.expectLedgerSound()
        }
    }

    @Test(arguments: [
        ("4000000000000002", DeclineReason.cardDeclined), ("4000000000009995", .insufficientFunds),
        ("4000000000000069", .expiredCard), ("4000000000000127", .incorrectCVC),
    ])
    func aDeclinedHoldIsDeclinedWithItsReasonAndBooksNothing(number: String, reason: DeclineReason) async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard(number)
            let payment = try await context.authorize(passenger: passenger.id)
            #expect(payment.state == .declined)
            #expect(payment.declineReason == reason)
            #expect(!payment.holdActive)
            #expect(try await context.entries(of: payment).isEmpty)
            // The trip is cancelled by trips; payments has nothing to release.
            let ended = try await context.cancel(payment, fee: nil, driver: nil)
            #expect(ended.state == .voided)
        }
    }

    @Test func aGatewayTimeoutLeavesTheHoldPendingUntilTheReconcilerAsksAgain() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.retry_base_ms": "100"]) { context in
            let passenger = try await context.passengerWithCard("4000000000001000")
            let payment = try await context.authorize(passenger: passenger.id)
            // Not guessed: the state says the answer is unknown.
            #expect(payment.state == .pendingAuthorization)
            #expect(payment.operations.first?.state == .unknown)
            context.clock.advance(1)
            #expect(try await context.module.reconciler.reconcileDue(limit: 50) >= 1)
            let resolved = try await context.reload(payment)
            #expect(resolved.state == .authorized)
            #expect(resolved.operations.first?.attempts == 2)
            // Every later operation of the card times out once too; each is reconciled, none doubled.
            var settled = try await context.complete(resolved, driver: UUID(), fare: 900)
            #expect(settled.state == .settling)
            context.clock.advance(1)
            try await context.module.reconciler.reconcileDue(limit: 50)
            settled = try await context.reload(settled)
            #expect(settled.state == .settled)
            #expect(try await context.sandboxIntents(of: settled) == (900, 1))
            try await context.expectLedgerSound()
        }
    }

    @Test func aRetriedHoldRequestIsTheSameHold() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let trip = UUID()
            let results = try await withThrowingTaskGroup(of: Payment.self) { group in
                for _ in 0..<5 { group.addTask { try await context.authorize(passenger: passenger.id, amount: 700, trip: trip) } }
                return try await group.reduce(into: [Payment]()) { $0.append($1) }
            }
            #expect(Set(results.map(\.id)) == [trip])
            let stored = try await context.reload(results[0])
            #expect(stored.operations.count == 1 && stored.state == .authorized)
            let holds = try await context.database.readPrimary { client in
                let rows = try await client.query(
                    "SELECT count(*)::int FROM platform.sandbox_intents WHERE card_token = \(stored.cardToken)", logger: context.logger)
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
            #expect(holds == 1)
            // The same trip with another amount is a different request.
            await #expect(throws: PaymentsError.self) { try await context.authorize(passenger: passenger.id, amount: 800, trip: trip) }
        }
    }

    @Test func tenConcurrentCapturesOfOneTripCaptureOnce() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let payment = try await context.authorize(passenger: passenger.id, amount: 1_000)
            let driver = UUID()
            // Ten deliveries of the same completion (redelivery, two instances) at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 { group.addTask { _ = try await context.complete(payment, driver: driver, fare: 950) } }
                try await group.waitForAll()
            }
            let settled = try await context.reload(payment)
            #expect(settled.state == .settled && settled.collected == 950)
            #expect(try await context.sandboxIntents(of: settled) == (950, 1))
            #expect(try await context.entries(of: settled).sorted() == ["CARD_PAYMENT", "TRIP_FARE"])
            try await context.expectLedgerSound()
        }
    }

    @Test func aCancellationFeeIsCapturedFromTheHoldAndAFreeCancelReleasesIt() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let driver = UUID()
            let withFee = try await context.cancel(try await context.authorize(passenger: passenger.id), fee: 500, driver: driver)
            #expect(withFee.state == .settled && withFee.charge == .cancellationFee && withFee.collected == 500)
            #expect(withFee.operations.map(\.kind) == [.authorize, .capture])
            let free = try await context.cancel(try await context.authorize(passenger: passenger.id), fee: nil, driver: nil)
            #expect(free.state == .voided && !free.holdActive)
            #expect(free.operations.map(\.kind) == [.authorize, .release])
            #expect(free.operations.last?.state == .succeeded)
            #expect(try await context.entries(of: free).isEmpty)
            try await context.expectLedgerSound()
        }
    }

    @Test func noDriverFoundReleasesTheHold() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let payment = try await context.authorize(passenger: passenger.id)
            try await context.module.payments.tripFoundNoDriver(
                TripsV1.TripNoDriverFound(trip: payment.trip, passenger: "users/\(passenger.id)", endTime: Date()), logger: context.logger)
            let ended = try await context.reload(payment)
            #expect(ended.state == .voided && !ended.holdActive)
        }
    }

    @Test func aCashTripRecordsWhatTheDriverCollected() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passengerID = UUID()
            let token = try await context.api.token(.passenger, userID: passengerID)
            let cash = try await context.api.call(.post, "/v1/users/me/paymentMethods", token: token, json: #"{"cash":{}}"#)
            #expect(cash.status == 200 && cash.string("type") == "CASH", "\(cash.text)")
            let payment = try await context.authorize(passenger: passengerID, amount: 1_000)
            #expect(payment.state == .authorized && payment.operations.isEmpty)
            let driver = UUID()
            let settled = try await context.complete(payment, driver: driver, fare: 1_000)
            #expect(settled.state == .settled && settled.cashCollected == 1_000 && settled.collected == 0)
            // The driver holds 1,000 of which 800 is theirs: they owe the platform 200.
            let balance = try await context.module.earnings.balances(
                driver: driver, caller: Principal(userID: driver, role: .admin, sessionID: nil), logger: context.logger)
            #expect(balance.first?.payable == -200)
            try await context.expectLedgerSound()
        }
    }

    @Test func aHoldThatLapsedIsReplacedByACharge() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.sandbox_hold_lifetime_seconds": "60"]) { context in
            let passenger = try await context.passengerWithCard()
            let payment = try await context.authorize(passenger: passenger.id, amount: 1_000)
            context.clock.advance(120)
            #expect(try await context.module.reconciler.expireLapsedHolds(limit: 1_000) >= 1)
            #expect(try await context.reload(payment).holdActive == false)
            let settled = try await context.complete(payment, driver: UUID(), fare: 1_000)
            #expect(settled.state == .settled && settled.collected == 1_000)
            #expect(settled.operations.map(\.kind) == [.authorize, .charge])
            try await context.expectLedgerSound()
        }
    }

    @Test func aCaptureRefusedBecauseTheHoldExpiredAtTheGatewayBecomesACharge() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.sandbox_hold_lifetime_seconds": "60"]) { context in
            let passenger = try await context.passengerWithCard()
            let payment = try await context.authorize(passenger: passenger.id, amount: 1_000)
            // The reconciler has not noticed yet; the gateway refuses the capture.
            context.clock.advance(120)
            let settled = try await context.complete(payment, driver: UUID(), fare: 1_000)
            #expect(settled.state == .settled && settled.collected == 1_000)
            #expect(settled.operations.map(\.kind) == [.authorize, .capture, .charge])
            #expect(settled.operations[1].state == .failed)
            try await context.expectLedgerSound()
        }
    }

    @Test func aDeclinedChargeLeavesThePaymentUnpaidWithWhatIsOwedInTheLedger() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.sandbox_hold_lifetime_seconds": "60"]) { context in
            // A card that holds but whose later charge is declined: its hold lapsed, and the card now declines.
            let passenger = try await context.passengerWithCard()
            let payment = try await context.authorize(passenger: passenger.id, amount: 1_000)
            try await context.database.transaction(logger: context.logger) { connection in
                try await connection.query(
                    "UPDATE platform.sandbox_cards SET behaviour = 'INSUFFICIENT_FUNDS' WHERE token = \(payment.cardToken)",
                    logger: context.logger)
            }
            context.clock.advance(120)
            let ended = try await context.complete(payment, driver: UUID(), fare: 1_000)
            #expect(ended.state == .unpaid && ended.outstanding == 1_000)
            let receivable = try await context.database.readPrimary { client in
                let rows = try await client.query(
                    "SELECT balance FROM platform.ledger_accounts WHERE key = \(LedgerAccount(.passengerReceivable, owner: passenger.id, currencyCode: "USD").key)",
                    logger: context.logger)
                for try await balance in rows.decode(Int64.self) { return balance }
                return 0
            }
            #expect(receivable == 1_000)
            try await context.expectLedgerSound()
        }
    }
}
