import AsyncHTTPClient
import CurbsideCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// Trip requests through the public API: request → offer delay at 50 requests/s, then trip create
/// throughput; the created trips and their passengers' tokens go to `trips.tokens` for the trip get
/// workload of wrk. Against the reference (`--reference`) only create, with its simpler request
/// body (it has no quotes, payments hook or dispatch behind it).
struct TripsBenchmark {
    let settings: PlatformSettings
    let logger: Logger
    let reference: Bool
    let square = CitySquare()

    var label: String { reference ? "FastAPI" : "Curbside" }

    func run() async throws -> [String] {
        let platform = try await Platform(settings: settings, logger: logger)
        let client = BenchHTTP.client()
        defer { _ = client.shutdown() }
        var lines: [String] = []
        if !reference {
            let admin = try String(contentsOfFile: BenchEnvironment.workDirectory + "/admin.token", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try await setUpCity(admin: admin, client: client)
            lines.append(try await requestToOffer(platform: platform, client: client))
        }
        let count = BenchEnvironment.int("CURBSIDE_BENCH_TRIPS", 5_000)
        let passengers = try await TokenMinter(platform: platform).passengers(count)
        let bodies: [String]
        if reference {
            bodies = (0..<count).map { plainRequest(n: $0) }
        } else {
            try await addCards(for: passengers, client: client)
            let (quotes, line) = try await quotes(for: passengers, client: client)
            lines.append(line)
            bodies = quotes.map { #"{"quoteToken":"\#($0)"}"# }
        }
        let workers = BenchEnvironment.int("CURBSIDE_BENCH_WORKERS", 32)
        let created = NIOLockedValueBox<[Int: String]>([:])
        let failures = FirstFailure()
        let creates = await Load.closedLoop(workers: workers, items: count) { n in
            let request = BenchHTTP.request(.POST, "/v1/trips", token: passengers[n].token, json: bodies[n])
            guard let body = await BenchHTTP.expectOK(request, on: client, failures: failures),
                let name = BenchHTTP.string("name", in: body)
            else { return false }
            created.withLockedValue { $0[n] = name }
            return true
        }
        lines.append(row("\(label) trip create (closed loop, \(workers) callers)", creates, failures: failures))
        // Reads are measured by wrk (bench/run.sh, workload `get`): the trips and their passengers' tokens.
        let trips = created.withLockedValue { $0 }.sorted { $0.key < $1.key }.map { "\($0.value) \(passengers[$0.key].token)" }
        try (trips.joined(separator: "\n") + "\n").write(
            toFile: BenchEnvironment.workDirectory + "/trips.tokens", atomically: true, encoding: .utf8)
        return lines
    }

    private func row(_ title: String, _ result: (sample: LatencySample, elapsed: Duration), failures: FirstFailure? = nil) -> String {
        let perSecond = Double(result.sample.count) / result.elapsed.inSeconds
        let first = failures?.text.map { "; first: \(Self.cell($0))" } ?? ""
        return
            "| \(title) | \(Int(perSecond))/s (\(result.sample.count) ok, \(result.sample.errors) errors\(first)) | p50 \(LatencySample.milliseconds(result.sample.percentile(0.5))) | p99 \(LatencySample.milliseconds(result.sample.percentile(0.99))) |"
    }

    /// `text` made safe for a Markdown table cell.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "/").replacingOccurrences(of: "\n", with: " ")
    }

    private func latLng(_ point: (latitude: Double, longitude: Double)) -> String {
        #"{"latitude":\#(point.latitude),"longitude":\#(point.longitude)}"#
    }

    /// A pickup in the inner square and a dropoff about 3 km north-east of it.
    private func route(n: Int) -> (pickup: String, dropoff: String) {
        var generator = SeededGenerator(seed: UInt64(n) &+ 1_000_000)
        let pickup = square.randomInnerPoint(using: &generator)
        return (latLng(pickup), latLng((pickup.latitude + 0.02, pickup.longitude + 0.02)))
    }

    private func plainRequest(n: Int) -> String {
        let (pickup, dropoff) = route(n: n)
        return #"{"pickup":\#(pickup),"dropoff":\#(dropoff),"vehicleClass":"ECONOMY"}"#
    }

    /// The bench city (its service area covers the square) and its ECONOMY pricing rule, as an admin would.
    private func setUpCity(admin: String, client: HTTPClient) async throws {
        let center = latLng((square.centerLatitude, square.centerLongitude))
        let city = try await BenchHTTP.send(
            BenchHTTP.request(
                .POST, "/v1/cities?cityId=bench", token: admin,
                json: #"{"displayName":"Bench City","center":\#(center),"radiusKm":30,"currencyCode":"USD","timeZone":"UTC"}"#),
            on: client)
        guard city.status == 200 || city.status == 409 else {
            throw BenchError("creating the bench city answered \(city.status): \(String(buffer: city.body))")
        }
        func usd(_ cents: Int) -> String { #"{"currencyCode":"USD","units":"\#(cents / 100)","nanos":\#((cents % 100) * 10_000_000)}"# }
        let rule = try await BenchHTTP.send(
            BenchHTTP.request(
                .PATCH, "/v1/cities/bench/pricingRules/ECONOMY", token: admin,
                json: """
                    {"baseFare":\(usd(250)),"perKm":\(usd(120)),"perMinute":\(usd(30)),"bookingFee":\(usd(150)),\
                    "minimumFare":\(usd(700)),"cancellationFee":\(usd(500)),"surgeCap":3.0}
                    """), on: client)
        guard rule.status == 200 else { throw BenchError("the pricing rule answered \(rule.status): \(String(buffer: rule.body))") }
    }

    /// A sandbox Visa card for each passenger (tokenized as the gateway's SDK would, then added as
    /// the app adds it): a trip request holds the fare on the passenger's default method.
    private func addCards(for passengers: [(id: String, token: String)], client: HTTPClient) async throws {
        let failures = FirstFailure()
        let workers = BenchEnvironment.int("CURBSIDE_BENCH_WORKERS", 32)
        let result = await Load.closedLoop(workers: workers, items: passengers.count) { n in
            let token = passengers[n].token
            let card = BenchHTTP.request(
                .POST, "/v1/sandbox/cardTokens", token: token,
                json: #"{"number":"4242424242424242","expMonth":12,"expYear":2099,"cvc":"123"}"#)
            guard let body = await BenchHTTP.expectOK(card, on: client, failures: failures),
                let cardToken = BenchHTTP.string("token", in: body)
            else { return false }
            let method = BenchHTTP.request(
                .POST, "/v1/users/me/paymentMethods?requestId=\(UUID())", token: token, json: #"{"card":{"token":"\#(cardToken)"}}"#)
            return await BenchHTTP.expectOK(method, on: client, failures: failures) != nil
        }
        guard result.sample.errors == 0 else {
            throw BenchError("\(result.sample.errors) of \(passengers.count) passengers got no card: \(failures.text ?? "?")")
        }
    }

    /// One signed quote per passenger (a quote buys one trip), fetched before the measured phase.
    private func quotes(for passengers: [(id: String, token: String)], client: HTTPClient) async throws -> ([String], String) {
        let quotes = NIOLockedValueBox<[Int: String]>([:])
        let workers = BenchEnvironment.int("CURBSIDE_BENCH_WORKERS", 32)
        let result = await Load.closedLoop(workers: workers, items: passengers.count) { n in
            let (pickup, dropoff) = route(n: n)
            let request = BenchHTTP.request(
                .POST, "/v1/trips:estimateFare", token: passengers[n].token,
                json: #"{"pickup":\#(pickup),"dropoff":\#(dropoff),"vehicleClass":"ECONOMY"}"#)
            guard let reply = try? await BenchHTTP.send(request, on: client), reply.status == 200,
                let quote = BenchHTTP.string("quoteToken", in: reply.body)
            else { return false }
            quotes.withLockedValue { $0[n] = quote }
            return true
        }
        let all = quotes.withLockedValue { $0 }
        guard all.count == passengers.count else {
            throw BenchError("only \(all.count) of \(passengers.count) fare estimates succeeded")
        }
        return ((0..<passengers.count).map { all[$0]! }, row("\(label) fare estimate with quote (closed loop, \(workers) callers)", result))
    }

    /// `POST /v1/trips` at 50 requests/s (`CURBSIDE_BENCH_OFFER_RATE`); the delay runs from the
    /// moment the request returned (this process's wall clock) to the offer's `create_time` in
    /// dispatch's database (the serving process's wall clock; both read the same system clock).
    private func requestToOffer(platform: Platform, client: HTTPClient) async throws -> String {
        let rate = BenchEnvironment.int("CURBSIDE_BENCH_OFFER_RATE", 50)
        let seconds = BenchEnvironment.int("CURBSIDE_BENCH_OFFER_SECONDS", 20)
        let passengers = try await TokenMinter(platform: platform).passengers(rate * seconds)
        try await addCards(for: passengers, client: client)
        let (quotes, _) = try await quotes(for: passengers, client: client)
        let returned = NIOLockedValueBox<[UUID: Date]>([:])
        let failures = FirstFailure()
        let sent = await Load.constantRate(rate: rate, seconds: seconds) { n in
            let request = BenchHTTP.request(
                .POST, "/v1/trips?requestId=\(UUID())", token: passengers[n].token, json: #"{"quoteToken":"\#(quotes[n])"}"#)
            guard let body = await BenchHTTP.expectOK(request, on: client, failures: failures),
                let name = BenchHTTP.string("name", in: body), let id = UUID(uuidString: String(name.dropFirst("trips/".count)))
            else { return false }
            returned.withLockedValue { $0[id] = Date() }
            return true
        }
        try await Task.sleep(for: .seconds(3))
        let requests = returned.withLockedValue { $0 }
        let offers = try await firstOffers(Array(requests.keys))
        var sample = LatencySample()
        var timeline = "returned_unix_seconds,offer_delay_seconds\n"
        for (trip, at) in requests.sorted(by: { $0.value < $1.value }) {
            guard let offered = offers[trip] else {
                sample.errors += 1
                continue
            }
            sample.add(.seconds(max(0, offered.timeIntervalSince(at))))
            timeline += "\(at.timeIntervalSince1970),\(offered.timeIntervalSince(at))\n"
        }
        // Each request's delay in order, to tell a steady tail from one that starts partway (the
        // first offers expiring 15 s in, with every offer of the bench left unanswered).
        let timelinePath = BenchEnvironment.string("CURBSIDE_BENCH_OFFER_TIMELINE", "")
        if !timelinePath.isEmpty { try timeline.write(toFile: timelinePath, atomically: true, encoding: .utf8) }
        let refused = sent.sample.errors > 0 ? ", \(sent.sample.errors) refused; first: \(Self.cell(failures.text ?? "?"))" : ""
        return
            "| trip request returned → offer created, \(rate) requests/s (\(requests.count) requests, \(sample.errors) without offer\(refused)) | p50 \(LatencySample.milliseconds(sample.percentile(0.5))) | p99 \(LatencySample.milliseconds(sample.percentile(0.99))) |"
    }

    private func firstOffers(_ trips: [UUID]) async throws -> [UUID: Date] {
        let database = settings.database
        return try await SingleConnection.with(
            host: database.host, port: database.port, username: database.superuser, password: database.superuserPassword,
            database: ServiceName.dispatch.rawValue, connectTimeout: .seconds(5), logger: logger
        ) { connection in
            let rows = try await connection.query(
                "SELECT trip_id, min(create_time) FROM platform.offers WHERE trip_id = ANY(\(trips)) GROUP BY trip_id", logger: logger)
            var found: [UUID: Date] = [:]
            for try await (trip, time) in rows.decode((UUID, Date).self) { found[trip] = time }
            return found
        }
    }
}

/// A benchmark that cannot go on, with the reason.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
