import CurbsideCore
import Foundation

/// One signed-in account of the simulation (a driver, a passenger or the admin), holding its
/// access token fresh as an app does: refreshed shortly before it expires, and again after the
/// server said it had (401, or 4401 on the live channel).
public actor UserSession {
    /// The user's id (a UUID string); a driver's is also their driver id.
    public nonisolated let userID: String
    private let api: APIClient
    private let email: String
    private let password: String
    private var accessToken: String
    private var refreshToken: String
    private var expireTime: Date
    private var renewal: Task<Void, Never>?

    /// Refreshing this long before expiry keeps calls in flight from carrying a dead token.
    private static let margin: TimeInterval = 60

    private init(api: APIClient, email: String, password: String, session: Wire.Session) {
        self.api = api
        self.email = email
        self.password = password
        self.userID = session.user.uid
        self.accessToken = session.accessToken
        self.refreshToken = session.refreshToken
        self.expireTime = Timestamp.parse(session.accessTokenExpireTime) ?? Date().addingTimeInterval(600)
    }

    /// Signs in with an email and password; the API's answer when it refuses.
    static func signIn(api: APIClient, email: String, password: String) async -> Result<UserSession, APIResponseFailure> {
        let reply = await api.send("createSession", .post, "/v1/sessions", token: nil, body: Wire.SignIn(email: email, password: password))
        guard let session = reply.decode(Wire.Session.self), reply.isSuccess else { return .failure(APIResponseFailure(reply)) }
        return .success(UserSession(api: api, email: email, password: password, session: session))
    }

    /// A valid access token, refreshed first when it is about to expire.
    public func token() async -> String {
        if expireTime.timeIntervalSinceNow < Self.margin { await renew() }
        return accessToken
    }

    /// The server refused the token: the next `token()` gets a new one.
    public func tokenRefused() {
        expireTime = .distantPast
    }

    /// One renewal at a time: two concurrent refreshes would present the same refresh token twice,
    /// and the users service revokes a session whose refresh token is replayed.
    private func renew() async {
        if let renewal {
            await renewal.value
            return
        }
        let task = Task { await self.exchange() }
        renewal = task
        await task.value
        renewal = nil
    }

    private func exchange() async {
        let refreshed = await api.send(
            "refreshSession", .post, "/v1/sessions:refresh", token: nil, body: Wire.Refresh(refreshToken: refreshToken))
        if let session = refreshed.decode(Wire.Session.self), refreshed.isSuccess {
            adopt(session)
            return
        }
        // The session is gone (revoked, expired): sign in again, as an app would ask its user to.
        let signedIn = await api.send("createSession", .post, "/v1/sessions", token: nil, body: Wire.SignIn(email: email, password: password))
        if let session = signedIn.decode(Wire.Session.self), signedIn.isSuccess { adopt(session) }
    }

    private func adopt(_ session: Wire.Session) {
        accessToken = session.accessToken
        refreshToken = session.refreshToken
        expireTime = Timestamp.parse(session.accessTokenExpireTime) ?? Date().addingTimeInterval(600)
    }
}

/// An API answer that was not the one a step needed, as an error.
public struct APIResponseFailure: Error, CustomStringConvertible, Sendable {
    /// The answer.
    public let response: APIResponse

    init(_ response: APIResponse) { self.response = response }

    public var description: String { response.summary }
}
