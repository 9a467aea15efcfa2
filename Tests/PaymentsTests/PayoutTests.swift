import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Payments

/// Payout runs (background level and through the API): each driver due is paid once, whatever runs
/// at the same time, and the ledger stays balanced. Serialized: a run pays every driver in the database.
@Suite(.serialized) struct PayoutTests {
    /// A driver who earned `fare` less 20 % on one card trip.
    func driverWhoEarned(_ fare: Int64, _ context: PaymentsContext) async throws -> UUID {
        let passenger = try await context.passengerWithCard()
        let driver = UUID()
        _ = try await context.complete(try await context.authorize(passenger: passenger.id, amount: fare), driver: driver, fare: fare)
        return driver
    }

    func balance(_ driver: UUID, _ context: PaymentsContext) async throws -> DriverBalance? {
        try await context.module.earnings.balances(
            driver: driver, caller: Principal(userID: driver, role: .driver, sessionID: nil), logger: context.logger
        ).first
    }

    @Test func twoRunsAtOncePayEachDriverDueOnceAndLeaveSmallBalancesAlone() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.payout_threshold_minor_units": "1000"]) { context in
            let due = try await driverWhoEarned(2_000, context)  // 1,600 payable
            let small = try await driverWhoEarned(500, context)  // 400: below the threshold
            let admin = Principal(userID: UUID(), role: .admin, sessionID: nil)
            let runs = try await withThrowingTaskGroup(of: PayoutRun.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let run = try await context.module.payouts.requestRun(requestID: UUID(), caller: admin)
                        await context.module.payouts.execute(run.id)
                        return run
                    }
                }
                return try await group.reduce(into: [PayoutRun]()) { $0.append($1) }
            }
            #expect(Set(runs.map(\.id)).count == 2)
            #expect(try await balance(due, context) == DriverBalance(currencyCode: "USD", earnings: 0, cashHeld: 0))
            #expect(try await balance(small, context)?.earnings == 400)
            let payouts = try await context.database.readPrimary { client in
                let rows = try await client.query(
                    "SELECT amount FROM platform.payouts WHERE driver_id = \(due)", logger: context.logger)
                var amounts: [Int64] = []
                for try await amount in rows.decode(Int64.self) { amounts.append(amount) }
                return amounts
            }
            #expect(payouts == [1_600])
            for run in runs {
                let done = try await context.module.payouts.operation(run.id, caller: admin)
                #expect(done.state == .succeeded)
            }
            // The statement shows the payout as a debit of what the driver is owed.
            let statement = try await context.module.earnings.statement(
                driver: due, pageSize: nil, pageToken: nil, caller: Principal(userID: due, role: .driver, sessionID: nil),
                logger: context.logger)
            #expect(statement.lines.map(\.kind) == [.tripFare, .payout])
            try await context.expectLedgerSound()
        }
    }

    @Test func aCashDriversHeldCashIsNettedAgainstWhatTheyEarned() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.payout_threshold_minor_units": "100"]) { context in
            let driver = try await driverWhoEarned(3_000, context)  // 2,400 earned by card
            let passengerID = UUID()
            let token = try await context.api.token(.passenger, userID: passengerID)
            _ = try await context.api.call(.post, "/v1/users/me/paymentMethods", token: token, json: #"{"cash":{}}"#)
            _ = try await context.complete(try await context.authorize(passenger: passengerID, amount: 1_000), driver: driver, fare: 1_000)
            // Earned 2,400 + 800, holds 1,000 in cash: 2,200 is payable.
            #expect(try await balance(driver, context) == DriverBalance(currencyCode: "USD", earnings: 3_200, cashHeld: 1_000))
            let admin = Principal(userID: UUID(), role: .admin, sessionID: nil)
            let run = try await context.module.payouts.requestRun(requestID: UUID(), caller: admin)
            await context.module.payouts.execute(run.id)
            #expect(try await balance(driver, context) == DriverBalance(currencyCode: "USD", earnings: 0, cashHeld: 0))
            let done = try await context.module.payouts.operation(run.id, caller: admin)
            #expect(done.totals.first { $0.currencyCode == "USD" }.map { $0.amount >= 2_200 } == true)
            try await context.expectLedgerSound()
        }
    }

    @Test func anAdminStartsARunThroughTheAPIAndPollsItsOperation() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let driver = try await driverWhoEarned(5_000, context)
            let admin = try await context.api.token(.admin)
            let requestID = UUID()
            let started = try await context.api.call(.post, "/v1/payoutRuns?requestId=\(requestID)", token: admin, json: "{}")
            #expect(started.status == 200, "\(started.text)")
            let name = try #require(started.string("name"))
            #expect(name.hasPrefix("operations/"))
            let retried = try await context.api.call(.post, "/v1/payoutRuns?requestId=\(requestID)", token: admin, json: "{}")
            #expect(retried.string("name") == name)
            var operation = started
            for _ in 0..<100 where operation["done"] as? Bool != true {
                try await Task.sleep(for: .milliseconds(50))
                operation = try await context.api.call(.get, "/v1/\(name)", token: admin)
            }
            #expect(operation["done"] as? Bool == true, "\(operation.text)")
            #expect((operation["metadata"] as? [String: Any])?["state"] as? String == "SUCCEEDED")
            let totals = ((operation["response"] as? [String: Any])?["totals"] as? [[String: Any]]) ?? []
            #expect(!totals.isEmpty, "\(operation.text)")
            #expect(try await balance(driver, context)?.payable == 0)
            let driverToken = try await context.api.token(.driver, userID: driver)
            #expect(try await context.api.call(.post, "/v1/payoutRuns", token: driverToken, json: "{}").status == 403)
            #expect(try await context.api.call(.get, "/v1/\(name)", token: driverToken).status == 403)
            #expect(try await context.api.call(.get, "/v1/operations/\(UUID())", token: admin).status == 404)
        }
    }

    @Test func theDailyRunStartsOnceAndAnAbandonedRunIsTakenOver() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.payout_hour_utc": "0", "curbside.payments.daily_payouts": "true"]) {
            context in
            let driver = try await driverWhoEarned(4_000, context)
            let module = context.module
            // A run whose worker died before paying anyone: RUNNING, lease running out.
            let abandoned = try await module.payouts.store.start(
                key: "request/\(UUID())", threshold: 1_000, requestedBy: nil, now: Date(), lease: 1, on: context.database,
                logger: context.logger)
            context.clock.advance(5)
            let scheduler = PayoutScheduler(
                payouts: module.payouts, settings: module.settings, clock: PaymentsClock(context.clock.source), logger: context.logger)
            try await scheduler.pass()
            try await scheduler.pass()
            let resumed = try await module.payouts.operation(abandoned.id, caller: Principal(userID: UUID(), role: .admin, sessionID: nil))
            #expect(resumed.state == .succeeded)
            #expect(try await balance(driver, context)?.payable == 0)
            let daily = try await context.database.readPrimary { client in
                let rows = try await client.query(
                    "SELECT count(*)::int FROM platform.payout_runs WHERE run_key = \("daily/\(Timestamp.format(context.clock.source()).prefix(10))")",
                    logger: context.logger)
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
            #expect(daily == 1)
            try await context.expectLedgerSound()
        }
    }
}
