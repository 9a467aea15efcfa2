import ArgumentParser
import Dispatch
import Foundation
import Logging
import Simulator
import Synchronization

/// `curbside simulate`: a city of simulated drivers and passengers using a running platform's
/// public API and live channel, with live progress and a summary at the end.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill a city with simulated drivers and passengers who use the real APIs.",
        discussion: """
            Needs a running platform (`make run` in another terminal, or --base-url) and an admin account: \
            `CURBSIDE_ADMIN_PASSWORD=… curbside admin create --email admin@example.com`, then run this with the \
            same CURBSIDE_ADMIN_PASSWORD. Set-up (signing everyone up) comes first and is not part of --duration. \
            Progress goes to standard error, the summary to standard output. Ctrl-C winds the city down early and \
            still prints the summary; a second Ctrl-C quits at once. Mean pickup is measured from a driver's \
            accepted offer to its arrival (shorter by about --speed-factor when that is above 1); dispatch's own \
            estimate is shown next to it.
            """)

    @Option(help: "Latitude of the city centre.")
    var latitude = 52.52

    @Option(help: "Longitude of the city centre.")
    var longitude = 13.405

    @Option(help: "Side of the simulated square, in km (a street grid of 200 m blocks).")
    var sizeKm = 8.0

    @Option(help: "Simulated drivers.")
    var drivers = 50

    @Option(help: "Simulated passengers (each has at most one trip at a time).")
    var passengers = 200

    @Option(help: "Ride requests per hour (Poisson arrivals, about half of them around 2–3 hot spots).")
    var demandPerHour = 300.0

    @Option(help: "Seconds the city runs once everyone is signed up.")
    var duration = 600

    @Option(help: "Seed of every random choice; the same seed makes the same choices.")
    var seed: UInt64 = 1

    @Option(name: .customLong("base-url"), help: "Where the platform answers (every service on one address).")
    var baseURL = "http://127.0.0.1:8080"

    @Option(help: "The admin to sign in as; the password comes from CURBSIDE_ADMIN_PASSWORD.")
    var adminEmail = "admin@example.com"

    @Option(help: "Driving speed multiplier (10: cars drive ten times faster, rides end sooner).")
    var speedFactor = 1.0

    @Option(help: "Seconds between a driver's location reports.")
    var pingInterval = 4.0

    @Flag(help: "Print the summary as JSON only.")
    var json = false

    @Flag(help: "Log the simulator's own debug messages (to standard error).")
    var verbose = false

    func validate() throws {
        guard (-85.0...85.0).contains(latitude), (-180.0...180.0).contains(longitude) else {
            throw ValidationError("--latitude must be within ±85 and --longitude within ±180.")
        }
        guard (0.5...200.0).contains(sizeKm) else { throw ValidationError("--size-km must be between 0.5 and 200.") }
        guard drivers >= 0, passengers >= 0, demandPerHour >= 0 else {
            throw ValidationError("--drivers, --passengers and --demand-per-hour must not be negative.")
        }
        guard duration > 0, speedFactor > 0, pingInterval >= 0.5 else {
            throw ValidationError("--duration and --speed-factor must be positive, --ping-interval at least 0.5.")
        }
    }

    func run() async throws {
        var logger = Logger(label: "curbside.simulate") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .warning
        let password = ProcessInfo.processInfo.environment["CURBSIDE_ADMIN_PASSWORD"] ?? ""
        let simulation = Simulation(config: config(password: password), logger: logger)
        let printer = ProgressPrinter(inPlace: isatty(STDERR_FILENO) == 1)

        // First Ctrl-C: wind down (the summary still comes); the handler then restores the default,
        // so a second Ctrl-C ends the process at once.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            signal(SIGINT, SIG_DFL)
            printer.note("stopping: waiting passengers cancel, riders are dropped off (Ctrl-C again to quit now)")
            simulation.requestStop()
        }
        interrupt.resume()
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
        }

        let summary: SimulationSummary
        do {
            summary = try await simulation.run { printer.show($0) }
            printer.finish()
        } catch let error as SimulationError {
            printer.finish()
            FileHandle.standardError.write(Data(Self.explain(error, email: adminEmail).utf8))
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(SummaryTable.render(summary), terminator: "")
        }
    }

    private func config(password: String) -> SimulationConfig {
        var config = SimulationConfig()
        config.baseURL = baseURL
        config.admin = .signIn(email: adminEmail, password: password)
        config.center = GeoPoint(latitude: latitude, longitude: longitude)
        config.sizeKm = sizeKm
        config.drivers = drivers
        config.passengers = passengers
        config.demandPerHour = demandPerHour
        config.duration = .seconds(duration)
        config.seed = seed
        config.timing.speedFactor = speedFactor
        config.timing.pingInterval = .milliseconds(Int64((pingInterval * 1000).rounded()))
        return config
    }

    /// What went wrong and what to do about it, for a person at a terminal.
    static func explain(_ error: SimulationError, email: String) -> String {
        switch error {
        case .adminSignInFailed(_, let detail):
            return """
                curbside simulate: could not sign in as the admin \(email) (\(detail)).
                Admins cannot sign up through the API. Create one (the README's bootstrap step), then run the \
                simulator with the same password:

                  CURBSIDE_ADMIN_PASSWORD='admin-password-1' .build/debug/curbside admin create --email \(email)
                  CURBSIDE_ADMIN_PASSWORD='admin-password-1' .build/debug/curbside simulate

                """
        case .serverUnreachable(let baseURL):
            return """
                curbside simulate: nothing answers at \(baseURL).
                Start the platform first (`make run` in another terminal), or point --base-url at it.

                """
        case .setupFailed:
            return "curbside simulate: \(error)\n"
        }
    }
}

/// Progress on standard error: one line rewritten in place on a terminal, a line every ten
/// seconds otherwise (a log file should not get one per second).
private final class ProgressPrinter: Sendable {
    private struct State {
        var shown = false
        var lastLine: ContinuousClock.Instant?
    }

    private let inPlace: Bool
    private let state = Mutex(State())

    init(inPlace: Bool) { self.inPlace = inPlace }

    func show(_ snapshot: SimulationSnapshot) {
        let line = ProgressLine.render(snapshot)
        state.withLock { state in
            if inPlace {
                // Carriage return, the line, then erase whatever a longer earlier line left behind.
                Self.write("\r\(line)\u{1B}[K")
                state.shown = true
            } else if state.lastLine.map({ ContinuousClock.now - $0 >= .seconds(10) }) ?? true {
                Self.write("\(line)\n")
                state.lastLine = .now
            }
        }
    }

    /// A message of its own, on its own line.
    func note(_ message: String) {
        state.withLock { state in
            Self.write((state.shown ? "\n" : "") + message + "\n")
            state.shown = false
        }
    }

    /// Ends the progress line so that what follows starts on a fresh one.
    func finish() {
        state.withLock { state in
            if state.shown { Self.write("\n") }
            state.shown = false
        }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
