import Foundation
import HTTPTypes
import Hummingbird

/// The ops console: `GET /console` (the page) and `GET /console/{file}` (its script and style),
/// static files from the module's resources (`Console/`).
///
/// Served by every process, whatever modules it runs: the files are public and hold no data (the
/// page signs the admin in and reads everything through the authenticated APIs and the dispatch
/// module's ops stream), so no load balancer needs a rule for `/console`, and `curbside serve
/// --service dispatch` alone serves the page together with the stream it reads. Like `/docs`, the
/// routes are the platform's own, outside every OpenAPI document, and need no token. The strict
/// Content-Security-Policy allows only the page's own files (no inline script or style, nothing
/// from elsewhere) and connections back to this host.
struct ConsoleRoutes {
    /// One file as served.
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
    }

    /// The assets by file name; `console.html` is the page.
    let assets: [String: Asset]

    static let page = "console.html"
    static let contentSecurityPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:"
    private static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
    ]

    /// Reads the files once, at start-up.
    static func load() throws -> ConsoleRoutes {
        var assets: [String: Asset] = [:]
        for (name, type) in [(page, "html"), ("console.js", "js"), ("console.css", "css")] {
            let stem = String(name.dropLast(type.count + 1))
            guard let url = Bundle.module.url(forResource: stem, withExtension: type, subdirectory: "Console") else {
                throw ConfigurationError("the ops console's \(name) is missing from the bundle")
            }
            assets[name] = Asset(body: ByteBuffer(bytes: try Data(contentsOf: url)), contentType: contentTypes[type] ?? "application/octet-stream")
        }
        return ConsoleRoutes(assets: assets)
    }

    func register(on router: Router<CurbsideRequestContext>, routes: RouteTable) {
        router.get("/console") { _, _ in try respond(with: Self.page) }
        router.get("/console/{file}") { _, context in try respond(with: context.parameters.get("file") ?? "") }
        routes.add(method: .get, path: "/console")
        routes.add(method: .get, path: "/console/{file}")
    }

    private func respond(with name: String) throws -> Response {
        guard let asset = assets[name] else { throw AIPError.notFound("console/\(name)") }
        return Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType, .cacheControl: "no-cache", .contentSecurityPolicy: Self.contentSecurityPolicy,
                .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer",
            ],
            body: .init(byteBuffer: asset.body))
    }
}

extension HTTPField.Name {
    /// What the browser may tell other sites about the page it came from.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
