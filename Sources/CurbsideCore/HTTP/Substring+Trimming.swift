extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace), without bridging to NSString.
    func trimmingSpacesAndTabs() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
