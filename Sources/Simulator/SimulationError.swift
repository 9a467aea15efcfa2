/// Why a run could not start. Once the city is live nothing is fatal: errors are counted instead.
public enum SimulationError: Error, CustomStringConvertible, Sendable {
    /// The admin could not sign in (no such account, wrong password, no password given).
    case adminSignInFailed(email: String, detail: String)
    /// Nothing answers at the base URL.
    case serverUnreachable(baseURL: String)
    /// A set-up step the run cannot do without failed.
    case setupFailed(step: String, detail: String)

    public var description: String {
        switch self {
        case .adminSignInFailed(let email, let detail): "could not sign in as the admin \(email): \(detail)"
        case .serverUnreachable(let baseURL): "nothing answers at \(baseURL)"
        case .setupFailed(let step, let detail): "set-up failed at \(step): \(detail)"
        }
    }
}
