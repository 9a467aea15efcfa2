/// A stored row that does not decode: a bug or a manual edit, never a client error.
public struct CorruptRecord: Error {
    public let column: String

    public init(column: String) { self.column = column }
}
