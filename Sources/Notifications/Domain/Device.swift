import Foundation

/// A device a user gets pushes on: the app's install key, FCM token, platform, version, locale.
public struct Device: Sendable, Equatable {
    public enum Platform: String, Sendable, CaseIterable {
        case android = "ANDROID"
        case ios = "IOS"
        case web = "WEB"
    }

    public let id: UUID
    public let userID: UUID
    /// The app's own id for its installation (the resource id in `users/{user}/devices/{device}`).
    public let key: String
    public var platform: Platform
    public var fcmToken: String
    public var appVersion: String?
    public var locale: String
    public let createTime: Date
    public var updateTime: Date

    public var name: String { "users/\(userID.uuidString.lowercased())/devices/\(key)" }
}
