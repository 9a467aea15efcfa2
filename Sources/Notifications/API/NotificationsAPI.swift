import CurbsideCore
import Foundation
import Logging
import OpenAPIRuntime

/// The generated `APIProtocol` of the notifications service: maps DTOs to use cases and back.
struct NotificationsAPI: APIProtocol {
    let devices: DeviceService
    let inbox: InboxService
    let promotions: PromotionService

    var logger: Logger { RequestScope.current.logger }

    func caller() throws -> Principal { try RequestScope.current.requirePrincipal() }

    func listDevices(_ input: Operations.ListDevices.Input) async throws -> Operations.ListDevices.Output {
        try await NotificationsErrorMapping.translating {
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            let found = try await devices.list(user: user, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init(devices: found.map(Self.device)))))
        }
    }

    func updateDevice(_ input: Operations.UpdateDevice.Input) async throws -> Operations.UpdateDevice.Output {
        try await NotificationsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            let device = try await devices.register(
                user: user, key: input.path.device, platform: Device.Platform(rawValue: body.platform.rawValue) ?? .android,
                fcmToken: body.fcmToken, appVersion: body.appVersion, locale: body.locale, caller: caller, logger: logger)
            return .ok(.init(body: .json(Self.device(device))))
        }
    }

    func deleteDevice(_ input: Operations.DeleteDevice.Input) async throws -> Operations.DeleteDevice.Output {
        try await NotificationsErrorMapping.translating {
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            try await devices.remove(user: user, key: input.path.device, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init())))
        }
    }

    func listNotifications(_ input: Operations.ListNotifications.Input) async throws -> Operations.ListNotifications.Output {
        try await NotificationsErrorMapping.translating {
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            let unreadOnly: Bool
            switch input.query.filter?.replacingOccurrences(of: " ", with: "") {
            case nil, "": unreadOnly = false
            case "read=false": unreadOnly = true
            default: throw AIPError.invalidArgument("filter supports only `read = false`", field: "filter", reason: "INVALID_FILTER")
            }
            let page = try await inbox.list(
                user: user, unreadOnly: unreadOnly, pageSize: input.query.pageSize, pageToken: input.query.pageToken, caller: caller,
                logger: logger)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            notifications: page.notifications.map(Self.notification), nextPageToken: page.nextPageToken,
                            unreadCount: Int32(clamping: page.unreadCount)))))
        }
    }

    func markNotificationRead(_ input: Operations.MarkNotificationRead.Input) async throws -> Operations.MarkNotificationRead.Output {
        try await NotificationsErrorMapping.translating {
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            let id = try PathIDs.uuid(input.path.notification, field: "notification")
            return .ok(.init(body: .json(Self.notification(try await inbox.markRead(id, user: user, caller: caller, logger: logger)))))
        }
    }

    func markAllNotificationsRead(_ input: Operations.MarkAllNotificationsRead.Input) async throws
        -> Operations.MarkAllNotificationsRead.Output
    {
        try await NotificationsErrorMapping.translating {
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            let marked = try await inbox.markAllRead(user: user, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init(marked: Int32(clamping: marked)))))
        }
    }

    func getNotificationPreferences(_ input: Operations.GetNotificationPreferences.Input) async throws
        -> Operations.GetNotificationPreferences.Output
    {
        try await NotificationsErrorMapping.translating {
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            return .ok(.init(body: .json(Self.preferences(try await inbox.preferences(user: user, caller: caller, logger: logger)))))
        }
    }

    func updateNotificationPreferences(_ input: Operations.UpdateNotificationPreferences.Input) async throws
        -> Operations.UpdateNotificationPreferences.Output
    {
        try await NotificationsErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let caller = try caller()
            let user = try PathIDs.userID(input.path.user, caller: caller, field: "user")
            var changes: [NotificationCategory: Bool] = [:]
            for item in body.categories {
                guard let category = NotificationCategory(rawValue: item.category.rawValue) else { continue }
                changes[category] = item.enabled
            }
            let updated = try await inbox.setPreferences(changes, user: user, caller: caller, logger: logger)
            return .ok(.init(body: .json(Self.preferences(updated))))
        }
    }

    static func device(_ device: Device) -> Components.Schemas.Device {
        .init(
            name: device.name, platform: .init(rawValue: device.platform.rawValue) ?? .android, appVersion: device.appVersion,
            locale: device.locale, createTime: device.createTime, updateTime: device.updateTime)
    }

    static func notification(_ n: StoredNotification) -> Components.Schemas.Notification {
        .init(
            name: n.name, seq: String(n.seq), kind: n.kind, category: .init(rawValue: n.category.rawValue) ?? .tripUpdates, title: n.title,
            body: n.body, data: .init(additionalProperties: n.data), read: n.readTime != nil, readTime: n.readTime,
            createTime: n.createTime)
    }

    static func preferences(_ values: [NotificationCategory: Bool]) -> Components.Schemas.NotificationPreferences {
        .init(
            categories: NotificationCategory.allCases.map {
                .init(category: .init(rawValue: $0.rawValue) ?? .promotions, enabled: values[$0] ?? true)
            })
    }
}
