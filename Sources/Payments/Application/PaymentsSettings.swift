import Configuration
import CurbsideCore
import Foundation

/// The payments service's settings (`curbside.payments.*`, e.g. `CURBSIDE_PAYMENTS_GATEWAY`).
public struct PaymentsSettings: Sendable {
    public enum Gateway: String, Sendable {
        case sandbox, stripe
    }

    /// `sandbox` (built in, the default) or `stripe`.
    public var gateway: Gateway
    /// Stripe's secret key (`sk_test_...`/`sk_live_...`), with `gateway = stripe`.
    var stripeSecretKey: String?
    /// Stripe's API base URL (a stand-in in tests).
    public var stripeBaseURL: URL
    /// Bound on each gateway call; no answer in time is an unknown outcome, reconciled later.
    public var gatewayTimeout: Duration
    /// The hold is the quoted fare plus this share (a final fare may exceed the quote a little).
    public var holdBufferPercent: Int
    /// How long the sandbox keeps an uncaptured hold (card networks: about 7 days).
    public var sandboxHoldLifetime: TimeInterval
    /// How long after completion a trip may be tipped.
    public var tipWindow: TimeInterval
    /// The platform's commission where no city/class rate is set.
    public var defaultCommission: Commission
    /// How long an operation's caller has to finish it before the reconciler may take it over.
    public var operationLease: TimeInterval
    /// The first wait before asking the gateway again about an unanswered operation (doubles, at most 10 min).
    public var retryBase: TimeInterval
    /// How often the reconciler looks for unanswered operations and lapsed holds.
    public var reconcileInterval: Duration
    /// Whether a payout run starts every day by itself.
    public var dailyPayouts: Bool
    /// The hour (UTC) after which the daily payout run starts.
    public var payoutHourUTC: Int
    /// The smallest payable balance a run pays out (minor units); smaller ones wait.
    public var payoutThreshold: Int64

    public init(_ config: ConfigReader) {
        gateway = Gateway(rawValue: config.string(forKey: "payments.gateway", default: "sandbox")) ?? .sandbox
        stripeSecretKey = config.string(forKey: "payments.stripe_secret_key", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        stripeBaseURL = config.string(forKey: "payments.stripe_base_url").flatMap(URL.init(string:)) ?? URL(string: "https://api.stripe.com")!
        gatewayTimeout = .milliseconds(max(100, config.int(forKey: "payments.gateway_timeout_ms", default: 10_000)))
        holdBufferPercent = min(200, max(0, config.int(forKey: "payments.hold_buffer_percent", default: 20)))
        sandboxHoldLifetime = TimeInterval(max(1, config.int(forKey: "payments.sandbox_hold_lifetime_seconds", default: 7 * 24 * 3600)))
        tipWindow = TimeInterval(max(0, config.int(forKey: "payments.tip_window_seconds", default: 72 * 3600)))
        defaultCommission =
            Commission(basisPoints: config.int(forKey: "payments.commission_basis_points", default: 2000))
            ?? Commission(basisPoints: 2000)!
        operationLease = TimeInterval(max(1, config.int(forKey: "payments.operation_lease_seconds", default: 30)))
        retryBase = TimeInterval(max(100, config.int(forKey: "payments.retry_base_ms", default: 5000))) / 1000
        reconcileInterval = .milliseconds(max(50, config.int(forKey: "payments.reconcile_interval_ms", default: 2000)))
        dailyPayouts = config.bool(forKey: "payments.daily_payouts", default: true)
        payoutHourUTC = min(23, max(0, config.int(forKey: "payments.payout_hour_utc", default: 2)))
        payoutThreshold = Int64(max(1, config.int(forKey: "payments.payout_threshold_minor_units", default: 1000)))
    }

    /// The hold for a quoted amount: the amount plus the buffer, rounded up to a whole minor unit.
    public func holdAmount(forQuote amount: Int64) -> Int64 {
        let (scaled, overflow) = amount.multipliedReportingOverflow(by: Int64(100 + holdBufferPercent))
        return overflow ? amount : (scaled + 99) / 100
    }

    /// When to ask again about an operation unanswered `attempts` times.
    public func retryDelay(attempts: Int) -> TimeInterval {
        min(600, retryBase * pow(2, Double(min(attempts, 16))))
    }
}
