import ArgumentParser
import CurbsideCore
import Foundation

/// `curbside openapi <service>`: prints a service's OpenAPI document.
struct OpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi", abstract: "Print a service's OpenAPI document (YAML, or JSON with --json).")

    @Argument(help: "The service: users, trips or dispatch.")
    var service: String

    @Flag(help: "Print JSON instead of YAML.")
    var json = false

    func run() throws {
        let document = try ModuleCatalog.document(for: service)
        if json {
            print(String(decoding: document.json, as: UTF8.self))
        } else {
            print(document.yaml)
        }
    }
}
