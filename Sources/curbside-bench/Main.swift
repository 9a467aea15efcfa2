import CurbsideCore
import Foundation
import Logging

/// `curbside-bench`: measurements that need a running PostgreSQL (`make bench` starts one).
@main
struct CurbsideBench {
    static func main() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let settings = try PlatformSettings(reader: PlatformSettings.reader())
        print("| events (outbox → relay → subscriber) | | |")
        print("| --- | --- | --- |")
        for line in try await EventDeliveryBenchmark(settings: settings, logger: logger).run() {
            print(line)
        }
    }
}
