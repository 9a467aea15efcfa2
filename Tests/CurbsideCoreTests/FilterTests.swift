import Foundation
import Testing

@testable import CurbsideCore

@Suite struct FilterTests {
    let fields = [
        FilterField("role", column: "role", kind: .enumeration(["DRIVER": "DRIVER", "PASSENGER": "PASSENGER"])),
        FilterField("createTime", column: "create_time", kind: .timestamp),
    ]

    @Test func parsesComparisonsJoinedWithAnd() throws {
        let filter = try Filter(#"role = "DRIVER" AND createTime >= "2026-01-01T00:00:00Z""#)
        #expect(
            filter.terms == [
                .init(field: "role", op: .equal, value: "DRIVER"),
                .init(field: "createTime", op: .greaterOrEqual, value: "2026-01-01T00:00:00Z"),
            ])
    }

    @Test func bindsValuesInsteadOfWritingThemIntoSQL() throws {
        var query = SQLBuilder("SELECT 1 WHERE true")
        try Filter(#"role = "DRIVER" AND createTime < "2026-01-01T00:00:00Z""#).apply(to: &query, fields: fields)
        #expect(query.sql == "SELECT 1 WHERE true AND role = $1 AND create_time < $2")
    }

    @Test(arguments: [
        "role =",
        "role = DRIVER OR role = PASSENGER",
        #"role = "DRIVER"#,
        "role ~ DRIVER",
        "= DRIVER",
        String(repeating: "a", count: 2000),
    ])
    func malformedFiltersAreInvalidArguments(_ text: String) {
        #expect(throws: AIPError.self) {
            var query = SQLBuilder("")
            try Filter(text).apply(to: &query, fields: fields)
        }
    }

    @Test(arguments: [
        #"email = "x""#,
        #"role = "ADMIN'; DROP TABLE users; --""#,
        #"role > "DRIVER""#,
        #"createTime > "yesterday""#,
    ])
    func unknownFieldsValuesAndOperatorsAreRefused(_ text: String) throws {
        let error = #expect(throws: AIPError.self) {
            var query = SQLBuilder("")
            try Filter(text).apply(to: &query, fields: fields)
        }
        #expect(error?.reason == "INVALID_FILTER")
        #expect(error?.httpCode == 400)
    }

    @Test func anEmptyFilterMatchesEverything() throws {
        #expect(try Filter(nil).terms.isEmpty)
        #expect(try Filter("  ").terms.isEmpty)
    }
}
