/// An AIP-161 update mask: the comma-separated field paths an update may change.
public struct FieldMask: Sendable, Equatable {
    public let paths: Set<String>

    /// Parses `updateMask`. With no mask, `populated` (the fields present in the request) is the mask;
    /// `*` means every updatable field. An unknown path is a 400.
    public init(_ mask: String?, populated: Set<String>, updatable: Set<String>) throws(AIPError) {
        guard let mask, !mask.trimmingCharacters(in: .whitespaces).isEmpty else {
            paths = populated.intersection(updatable)
            return
        }
        var paths = Set<String>()
        for raw in mask.split(separator: ",") {
            let path = raw.trimmingCharacters(in: .whitespaces)
            if path == "*" {
                paths.formUnion(updatable)
                continue
            }
            guard updatable.contains(path) else {
                throw .invalidArgument(
                    "updateMask names a field that cannot be updated: \(path)", field: "updateMask",
                    reason: "INVALID_UPDATE_MASK")
            }
            paths.insert(path)
        }
        self.paths = paths
    }

    public func contains(_ path: String) -> Bool { paths.contains(path) }
}
