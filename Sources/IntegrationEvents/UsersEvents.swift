import Foundation

/// Events published by the users service.
public enum UsersV1 {
    /// An admin approved (or reinstated) a driver; dispatch may let them go online.
    public struct DriverApproved: IntegrationEvent {
        public static let eventType = "users.v1.DriverApproved"
        public static let aggregateType = "driver"
        public var driver: String
        public var approveTime: Date
        public var aggregateID: String { driver }

        public init(driver: String, approveTime: Date) {
            self.driver = driver
            self.approveTime = approveTime
        }
    }

    /// An admin rejected a driver's application.
    public struct DriverRejected: IntegrationEvent {
        public static let eventType = "users.v1.DriverRejected"
        public static let aggregateType = "driver"
        public var driver: String
        public var reason: String
        public var rejectTime: Date
        public var aggregateID: String { driver }

        public init(driver: String, reason: String, rejectTime: Date) {
            self.driver = driver
            self.reason = reason
            self.rejectTime = rejectTime
        }
    }

    /// An admin suspended a driver; dispatch must take them offline.
    public struct DriverSuspended: IntegrationEvent {
        public static let eventType = "users.v1.DriverSuspended"
        public static let aggregateType = "driver"
        public var driver: String
        public var reason: String
        public var suspendTime: Date
        public var aggregateID: String { driver }

        public init(driver: String, reason: String, suspendTime: Date) {
            self.driver = driver
            self.reason = reason
            self.suspendTime = suspendTime
        }
    }
}
