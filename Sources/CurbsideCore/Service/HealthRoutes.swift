import Hummingbird
import Logging
import PostgresNIO

/// `/healthz` (the process answers) and `/readyz` (every database it needs answers).
struct HealthRoutes {
    let modules: [any ServiceModule]

    func register(on router: Router<CurbsideRequestContext>, routes: RouteTable) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"SERVING"}"#)))
        }
        routes.add(method: .get, path: "/healthz")
        router.get("/readyz") { _, context in
            var failing: [String] = []
            for module in modules {
                let client = module.databases.platform.primary
                let logger = context.logger
                do {
                    _ = try await withTimeout(.seconds(2)) { try await client.query("SELECT 1", logger: logger) }
                } catch {
                    failing.append(module.name.rawValue)
                }
            }
            guard failing.isEmpty else {
                throw AIPError.unavailable("database not reachable for: \(failing.joined(separator: ", "))", retryAfterSeconds: 5)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"SERVING"}"#)))
        }
        routes.add(method: .get, path: "/readyz")
    }
}
