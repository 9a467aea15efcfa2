/// The one line of progress the command rewrites in place about once a second.
public enum ProgressLine {
    /// The line for `snapshot` (no carriage return or newline).
    public static func render(_ snapshot: SimulationSnapshot) -> String {
        switch snapshot.phase {
        case .settingUp:
            let failed = snapshot.accountsFailed > 0 ? ", \(snapshot.accountsFailed) failed" : ""
            return "setting up: \(snapshot.accountsReady)/\(snapshot.accountsWanted) accounts\(failed)"
        case .running, .windingDown, .finished:
            let stage = snapshot.phase == .running ? "" : snapshot.phase == .windingDown ? " (winding down)" : " (done)"
            var line =
                "\(Formatting.duration(snapshot.elapsedSeconds))\(stage)  online \(snapshot.driversOnline)"
                + "  requests \(snapshot.requests)  matched \(snapshot.matched)  completed \(snapshot.completed)"
                + "  cancelled \(snapshot.cancelledByPassenger + snapshot.cancelledOtherwise)  no-driver \(snapshot.noDriverFound)"
                + "  pickup \(Formatting.duration(snapshot.meanPickupSeconds))"
                + "  p50 \(Formatting.milliseconds(snapshot.latency.percentile(0.5).map { $0 * 1000 }))"
                + "  p99 \(Formatting.milliseconds(snapshot.latency.percentile(0.99).map { $0 * 1000 }))"
            if snapshot.errorCount > 0 { line += "  errors \(snapshot.errorCount)" }
            if snapshot.serverErrors > 0 { line += "  5xx \(snapshot.serverErrors)!" }
            if snapshot.transportErrors > 0 { line += "  no answer \(snapshot.transportErrors)" }
            if snapshot.retries > 0 { line += "  retried \(snapshot.retries)" }
            return line
        }
    }
}
