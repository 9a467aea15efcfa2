import Foundation

/// The optional words that come with a rating: at most 500 characters, no control characters.
public enum RatingComment {
    public static let maxLength = 500

    /// The trimmed comment, `nil` when empty.
    public static func validated(_ raw: String?) throws(TripsError) -> String? {
        guard let raw else { return nil }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { return nil }
        guard value.count <= maxLength,
            !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" })
        else {
            throw .invalidField(
                field: "comment", message: "comment must be at most \(maxLength) characters of text", reason: "INVALID_COMMENT")
        }
        return value
    }
}
