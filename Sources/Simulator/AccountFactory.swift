import CurbsideCore
import Foundation

/// Signs up the simulation's people through the public API, as the apps and the operator do:
/// drivers with a car, papers and both approvals; passengers with a sandbox card or cash.
struct AccountFactory: Sendable {
    let api: APIClient
    let adminToken: String
    /// Distinguishes this run's emails from every earlier run's (the seed repeats, emails may not).
    let runID: String
    let password: String

    init(api: APIClient, adminToken: String) {
        self.api = api
        self.adminToken = adminToken
        let random = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        self.runID = String(random.prefix(8))
        self.password = "sim-\(random.suffix(12))-1"
    }

    /// A driver, approved with an approved ECONOMY car and valid documents.
    func driver(_ index: Int) async throws -> SimulatedDriver.Account {
        let session = try await signUp(role: "DRIVER", index: index)
        let token = await session.token()
        let plate = "SIM" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(7))
        let vehicle = try check(
            await api.send(
                "createVehicle", .post, "/v1/drivers/me/vehicles?requestId=\(UUID().uuidString.lowercased())", token: token,
                body: Wire.Vehicle(
                    make: "Toyota", model: "Prius", year: 2022, licensePlate: plate, color: "blue", seatCount: 4,
                    vehicleClass: SimulationContext.vehicleClass)),
            "registering a car"
        ).decode(Wire.Named.self)?.name
        guard let vehicle else { throw SimulationError.setupFailed(step: "registering a car", detail: "no vehicle name in the answer") }
        let nextYear = Timestamp.format(Date().addingTimeInterval(365 * 86_400))
        let documents: [(type: String, vehicle: String?)] = [("DRIVERS_LICENSE", nil), ("INSURANCE", nil), ("VEHICLE_REGISTRATION", vehicle)]
        for (type, car) in documents {
            try check(
                await api.send(
                    "createDocument", .post, "/v1/drivers/me/documents", token: token,
                    body: Wire.Document(type: type, documentNumber: "N-\(type)", expireTime: nextYear, vehicle: car)),
                "adding a \(type)")
        }
        try check(
            await api.send("approveDriver", .post, "/v1/drivers/\(session.userID):approve", token: adminToken, body: Wire.Empty()),
            "approving a driver")
        try check(
            await api.send("approveVehicle", .post, "/v1/\(vehicle):approve", token: adminToken, body: Wire.Empty()), "approving a car")
        return SimulatedDriver.Account(session: session, vehicle: vehicle)
    }

    /// A passenger with a sandbox Visa card (tokenized as the gateway's SDK would) or cash.
    func passenger(_ index: Int, paysCash: Bool) async throws -> UserSession {
        let session = try await signUp(role: "PASSENGER", index: index)
        let token = await session.token()
        var method = Wire.PaymentMethod(card: nil, cash: Wire.Empty())
        if !paysCash {
            let card = try check(
                await api.send(
                    "createSandboxCardToken", .post, "/v1/sandbox/cardTokens", token: token,
                    body: Wire.SandboxCard(number: "4242424242424242", expMonth: 12, expYear: 2099, cvc: "123")),
                "tokenizing a card")
            guard let cardToken = card.decode(Wire.CardToken.self)?.token else {
                throw SimulationError.setupFailed(step: "tokenizing a card", detail: "no token in the answer")
            }
            method = Wire.PaymentMethod(card: .init(token: cardToken), cash: nil)
        }
        try check(
            await api.send(
                "createPaymentMethod", .post, "/v1/users/me/paymentMethods?requestId=\(UUID().uuidString.lowercased())", token: token,
                body: method),
            "adding a payment method")
        return session
    }

    private func signUp(role: String, index: Int) async throws -> UserSession {
        let email = "sim-\(runID)-\(role.lowercased())-\(index)@example.com"
        try check(
            await api.send(
                "createUser", .post, "/v1/users?requestId=\(UUID().uuidString.lowercased())", token: nil,
                body: Wire.SignUp(role: role, email: email, displayName: "Sim \(role.capitalized) \(index)", password: password)),
            "signing up a \(role.lowercased())")
        switch await UserSession.signIn(api: api, email: email, password: password) {
        case .success(let session): return session
        case .failure(let failure): throw SimulationError.setupFailed(step: "signing in a \(role.lowercased())", detail: failure.description)
        }
    }

    @discardableResult
    private func check(_ response: APIResponse, _ step: String) throws -> APIResponse {
        guard response.isSuccess else { throw SimulationError.setupFailed(step: step, detail: response.summary) }
        return response
    }
}
