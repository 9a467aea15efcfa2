import Foundation
import IntegrationEvents
import Testing

/// The events reference page is written by hand; this keeps it from falling behind the code.
@Suite struct EventReferenceTests {
    @Test func theReferencePageDocumentsEveryEventType() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/events.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        for type in EventCatalog.all {
            #expect(text.contains("### `\(type.eventType)`"), "docs/events.md lacks \(type.eventType)")
        }
        let routed = Set(EventRouting.curbside.byTypeKeys)
        #expect(routed.isSubset(of: Set(EventCatalog.all.map { $0.eventType })))
    }
}
