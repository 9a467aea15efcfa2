import NIOCore
import NIOPosix

/// Ports on 127.0.0.1 for the live servers tests start.
public enum LocalPorts {
    /// `count` ports free at the moment of asking (bound together, so they differ, then released).
    public static func free(_ count: Int) async throws -> [Int] {
        var channels: [any Channel] = []
        for _ in 0..<count {
            channels.append(
                try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get())
        }
        let ports = channels.compactMap { $0.localAddress?.port }
        for channel in channels { try await channel.close() }
        return ports
    }

    /// Returns once something accepts connections on `port`: a server started in a task is not
    /// listening at once, and a fixed sleep was too short on a busy machine.
    public static func waitUntilListening(_ port: Int, within limit: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                let probe = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port).get()
                try await probe.close()
                return
            } catch {
                if ContinuousClock.now >= deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
