import ArgumentParser
import CurbsideCore
import Foundation
import Payments

/// `curbside ledger audit`: checks the payments ledger's invariants in the configured database.
struct Ledger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect the payments ledger.", subcommands: [Audit.self])

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every currency's postings sum to zero and every balance is its postings' sum.",
            discussion: "Prints the figures; exits 1 when the ledger is not balanced (run by `make test` after the suite).")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let settings = try common.settings()
            let logger = ProcessLogging.bootstrap(settings: settings, shipper: nil)
            let platform = try await Platform(settings: settings, logger: logger)
            let module = try PaymentsModule(platform: platform)
            let report = try await withRunningClients(module.databases.clients) {
                try await module.administration.report(logger: logger)
            }
            print("ledger: \(report.entries) entries, \(report.postings) postings, \(report.accounts) accounts")
            for (currency, sum) in report.sums.sorted(by: { $0.key < $1.key }) {
                print("  \(currency): postings sum \(sum), card payments \(report.cardPayments[currency] ?? 0) minor units")
            }
            if !report.mismatched.isEmpty { print("  balances that differ from their postings: \(report.mismatched.joined(separator: ", "))") }
            guard report.sums.values.allSatisfy({ $0 == 0 }), report.mismatched.isEmpty else {
                print("ledger: NOT BALANCED")
                throw ExitCode(1)
            }
            print("ledger: balanced")
        }
    }
}
