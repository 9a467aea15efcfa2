/// AIP-154 etags: an opaque string derived from a resource's version.
///
/// No quotes (unlike HTTP's ETag header): clients copy it into JSON bodies and query strings.
public enum ETag {
    /// The etag of a resource at `version`.
    public static func make(version: Int) -> String { "v\(version)" }

    /// Passes when `given` is absent (no concurrency check requested) or matches `version`;
    /// otherwise the resource changed since the caller read it: 409 ABORTED.
    public static func check(_ given: String?, version: Int, resource: String) throws(AIPError) {
        guard let given, !given.isEmpty else { return }
        guard given == make(version: version) else { throw .staleETag(resource) }
    }
}
