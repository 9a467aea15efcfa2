import CurbsideCore
import CurbsideTesting
import Foundation
import PostgresNIO
import PropertyBased
import Testing

@testable import Payments

/// The ledger in PostgreSQL: the database itself refuses an unbalanced entry and any change to a
/// posted one, and random sequences of payment operations leave it balanced.
@Suite struct LedgerStoreTests {
    @Test func theDatabaseRefusesAnEntryThatDoesNotBalance() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let entry = UUID()
            let account = LedgerAccount(.platformRevenue, currencyCode: "XTS").key
            await #expect(throws: PSQLError.self) {
                try await context.database.transaction(logger: context.logger) { connection in
                    try await connection.query(
                        """
                        INSERT INTO platform.ledger_accounts (key, kind, owner, currency_code, balance, update_time)
                        VALUES (\(account), 'PLATFORM_REVENUE', NULL, 'XTS', 0, now()) ON CONFLICT DO NOTHING
                        """, logger: context.logger)
                    try await connection.query(
                        "INSERT INTO platform.journal_entries (id, kind, subject, create_time) VALUES (\(entry), 'REFUND', 'test', now())",
                        logger: context.logger)
                    try await connection.query(
                        "INSERT INTO platform.postings (entry_id, seq, account_key, amount, create_time) VALUES (\(entry), 0, \(account), 5, now())",
                        logger: context.logger)
                }
            }
        }
    }

    @Test func postedEntriesCannotBeChangedOrDeleted() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            _ = try await context.complete(try await context.authorize(passenger: passenger.id), driver: UUID(), fare: 800)
            for statement in [
                "UPDATE platform.postings SET amount = amount + 1", "DELETE FROM platform.postings",
                "UPDATE platform.journal_entries SET kind = 'REFUND'", "DELETE FROM platform.journal_entries",
            ] {
                await #expect(throws: PSQLError.self, "\(statement)") {
                    try await context.database.transaction(logger: context.logger) { connection in
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: context.logger)
                    }
                }
            }
            try await context.expectLedgerSound()
        }
    }

    /// Random sequences of what happens to trips' payments, against PostgreSQL and the sandbox.
    @Test func anySequenceOfPaymentOperationsLeavesTheLedgerBalanced() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let admin = Principal(userID: UUID(), role: .admin, sessionID: nil)
            await propertyCheck(count: 12, input: Gen.int(in: 0...1_000_000).array(of: 3...12)) { codes in
                do {
                    let passenger = try await context.passengerWithCard(codes[0] % 5 == 0 ? "4000000000001000" : "4242424242424242")
                    let caller = Principal(userID: passenger.id, role: .passenger, sessionID: nil)
                    var payments: [Payment] = []
                    for code in codes {
                        let amount = Int64(code / 8 % 5_000 + 100)
                        switch code % 8 {
                        case 0, 1:
                            payments.append(try await context.authorize(passenger: passenger.id, amount: amount))
                        case 2 where !payments.isEmpty:
                            _ = try await context.complete(payments[code % payments.count], driver: UUID(), fare: amount)
                        case 3 where !payments.isEmpty:
                            _ = try await context.cancel(payments[code % payments.count], fee: code % 2 == 0 ? amount : nil, driver: UUID())
                        case 4 where !payments.isEmpty:
                            _ = try? await context.module.payments.tip(
                                payments[code % payments.count].id, amount: amount % 1_000 + 1, currencyCode: "USD", requestID: UUID(),
                                caller: caller, logger: context.logger)
                        case 5 where !payments.isEmpty:
                            _ = try? await context.module.payments.refund(
                                payments[code % payments.count].id, amount: amount, currencyCode: "USD", reason: "test", requestID: nil,
                                caller: admin, logger: context.logger)
                        case 6 where !payments.isEmpty:
                            // What the reconciler does for one payment: ask again about its open operations.
                            _ = try await context.module.payments.settle(payments[code % payments.count].id, logger: context.logger)
                        default:
                            break
                        }
                    }
                    try await context.expectLedgerSound()
                } catch {
                    Issue.record("\(error)")
                }
            }
        }
    }
}
