import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Payout runs and payouts. A driver is paid inside one transaction that locks their ledger
/// accounts, reads the balance, records the payout (unique per run, driver and currency) and posts
/// the entry: two instances running the same run, or two runs at once, can never pay twice.
struct PayoutStore: Sendable {
    let ledger: LedgerStore

    /// Creates the run with `key` unless it exists; returns the stored run.
    func start(key: String, threshold: Int64, requestedBy: UUID?, now: Date, lease: TimeInterval, on database: Database, logger: Logger)
        async throws -> PayoutRun
    {
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO platform.payout_runs (id, run_key, state, threshold, requested_by, lease_until, create_time)
                VALUES (\(UUID()), \(key), 'RUNNING', \(threshold), \(requestedBy), \(now.addingTimeInterval(lease).postgres), \(now.postgres))
                ON CONFLICT (run_key) DO NOTHING
                """, logger: logger)
            let rows = try await connection.query("SELECT id FROM platform.payout_runs WHERE run_key = \(key)", logger: logger)
            for try await id in rows.decode(UUID.self) {
                if let run = try await run(id, on: connection, logger: logger) { return run }
            }
            throw PaymentsError.notFound("payoutRuns/\(key)")
        }
    }

    func run(_ id: UUID, on database: Database, logger: Logger) async throws -> PayoutRun? {
        try await database.readPrimary { client in
            try await client.withConnection { connection in try await run(id, on: connection, logger: logger) }
        }
    }

    private func run(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> PayoutRun? {
        let rows = try await connection.query(
            """
            SELECT run_key, state, threshold, requested_by, error, create_time, done_time
            FROM platform.payout_runs WHERE id = \(id)
            """, logger: logger)
        var found: PayoutRun?
        for try await (key, state, threshold, requestedBy, error, created, done) in rows.decode(
            (String, String, Int64, UUID?, String?, Date, Date?).self)
        {
            found = PayoutRun(
                id: id, key: key, state: PayoutRun.State(rawValue: state) ?? .failed, threshold: threshold, requestedBy: requestedBy,
                error: error, createTime: created, doneTime: done, totals: [])
        }
        guard var run = found else { return nil }
        let totals = try await connection.query(
            """
            SELECT currency_code, count(*)::int, sum(amount)::bigint FROM platform.payouts WHERE run_id = \(id)
            GROUP BY currency_code ORDER BY currency_code
            """, logger: logger)
        for try await (currency, drivers, amount) in totals.decode((String, Int, Int64).self) {
            run.totals.append(.init(currencyCode: currency, drivers: drivers, amount: amount))
        }
        return run
    }

    /// Drivers (and currencies) whose payable balance is at least `threshold` now.
    func candidates(threshold: Int64, after: (UUID, String)?, limit: Int, on database: Database, logger: Logger) async throws
        -> [(driver: UUID, currency: String)]
    {
        let start = after ?? (UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), "")
        return try await database.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT owner, currency_code FROM platform.ledger_accounts
                WHERE kind IN ('DRIVER_EARNINGS', 'DRIVER_CASH') AND (owner, currency_code) > (\(start.0), \(start.1))
                GROUP BY owner, currency_code
                HAVING -sum(balance) >= \(threshold)
                ORDER BY owner, currency_code LIMIT \(limit)
                """, logger: logger)
            var found: [(UUID, String)] = []
            for try await row in rows.decode((UUID, String).self) { found.append(row) }
            return found
        }
    }

    /// Pays one driver in one currency for `run`, if their payable balance still reaches the
    /// threshold and this run has not paid them yet. Returns the amount paid (nil: nothing).
    func pay(driver: UUID, currency: String, run: PayoutRun, now: Date, on database: Database, logger: Logger) async throws -> Int64? {
        try await database.transaction(logger: logger) { connection in
            let earningsKey = LedgerAccount(.driverEarnings, owner: driver, currencyCode: currency).key
            let cashKey = LedgerAccount(.driverCash, owner: driver, currencyCode: currency).key
            // The same lock the ledger takes to post: no trip can change these balances meanwhile.
            let rows = try await connection.query(
                """
                SELECT key, balance FROM platform.ledger_accounts WHERE key IN (\(earningsKey), \(cashKey)) ORDER BY key FOR UPDATE
                """, logger: logger)
            var earnings: Int64 = 0
            var cash: Int64 = 0
            for try await (key, balance) in rows.decode((String, Int64).self) {
                if key == earningsKey { earnings = -balance } else { cash = balance }
            }
            let payable = earnings - cash
            guard payable >= run.threshold else { return nil }
            let payoutID = UUID()
            let inserted = try await connection.query(
                """
                INSERT INTO platform.payouts (id, run_id, driver_id, currency_code, amount, cash_settled, create_time)
                VALUES (\(payoutID), \(run.id), \(driver), \(currency), \(payable), \(max(0, cash)), \(now.postgres))
                ON CONFLICT (run_id, driver_id, currency_code) DO NOTHING RETURNING 1
                """, logger: logger)
            var isNew = false
            for try await _ in inserted { isNew = true }
            guard isNew else { return nil }
            let entry = try Bookkeeping.payout(
                driver: driver, amount: payable, cashSettled: max(0, cash), currencyCode: currency,
                subject: "payouts/\(payoutID.uuidString.lowercased())", at: now)
            try await ledger.post([entry], on: connection, logger: logger)
            return payable
        }
    }

    /// Marks the run done.
    func finish(_ run: PayoutRun, error: String?, now: Date, on database: Database, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE platform.payout_runs SET state = \(error == nil ? "SUCCEEDED" : "FAILED"), error = \(error),
                    done_time = \(now.postgres)
                WHERE id = \(run.id) AND state = 'RUNNING'
                """, logger: logger)
        }
    }

    /// Takes over a run whose worker stopped (its lease ran out), for `lease` more.
    func claimAbandoned(now: Date, lease: TimeInterval, on database: Database, logger: Logger) async throws -> UUID? {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE platform.payout_runs SET lease_until = \(now.addingTimeInterval(lease).postgres)
                WHERE id = (SELECT id FROM platform.payout_runs WHERE state = 'RUNNING' AND lease_until <= \(now.postgres)
                            ORDER BY lease_until LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: logger)
            for try await id in rows.decode(UUID.self) { return id }
            return nil
        }
    }

    /// Keeps a run's lease while its worker is alive.
    func renew(_ run: PayoutRun, until: Date, on database: Database, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                "UPDATE platform.payout_runs SET lease_until = \(until.postgres) WHERE id = \(run.id) AND state = 'RUNNING'",
                logger: logger)
        }
    }
}
