import CurbsideCore
import Foundation
import Logging

/// A user's devices: registered (and refreshed) by the app, removed on sign-out.
public struct DeviceService: Sendable {
    let devices: DeviceStore
    let database: Database
    let clock: NotificationsClock

    /// The app's install key: what it sends as the device id in the path.
    static func validKey(_ key: String) -> Bool {
        (1...64).contains(key.utf8.count) && key.utf8.allSatisfy { $0.isASCIILetterOrDigit || $0 == 45 || $0 == 95 }
    }

    /// Creates or refreshes the registration; a user acts only on their own devices.
    public func register(
        user: UUID, key: String, platform: Device.Platform, fcmToken: String, appVersion: String?, locale: String?, caller: Principal,
        logger: Logger
    ) async throws -> Device {
        try Self.requireSelf(user, caller: caller)
        guard Self.validKey(key) else {
            throw NotificationsError.invalidField(field: "device", message: "device must be 1 to 64 letters, digits, '-' or '_'")
        }
        let token = fcmToken.trimmingCharacters(in: .whitespaces)
        guard (1...4096).contains(token.utf8.count) else {
            throw NotificationsError.invalidField(field: "fcmToken", message: "fcmToken must be 1 to 4096 characters")
        }
        let tag = (locale ?? "en").trimmingCharacters(in: .whitespaces)
        guard (2...35).contains(tag.utf8.count), tag.utf8.allSatisfy({ $0.isASCIILetterOrDigit || $0 == 45 || $0 == 95 }) else {
            throw NotificationsError.invalidField(field: "locale", message: "locale must be a BCP 47 tag such as en or de-DE")
        }
        if let appVersion, appVersion.utf8.count > 64 {
            throw NotificationsError.invalidField(field: "appVersion", message: "appVersion must be at most 64 characters")
        }
        return try await devices.register(
            user: user, key: key, platform: platform, fcmToken: token, appVersion: appVersion, locale: tag, now: clock.now(),
            on: database, logger: logger)
    }

    public func list(user: UUID, caller: Principal, logger: Logger) async throws -> [Device] {
        try Self.requireSelf(user, caller: caller, adminMayRead: true)
        return try await devices.list(user: user, on: database, logger: logger)
    }

    public func remove(user: UUID, key: String, caller: Principal, logger: Logger) async throws {
        try Self.requireSelf(user, caller: caller)
        guard try await devices.remove(user: user, key: key, on: database, logger: logger) else {
            throw NotificationsError.notFound("users/\(user.uuidString.lowercased())/devices/\(key)")
        }
    }

    /// A user acts on their own resources; admins may read anyone's.
    static func requireSelf(_ user: UUID, caller: Principal, adminMayRead: Bool = false) throws(NotificationsError) {
        if adminMayRead, caller.role == .admin { return }
        guard caller.userID == user, caller.role != .service else { throw .notYours }
    }
}

extension UInt8 {
    var isASCIILetterOrDigit: Bool { (48...57).contains(self) || (65...90).contains(self) || (97...122).contains(self) }
}
