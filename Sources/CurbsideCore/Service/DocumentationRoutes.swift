import Hummingbird

/// Serves each module's OpenAPI document (`openapi.json`, `openapi.yaml`), Swagger UI (`docs`) and
/// Redoc (`redoc`) under `/<service>/`. With one module they are also at the root; with several,
/// `/docs` lists them.
struct DocumentationRoutes {
    let modules: [any ServiceModule]

    func register(on router: Router<CurbsideRequestContext>, routes: RouteTable) {
        for module in modules {
            let prefix = "/" + module.name.rawValue
            add(module, prefix: prefix, router: router, routes: routes)
            if modules.count == 1 { add(module, prefix: "", router: router, routes: routes) }
        }
        if modules.count > 1 {
            let page = DocumentationPages.index(services: modules.map(\.name.rawValue))
            router.get("/docs") { _, _ in Self.html(page) }
            routes.add(method: .get, path: "/docs")
        }
    }

    private func add(_ module: any ServiceModule, prefix: String, router: Router<CurbsideRequestContext>, routes: RouteTable) {
        let document = module.publishedDocument
        let title = "Curbside \(module.name.rawValue) API"
        let specURL = prefix + "/openapi.json"
        router.get(RouterPath(prefix + "/openapi.json")) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document.json)))
        }
        router.get(RouterPath(prefix + "/openapi.yaml")) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: document.yaml)))
        }
        let swagger = DocumentationPages.swaggerUI(title: title, specURL: specURL)
        router.get(RouterPath(prefix + "/docs")) { _, _ in Self.html(swagger) }
        let redoc = DocumentationPages.redoc(title: title, specURL: specURL)
        router.get(RouterPath(prefix + "/redoc")) { _, _ in Self.html(redoc) }
        for path in ["/openapi.json", "/openapi.yaml", "/docs", "/redoc"] {
            routes.add(method: .get, path: prefix + path)
        }
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}

/// The HTML of the documentation pages. Swagger UI and Redoc load from their public CDN builds.
enum DocumentationPages {
    static func swaggerUI(title: String, specURL: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(title)</title>
        <link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
        <body><div id="swagger-ui"></div>
        <script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
        <script>window.ui = SwaggerUIBundle({url: "\(specURL)", dom_id: "#swagger-ui", persistAuthorization: true});</script>
        </body></html>
        """
    }

    static func redoc(title: String, specURL: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(title)</title></head>
        <body><redoc spec-url="\(specURL)"></redoc>
        <script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script>
        </body></html>
        """
    }

    static func index(services: [String]) -> String {
        let rows = services.map { service in
            """
            <tr><td>\(service)</td><td><a href="/\(service)/docs">Swagger UI</a></td>\
            <td><a href="/\(service)/redoc">Redoc</a></td><td><a href="/\(service)/openapi.json">openapi.json</a></td>\
            <td><a href="/\(service)/openapi.yaml">openapi.yaml</a></td></tr>
            """
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Curbside APIs</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem}td{padding:.3rem 1rem}</style></head>
            <body><h1>Curbside APIs</h1><table>
            <tr><th>service</th><th colspan="4">documentation</th></tr>
            \(rows)
            </table></body></html>
            """
    }
}
