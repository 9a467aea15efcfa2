import Foundation
import Logging
import Testing

@testable import CurbsideCore

@Suite struct SmallPartsTests {
    @Test func migrationsSplitAtTopLevelSemicolonsOnly() {
        let sql = """
            CREATE TABLE a (x text DEFAULT 'a;b'); -- a comment; with a semicolon
            DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;
            CREATE INDEX b ON a (x)
            """
        #expect(
            SQLStatementSplitter.split(sql) == [
                "CREATE TABLE a (x text DEFAULT 'a;b')",
                "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$",
                "CREATE INDEX b ON a (x)",
            ])
    }

    @Test func lsnsParseAndCompare() throws {
        let low = try #require(LSN("0/16B3748"))
        let high = try #require(LSN("1/0"))
        #expect(low < high)
        #expect(high.value == 1 << 32)
        #expect(LSN("nonsense") == nil)
        #expect(LSN(low.description) == low)
    }

    @Test func routeTemplatesMatchCapturesAndCustomVerbs() {
        let table = RouteTable()
        table.add(method: .get, path: "/v1/users/{user}")
        table.add(method: .post, path: "/v1/users/{user}:undelete")
        #expect(table.allowedMethods(for: "/v1/users/abc") == [.get])
        #expect(table.allowedMethods(for: "/v1/users/abc:undelete") == [.post])
        #expect(table.allowedMethods(for: "/v1/users/:undelete").isEmpty)
        #expect(table.allowedMethods(for: "/v1/users").isEmpty)
    }

    @Test func traceParentGivesItsTraceIdOrNothing() {
        #expect(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceParent(header: "00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(TraceParent(header: "garbage") == nil)
        #expect(TraceParent.newTraceID().count == 32)
    }

    @Test func documentsMustDeclareRolesForEveryOperation() throws {
        let good = """
            openapi: "3.1.0"
            paths:
              /v1/things:
                get: { operationId: listThings, x-curbside-roles: [admin, service] }
                post: { operationId: createThing, x-curbside-roles: [public] }
            """
        let document = try OpenAPIDocument(yaml: good)
        #expect(document.policy(method: .get, path: "/v1/things") == .roles([.admin, .service]))
        #expect(document.policy(method: .post, path: "/v1/things") == .anonymous)
        #expect(throws: OpenAPIDocumentError.self) {
            try OpenAPIDocument(yaml: "paths:\n  /v1/x:\n    get: { operationId: x }\n")
        }
        #expect(throws: OpenAPIDocumentError.self) {
            try OpenAPIDocument(yaml: "paths:\n  /v1/x:\n    get: { operationId: x, x-curbside-roles: [root] }\n")
        }
    }

    @Test func policiesSay401WithoutACallerAnd403ForTheWrongRole() throws {
        let policy = OperationPolicy.roles([.admin])
        let anonymous = RequestScope(requestID: "r", traceID: "t", logger: Logger(label: "test"))
        #expect(throws: AIPError.unauthenticated()) { try policy.authorize(anonymous) }
        var passenger = anonymous
        passenger.principal = Principal(userID: UUID(), role: .passenger, sessionID: nil)
        let error = #expect(throws: AIPError.self) { try policy.authorize(passenger) }
        #expect(error?.httpCode == 403)
        try OperationPolicy.anonymous.authorize(anonymous)
    }

    @Test func errorsRenderAsAIP193() throws {
        let error = AIPError.invalidArgument("pickup.latitude must be between -90 and 90", field: "pickup.latitude", reason: "INVALID_COORDINATES")
            .inDomain("trips.curbside.dev")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(error.body)) as? [String: Any])
        let body = try #require(json["error"] as? [String: Any])
        #expect(body["code"] as? Int == 400)
        #expect(body["status"] as? String == "INVALID_ARGUMENT")
        let detail = try #require((body["details"] as? [[String: Any]])?.first)
        #expect(detail["@type"] as? String == "type.googleapis.com/google.rpc.ErrorInfo")
        #expect(detail["reason"] as? String == "INVALID_COORDINATES")
        #expect(detail["domain"] as? String == "trips.curbside.dev")
        #expect((detail["metadata"] as? [String: String])?["field"] == "pickup.latitude")
    }

    @Test func ecsLinesAreOneJSONObjectWithNumbersWhereECSWantsThem() throws {
        let line = ECSLogHandler.render(
            level: .info, message: "GET /v1/x 200",
            metadata: ["http.response.status_code": "200", "event.duration": "1500", "url.path": "/v1/x"],
            label: "test", serviceName: "curbside", source: "t", date: Date(timeIntervalSince1970: 0))
        #expect(!line.contains("\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["@timestamp"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(json["http.response.status_code"] as? Int == 200)
        #expect(json["log.level"] as? String == "info")
        #expect(json["ecs.version"] != nil)
    }

    @Test func base64URLRoundTrips() {
        let data = Data((0..<64).map { UInt8($0 * 4) })
        let text = Base64URL.encode(data)
        #expect(!text.contains("+") && !text.contains("/") && !text.contains("="))
        #expect(Base64URL.decode(text) == data)
        #expect(Base64URL.decode("a+b") == nil)
    }
}

