import Foundation
import Logging
import Synchronization
import Testing

@testable import Notifications

/// The FCM sender against a stand-in for Google's token endpoint and FCM on a real socket.
@Suite struct FCMSenderTests {
    /// A clock the test moves; starts at a whole second so that times in bodies are exact.
    final class TestClock: Sendable {
        let date = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { date.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { date.withLock { $0 += seconds } }
    }

    let clock = TestClock()
    /// Refusals and retries are expected here; their log lines would only bury a failure.
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    let message = PushMessage(
        token: "device-token-1", title: "Your driver is here", body: "A blue Corolla, B-CU 1234", data: ["trip": "trips/42"],
        priority: .high, timeToLive: .seconds(120), collapseKey: "trip-42")

    func sender(
        _ url: URL, timeout: Duration = .seconds(5), maxConcurrentSends: Int = 64, random: @escaping @Sendable () -> Double = { 0.25 }
    ) throws -> FCMSender {
        let clock = clock
        return try FCMSender(
            serviceAccountJSON: FCMTestAccount.json(), baseURL: url, tokenURLOverride: url.appending(path: "token"), timeout: timeout,
            maxConcurrentSends: maxConcurrentSends, random: random, now: { clock.now }, logger: logger)
    }

    // MARK: Access tokens

    @Test func theAssertionCarriesWhatGoogleChecks() async throws {
        try await FCMStandIn.run { standIn, url in
            let result = try await sender(url).send(message, attempt: 0)
            #expect(result == .sent(messageID: "projects/curbside-test/messages/1"))
            let requests = standIn.tokenRequests
            try #require(requests.count == 1)
            let seen = requests[0]
            #expect(seen.problems == [])
            #expect(seen.grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer")
            #expect(seen.kid == FCMTestAccount.keyID)
            #expect(seen.alg == "RS256")
            #expect(seen.iss == FCMTestAccount.clientEmail)
            #expect(seen.scope == "https://www.googleapis.com/auth/firebase.messaging")
            // The key file's token_uri, though the request went to the override.
            #expect(seen.aud == "https://oauth2.googleapis.com/token")
            #expect(seen.iat == 1_800_000_000)
            #expect(seen.exp == 1_800_003_600)
            #expect(standIn.sends.map(\.authorization) == ["Bearer ya29.stand-in-1"])
        }
    }

    @Test func sendsShareOneAccessToken() async throws {
        try await FCMStandIn.run { standIn, url in
            let sender = try sender(url)
            #expect(await sender.send(message, attempt: 0) == .sent(messageID: "projects/curbside-test/messages/1"))
            #expect(await sender.send(message, attempt: 0) == .sent(messageID: "projects/curbside-test/messages/2"))
            // Sends that start together while there is no token wait for the same request.
            let fresh = try self.sender(url)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<5 { group.addTask { _ = await fresh.send(message, attempt: 0) } }
            }
            #expect(standIn.tokenRequests.count == 2)
            #expect(Set(standIn.sends.map(\.authorization)) == ["Bearer ya29.stand-in-1", "Bearer ya29.stand-in-2"])
        }
    }

