import CurbsideCore
import Foundation
import Logging

/// Drivers' earnings from the ledger: their balance and their statement.
public struct EarningsService: Sendable {
    let ledger: LedgerStore
    let database: Database
    let pageTokens: PageTokenCodec

    /// A driver reads their own; an admin anyone's.
    static func requireDriverOrAdmin(_ driver: UUID, caller: Principal) throws(PaymentsError) {
        guard caller.role == .admin || (caller.role == .driver && caller.userID == driver) else { throw .notYours }
    }

    public func balances(driver: UUID, caller: Principal, logger: Logger) async throws -> [DriverBalance] {
        try Self.requireDriverOrAdmin(driver, caller: caller)
        // Money a driver reads right after a trip must include that trip: the primary, not a replica.
        return try await database.readPrimary { client in try await ledger.balances(driver: driver, on: client, logger: logger) }
    }

    func statement(driver: UUID, pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger) async throws
        -> (lines: [LedgerStore.StatementLine], nextPageToken: String?)
    {
        try Self.requireDriverOrAdmin(driver, caller: caller)
        let paging = try PageRequest(pageSize: pageSize, pageToken: pageToken, query: "statement|\(driver.uuidString)", codec: pageTokens)
        let cursor: (Date, UUID, Int)? = try paging.cursor.map { cursor in
            let parts = cursor.id.split(separator: "/")
            guard let time = Timestamp.parse(cursor.sortKey), parts.count == 2, let entry = UUID(uuidString: String(parts[0])),
                let seq = Int(parts[1])
            else { throw AIPError.invalidArgument("pageToken is not valid", field: "pageToken", reason: "INVALID_PAGE_TOKEN") }
            return (time, entry, seq)
        }
        let limit = paging.limit + 1
        let rows = try await database.readPrimary { client in
            try await ledger.statement(driver: driver, after: cursor, limit: limit, on: client, logger: logger)
        }
        let page = paging.page(rows) {
            PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: "\($0.entryID.uuidString)/\($0.seq)")
        }
        return (page.items, page.nextPageToken)
    }
}

/// What admins run: commission rates and the ledger's audit.
public struct PaymentsAdministration: Sendable {
    let rates: CommissionRates
    let ledger: LedgerStore
    let database: Database
    let clock: PaymentsClock

    public func commission(city: String, vehicleClass: String, logger: Logger) async throws -> (Commission, updateTime: Date?) {
        try await rates.rate(city: city, vehicleClass: vehicleClass, on: database, logger: logger)
    }

    public func setCommission(basisPoints: Int, city: String, vehicleClass: String, logger: Logger) async throws -> (Commission, updateTime: Date?) {
        guard let commission = Commission(basisPoints: basisPoints) else {
            throw PaymentsError.invalidField(field: "basisPoints", message: "basisPoints must be between 0 and 10000")
        }
        try await rates.set(commission, city: city, vehicleClass: vehicleClass, now: clock.now(), on: database, logger: logger)
        return try await rates.rate(city: city, vehicleClass: vehicleClass, on: database, logger: logger)
    }

    /// The audit with the ledger's size, for an operator's report.
    public struct Report: Sendable {
        public var entries: Int
        public var postings: Int
        public var accounts: Int
        public var sums: [String: Int64]
        public var mismatched: [String]
        /// Money received by card per currency (card payments, before refunds).
        public var cardPayments: [String: Int64]
    }

    public func report(logger: Logger) async throws -> Report {
        let audit = try await audit(logger: logger)
        return try await database.readPrimary { client in
            var report = Report(entries: 0, postings: 0, accounts: 0, sums: audit.sums, mismatched: audit.mismatched, cardPayments: [:])
            let counts = try await client.query(
                """
                SELECT (SELECT count(*) FROM platform.journal_entries)::int, (SELECT count(*) FROM platform.postings)::int,
                       (SELECT count(*) FROM platform.ledger_accounts)::int
                """, logger: logger)
            for try await (entries, postings, accounts) in counts.decode((Int, Int, Int).self) {
                (report.entries, report.postings, report.accounts) = (entries, postings, accounts)
            }
            let card = try await client.query(
                """
                SELECT a.currency_code, sum(p.amount)::bigint FROM platform.postings p
                JOIN platform.journal_entries e ON e.id = p.entry_id JOIN platform.ledger_accounts a ON a.key = p.account_key
                WHERE e.kind = 'CARD_PAYMENT' AND a.kind = 'GATEWAY_CLEARING' GROUP BY a.currency_code
                """, logger: logger)
            for try await (currency, total) in card.decode((String, Int64).self) { report.cardPayments[currency] = total }
            return report
        }
    }

    /// The sum of all postings per currency (zero when balanced) and the accounts whose balance
    /// disagrees with their postings (none when sound).
    public func audit(logger: Logger) async throws -> (sums: [String: Int64], mismatched: [String]) {
        try await database.readPrimary { client in try await ledger.audit(on: client, logger: logger) }
    }
}
