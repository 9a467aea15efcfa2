import ArgumentParser
import Configuration
import CurbsideCore
import Logging

/// Options shared by every command that talks to the platform.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Log level (trace, debug, info, notice, warning, error, critical). Env: CURBSIDE_LOG_LEVEL.")
    var logLevel: String?

    /// The settings from the environment, with these flags on top.
    func settings(overrides: [String: String] = [:]) throws -> PlatformSettings {
        var all = overrides
        if let logLevel { all["curbside.log.level"] = logLevel }
        return try PlatformSettings(reader: PlatformSettings.reader(overrides: all))
    }
}

/// Logging for the process: ECS JSON lines on stdout (and to Elasticsearch when configured).
enum ProcessLogging {
    static func bootstrap(settings: PlatformSettings, shipper: ElasticsearchShipper?) -> Logger {
        let sinks: [any LogLineSink] = [StandardOutputSink()] + (shipper.map { [$0] } ?? [])
        let level = settings.logging.level
        LoggingSystem.bootstrap { label in
            ECSLogHandler(label: label, serviceName: "curbside", level: level, sinks: sinks)
        }
        return Logger(label: "curbside")
    }
}
