import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import Metrics
import NIOCore

/// ``PushSender`` on Firebase Cloud Messaging's HTTP v1 API
/// (https://firebase.google.com/docs/cloud-messaging/send-message): each message is one
/// `POST /v1/projects/{project}/messages:send`, authorized by an OAuth 2.0 access token the service
/// account obtains (see ``FCMServiceAccount``).
///
/// Every answer becomes a ``PushResult`` as FCM documents its errors: a token that is gone is
/// reported for deletion, a message FCM refuses is never retried, and rate limiting and server
/// trouble are retried later (at least a minute after a 429, after Retry-After or an exponential
/// backoff with full jitter after a 5xx). At most `maxConcurrentSends` requests are in flight; further
/// sends wait their turn.
///
/// Neither the private key nor an access token is ever logged or part of a result's reason.
/// `curbside_push_sends_total` counts sends by `outcome` (`sent`, `token_gone`, `rejected`, `retry`).
public struct FCMSender: PushSender {
    /// FCM's API.
    public static let defaultBaseURL = URL(string: "https://fcm.googleapis.com")!

    let projectID: String
    let sendURL: String
    let tokens: FCMAccessTokens
    let permits: PushSendSemaphore
    let exchange: FCMExchange
    let mapping: FCMErrorMapping
    let now: @Sendable () -> Date
    let logger: Logger

    /// - Parameters:
    ///   - serviceAccountJSON: The service account's JSON key file.
    ///   - baseURL: FCM's API, or a stand-in in tests.
    ///   - tokenURLOverride: Where to fetch access tokens instead of the key file's `token_uri`
    ///     (a stand-in in tests); the assertion's audience stays `token_uri`.
    ///   - timeout: The bound on each call, from sending the request to the last byte of the answer;
    ///     a send that exceeds it is retried.
    ///   - maxConcurrentSends: How many sends may be in flight at once; at least 1.
    ///   - client: The HTTP client to send with.
    ///   - random: A number in [0, 1) for each backoff's jitter; injected in tests.
    ///   - now: The clock for the assertion's times, the token's expiry, `apns-expiration` and
    ///     Retry-After dates.
    ///   - logger: Where refused and failed sends are reported.
    /// - Throws: ``FCMConfigurationError`` when the key file or the key is unusable.
    public init(
        serviceAccountJSON: Data, baseURL: URL = FCMSender.defaultBaseURL, tokenURLOverride: URL? = nil,
        timeout: Duration = .seconds(10), maxConcurrentSends: Int = 64, client: HTTPClient = .shared,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger = Logger(label: "curbside.notifications.push")
    ) throws(FCMConfigurationError) {
        guard maxConcurrentSends >= 1 else { throw FCMConfigurationError("maxConcurrentSends must be at least 1") }
        let account = try FCMServiceAccount(json: serviceAccountJSON)
        let exchange = FCMExchange(client: client, timeout: timeout)
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.projectID = account.projectID
        self.sendURL = base + "/v1/projects/\(account.projectID)/messages:send"
        self.tokens = FCMAccessTokens(
            account: account, key: try account.signingKey(), tokenURL: tokenURLOverride ?? URL(string: account.tokenURI)!,
            exchange: exchange, now: now)
        self.permits = PushSendSemaphore(permits: maxConcurrentSends)
        self.exchange = exchange
        self.mapping = FCMErrorMapping(backoff: FCMBackoff(random: random), now: now)
        self.now = now
        self.logger = logger
    }

    /// Sends `message` once (after fetching an access token if none is fresh, and after waiting
    /// for a free slot), counts the outcome and logs refusals and retries, without the device token.
    public func send(_ message: PushMessage, attempt: Int) async -> PushResult {
        let result = await attemptSend(message, attempt: attempt)
        let outcome: String
        switch result {
        case .sent: outcome = "sent"
        case .tokenGone: outcome = "token_gone"
        case .rejected(let reason):
            outcome = "rejected"
            logger.warning("FCM refused a push message", metadata: ["error.message": "\(reason)"])
        case .retry(let after, let reason):
            outcome = "retry"
            logger.info("FCM push to be retried", metadata: ["error.message": "\(reason)", "retry_after": "\(after)"])
        }
        Counter(label: "curbside_push_sends_total", dimensions: [("outcome", outcome)]).increment()
        return result
    }

    private func attemptSend(_ message: PushMessage, attempt: Int) async -> PushResult {
        let accessToken: String
        do {
            accessToken = try await tokens.token()
        } catch {
            return .retry(after: mapping.backoff.delay(attempt: attempt), reason: "no FCM access token: \(error)")
        }
        do {
            try await permits.acquire()
        } catch {
            return .retry(after: mapping.backoff.delay(attempt: attempt), reason: "cancelled while waiting to send")
        }
        defer { permits.release() }

        var request = HTTPClientRequest(url: sendURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        do {
            let body = try JSONEncoder().encode(FCMSendRequest(message, now: now()))
            request.body = .bytes(ByteBuffer(bytes: body))
        } catch {
            return .rejected(reason: "the message cannot be encoded: \(error)")
        }

        let answer: FCMExchange.Answer
        do {
            answer = try await exchange(request)
        } catch let error as HTTPClientError where error.isTimeout {
            return .retry(after: mapping.backoff.delay(attempt: attempt), reason: "FCM did not answer within \(exchange.timeout)")
        } catch {
            return .retry(after: mapping.backoff.delay(attempt: attempt), reason: "no answer from FCM: \(error)")
        }
        if (200..<300).contains(answer.status) {
            let name = (try? JSONDecoder().decode(SendResponse.self, from: answer.body))?.name
            return .sent(messageID: name ?? "")
        }
        let outcome = mapping.outcome(
            status: answer.status, retryAfter: answer.headers.first(name: "Retry-After"), body: answer.body, attempt: attempt)
        if outcome.dropAccessToken { await tokens.invalidate(accessToken) }
        return outcome.result
    }

    private struct SendResponse: Decodable {
        var name: String
    }
}

extension FCMSender: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The project and the endpoint, never credentials.
    public var description: String { "FCMSender(project: \(projectID), \(sendURL))" }
    /// ``description``: the debug form must not print credentials either.
    public var debugDescription: String { description }
    /// Keeps `dump` from walking into the cached access token.
    public var customMirror: Mirror { Mirror(self, children: ["projectID": projectID, "sendURL": sendURL]) }
}
