import AsyncHTTPClient
import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import OpenAPIRuntime
import ServiceLifecycle

/// The payments service as the platform hosts it: the composition root of its gateway,
/// repositories, use cases, reconciler, event receiver and API.
public struct PaymentsModule: ServiceModule {
    public let name = ServiceName.payments
    public let document: OpenAPIDocument
    public let databases: ServiceDatabases
    public let eventRouting: EventRouting
    public let settings: PaymentsSettings
    public let payments: PaymentService
    public let methods: PaymentMethodService
    public let earnings: EarningsService
    public let administration: PaymentsAdministration
    /// Retries unanswered gateway operations and notices lapsed holds; runs in every instance.
    public let reconciler: Reconciler
    public let payouts: PayoutService
    /// Starts the daily payout run and resumes abandoned ones; runs in every instance.
    public let payoutScheduler: PayoutScheduler
    /// The built-in gateway, when it is the one in use.
    public let sandbox: SandboxGateway?
    let receiver: PaymentsEventReceiver

    /// The service's migrations, applied by `curbside migrate`.
    public static let migrations = PaymentsMigrations.all

    /// The OpenAPI document shipped with the service.
    public static func loadDocument() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ConfigurationError("the payments OpenAPI document is missing from the bundle")
        }
        return try OpenAPIDocument(contentsOf: url)
    }

    /// - Parameters:
    ///   - gateway: overrides the gateway chosen from the settings (`payments.gateway`: the sandbox,
    ///     or Stripe with `payments.stripe_secret_key`).
    ///   - clock: the time source (tests move it).
    public init(
        platform: Platform, routing: EventRouting = .curbside, gateway: (any PaymentGateway)? = nil, clock: PaymentsClock = PaymentsClock()
    ) throws {
        let settings = PaymentsSettings(platform.settings.config)
        self.settings = settings
        document = try Self.loadDocument()
        eventRouting = routing
        databases = ServiceDatabases(service: .payments, settings: platform.settings.database, logger: platform.logger)
        var logger = platform.logger
        logger[metadataKey: "service"] = "payments"
        let database = databases.platform
        let sandbox = SandboxGateway(database: database, clock: clock, holdLifetime: settings.sandboxHoldLifetime, logger: logger)
        let chosen: any PaymentGateway
        switch (gateway, settings.gateway) {
        case (let given?, _):
            chosen = given
        case (nil, .sandbox):
            chosen = sandbox
        case (nil, .stripe):
            guard let key = settings.stripeSecretKey else {
                throw ConfigurationError("payments.gateway is stripe but payments.stripe_secret_key (CURBSIDE_PAYMENTS_STRIPE_SECRET_KEY) is not set")
            }
            chosen = StripeGateway(secretKey: key, baseURL: settings.stripeBaseURL, timeout: settings.gatewayTimeout)
        }
        self.sandbox = gateway == nil && settings.gateway == .sandbox ? sandbox : nil
        let ledger = LedgerStore()
        let repository = PaymentRepository(outbox: OutboxWriter(routing: routing), ledger: ledger)
        let methodRepository = PaymentMethodRepository()
        let rates = CommissionRates(fallback: settings.defaultCommission)
        let runner = OperationRunner(payments: repository, gateway: chosen, database: database, settings: settings, clock: clock)
        payments = PaymentService(
            payments: repository, methods: methodRepository, rates: rates, runner: runner, databases: databases,
            pageTokens: platform.pageTokens, settings: settings,
            clock: clock)
        methods = PaymentMethodService(
            methods: methodRepository, gateway: chosen, databases: databases, pageTokens: platform.pageTokens, clock: clock)
        earnings = EarningsService(ledger: ledger, database: database, pageTokens: platform.pageTokens)
        administration = PaymentsAdministration(rates: rates, ledger: ledger, database: database, clock: clock)
        payouts = PayoutService(
            store: PayoutStore(ledger: ledger), database: database, settings: settings, clock: clock, logger: logger)
        payoutScheduler = PayoutScheduler(payouts: payouts, settings: settings, clock: clock, logger: logger)
        reconciler = Reconciler(payments: repository, runner: runner, database: database, settings: settings, clock: clock, logger: logger)
        receiver = PaymentsEventReceiver(service: payments, logger: logger)
    }

    public func registerRoutes(on transport: GuardedTransport) throws {
        let api = PaymentsAPI(
            methods: methods, payments: payments, earnings: earnings, payouts: payouts, administration: administration, sandbox: sandbox)
        try api.registerHandlers(
            on: transport,
            configuration: Configuration(
                dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))
    }

    public var backgroundServices: [any Service] { [reconciler, payoutScheduler] }

    public var eventReceivers: [String: any EventReceiver] { [EventRouting.payments: receiver] }
}
