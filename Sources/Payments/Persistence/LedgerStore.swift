import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// The double-entry ledger in `platform.journal_entries`, `platform.postings` and
/// `platform.ledger_accounts`. Entries are only ever inserted, inside the caller's transaction.
struct LedgerStore: Sendable {
    /// Posts `entries`: account balances first (in key order, so concurrent posters never deadlock),
    /// then the entries and their postings. The database re-checks the balance at commit.
    func post(_ entries: [JournalEntry], on connection: PostgresConnection, logger: Logger) async throws {
        guard !entries.isEmpty else { return }
        var deltas: [LedgerAccount: Int64] = [:]
        for posting in entries.flatMap(\.postings) { deltas[posting.account, default: 0] += posting.amount }
        let now = entries[0].createTime.postgres
        for (account, delta) in deltas.sorted(by: { $0.key.key < $1.key.key }) {
            try await connection.query(
                """
                INSERT INTO platform.ledger_accounts (key, kind, owner, currency_code, balance, update_time)
                VALUES (\(account.key), \(account.kind.rawValue), \(account.owner), \(account.currencyCode), \(delta), \(now))
                ON CONFLICT (key) DO UPDATE SET balance = ledger_accounts.balance + EXCLUDED.balance, update_time = EXCLUDED.update_time
                """, logger: logger)
        }
        for entry in entries {
            try await connection.query(
                """
                INSERT INTO platform.journal_entries (id, kind, subject, create_time)
                VALUES (\(entry.id), \(entry.kind.rawValue), \(entry.subject), \(entry.createTime.postgres))
                """, logger: logger)
            for (seq, posting) in entry.postings.enumerated() {
                try await connection.query(
                    """
                    INSERT INTO platform.postings (entry_id, seq, account_key, amount, create_time)
                    VALUES (\(entry.id), \(seq), \(posting.account.key), \(posting.amount), \(entry.createTime.postgres))
                    """, logger: logger)
            }
        }
    }

    /// A driver's balances, one per currency they have earned in.
    func balances(driver: UUID, on client: PostgresClient, logger: Logger) async throws -> [DriverBalance] {
        let rows = try await client.query(
            """
            SELECT currency_code, kind, balance FROM platform.ledger_accounts
            WHERE owner = \(driver) AND kind IN ('DRIVER_EARNINGS', 'DRIVER_CASH') ORDER BY currency_code
            """, logger: logger)
        var balances: [String: DriverBalance] = [:]
        for try await (currency, kind, balance) in rows.decode((String, String, Int64).self) {
            var value = balances[currency] ?? DriverBalance(currencyCode: currency, earnings: 0, cashHeld: 0)
            if kind == LedgerAccount.Kind.driverEarnings.rawValue { value.earnings = -balance } else { value.cashHeld = balance }
            balances[currency] = value
        }
        return balances.values.sorted { $0.currencyCode < $1.currencyCode }
    }

    /// One line of a driver's statement: a posting to one of their accounts.
    struct StatementLine: Sendable, Equatable {
        var entryID: UUID
        var seq: Int
        var kind: JournalEntry.Kind
        var subject: String
        var account: LedgerAccount
        var amount: Int64
        var createTime: Date
    }

    /// A driver's postings, oldest first, after the cursor `(createTime, entryID, seq)`.
    func statement(
        driver: UUID, after cursor: (Date, UUID, Int)?, limit: Int, on client: PostgresClient, logger: Logger
    ) async throws -> [StatementLine] {
        let start = cursor ?? (Date(timeIntervalSince1970: 0), UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), -1)
        let rows = try await client.query(
            """
            SELECT p.entry_id, p.seq, e.kind, e.subject, p.account_key, p.amount, p.create_time
            FROM platform.postings p JOIN platform.journal_entries e ON e.id = p.entry_id
            WHERE p.account_key IN (SELECT key FROM platform.ledger_accounts WHERE owner = \(driver)
                                    AND kind IN ('DRIVER_EARNINGS', 'DRIVER_CASH'))
              AND (p.create_time, p.entry_id, p.seq) > (\(start.0.postgres), \(start.1), \(start.2))
            ORDER BY p.create_time, p.entry_id, p.seq
            LIMIT \(limit)
            """, logger: logger)
        var lines: [StatementLine] = []
        for try await (entry, seq, kind, subject, key, amount, time) in rows.decode((UUID, Int, String, String, String, Int64, Date).self) {
            guard let kind = JournalEntry.Kind(rawValue: kind), let account = LedgerAccount(key: key) else {
                throw CorruptRecord(column: "postings")
            }
            lines.append(StatementLine(entryID: entry, seq: seq, kind: kind, subject: subject, account: account, amount: amount, createTime: time))
        }
        return lines
    }

    /// The ledger's two invariants, as found in the database: the sum of all postings per currency
    /// (must be zero) and the accounts whose balance is not the sum of their postings (must be none).
    func audit(on client: PostgresClient, logger: Logger) async throws -> (sums: [String: Int64], mismatched: [String]) {
        var sums: [String: Int64] = [:]
        let totals = try await client.query(
            """
            SELECT a.currency_code, sum(p.amount)::bigint FROM platform.postings p
            JOIN platform.ledger_accounts a ON a.key = p.account_key GROUP BY a.currency_code
            """, logger: logger)
        for try await (currency, sum) in totals.decode((String, Int64).self) { sums[currency] = sum }
        let mismatches = try await client.query(
            """
            SELECT a.key FROM platform.ledger_accounts a
            LEFT JOIN (SELECT account_key, sum(amount)::bigint AS total FROM platform.postings GROUP BY account_key) p
              ON p.account_key = a.key
            WHERE a.balance <> coalesce(p.total, 0)
            """, logger: logger)
        var mismatched: [String] = []
        for try await key in mismatches.decode(String.self) { mismatched.append(key) }
        return (sums, mismatched)
    }
}