@Suite struct PrimaryHistoryTests {
    @Test func lagIsTheAgeOfTheFirstPrimaryPositionNotYetReplayed() {
        let history = PrimaryHistory()
        let start = ContinuousClock.now
        history.record(LSN(value: 100), at: start)
        history.record(LSN(value: 200), at: start + .seconds(2))
        history.record(LSN(value: 300), at: start + .seconds(4))
        let now = start + .seconds(5)
        #expect(history.lag(of: LSN(value: 300), now: now) == .zero)
        #expect(history.lag(of: LSN(value: 250), now: now) == .seconds(1))
        #expect(history.lag(of: LSN(value: 150), now: now) == .seconds(3))
        #expect(history.lag(of: LSN(value: 50), now: now) == .seconds(5))
        #expect(PrimaryHistory().lag(of: LSN(value: 1), now: now) == .zero)
    }
}

@Suite struct TimestampTests {
    @Test func millisecondsSurviveBinaryFractionsAndRoundTrip() throws {
        let slightlyBelow = Date(timeIntervalSince1970: 1_795_258_489.123 - 0.000_000_1)
        #expect(Timestamp.format(slightlyBelow) == "2026-11-21T10:54:49.123Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        for _ in 0..<1000 {
            let date = Timestamp.roundedToMilliseconds(Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000)))
            let parsed = try #require(Timestamp.parse(Timestamp.format(date)))
            #expect(Timestamp.format(parsed) == Timestamp.format(date))
        }
        #expect(try RFC3339DateTranscoder().encode(Date(timeIntervalSince1970: 60)) == "1970-01-01T00:01:00Z")
    }

    /// The hand-written formatter against Foundation's ISO 8601 style, over random instants from 1900
    /// to 2100 (leap days, century years, before 1970) and every day boundary of a few leap years.
    @Test func formattingAgreesWithFoundation() {
        func foundation(_ date: Date) -> String {
            let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
            let seconds = (milliseconds / 1000).rounded(.down)
            let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
            return String(whole.dropLast()) + "." + String(format: "%03d", Int(milliseconds - seconds * 1000)) + "Z"
        }
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            #expect(Timestamp.format(date) == foundation(date))
        }
        for day in stride(from: Double(10_957), through: 11_400, by: 1) {  // 2000-01-01 (a leap century) onwards
            for offset in [0, 0.0004, 86_399.9996] {
                let date = Date(timeIntervalSince1970: day * 86_400 + offset)
                #expect(Timestamp.format(date) == foundation(date))
            }
        }
    }
}

@Suite struct LocalSecretTests {
    @Test func instancesStartingTogetherAgreeOnOneSecretAndOneKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID())").path
        let secrets = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try LocalSecrets(directory: directory).value(named: "db-secret") } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(secrets.count == 1)
        let keyIDs = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try SigningKeyStore.load(directory: directory + "/jwt").current.id } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keyIDs.count == 1)
    }
}
