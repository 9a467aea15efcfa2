import CurbsideCore
import Foundation
import Logging

/// The operator's promotions: created by admins, checked here, sent by the ``PromotionSender``.
public struct PromotionService: Sendable {
    let promotions: PromotionStore
    let database: Database
    let pageTokens: PageTokenCodec
    let clock: NotificationsClock

    /// Checks and stores a promotion to `recipients` (`users/{user}`; nil: everyone with a device).
    public func create(
        texts: [LocalizedText], recipients: [String]?, requestID: UUID?, caller: Principal, logger: Logger
    ) async throws -> Promotion {
        try Self.requireAdmin(caller)
        let texts = try Self.validated(texts)
        var users: [UUID]?
        if let recipients {
            guard (1...Promotion.maxRecipients).contains(recipients.count) else {
                throw NotificationsError.invalidField(
                    field: "recipients", message: "recipients lists 1 to \(Promotion.maxRecipients) users (leave it out for everyone)")
            }
            users = try recipients.enumerated().map { index, name in
                guard let user = PathIDs.id(in: name, collection: "users") else {
                    throw NotificationsError.invalidField(field: "recipients[\(index)]", message: "'\(name)' is not users/{user}")
                }
                return user
            }
        }
        return try await promotions.create(
            texts: texts, recipients: users.map { Array(Set($0)) }, requestID: requestID, createdBy: caller.userID, now: clock.now(),
            on: database, logger: logger)
    }

    public func get(_ id: UUID, caller: Principal, logger: Logger) async throws -> Promotion {
        try Self.requireAdmin(caller)
        guard let promotion = try await promotions.promotion(id, on: database, logger: logger) else {
            throw NotificationsError.notFound("promotions/\(id.uuidString.lowercased())")
        }
        return promotion
    }

    public func list(pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger) async throws -> (
        promotions: [Promotion], nextPageToken: String?
    ) {
        try Self.requireAdmin(caller)
        let paging = try PageRequest(pageSize: pageSize, pageToken: pageToken, query: "promotions", codec: pageTokens)
        let cursor: (Date, UUID)? = try paging.cursor.map { cursor in
            guard let time = Timestamp.parse(cursor.sortKey), let id = UUID(uuidString: cursor.id) else {
                throw AIPError.invalidArgument("pageToken is not valid", field: "pageToken", reason: "INVALID_PAGE_TOKEN")
            }
            return (time, id)
        }
        let rows = try await promotions.list(before: cursor, limit: paging.limit + 1, on: database, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        return (page.items, page.nextPageToken)
    }

    static func requireAdmin(_ caller: Principal) throws {
        guard caller.role == .admin else { throw AIPError.permissionDenied("only admins send promotions", reason: "ADMIN_ONLY") }
    }

    /// The texts, trimmed, one per language, each within the limits.
    static func validated(_ texts: [LocalizedText]) throws -> [LocalizedText] {
        guard (1...Promotion.maxTexts).contains(texts.count) else {
            throw NotificationsError.invalidField(field: "texts", message: "texts has 1 to \(Promotion.maxTexts) entries, one per language")
        }
        var languages = Set<String>()
        return try texts.enumerated().map { index, text in
            let field = "texts[\(index)]"
            let code = text.languageCode.trimmingCharacters(in: .whitespaces)
            guard code.wholeMatch(of: /[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*/) != nil else {
                throw NotificationsError.invalidField(field: field + ".languageCode", message: "'\(code)' is not a BCP 47 language code")
            }
            guard languages.insert(code.lowercased()).inserted else {
                throw NotificationsError.invalidField(field: field + ".languageCode", message: "\(code) has more than one text")
            }
            let title = text.title.trimmingCharacters(in: .whitespacesAndNewlines)
            let body = text.body.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...Promotion.maxTitleLength).contains(title.count) else {
                throw NotificationsError.invalidField(
                    field: field + ".title", message: "a title has 1 to \(Promotion.maxTitleLength) characters")
            }
            guard (1...Promotion.maxBodyLength).contains(body.count) else {
                throw NotificationsError.invalidField(field: field + ".body", message: "a body has 1 to \(Promotion.maxBodyLength) characters")
            }
            return LocalizedText(languageCode: code, title: title, body: body)
        }
    }
}
