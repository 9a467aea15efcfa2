import CurbsideTesting
import Foundation
import HummingbirdWSClient
import NIOConcurrencyHelpers

/// Debian's Chromium, headless, on a page of a test server, driven through the DevTools protocol.
///
/// Why not `chromium --dump-dom --virtual-time-budget=…`: virtual time does not wait for a
/// WebSocket (only for pending fetches), so the dump comes before the first message whenever the
/// server takes a few milliseconds to send it, and `--timeout` only bounds the page load. Instead
/// the browser runs with `--remote-debugging-port`, and the test waits in real time for the page's
/// state (`Runtime.evaluate`), reads the page's console messages with their levels (`Runtime.enable`
/// and `Log.enable` replay everything since the page opened) and takes the screenshot
/// (`Page.captureScreenshot`).
final class HeadlessChromium: Sendable {
    /// What the page reported to its console (DevTools' view, with levels).
    struct ConsoleEntry: Sendable, CustomStringConvertible {
        var level: String
        var text: String
        var description: String { "[\(level)] \(text)" }
    }

    let process: Process
    let debuggingPort: Int
    /// Chromium's stderr (`--enable-logging=stderr`): its own log plus one line per console message.
    let logFile: URL
    private let profile: URL

    /// The Chromium binary on `PATH` (`chromium`, as Debian names it, or `chromium-browser`).
    static func locate() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser"] {
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw TestFailure(
            """
            Chromium is needed for the ops console test and is not installed (no chromium or chromium-browser on PATH). \
            Install Debian's package as root: apt-get update && apt-get install -y chromium \
            (`make test` does this itself through scripts/ensure-chromium.sh when run as root).
            """)
    }

    /// Starts Chromium headless on `url`, logging to `logFile`.
    init(url: String, logFile: URL, windowSize: (width: Int, height: Int) = (1400, 900)) async throws {
        let binary = try Self.locate()
        debuggingPort = try await LocalPorts.free(1)[0]
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID())")
        self.logFile = logFile
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw TestFailure("cannot write Chromium's log to \(logFile.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--window-size=\(windowSize.width),\(windowSize.height)", "--enable-logging=stderr", "--v=0",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=\(debuggingPort)",
            // The WebSocket client sends `Origin: ws://127.0.0.1`; DevTools refuses (403) any origin not allowed here.
            "--remote-allow-origins=ws://127.0.0.1", "--user-data-dir=\(profile.path)", url,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()
        self.process = process
    }

    /// Stops the browser and its renderer, GPU and network processes, and removes its profile.
    func stop() async {
        if process.isRunning { process.terminate() }
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        // The helpers outlive the browser for a moment, and the page's WebSocket with them: wait for
        // them (found by this run's profile directory) so that the server can stop without it.
        for _ in 0..<50 where !helpers().isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
        for pid in helpers() { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: profile)
    }

    /// The processes of this browser still running (their command line names its profile directory).
    private func helpers() -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: commandLine, as: UTF8.self).contains(profile.path)
        }
    }

    /// The lines of Chromium's log that report a console message or an uncaught exception of a page
    /// from `origin`. Chromium 156 writes every console message as
    /// `[…:INFO:CONSOLE:<line>] "<text>", source: <url> (<line>)` (older versions `INFO:CONSOLE(<line>)`),
    /// at INFO whatever the message's level, so the log cannot tell an error from a log line: callers
    /// whose page writes nothing to the console in normal operation treat every such line as a failure.
    func consoleLines(from origin: String) -> [String] {
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init).filter { line in
            line.contains(":CONSOLE") && (line.contains("source: \(origin)") || line.contains("Uncaught"))
        }
    }

    /// Connects to the page's DevTools target (waiting for the browser to open it) and runs `body`.
    func withPage<Result: Sendable>(timeout: Duration = .seconds(20), _ body: @escaping @Sendable (DevToolsPage) async throws -> Result)
        async throws -> Result
    {
        let target = try await pageTarget(timeout: timeout)
        let result = NIOLockedValueBox<Result?>(nil)
        try await WebSocketClient.connect(
            url: target, configuration: .init(maxFrameSize: 1 << 26), logger: TestEnvironment.logger
        ) { inbound, outbound, _ in
            let page = DevToolsPage(messages: inbound.messages(maxSize: 1 << 26).makeAsyncIterator(), outbound: outbound)
            let value = try await body(page)
            result.withLockedValue { $0 = value }
            try await outbound.close(.normalClosure, reason: nil)
        }
        guard let value = result.withLockedValue({ $0 }) else { throw TestFailure("the DevTools session ended early") }
        return value
    }

    /// The WebSocket URL of the first page target, from `/json/list`.
    private func pageTarget(timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestFailure("Chromium exited with \(process.terminationStatus); its log: \(logFile.path)")
            }
            if let reply = try? await LiveHTTP.call(.get, "http://127.0.0.1:\(debuggingPort)/json/list"),
                let targets = try? JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]],
                let page = targets.first(where: { $0["type"] as? String == "page" }),
                let url = page["webSocketDebuggerUrl"] as? String
            {
                return url
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("Chromium's DevTools did not answer on port \(debuggingPort) within \(timeout); its log: \(logFile.path)")
    }
}

