import ArgumentParser
import CurbsideCore
import Foundation
import Users

/// `curbside admin create`: bootstraps an admin account (admins cannot sign up through the API).
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Administer accounts.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an admin account.",
            discussion: "The password is read from CURBSIDE_ADMIN_PASSWORD or standard input, never from a flag (it would land in shell history).")

        @OptionGroup var common: CommonOptions

        @Option(help: "The admin's email address.")
        var email: String

        @Option(help: "The name shown for the admin.")
        var displayName: String = "Administrator"

        func run() async throws {
            let settings = try common.settings()
            let logger = ProcessLogging.bootstrap(settings: settings, shipper: nil)
            let password =
                ProcessInfo.processInfo.environment["CURBSIDE_ADMIN_PASSWORD"]
                ?? readLine(strippingNewline: true) ?? ""
            let platform = try await Platform(settings: settings, logger: logger)
            let module = try UsersModule(platform: platform)
            let user = try await withRunningClients(module.databases.clients) {
                try await module.accounts.signUp(
                    .init(role: .admin, email: email, phoneNumber: nil, displayName: displayName, password: password),
                    requestID: nil, allowAdmin: true, logger: logger)
            }
            print(user.name)
        }
    }
}
