import Foundation
import PropertyBased
import Testing

@testable import Payments

/// The ledger's rules and the payment aggregate, without a database: every booking balances, and
/// any sequence of trip endings, gateway answers, tips and refunds leaves the ledger and the
/// payment telling the same story.
@Suite struct LedgerDomainTests {
    let passenger = UUID()
    let driver = UUID()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anEntryThatDoesNotBalanceIsRefused() {
        let revenue = LedgerAccount(.platformRevenue, currencyCode: "USD")
        let clearing = LedgerAccount(.gatewayClearing, currencyCode: "USD")
        #expect(throws: LedgerError.unbalanced) {
            try JournalEntry(kind: .refund, subject: "payments/x", postings: [.init(revenue, 100), .init(clearing, -99)], createTime: now)
        }
        #expect(throws: LedgerError.unbalanced) {
            try JournalEntry(kind: .refund, subject: "payments/x", postings: [.init(revenue, 100)], createTime: now)
        }
        // Balanced per currency, not overall.
        #expect(throws: LedgerError.unbalanced) {
            try JournalEntry(
                kind: .refund, subject: "payments/x",
                postings: [.init(revenue, 100), .init(LedgerAccount(.gatewayClearing, currencyCode: "EUR"), -100)], createTime: now)
        }
        #expect(throws: LedgerError.invalidAmount) {
            try JournalEntry(kind: .refund, subject: "payments/x", postings: [.init(revenue, 0), .init(clearing, 0)], createTime: now)
        }
        #expect(throws: LedgerError.invalidAmount) {
            try JournalEntry(
                kind: .refund, subject: "payments/x", postings: [.init(revenue, .max), .init(revenue, 1), .init(clearing, -1)],
                createTime: now)
        }
    }

    @Test func accountKeysRoundTrip() {
        for account in [
            LedgerAccount(.driverEarnings, owner: driver, currencyCode: "EUR"), LedgerAccount(.platformRevenue, currencyCode: "JPY"),
        ] {
            #expect(LedgerAccount(key: account.key) == account)
        }
        #expect(LedgerAccount(key: "DRIVER_EARNINGS/-/EUR") == nil)
        #expect(LedgerAccount(key: "PLATFORM_REVENUE/\(driver.uuidString)/EUR") == nil)
        #expect(LedgerAccount(key: "nonsense") == nil)
    }

    @Test func commissionRoundsHalfUpAndNeverExceedsTheAmount() async {
        #expect(Commission(basisPoints: 2000)!.of(1_234) == 247)  // 246.8
        #expect(Commission(basisPoints: 2500)!.of(2) == 1)  // 0.5 rounds up
        #expect(Commission(basisPoints: 10_000)!.of(999) == 999)
        #expect(Commission(basisPoints: 0)!.of(999) == 0)
        #expect(Commission(basisPoints: 10_001) == nil)
        #expect(Commission(basisPoints: -1) == nil)
        await propertyCheck(input: Gen.int(in: 0...10_000), Gen.int64(in: 0...Int64.max)) { points, amount in
            let commission = Commission(basisPoints: points)!.of(amount)
            #expect((0...amount).contains(commission))
        }
    }

    @Test func everyBookingBalances() async {
        await propertyCheck(input: Gen.int64(in: 1...100_000_000), Gen.int(in: 0...10_000)) { amount, points in
            let commission = Commission(basisPoints: points)!.of(amount)
            let entries = [
                try? Bookkeeping.tripFare(
                    passenger: passenger, driver: driver, amount: amount, commission: commission, currencyCode: "USD", subject: "s", at: now),
                try? Bookkeeping.cancellationFee(
                    passenger: passenger, driver: nil, amount: amount, commission: commission, currencyCode: "USD", subject: "s", at: now),
                try? Bookkeeping.tip(passenger: passenger, driver: driver, amount: amount, currencyCode: "USD", subject: "s", at: now),
                try? Bookkeeping.cardPayment(passenger: passenger, amount: amount, currencyCode: "USD", subject: "s", at: now),
                try? Bookkeeping.refund(amount: amount, currencyCode: "USD", subject: "s", at: now),
                try? Bookkeeping.payout(driver: driver, amount: amount, currencyCode: "USD", subject: "s", at: now),
            ]
            for entry in entries {
                let entry = try #require(entry)
                #expect(entry.postings.reduce(0) { $0 + $1.amount } == 0)
            }
        }
    }

    /// A ledger in memory: balances kept beside the postings, as the database keeps them.
    struct MemoryLedger {
        var postings: [JournalEntry.Posting] = []
        var balances: [LedgerAccount: Int64] = [:]

        mutating func post(_ entries: [JournalEntry]) {
            for posting in entries.flatMap(\.postings) {
                postings.append(posting)
                balances[posting.account, default: 0] += posting.amount
            }
        }

        func balance(_ account: LedgerAccount) -> Int64 { balances[account] ?? 0 }
    }

    /// Each step is one thing that can happen to a trip's payment; `amount` sizes it.
    enum Step: Int, CaseIterable {
        case complete, cancelWithFee, cancelFree, gatewaySucceeds, gatewayDeclines, gatewayHoldGone, gatewaySilent, tip, refund, holdLapses
    }

    @Test func anySequenceKeepsTheLedgerBalancedAndAgreeingWithThePayment() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...1_000_000).array(of: 1...30), Gen.int(in: 0...1)) { codes, cash in
            let method = PaymentMethod(
                id: UUID(), passengerID: passenger, kind: cash == 1 ? .cash : .card, gatewayToken: cash == 1 ? nil : "tok",
                card: nil, isDefault: true, createTime: now)
            var payment = Payment(
                tripID: UUID(), passengerID: passenger, method: method, amount: cash == 1 ? 0 : 1_200, currencyCode: "USD",
                cityID: "c", vehicleClass: "ECONOMY", now: now, lease: 30)
            var ledger = MemoryLedger()
            var time = now
            for code in codes {
                time = time.addingTimeInterval(60)
                let step = Step(rawValue: code % Step.allCases.count)!
                let amount = Int64(code / Step.allCases.count % 3_000 + 1)
                let open = payment.openOperations.first
                do {
                    switch step {
                    case .complete:
                        ledger.post(
                            try payment.complete(driver: driver, fare: amount, commission: Commission(basisPoints: 2000)!, now: time, lease: 30))
                    case .cancelWithFee:
                        ledger.post(try payment.cancel(fee: amount, driver: driver, commission: Commission(basisPoints: 2000)!, now: time, lease: 30))
                    case .cancelFree:
                        ledger.post(try payment.cancel(fee: 0, driver: nil, commission: Commission(basisPoints: 2000)!, now: time, lease: 30))
                    case .gatewaySucceeds:
                        guard let open else { continue }
                        let hold = open.kind == .authorize ? GatewayHold(reference: "h", amount: open.amount, expireTime: time + 3600) : nil
                        ledger.post(try payment.succeeded(open.id, reference: "ref-\(open.id)", hold: hold, now: time, lease: 30))
                    case .gatewayDeclines:
                        guard let open else { continue }
                        payment.failed(open.id, reason: "CARD_DECLINED", decline: .cardDeclined, holdGone: false, now: time, lease: 30)
                    case .gatewayHoldGone:
                        guard let open else { continue }
                        payment.failed(open.id, reason: "HOLD_EXPIRED", decline: nil, holdGone: true, now: time, lease: 30)
                    case .gatewaySilent:
                        guard let open else { continue }
                        payment.unanswered(open.id, reason: "timeout", retryTime: time + 5, now: time)
                    case .tip:
                        try payment.addTip(amount, now: time, window: 3600 * 24, lease: 30)
                    case .refund:
                        try payment.refund(UUID(), amount: amount, now: time, lease: 30)
                    case .holdLapses:
                        payment.holdLapsed(now: time)
                    }
                } catch is PaymentsError {
                    // A refusal (a tip before the end, a refund above what was paid): nothing may have changed.
                }
            }
            // Double entry: everything sums to zero, every balance is its postings' sum.
            #expect(ledger.postings.reduce(0) { $0 + $1.amount } == 0)
            for (account, balance) in ledger.balances {
                #expect(balance == ledger.postings.filter { $0.account == account }.reduce(0) { $0 + $1.amount })
            }
            // The ledger and the payment agree on what moved.
            let usd = "USD"
            #expect(ledger.balance(LedgerAccount(.gatewayClearing, currencyCode: usd)) == payment.collected + payment.tip - payment.refunded)
            #expect(ledger.balance(LedgerAccount(.passengerReceivable, owner: passenger, currencyCode: usd)) == payment.outstanding)
            #expect(ledger.balance(LedgerAccount(.driverCash, owner: driver, currencyCode: usd)) == payment.cashCollected)
            #expect(payment.refunded <= payment.collected + payment.tip)
            #expect(payment.collected + payment.cashCollected <= payment.owed)
            #expect(payment.operations.filter { $0.kind == .tip && $0.state != .failed }.count <= 1)
        }
    }
}