    @Test func aTokenIsRefreshedFiveMinutesBeforeItExpires() async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.state.withLock { $0.expiresIn = 3600 }
            let sender = try sender(url)
            _ = await sender.send(message, attempt: 0)
            clock.advance(3600 - 300 - 1)
            _ = await sender.send(message, attempt: 0)
            #expect(standIn.tokenRequests.count == 1)
            clock.advance(2)
            _ = await sender.send(message, attempt: 0)
            #expect(standIn.tokenRequests.count == 2)
            #expect(standIn.tokenRequests.last?.iat == 1_800_003_301)
            #expect(standIn.sends.last?.authorization == "Bearer ya29.stand-in-2")
        }
    }

    @Test func aFailedTokenRequestIsRetriedLater() async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.scriptTokens(FCMReply(status: .badRequest, body: #"{"error":"invalid_grant","error_description":"Invalid JWT"}"#))
            let sender = try sender(url, random: { 0.5 })
            let result = await sender.send(message, attempt: 2)
            // Half of 2^2 s.
            #expect(result == .retry(after: .seconds(2), reason: "no FCM access token: the token endpoint answered 400 (invalid_grant: Invalid JWT)"))
            #expect(standIn.sends.isEmpty)
            #expect(await sender.send(message, attempt: 3) == .sent(messageID: "projects/curbside-test/messages/1"))
        }
    }

    // MARK: The message

    @Test func theBodyHasTheDocumentedBlocks() async throws {
        try await FCMStandIn.run { standIn, url in
            let sender = try sender(url)
            _ = await sender.send(message, attempt: 0)
            _ = await sender.send(PushMessage(token: "device-token-2", data: ["kind": "position"]), attempt: 0)
            let sends = standIn.sends
            try #require(sends.count == 2)
            #expect(sends[0].project == "curbside-test")
            #expect(sends[0].contentType == "application/json")

            let full = try #require(sends[0].json["message"] as? [String: Any])
            #expect(full["token"] as? String == "device-token-1")
            #expect(full["notification"] as? [String: String] == ["title": "Your driver is here", "body": "A blue Corolla, B-CU 1234"])
            #expect(full["data"] as? [String: String] == ["trip": "trips/42"])
            #expect(full["android"] as? [String: String] == ["priority": "HIGH", "ttl": "120s", "collapse_key": "trip-42"])
            let apns = try #require(full["apns"] as? [String: Any])
            #expect(
                apns["headers"] as? [String: String]
                    == ["apns-priority": "10", "apns-expiration": "1800000120", "apns-collapse-id": "trip-42"])

            let bare = try #require(sends[1].json["message"] as? [String: Any])
            #expect(Set(bare.keys) == ["token", "data", "android", "apns"])
            #expect(bare["android"] as? [String: String] == ["priority": "NORMAL"])
            #expect((bare["apns"] as? [String: Any])?["headers"] as? [String: String] == ["apns-priority": "5"])
        }
    }

    @Test func aZeroLifetimeIsNowOrNever() {
        let body = FCMSendRequest(PushMessage(token: "t", timeToLive: .zero), now: clock.now)
        #expect(body.message.android.ttl == "0s")
        #expect(body.message.apns.headers["apns-expiration"] == "0")
        let fraction = FCMSendRequest(PushMessage(token: "t", timeToLive: .milliseconds(1500)), now: clock.now)
        #expect(fraction.message.android.ttl == "2s")
    }

    // MARK: Errors

    @Test(arguments: [
        FCMReply.fcmError(.notFound, "NOT_FOUND", "UNREGISTERED", message: "Requested entity was not found."),
        .fcmError(.forbidden, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", message: "SenderId mismatch"),
        .fcmError(.notFound, "NOT_FOUND", nil, message: "Requested entity was not found."),
    ])
    func aTokenThatIsGoneIsReported(reply: FCMReply) async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.script(reply)
            let result = try await sender(url).send(message, attempt: 0)
            guard case .tokenGone(let reason) = result else {
                Issue.record("\(result)")
                return
            }
            #expect(reason.hasPrefix("HTTP \(reply.status.code)"))
        }
    }

    @Test func aNotFoundThatIsNotFCMsDeletesNothing() async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.script(FCMReply(status: .notFound, body: "<html>Not Found</html>"))
            let result = try await sender(url).send(message, attempt: 0)
            guard case .rejected = result else {
                Issue.record("\(result)")
                return
            }
        }
    }

    @Test func anInvalidMessageIsRejectedAndNotRetried() async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.script(.fcmError(.badRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", message: "Invalid value at 'message.data'"))
            let result = try await sender(url).send(message, attempt: 0)
            #expect(result == .rejected(reason: "HTTP 400 INVALID_ARGUMENT: Invalid value at 'message.data'"))
            #expect(standIn.sends.count == 1)
        }
    }

    @Test func missingAPNsCredentialsAreRejectedWithoutDroppingTheToken() async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.script(.fcmError(.unauthorized, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", message: "Auth error from APNS"))
            let sender = try sender(url)
            let result = await sender.send(message, attempt: 0)
            #expect(result == .rejected(reason: "HTTP 401 UNAUTHENTICATED THIRD_PARTY_AUTH_ERROR: Auth error from APNS"))
            _ = await sender.send(message, attempt: 0)
            #expect(standIn.tokenRequests.count == 1)
        }
    }

    @Test(arguments: [("5", 60), ("120", 120), (nil, 60)] as [(String?, Int)])
    func rateLimitingWaitsAtLeastAMinute(retryAfter: String?, seconds: Int) async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.script(.fcmError(.tooManyRequests, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", retryAfter: retryAfter))
            guard case .retry(let after, _) = try await sender(url).send(message, attempt: 0) else {
                Issue.record("not a retry")
                return
            }
            #expect(after == .seconds(seconds))
        }
    }

    @Test func serverTroubleHonoursRetryAfter() async throws {
        let inNinetySeconds = FCMErrorMappingTestDates.httpDate(clock.now.addingTimeInterval(90))
        try await FCMStandIn.run { standIn, url in
            standIn.script(
                .fcmError(.serviceUnavailable, "UNAVAILABLE", "UNAVAILABLE", retryAfter: "30"),
                .fcmError(.serviceUnavailable, "UNAVAILABLE", "UNAVAILABLE", retryAfter: inNinetySeconds),
                .fcmError(.internalServerError, "INTERNAL", "INTERNAL", retryAfter: "7"))
            let sender = try sender(url)
            var delays: [Duration] = []
            for _ in 0..<3 {
                if case .retry(let after, _) = await sender.send(message, attempt: 5) { delays.append(after) }
            }
            #expect(delays == [.seconds(30), .seconds(90), .seconds(7)])
        }
    }

    @Test(arguments: [(0, 0.25, 250), (3, 0.25, 2_000), (3, 0.999, 7_992), (11, 0.5, 1_024_000), (40, 0.25, 900_000)])
    func serverTroubleWithoutRetryAfterBacksOff(attempt: Int, random: Double, milliseconds: Int64) async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.script(.fcmError(.internalServerError, "INTERNAL", "INTERNAL"))
            guard case .retry(let after, _) = try await sender(url, random: { random }).send(message, attempt: attempt) else {
                Issue.record("not a retry")
                return
            }
            #expect(after == .milliseconds(milliseconds))
            // Full jitter: anywhere from nothing up to 2^attempt seconds, never more than an hour.
            #expect(after >= .zero && after <= .seconds(min(pow(2, Double(attempt)), 3600)))
        }
    }

    @Test func anUnauthorizedAnswerDropsTheToken() async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.script(.fcmError(.unauthorized, "UNAUTHENTICATED", nil, message: "Request had invalid authentication credentials."))
            let sender = try sender(url)
            guard case .retry(let after, _) = await sender.send(message, attempt: 0) else {
                Issue.record("not a retry")
                return
            }
            #expect(after == .seconds(1))
            #expect(await sender.send(message, attempt: 1) == .sent(messageID: "projects/curbside-test/messages/2"))
            #expect(standIn.tokenRequests.count == 2)
            #expect(standIn.sends.map(\.authorization) == ["Bearer ya29.stand-in-1", "Bearer ya29.stand-in-2"])
        }
    }

    @Test func aStalledSendIsRetried() async throws {
        try await FCMStandIn.run { standIn, url in
            let sender = try sender(url, timeout: .milliseconds(300))
            // The token first, so that only the send stalls.
            _ = await sender.send(message, attempt: 0)
            standIn.script(FCMReply(status: .ok, body: #"{"name":"too-late"}"#, delay: .seconds(2)))
            let started = ContinuousClock.now
            let result = await sender.send(message, attempt: 1)
            #expect(ContinuousClock.now - started < .seconds(1))
            guard case .retry(let after, _) = result else {
                Issue.record("\(result)")
                return
            }
            #expect(after == .milliseconds(500))
        }
    }

    @Test func anUnreachableFCMIsRetried() async throws {
        try await FCMStandIn.run { _, url in
            // Nothing listens on port 1; tokens still come from the stand-in.
            let sender = try FCMSender(
                serviceAccountJSON: FCMTestAccount.json(), baseURL: URL(string: "http://127.0.0.1:1")!,
                tokenURLOverride: url.appending(path: "token"), timeout: .milliseconds(500), random: { 0.25 }, logger: logger)
            guard case .retry(let after, _) = await sender.send(message, attempt: 2) else {
                Issue.record("not a retry")
                return
            }
            #expect(after == .seconds(1))
        }
    }

    // MARK: Concurrency

    @Test func sendsInFlightAreBounded() async throws {
        try await FCMStandIn.run { standIn, url in
            standIn.state.withLock { $0.sendDelay = .milliseconds(100) }
            let sender = try sender(url, maxConcurrentSends: 2)
            let results = await withTaskGroup(of: PushResult.self) { group in
                for _ in 0..<10 { group.addTask { await sender.send(message, attempt: 0) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 10)
            #expect(results.allSatisfy { if case .sent = $0 { true } else { false } })
            #expect(standIn.sends.count == 10)
            #expect(standIn.maxInFlight == 2)
        }
    }

    @Test func waitersAreServedInOrderAndCancelledOnesLeave() async throws {
        actor Order {
            var served: [Int] = []
            func append(_ index: Int) { served.append(index) }
        }
        let semaphore = PushSendSemaphore(permits: 1)
        try await semaphore.acquire()
        let order = Order()
        var waiters: [Task<Void, any Error>] = []
        for index in 0..<3 {
            waiters.append(
                Task {
                    try await semaphore.acquire()
                    await order.append(index)
                    semaphore.release()
                })
            while semaphore.waiting < index + 1 { await Task.yield() }
        }
        waiters[1].cancel()
        await #expect(throws: CancellationError.self) { try await waiters[1].value }
        #expect(semaphore.waiting == 2)
        semaphore.release()
        try await waiters[0].value
        try await waiters[2].value
        #expect(await order.served == [0, 2])
        // Every permit came back: one can be taken at once.
        try await semaphore.acquire()
        #expect(semaphore.waiting == 0)
    }

    // MARK: Credentials and the local default

    @Test(arguments: [
        (Data("not json".utf8), "not a JSON object"),
        (FCMTestAccount.json(["type": "authorized_user"]), "type is \"authorized_user\""),
        (FCMTestAccount.json(["client_email": nil]), "no client_email"),
        (FCMTestAccount.json(["project_id": ""]), "project_id is empty"),
        (FCMTestAccount.json(["private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]), "private_key"),
    ])
    func unusableCredentialsAreRefusedClearly(json: Data, expected: String) {
        do throws(FCMConfigurationError) {
            _ = try FCMSender(serviceAccountJSON: json)
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains(expected), "\(error)")
            #expect(!error.message.contains("BEGIN"))
        }
    }

    @Test func noDescriptionShowsTheKey() throws {
        let sender = try FCMSender(serviceAccountJSON: FCMTestAccount.json())
        let account = try FCMServiceAccount(json: FCMTestAccount.json())
        var dumped = ""
        dump(sender, to: &dumped)
        dump(account, to: &dumped)
        for text in ["\(sender)", String(reflecting: sender), "\(account)", String(reflecting: account), dumped] {
            #expect(!text.contains("PRIVATE KEY") && !text.contains("MIIEv"), "\(text)")
        }
    }

    @Test func theRecordingSenderRecords() async {
        let recorder = RecordingPushSender()
        #expect(await recorder.send(message, attempt: 0) == .sent(messageID: "recorded/1"))
        let second = PushMessage(token: "device-token-2", data: ["kind": "position"])
        #expect(await recorder.send(second, attempt: 3) == .sent(messageID: "recorded/2"))
        #expect(await recorder.sent == [message, second])
    }
}

/// HTTP dates as servers write them in Retry-After.
enum FCMErrorMappingTestDates {
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
