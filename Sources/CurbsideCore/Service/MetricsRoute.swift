import Hummingbird
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// Prometheus exposition at `/metrics`, from one process-wide registry.
public struct MetricsRoute {
    /// The registry every metric of the process lands in.
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = NIOLockedValueBox(false)

    /// Installs the Prometheus factory as the process's metrics backend (once; later calls do nothing).
    public static func bootstrap() {
        bootstrapped.withLockedValue { done in
            guard !done else { return }
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            done = true
        }
    }

    func register(on router: Router<CurbsideRequestContext>, routes: RouteTable) {
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            Self.registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        routes.add(method: .get, path: "/metrics")
    }
}
