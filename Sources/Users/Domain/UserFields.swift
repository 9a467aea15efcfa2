import Foundation

/// A normalized (lower-cased, trimmed) email address.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(UsersError) {
        let value = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard value.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !"\"(),:;<>[\\]".unicodeScalars.contains($0) })
        else {
            throw .invalidField(field: "email", message: "email is not a valid address", reason: "INVALID_EMAIL")
        }
        self.value = value
    }

    /// A value read back from storage, validated when it was written.
    private init(storedValue: String) { value = storedValue }

    static func stored(_ value: String) -> Self { Self(storedValue: value) }

    public var description: String { value }
}

/// A phone number in E.164 form (`+` and 8 to 15 digits).
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(UsersError) {
        let value = raw.filter { $0 != " " && $0 != "-" }
        let digits = value.dropFirst()
        guard value.hasPrefix("+"), (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            digits.first != "0"
        else {
            throw .invalidField(
                field: "phoneNumber", message: "phoneNumber must be in E.164 form, e.g. +14155550100",
                reason: "INVALID_PHONE_NUMBER")
        }
        self.value = value
    }

    private init(storedValue: String) { value = storedValue }

    static func stored(_ value: String) -> Self { Self(storedValue: value) }

    public var description: String { value }
}

/// A name shown to the other party of a ride: 1 to 100 characters, no control characters.
public struct DisplayName: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(UsersError) {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(value.count), !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw .invalidField(
                field: "displayName", message: "displayName must be 1 to 100 characters without control characters",
                reason: "INVALID_DISPLAY_NAME")
        }
        self.value = value
    }

    private init(storedValue: String) { value = storedValue }

    static func stored(_ value: String) -> Self { Self(storedValue: value) }

    public var description: String { value }
}

/// A password that meets the rules: 10 to 72 bytes (bcrypt reads no further), a letter and a digit.
public struct NewPassword: Sendable {
    public let value: String

    public init(_ raw: String) throws(UsersError) {
        let bytes = raw.utf8.count
        guard (10...72).contains(bytes), raw.contains(where: \.isLetter), raw.contains(where: \.isNumber),
            !raw.unicodeScalars.contains(where: { $0.value == 0 })
        else {
            throw .invalidField(
                field: "password",
                message: "password must be 10 to 72 bytes long and contain at least one letter and one digit",
                reason: "WEAK_PASSWORD")
        }
        value = raw
    }
}
