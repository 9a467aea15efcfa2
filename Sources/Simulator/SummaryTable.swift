/// The summary of a run as a table for people (`--json` prints `SimulationSummary` instead).
public enum SummaryTable {
    /// The table, lines ending in newlines.
    public static func render(_ summary: SimulationSummary) -> String {
        var rows: [(String, String)] = [
            ("city", "\(summary.city) (\(summary.sizeKm) km square at \(summary.center.latitude), \(summary.center.longitude))"),
            ("server", summary.baseURL),
            ("seed", "\(summary.seed)"),
            ("live for", Formatting.duration(summary.elapsedSeconds) + (summary.stoppedEarly ? " (stopped early)" : "")),
            ("drivers / passengers", "\(summary.drivers) / \(summary.passengers)" + failed(summary.accountsFailed)),
            ("ride requests", "\(summary.requests)" + extra(summary.requestsRefused, "refused")),
            ("demand not served", "\(summary.unservedDemand) (every passenger already riding)"),
            ("matched", "\(summary.matched) (\(Formatting.share(summary.matched, of: summary.requests)))"),
            ("completed", "\(summary.completed) (\(Formatting.share(summary.completed, of: summary.requests)))"),
            ("cancelled by passenger", "\(summary.cancelledByPassenger)"),
            ("cancelled otherwise", "\(summary.cancelledOtherwise)"),
            ("no driver found", "\(summary.noDriverFound)"),
            ("open at the end (cancelled)", "\(summary.cancelledAtEnd)"),
            ("offers", "\(summary.offersReceived) received, \(summary.offersDeclined) declined, \(summary.offersLost) lost"),
            ("ratings", "\(summary.ratings)"),
            ("mean pickup (accept → arrive)", Formatting.duration(summary.meanPickupSeconds)),
            ("mean pickup ETA (dispatch)", Formatting.duration(summary.meanQuotedPickupSeconds)),
            ("API calls", "\(summary.apiCalls)"),
            (
                "API latency p50 / p99 / max",
                "\(Formatting.milliseconds(summary.latencyP50Milliseconds)) / \(Formatting.milliseconds(summary.latencyP99Milliseconds))"
                    + " / \(Formatting.milliseconds(summary.latencyMaxMilliseconds))"
            ),
            ("live channel", "\(summary.liveConnects) connects, \(summary.liveDisconnects) drops, \(summary.liveMessages) messages"),
        ]
        let byStatus = summary.errorsByStatus.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        rows.append(("API errors", summary.errors.isEmpty ? "none" : "\(summary.errors.reduce(0) { $0 + $1.count }) (\(byStatus))"))
        let width = rows.map(\.0.count).max() ?? 0
        var text = rows.map { $0.0.padding(width) + "  " + $0.1 }.joined(separator: "\n") + "\n"
        for error in summary.errors {
            let reason = error.reason.isEmpty ? "" : " \(error.reason)"
            text += "  \(String(error.count).padding(6, left: true))  \(error.status) \(error.operation)\(reason)\n"
        }
        if summary.serverErrors > 0 {
            text += "\n!!! \(summary.serverErrors) server errors (5xx): the platform failed. First ones:\n"
            text += summary.serverErrorSamples.map { "    \($0)\n" }.joined()
        }
        if summary.transportErrors > 0 {
            text += "\n!!! \(summary.transportErrors) calls got no answer. First ones:\n"
            text += summary.transportErrorSamples.map { "    \($0)\n" }.joined()
        }
        if summary.retries > 0 {
            text += "\n\(summary.retries) calls were sent again after no answer or a 502, 503 or 504.\n"
        }
        return text
    }

    private static func failed(_ count: Int) -> String { count > 0 ? " (\(count) failed to set up)" : "" }

    private static func extra(_ count: Int, _ what: String) -> String { count > 0 ? " (+\(count) \(what))" : "" }
}

extension String {
    fileprivate func padding(_ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(width - count, 0))
        return left ? fill + self : self + fill
    }
}