/// One DevTools session with a page: commands one at a time, events kept as they pass by.
final class DevToolsPage {
    private var messages: WebSocketInboundMessageStream.AsyncIterator
    private let outbound: WebSocketOutboundWriter
    private var nextID = 0
    /// Console messages, uncaught exceptions and browser log entries seen so far (after ``watchConsole()``).
    private(set) var console: [HeadlessChromium.ConsoleEntry] = []

    init(messages: WebSocketInboundMessageStream.AsyncIterator, outbound: WebSocketOutboundWriter) {
        self.messages = messages
        self.outbound = outbound
    }

    /// Sends a command and returns its `result`, keeping the events that arrive meanwhile.
    @discardableResult
    func call(_ method: String, _ parameters: [String: Any] = [:]) async throws -> [String: Any] {
        nextID += 1
        let id = nextID
        let request = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": parameters])
        try await outbound.writeTextMessage(String(decoding: request, as: UTF8.self))
        while let message = try await messages.next() {
            guard case .text(let text) = message, let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            else { continue }
            if let event = json["method"] as? String {
                record(event, json["params"] as? [String: Any] ?? [:])
                continue
            }
            guard json["id"] as? Int == id else { continue }
            if let error = json["error"] as? [String: Any] { throw TestFailure("DevTools \(method) failed: \(error)") }
            return json["result"] as? [String: Any] ?? [:]
        }
        throw TestFailure("the DevTools connection closed during \(method)")
    }

    /// Starts reporting the page's console: DevTools replays what was logged since the page opened.
    func watchConsole() async throws {
        try await call("Runtime.enable")
        try await call("Log.enable")
    }

    /// The value of a JavaScript expression in the page.
    func evaluate(_ expression: String) async throws -> Any? {
        let result = try await call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        return (result["result"] as? [String: Any])?["value"]
    }

    /// A PNG of the page as it is drawn now.
    func screenshot() async throws -> Data {
        let result = try await call("Page.captureScreenshot", ["format": "png"])
        guard let base64 = result["data"] as? String, let png = Data(base64Encoded: base64) else {
            throw TestFailure("Page.captureScreenshot returned no image")
        }
        return png
    }

    private func record(_ event: String, _ parameters: [String: Any]) {
        switch event {
        case "Runtime.consoleAPICalled":
            let text = (parameters["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }.joined(separator: " ")
            console.append(.init(level: parameters["type"] as? String ?? "log", text: text))
        case "Runtime.exceptionThrown":
            let details = parameters["exceptionDetails"] as? [String: Any] ?? [:]
            let description = (details["exception"] as? [String: Any])?["description"] as? String
            console.append(.init(level: "exception", text: description ?? details["text"] as? String ?? "uncaught exception"))
        case "Log.entryAdded":
            let entry = parameters["entry"] as? [String: Any] ?? [:]
            let text = "\(entry["text"] as? String ?? "") \(entry["url"] as? String ?? "")"
            console.append(.init(level: entry["level"] as? String ?? "info", text: text))
        default:
            break
        }
    }
}
