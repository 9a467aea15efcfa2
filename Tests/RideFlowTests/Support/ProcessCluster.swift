import CurbsideCore
import CurbsideTesting
import Foundation

/// The five services as five `curbside serve --service X` processes, wired only by URLs
/// (service calls and event deliveries over HTTP): the scaled-out deployment, exactly as an
/// operator runs it. Needs `CURBSIDE_TEST_BINARY` (set by `make test`).
struct ProcessCluster: Sendable {
    let urls: [ServiceName: String]
    let logDirectory: URL

    static var binary: String? { ProcessInfo.processInfo.environment["CURBSIDE_TEST_BINARY"] }

    static func run(_ body: @Sendable (ProcessCluster) async throws -> Void) async throws {
        guard let binary else { throw TestFailure("CURBSIDE_TEST_BINARY is not set (run the tests with `make test`)") }
        let services: [ServiceName] = [.users, .trips, .dispatch, .payments, .notifications]
        let ports = try await LocalPorts.free(services.count)
        var urls: [ServiceName: String] = [:]
        for (service, port) in zip(services, ports) { urls[service] = "http://127.0.0.1:\(port)" }
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("curbside-processes-\(UUID())")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["CURBSIDE_AUTH_BCRYPT_COST"] = "4"
        environment["CURBSIDE_LOG_LEVEL"] = "info"
        environment["CURBSIDE_PAYMENTS_DAILY_PAYOUTS"] = "false"
        environment["CURBSIDE_EVENTS_EXPORT_DIR"] = logs.appendingPathComponent("analytics").path
        environment["CURBSIDE_EVENTS_SUBSCRIBER_URLS"] =
            "trips=\(urls[.trips]!),dispatch=\(urls[.dispatch]!),payments=\(urls[.payments]!),notifications=\(urls[.notifications]!)"
        for service in services { environment["CURBSIDE_SERVICES_\(service.rawValue.uppercased())_URL"] = urls[service] }

        var processes: [Process] = []
        defer {
            for process in processes where process.isRunning { process.terminate() }
            for process in processes { process.waitUntilExit() }
        }
        for (service, port) in zip(services, ports) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve", "--service", service.rawValue, "--port", String(port)]
            process.environment = environment
            let log = logs.appendingPathComponent("\(service.rawValue).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = process.standardOutput
            try process.run()
            processes.append(process)
        }
        for url in urls.values { try await AllInOneServer.waitUntilReady(url) }
        try await body(ProcessCluster(urls: urls, logDirectory: logs))
        // SIGTERM: each process must drain and exit 0 on its own.
        for process in processes { process.terminate() }
        for process in processes { process.waitUntilExit() }
        let failed = processes.filter { $0.terminationStatus != 0 }.map { $0.arguments?.joined(separator: " ") ?? "" }
        if !failed.isEmpty { throw TestFailure("did not stop cleanly: \(failed)") }
    }
}
