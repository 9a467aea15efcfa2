/// A request body in Stripe's form encoding (`application/x-www-form-urlencoded`). Nested and list
/// parameters are named the way Stripe reads them (`metadata[trip]`, `expand[]`); every byte of a
/// name or value outside RFC 3986's unreserved set is percent-encoded, so a space is `%20`, never `+`.
struct StripeForm: Sendable {
    private var fields: [(name: String, value: String)] = []

    mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    mutating func add(_ name: String, _ value: Int64) {
        add(name, String(value))
    }

    mutating func add(_ name: String, _ value: Bool) {
        add(name, value ? "true" : "false")
    }

    /// The body, fields in the order they were added.
    var encoded: String {
        fields.map { "\(Self.escape($0.name))=\(Self.escape($0.value))" }.joined(separator: "&")
    }

    /// `text` with every UTF-8 byte but `A-Z a-z 0-9 - . _ ~` written as `%XX`; also what makes an id
    /// safe to put in a path.
    static func escape(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
