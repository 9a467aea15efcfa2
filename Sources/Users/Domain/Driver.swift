import Foundation

/// A driver's onboarding record: whether an admin has let them drive, and why.
public struct Driver: Sendable, Equatable {
    public enum ApprovalState: String, Sendable, CaseIterable {
        case pendingApproval = "PENDING_APPROVAL"
        case approved = "APPROVED"
        case rejected = "REJECTED"
        case suspended = "SUSPENDED"
    }

    public let userID: UUID
    public private(set) var approvalState: ApprovalState
    public private(set) var approvalReason: String?
    public private(set) var approvalUpdateTime: Date?
    public let createTime: Date
    public private(set) var updateTime: Date
    public private(set) var version: Int

    public init(userID: UUID, now: Date) {
        self.init(
            userID: userID, approvalState: .pendingApproval, approvalReason: nil, approvalUpdateTime: nil,
            createTime: now, updateTime: now, version: 1)
    }

    public init(
        userID: UUID, approvalState: ApprovalState, approvalReason: String?, approvalUpdateTime: Date?, createTime: Date,
        updateTime: Date, version: Int
    ) {
        self.userID = userID
        self.approvalState = approvalState
        self.approvalReason = approvalReason
        self.approvalUpdateTime = approvalUpdateTime
        self.createTime = createTime
        self.updateTime = updateTime
        self.version = version
    }

    public var name: String { "drivers/\(userID.uuidString.lowercased())" }

    /// Approves a pending driver, or reinstates a rejected or suspended one.
    public mutating func approve(reason: String?, now: Date) throws(UsersError) -> [DriverEvent] {
        try move(to: .approved, allowedFrom: [.pendingApproval, .rejected, .suspended], action: "approve", reason: reason, now: now)
        return [.approved(driverID: userID, at: now)]
    }

    /// Turns down a pending application; the reason is required.
    public mutating func reject(reason: String?, now: Date) throws(UsersError) -> [DriverEvent] {
        let reason = try Self.requireReason(reason)
        try move(to: .rejected, allowedFrom: [.pendingApproval], action: "reject", reason: reason, now: now)
        return [.rejected(driverID: userID, reason: reason, at: now)]
    }

    /// Stops an approved driver from driving; the reason is required.
    public mutating func suspend(reason: String?, now: Date) throws(UsersError) -> [DriverEvent] {
        let reason = try Self.requireReason(reason)
        try move(to: .suspended, allowedFrom: [.approved], action: "suspend", reason: reason, now: now)
        return [.suspended(driverID: userID, reason: reason, at: now)]
    }

    private mutating func move(
        to target: ApprovalState, allowedFrom: Set<ApprovalState>, action: String, reason: String?, now: Date
    ) throws(UsersError) {
        guard allowedFrom.contains(approvalState) else {
            throw .illegalTransition(resource: name, from: approvalState.rawValue, action: action)
        }
        approvalState = target
        approvalReason = reason.flatMap { $0.isEmpty ? nil : $0 }
        approvalUpdateTime = now
        updateTime = now
        version += 1
    }

    static func requireReason(_ reason: String?) throws(UsersError) -> String {
        let trimmed = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !trimmed.isEmpty, trimmed.count <= 500 else {
            throw .invalidField(field: "reason", message: "a reason (up to 500 characters) is required", reason: "REASON_REQUIRED")
        }
        return trimmed
    }
}

/// What happened to a driver, for other services (published as integration events).
public enum DriverEvent: Sendable, Equatable {
    case approved(driverID: UUID, at: Date)
    case rejected(driverID: UUID, reason: String, at: Date)
    case suspended(driverID: UUID, reason: String, at: Date)
}
