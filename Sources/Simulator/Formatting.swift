import Foundation

/// Number formats shared by the progress line and the summary table.
enum Formatting {
    /// `3m12s`, `45s`; `–` when there is nothing to show.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole)s"
    }

    /// `12ms`, `1.3ms`, `2.41s`; `–` when there is nothing to show.
    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        if value >= 1000 { return String(format: "%.2fs", value / 1000) }
        return value >= 10 ? "\(Int(value.rounded()))ms" : String(format: "%.1fms", value)
    }

    /// `42%` of `part` in `whole`; `–` without a whole.
    static func share(_ part: Int, of whole: Int) -> String {
        whole > 0 ? "\(Int((Double(part) * 100 / Double(whole)).rounded()))%" : "–"
    }
}
