import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import Payments

/// A day of trips through payments (seeded, so a failure can be replayed): cards that succeed,
/// decline or time out, cash, fares above and below the hold, fees, free cancellations, trips that
/// find no driver, tips, refunds, the reconciler between rounds and a payout run at the end. Then
/// the ledger must balance and every driver's statement must match the trips they drove.
@Suite(.serialized) struct SimulatedDayTests {
    struct Driven: Sendable {
        var payment: String
        var fare: Int64
    }

    @Test func aDayOfTripsLeavesTheLedgerBalancedAndEveryStatementMatchingItsTrips() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.retry_base_ms": "100"]) { context in
            var random = SeededGenerator(seed: 20_261_121)
            let drivers = (0..<8).map { _ in UUID() }
            var passengers: [(id: UUID, kind: String)] = []
            for index in 0..<24 {
                switch index % 8 {
                case 0: passengers.append((try await context.passengerWithCard("4000000000001000").id, "timeout"))
                case 1: passengers.append((try await context.passengerWithCard("4000000000009995").id, "declines"))
                case 2:
                    let id = UUID()
                    let token = try await context.api.token(.passenger, userID: id)
                    _ = try await context.api.call(.post, "/v1/users/me/paymentMethods", token: token, json: #"{"cash":{}}"#)
                    passengers.append((id, "cash"))
                default: passengers.append((try await context.passengerWithCard().id, "card"))
                }
            }
            var driven: [UUID: [Driven]] = [:]
            var figures = (trips: 0, completed: 0, cancelledWithFee: 0, freeCancels: 0, noDriver: 0, declined: 0, tips: 0, refunds: 0)
            let admin = Principal(userID: UUID(), role: .admin, sessionID: nil)
            for round in 0..<6 {
                var ended: [Payment] = []
                for _ in 0..<30 {
                    let passenger = passengers[Int.random(in: 0..<passengers.count, using: &random)]
                    let quote = Int64.random(in: 700...4_000, using: &random)
                    let payment = try await context.authorize(passenger: passenger.id, amount: quote)
                    figures.trips += 1
                    if payment.state == .declined {
                        figures.declined += 1
                        _ = try await context.cancel(payment, fee: nil, driver: nil)
                        continue
                    }
                    let driver = drivers[Int.random(in: 0..<drivers.count, using: &random)]
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0:
                        figures.noDriver += 1
                        try await context.module.payments.tripFoundNoDriver(
                            TripsV1.TripNoDriverFound(trip: payment.trip, passenger: "users/\(passenger.id)", endTime: Date()),
                            logger: context.logger)
                    case 1:
                        figures.freeCancels += 1
                        _ = try await context.cancel(payment, fee: nil, driver: nil)
                    case 2:
                        figures.cancelledWithFee += 1
                        ended.append(try await context.cancel(payment, fee: 500, driver: driver))
                        driven[driver, default: []].append(Driven(payment: payment.name, fare: 500))
                    default:
                        // Final fares from well under the quote to well over the hold.
                        let fare = quote * Int64.random(in: 60...160, using: &random) / 100
                        figures.completed += 1
                        ended.append(try await context.complete(payment, driver: driver, fare: fare))
                        driven[driver, default: []].append(Driven(payment: payment.name, fare: fare))
                    }
                }
                for payment in ended where payment.charge == .fare && payment.methodKind == .card {
                    if Int.random(in: 0..<4, using: &random) == 0 {
                        let tipped = try? await context.module.payments.tip(
                            payment.id, amount: Int64.random(in: 50...500, using: &random), currencyCode: "USD", requestID: UUID(),
                            caller: Principal(userID: payment.passengerID, role: .passenger, sessionID: nil), logger: context.logger)
                        if tipped != nil { figures.tips += 1 }
                    }
                    if Int.random(in: 0..<10, using: &random) == 0 {
                        let refunded = try? await context.module.payments.refund(
                            payment.id, amount: Int64.random(in: 100...600, using: &random), currencyCode: "USD", reason: "complaint",
                            requestID: UUID(), caller: admin, logger: context.logger)
                        if refunded != nil { figures.refunds += 1 }
                    }
                }
                context.clock.advance(Double(round + 1))
                while try await context.module.reconciler.reconcileDue(limit: 100) > 0 { context.clock.advance(1) }
                try await context.expectLedgerSound()
            }
            // Every unknown outcome was resolved by asking again.
            for _ in 0..<20 {
                context.clock.advance(30)
                guard try await context.module.reconciler.reconcileDue(limit: 500) > 0 else { break }
            }

            // Each driver's statement is exactly their trips: the fare or fee less 20 %, plus tips.
            var earnedTotal: Int64 = 0
            for (driver, trips) in driven {
                let caller = Principal(userID: driver, role: .driver, sessionID: nil)
                let statement = try await context.module.earnings.statement(
                    driver: driver, pageSize: 1_000, pageToken: nil, caller: caller, logger: context.logger)
                let earnings = statement.lines.filter { $0.kind == .tripFare || $0.kind == .cancellationFee }
                let expected = trips.map { "\($0.payment) \($0.fare - Commission(basisPoints: 2000)!.of($0.fare))" }.sorted()
                #expect(earnings.map { "\($0.subject) \(-$0.amount)" }.sorted() == expected, "driver \(driver)")
                let balance = try await context.module.earnings.balances(driver: driver, caller: caller, logger: context.logger)
                // Credits (negative postings) to either account are what the driver is owed.
                let statementSum = -statement.lines.reduce(Int64(0)) { $0 + $1.amount }
                #expect(balance.first?.payable == statementSum)
                earnedTotal += balance.first?.payable ?? 0
            }
            let run = try await context.module.payouts.requestRun(requestID: UUID(), caller: admin)
            await context.module.payouts.execute(run.id)
            let paid = try await context.module.payouts.operation(run.id, caller: admin)
            #expect(paid.state == .succeeded)
            try await context.expectLedgerSound()
            let report = try await context.module.administration.report(logger: context.logger)
            print(
                """
                simulated day: \(figures.trips) trips (\(figures.completed) completed, \(figures.cancelledWithFee) cancelled with a fee, \
                \(figures.freeCancels) free cancellations, \(figures.noDriver) without a driver, \(figures.declined) declined), \
                \(figures.tips) tips, \(figures.refunds) refunds; drivers earned \(earnedTotal) minor units; payout run paid \
                \(paid.totals.map { "\($0.drivers) drivers \($0.amount) \($0.currencyCode)" }); ledger \(report.entries) entries, \
                \(report.postings) postings, sums \(report.sums), mismatched \(report.mismatched.count)
                """)
        }
    }
}
