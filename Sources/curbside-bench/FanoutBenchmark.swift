import CurbsideCore
import Foundation
import Logging

/// The live channel's fan-out (issue 6), against a running `curbside serve` (`CURBSIDE_BENCH_URL`):
/// messages per second delivered to connected WebSocket clients, and the delay of each.
///
/// `CURBSIDE_BENCH_FANOUT_CLIENTS` (5,000) passengers each hold a live channel; events reach the
/// notifications inbox as relays in other processes deliver them, round robin over the passengers.
/// Two rows: a paced rate (`CURBSIDE_BENCH_FANOUT_RATE`, 2,000 events/s, for
/// `CURBSIDE_BENCH_FANOUT_SECONDS`, 10; `CURBSIDE_BENCH_FANOUT_BATCH` events per request, 100), then the same number of events as fast as the posters
/// send them, for the ceiling. Delivered messages per second run from the first request sent to
/// the last message received.
///
/// Two delays per message. End to end, from the notification's `createTime` to the client's
/// receipt: the service stamps `createTime` (truncated to the millisecond) as it starts the event's
/// transaction, so this is the inbox's transaction, its commit and the fan-out (both ends read the
/// same system clock, server and benchmark being on one machine). The fan-out step alone, from the
/// commit's announcement on PostgreSQL's channel (heard by the benchmark as by every instance, see
/// ``AnnouncementWatch``) to the client's receipt, both stamped by this process.
struct FanoutBenchmark {
    let settings: PlatformSettings
    let logger: Logger

    /// The user id in the benchmark's service token (the inbox checks the role only).
    static let serviceIdentity = UUID(uuidString: "00000000-0000-0000-0000-00000000fa40")!

    func run() async throws -> [String] {
        let clients = BenchEnvironment.int("CURBSIDE_BENCH_FANOUT_CLIENTS", 5_000)
        let rate = max(1, BenchEnvironment.int("CURBSIDE_BENCH_FANOUT_RATE", 2_000))
        let total = rate * BenchEnvironment.int("CURBSIDE_BENCH_FANOUT_SECONDS", 10)
        let platform = try await Platform(settings: settings, logger: logger)
        let passengers = try await TokenMinter(platform: platform).passengers(clients)
        let service = try await platform.tokens.issueAccessToken(
            for: Principal(userID: Self.serviceIdentity, role: .service, sessionID: nil)
        ).token
        let http = BenchHTTP.client()
        defer { _ = http.shutdown() }
        let watch = AnnouncementWatch()
        let watching = Task { await watch.run(settings: settings, logger: logger) }
        defer { watching.cancel() }
        try await watch.waitUntilListening()
        var producer = FanoutProducer(users: passengers.map(\.id), serviceToken: service, client: http)
        // Smaller batches shorten the receiver's transaction, which the delay includes (see above).
        producer.batchSize = max(1, min(100, BenchEnvironment.int("CURBSIDE_BENCH_FANOUT_BATCH", 100)))
        let title = "live channel fan-out, \(clients) clients, batches of \(producer.batchSize)"
        return try await StreamClientPool.with(
            tokens: passengers.map(\.token), baseURL: BenchEnvironment.baseURL, concurrency: 200, logger: logger
        ) { pool in
            var ledger = FanoutLedger(users: passengers.map(\.id), watch: watch)
            let steady = try await phase(
                producer.batches(count: total, first: 0), interval: .seconds(Double(producer.batchSize) / Double(rate)),
                producer: producer, pool: pool, ledger: &ledger)
            // The round robin goes on where it stopped, so every user gets its share again.
            let burst = try await phase(
                producer.batches(count: total, first: total), interval: nil, producer: producer, pool: pool, ledger: &ledger)
            let steadyTitle = "\(title), \(rate) events/s steady"
            let burstTitle = "\(title), burst of \(total) events from \(producer.posters) posters (ceiling)"
            return [
                row(steadyTitle, steady), fanoutRow(steadyTitle, steady),
                row(burstTitle, burst), fanoutRow(burstTitle, burst),
            ]
        }
    }

    /// Posts `batches`, waits for the messages of every event the inbox applied, and accounts for them.
    private func phase(
        _ batches: [FanoutProducer.Batch], interval: Duration?, producer: FanoutProducer, pool: StreamClientPool,
        ledger: inout FanoutLedger
    ) async throws -> FanoutLedger.Result {
        let before = pool.tally.current.messages
        let outcome = await producer.post(batches, interval: interval)
        var expected = [Int](repeating: 0, count: pool.clients.count)
        for batch in batches { for event in batch.events { expected[event.user] += 1 } }
        for user in outcome.refusedUsers { expected[user] -= 1 }
        try await waitForMessages(pool, atLeast: before + expected.reduce(0, +))
        var result = ledger.account(pool.clients.map { $0.takeReceived() }, expected: expected, start: outcome.start)
        result.events = batches.reduce(0) { $0 + $1.events.count }
        result.refused = outcome.refusedUsers.count
        result.firstError = outcome.firstError
        return result
    }

