/// AIP-154 etags: an opaque string derived from a resource's version.
public enum ETag {
    /// The etag of a resource at `version`.
    public static func make(version: Int) -> String { "W/\"\(version)\"" }

    /// Passes when `given` is absent (no concurrency check requested) or matches `version`;
    /// otherwise the resource changed since the caller read it: 409 ABORTED.
    public static func check(_ given: String?, version: Int, resource: String) throws(AIPError) {
        guard let given, !given.isEmpty else { return }
        guard given == make(version: version) else { throw .staleETag(resource) }
    }
}
