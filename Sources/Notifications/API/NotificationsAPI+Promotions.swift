import CurbsideCore
import Foundation

extension NotificationsAPI {
    func createPromotion(_ input: Operations.CreatePromotion.Input) async throws -> Operations.CreatePromotion.Output {
        try await NotificationsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let promotion = try await promotions.create(
                texts: body.texts.map { LocalizedText(languageCode: $0.languageCode, title: $0.title, body: $0.body) },
                recipients: body.recipients, requestID: try PathIDs.requestID(input.query.requestId), caller: try caller(),
                logger: logger)
            return .ok(.init(body: .json(Self.promotion(promotion))))
        }
    }

    func getPromotion(_ input: Operations.GetPromotion.Input) async throws -> Operations.GetPromotion.Output {
        try await NotificationsErrorMapping.translating {
            let id = try PathIDs.uuid(input.path.promotion, field: "promotion")
            return .ok(.init(body: .json(Self.promotion(try await promotions.get(id, caller: try caller(), logger: logger)))))
        }
    }

    func listPromotions(_ input: Operations.ListPromotions.Input) async throws -> Operations.ListPromotions.Output {
        try await NotificationsErrorMapping.translating {
            let page = try await promotions.list(
                pageSize: input.query.pageSize, pageToken: input.query.pageToken, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(.init(promotions: page.promotions.map(Self.promotion), nextPageToken: page.nextPageToken))))
        }
    }

    static func promotion(_ promotion: Promotion) -> Components.Schemas.Promotion {
        .init(
            name: promotion.name,
            texts: promotion.texts.map { .init(languageCode: $0.languageCode, title: $0.title, body: $0.body) },
            audience: promotion.audience == .listedUsers ? .listedUsers : .everyoneWithADevice,
            state: promotion.state == .sent ? .sent : .sending, recipientCount: Int32(clamping: promotion.recipientCount),
            sentCount: Int32(clamping: promotion.sentCount), skippedCount: Int32(clamping: promotion.skippedCount),
            createTime: promotion.createTime, completeTime: promotion.completeTime)
    }
}
