import CurbsideCore
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import IntegrationEvents
import Logging
import PostgresNIO

@testable import Payments

/// Payments modules on the cluster `make test` started, with their schema migrated once per process.
enum PaymentsTestPlatform {
    private static let migrated = MigrationOnce(service: .payments, migrations: PaymentsModule.migrations)

    static var logger: Logger { TestEnvironment.logger }

    /// Runs `body` with a payments module (behind a router) whose clock the test moves.
    static func withModule(
        settings extra: [String: String] = [:], gateway: (any PaymentGateway)? = nil,
        _ body: @Sendable (PaymentsContext) async throws -> Void
    ) async throws {
        let platform = extra.isEmpty ? try await TestEnvironment.platform() : try await TestEnvironment.platform(extra)
        try await migrated.run(platform.settings)
        MetricsRoute.bootstrap()
        let clock = MovableClock()
        let module = try PaymentsModule(platform: platform, routing: .curbside, gateway: gateway, clock: PaymentsClock(clock.source))
        let router = try PlatformApplication.router(platform: platform, modules: [module])
        var app = Application(router: router, logger: logger)
        for client in module.databases.clients { app.addServices(client) }
        try await app.test(.router) { client in
            try await body(PaymentsContext(api: TestAPI(client: client, platform: platform), module: module, clock: clock))
        }
    }
}

/// One test's module, API and clock, and the steps most payments tests share.
struct PaymentsContext: Sendable {
    let api: TestAPI
    let module: PaymentsModule
    let clock: MovableClock

    var logger: Logger { PaymentsTestPlatform.logger }
    var database: Database { module.databases.platform }

    /// A passenger with a default card (one of the sandbox's test numbers).
    func passengerWithCard(_ number: String = "4242424242424242") async throws -> (id: UUID, token: String, method: String) {
        let id = UUID()
        let token = try await api.token(.passenger, userID: id)
        let method = try await addCard(number, token: token)
        return (id, token, method)
    }

    /// Tokenizes a sandbox card and adds it; returns the method's name.
    func addCard(_ number: String, token: String, makeDefault: Bool = false) async throws -> String {
        let tokenized = try await api.call(
            .post, "/v1/sandbox/cardTokens", token: token, json: #"{"number":"\#(number)","expMonth":12,"expYear":2099,"cvc":"123"}"#)
        guard let cardToken = tokenized.string("token") else { throw TestFailure("tokenize: \(tokenized.text)") }
        let added = try await api.call(
            .post, "/v1/users/me/paymentMethods", token: token, json: #"{"card":{"token":"\#(cardToken)"},"makeDefault":\#(makeDefault)}"#)
        guard let name = added.string("name") else { throw TestFailure("add card: \(added.text)") }
        return name
    }

    /// Places a hold for a new trip, as trips does when a passenger requests one.
    func authorize(passenger: UUID, amount: Int64 = 1_000, method: String? = nil, trip: UUID = UUID()) async throws -> Payment {
        try await module.payments.authorize(
            .init(
                tripID: trip, passengerID: passenger, paymentMethod: method, amount: amount, currencyCode: "USD", cityID: "testville",
                vehicleClass: "ECONOMY"),
            logger: logger)
    }

    /// The trip ended at the destination with `fare` (what trips' event says).
    func complete(_ payment: Payment, driver: UUID, fare: Int64) async throws -> Payment {
        try await module.payments.tripCompleted(
            TripsV1.TripCompleted(
                trip: payment.trip, passenger: "users/\(payment.passengerID.uuidString.lowercased())",
                driver: "drivers/\(driver.uuidString.lowercased())", city: "cities/testville", vehicleClass: "ECONOMY",
                fare: MoneyAmount(currencyCode: "USD", minorUnits: fare), distanceMeters: 3_000, durationSeconds: 600,
                completeTime: Date()),
            logger: logger)
        return try await reload(payment)
    }

    func cancel(_ payment: Payment, fee: Int64?, driver: UUID?) async throws -> Payment {
        try await module.payments.tripCancelled(
            TripsV1.TripCancelled(
                trip: payment.trip, passenger: "users/\(payment.passengerID.uuidString.lowercased())",
                driver: driver.map { "drivers/\($0.uuidString.lowercased())" }, cancelledBy: "PASSENGER", reason: nil,
                cancellationFee: fee.map { MoneyAmount(currencyCode: "USD", minorUnits: $0) }, cancelTime: Date()),
            logger: logger)
        return try await reload(payment)
    }

    func reload(_ payment: Payment) async throws -> Payment {
        guard let current = try await module.payments.payments.payment(payment.id, on: database, reader: nil, primary: true, logger: logger)
        else { throw TestFailure("no payment \(payment.name)") }
        return current
    }

    /// How many captures, charges and refunds the sandbox made for a payment's hold or card.
    func sandboxIntents(of payment: Payment) async throws -> (captured: Int64, count: Int) {
        guard let token = payment.cardToken else { return (0, 0) }
        return try await database.readPrimary { client in
            let rows = try await client.query(
                "SELECT coalesce(sum(captured), 0)::bigint, count(*)::int FROM platform.sandbox_intents WHERE card_token = \(token) AND captured > 0",
                logger: logger)
            for try await row in rows.decode((Int64, Int).self) { return row }
            return (0, 0)
        }
    }

    /// The ledger's invariants over the whole database: every currency's postings sum to zero and
    /// every account's balance is the sum of its postings.
    func expectLedgerSound() async throws {
        let audit = try await module.administration.audit(logger: logger)
        guard audit.sums.values.allSatisfy({ $0 == 0 }), audit.mismatched.isEmpty else {
            throw TestFailure("the ledger is not sound: sums \(audit.sums), mismatched \(audit.mismatched)")
        }
    }

    /// The entries the ledger holds about a payment, by kind.
    func entries(of payment: Payment) async throws -> [String] {
        try await database.readPrimary { client in
            let rows = try await client.query(
                "SELECT kind FROM platform.journal_entries WHERE subject = \(payment.name) ORDER BY create_time, kind", logger: logger)
            var kinds: [String] = []
            for try await kind in rows.decode(String.self) { kinds.append(kind) }
            return kinds
        }
    }
}