    /// Returns once `count` messages have arrived in all, or when none arrived for 10 s (the ledger
    /// then reports what is missing). Receipt times are taken by the clients, so polling costs no accuracy.
    private func waitForMessages(_ pool: StreamClientPool, atLeast count: Int) async throws {
        var seen = pool.tally.current.messages
        var progress = ContinuousClock.now
        while seen < count, ContinuousClock.now - progress < .seconds(10) {
            try await Task.sleep(for: .milliseconds(10))
            let now = pool.tally.current.messages
            if now > seen { (seen, progress) = (now, .now) }
        }
        // A message delivered twice would come right behind the first: give it a moment to show.
        try await Task.sleep(for: .milliseconds(200))
    }

    private func row(_ title: String, _ result: FanoutLedger.Result) -> String {
        var counts = "\(result.events) events, \(result.received) messages, \(result.missing) missing, \(result.duplicated) duplicated"
        if result.refused > 0 { counts += ", \(result.refused) refused by the inbox (\(result.firstError ?? "?"))" }
        if result.unexpected > 0 { counts += ", \(result.unexpected) unexpected" }
        if result.sample.errors > 0 { counts += ", \(result.sample.errors) unreadable" }
        let p50 = LatencySample.milliseconds(result.sample.percentile(0.5))
        let p99 = LatencySample.milliseconds(result.sample.percentile(0.99))
        return "| \(title) (\(counts)) | \(Int(result.perSecond)) msg/s | \(p50) | \(p99) |"
    }

    /// The fan-out step of the same messages: announced on commit → received.
    private func fanoutRow(_ title: String, _ result: FanoutLedger.Result) -> String {
        var counts = "\(result.fanout.count) messages"
        if result.unheard > 0 { counts += ", \(result.unheard) whose announcement the benchmark missed" }
        let p50 = LatencySample.milliseconds(result.fanout.percentile(0.5))
        let p99 = LatencySample.milliseconds(result.fanout.percentile(0.99))
        return "| \(title): fan-out step, commit announced → received (\(counts)) | | \(p50) | \(p99) |"
    }
}

/// What the clients received, checked against what was sent. Each user's sequence numbers are kept
/// across phases, so a message delivered twice counts as a duplicate whenever the second copy comes.
struct FanoutLedger {
    private var seen: [Set<Int64>]
    private let users: [UUID?]
    private let watch: AnnouncementWatch

    /// `users`: the clients' user ids, in the clients' order.
    init(users: [String], watch: AnnouncementWatch) {
        seen = Array(repeating: [], count: users.count)
        self.users = users.map { UUID(uuidString: $0) }
        self.watch = watch
    }

    /// One phase's figures; `sample` holds one delay per distinct message (`errors`: unreadable ones).
    struct Result {
        var events = 0
        var refused = 0
        var firstError: String?
        var received = 0
        var missing = 0
        var duplicated = 0
        var unexpected = 0
        var perSecond = 0.0
        var sample = LatencySample()
        /// Announced → received, for the messages whose announcement the benchmark heard.
        var fanout = LatencySample()
        var unheard = 0
    }

    /// The fields of a live-channel message the benchmark reads.
    private struct StreamMessage: Decodable {
        var type: String
        var seq: String?
        var createTime: String?
    }

    /// Accounts for `received` (by client) against `expected` (messages per client).
    mutating func account(_ received: [[ReceivedMessage]], expected: [Int], start: Date) -> Result {
        let decoder = JSONDecoder()
        var result = Result()
        var last = start
        for (user, messages) in received.enumerated() {
            var distinct = 0
            for message in messages {
                guard let parsed = try? decoder.decode(StreamMessage.self, from: Data(message.text.utf8)),
                    parsed.type == "notification", let seq = parsed.seq.flatMap({ Int64($0) }),
                    let created = parsed.createTime.flatMap(Timestamp.parse)
                else {
                    result.sample.errors += 1
                    continue
                }
                guard seen[user].insert(seq).inserted else {
                    result.duplicated += 1
                    continue
                }
                distinct += 1
                last = max(last, message.receiveTime)
                // createTime is truncated, not rounded, so the delay is never short by the rounding;
                // the floor only guards against a step of the system clock.
                result.sample.add(.seconds(max(0, message.receiveTime.timeIntervalSince(created))))
                if let id = users[user], let announced = watch.announceTime(user: id, seq: seq) {
                    // The same process stamps both ends, so a negative delay would be a scheduling
                    // quirk (the client's read ran before the listener's): counted as none.
                    result.fanout.add(.seconds(max(0, message.receiveTime.timeIntervalSince(announced))))
                } else {
                    result.unheard += 1
                }
            }
            result.received += distinct
            result.missing += max(0, expected[user] - distinct)
            result.unexpected += max(0, distinct - expected[user])
        }
        let elapsed = last.timeIntervalSince(start)
        result.perSecond = elapsed > 0 ? Double(result.received) / elapsed : 0
        return result
    }
}
