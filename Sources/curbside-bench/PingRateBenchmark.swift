import AsyncHTTPClient
import CurbsideCore
import Foundation

/// Location pings at a fixed rate (half of wrk's peak, chosen by `bench/run.sh`): the p99 the issue
/// sets a goal for (≤ 10 ms). wrk (Debian's) only runs closed loops, so this rate-limited generator
/// measures it, from each ping's due time. Works against Curbside and the reference alike: both
/// serve `POST /v1/drivers/{driver}/location:report` with the driver's own token.
struct PingRateBenchmark {
    let rate: Int
    let label: String

    func run() async throws -> String {
        let drivers = try TokenFile.read(BenchEnvironment.workDirectory + "/drivers.tokens")
        let square = CitySquare()
        let client = BenchHTTP.client()
        let (sample, elapsed) = await Load.constantRate(rate: rate, seconds: BenchEnvironment.seconds) { n in
            let driver = drivers[n % drivers.count]
            var generator = SeededGenerator(seed: UInt64(n))
            let point = square.randomPoint(using: &generator)
            let body = """
                {"location":{"latitude":\(point.latitude),"longitude":\(point.longitude)},"accuracyMeters":5,\
                "recordTime":"\(Timestamp.format(Date()))"}
                """
            let request = BenchHTTP.request(.POST, "/v1/drivers/\(driver.id)/location:report", token: driver.token, json: body)
            return (try? await BenchHTTP.send(request, on: client))?.status == 200
        }
        try await client.shutdown()
        let achieved = Double(sample.count) / elapsed.inSeconds
        return
            "| \(label) location pings at \(rate)/s (open loop) | \(Int(achieved))/s ok, \(sample.errors) errors | p50 \(LatencySample.milliseconds(sample.percentile(0.5))) | p99 \(LatencySample.milliseconds(sample.percentile(0.99))) |"
    }
}

/// `id token` lines written by `curbside-bench seed`.
enum TokenFile {
    static func read(_ path: String) throws -> [(id: String, token: String)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }
}
