import Foundation

/// FCM's error body (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode): a
/// `google.rpc.Status` whose details may carry FCM's own code, which is more precise than the
/// canonical `status`.
struct FCMErrorBody: Decodable {
    struct Status: Decodable {
        var code: Int?
        var message: String?
        var status: String?
        var details: [Detail]?
    }

    struct Detail: Decodable {
        var type: String?
        var errorCode: String?

        enum CodingKeys: String, CodingKey {
            case type = "@type"
            case errorCode
        }
    }

    static let fcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError"

    var error: Status

    var fcmErrorCode: String? {
        error.details?.first { $0.type == Self.fcmErrorType }?.errorCode
    }
}

/// Turns an answer of `messages:send` into a ``PushResult``, as FCM's error reference
/// (https://firebase.google.com/docs/cloud-messaging/http-server-ref) and its scaling guidance
/// (https://firebase.google.com/docs/cloud-messaging/scale-fcm) say to treat each.
struct FCMErrorMapping: Sendable {
    /// FCM asks senders it rate-limits to wait at least a minute, whatever Retry-After says.
    static let quotaDelay: Duration = .seconds(60)
    /// After a 401 the next attempt fetches a new access token, so it need not wait long.
    static let unauthorizedDelay: Duration = .seconds(1)

    /// What the caller does with the answer, and whether the access token it carried is spent.
    struct Outcome: Equatable {
        var result: PushResult
        var dropAccessToken = false
    }

    let backoff: FCMBackoff
    let now: @Sendable () -> Date

    /// The outcome of a non-2xx answer with `status`, FCM's JSON error `body` and its `Retry-After`.
    func outcome(status: Int, retryAfter: String?, body: Data, attempt: Int) -> Outcome {
        let error = try? JSONDecoder().decode(FCMErrorBody.self, from: body)
        let code = error?.fcmErrorCode
        let reason = Self.reason(status: status, error: error)
        switch code {
        case "UNREGISTERED", "SENDER_ID_MISMATCH":
            return Outcome(result: .tokenGone(reason: reason))
        case "INVALID_ARGUMENT", "THIRD_PARTY_AUTH_ERROR":
            // The payload, or the APNs/web push credentials in the Firebase project: fixed by people.
            return Outcome(result: .rejected(reason: reason))
        case "QUOTA_EXCEEDED":
            return Outcome(result: quotaRetry(retryAfter: retryAfter, reason: reason))
        case "UNAVAILABLE", "INTERNAL":
            return Outcome(result: serverRetry(retryAfter: retryAfter, attempt: attempt, reason: reason))
        default:
            break
        }
        switch status {
        case 404 where error != nil:
            return Outcome(result: .tokenGone(reason: reason))
        case 404:
            // A 404 that is not FCM's JSON came from something else (a wrong base URL, a proxy):
            // treating it as the token's would delete every registration sent to.
            return Outcome(result: .rejected(reason: "\(reason) (not an FCM error; is the base URL right?)"))
        case 401:
            return Outcome(result: .retry(after: Self.unauthorizedDelay, reason: reason), dropAccessToken: true)
        case 429:
            return Outcome(result: quotaRetry(retryAfter: retryAfter, reason: reason))
        case 408, 500..<600:
            return Outcome(result: serverRetry(retryAfter: retryAfter, attempt: attempt, reason: reason))
        default:
            return Outcome(result: .rejected(reason: reason))
        }
    }

    private func quotaRetry(retryAfter: String?, reason: String) -> PushResult {
        .retry(after: max(Self.quotaDelay, Self.delay(retryAfter: retryAfter, now: now()) ?? .zero), reason: reason)
    }

    private func serverRetry(retryAfter: String?, attempt: Int, reason: String) -> PushResult {
        .retry(after: Self.delay(retryAfter: retryAfter, now: now()) ?? backoff.delay(attempt: attempt), reason: reason)
    }

    /// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 §10.2.3); nil when absent or
    /// unreadable, zero when the date has passed.
    static func delay(retryAfter: String?, now: Date) -> Duration? {
        guard let value = retryAfter?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return seconds >= 0 ? .seconds(seconds) : nil }
        guard let date = httpDate(value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
    }

    /// The IMF-fixdate form every HTTP/1.1 sender must use (`Sun, 06 Nov 1994 08:49:37 GMT`).
    static func httpDate(_ value: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: value)
    }

    /// `HTTP 404 NOT_FOUND UNREGISTERED: Requested entity was not found.`, as much as the answer says.
    static func reason(status: Int, error: FCMErrorBody?) -> String {
        var reason = "HTTP \(status)"
        if let canonical = error?.error.status { reason += " \(canonical)" }
        if let code = error?.fcmErrorCode, code != error?.error.status { reason += " \(code)" }
        if let message = error?.error.message, !message.isEmpty { reason += ": \(message)" }
        return reason
    }
}

/// Exponential backoff with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
/// a random delay in [0, min(2^attempt s, 1 h)], so senders that failed together do not retry together.
struct FCMBackoff: Sendable {
    static let ceiling: Double = 3600

    /// A number in [0, 1) that scales the delay; injected so that tests know the delay.
    let random: @Sendable () -> Double

    func delay(attempt: Int) -> Duration {
        // 2^12 s is past the ceiling already; a larger shift would only risk overflow.
        let cap = min(Double(1 << min(max(attempt, 0), 12)), Self.ceiling)
        let fraction = min(max(random(), 0), 1)
        return .milliseconds(Int64((cap * fraction * 1000).rounded()))
    }
}
