import Foundation

/// Decides whether a driver may go online with a vehicle, listing every unmet condition.
public enum EligibilityPolicy {
    public enum Reason: String, Sendable, CaseIterable {
        case notADriver = "NOT_A_DRIVER"
        case accountDeleted = "ACCOUNT_DELETED"
        case driverNotApproved = "DRIVER_NOT_APPROVED"
        case licenseMissingOrExpired = "LICENSE_MISSING_OR_EXPIRED"
        case insuranceMissingOrExpired = "INSURANCE_MISSING_OR_EXPIRED"
        case vehicleNotFound = "VEHICLE_NOT_FOUND"
        case vehicleNotApproved = "VEHICLE_NOT_APPROVED"
        case registrationMissingOrExpired = "REGISTRATION_MISSING_OR_EXPIRED"
    }

    /// The unmet conditions (empty means eligible).
    public static func evaluate(
        user: User, driver: Driver?, vehicle: Vehicle?, documents: [DriverDocument], now: Date
    ) -> [Reason] {
        var reasons: [Reason] = []
        guard user.role == .driver, let driver else { return [.notADriver] }
        if user.isDeleted { reasons.append(.accountDeleted) }
        if driver.approvalState != .approved { reasons.append(.driverNotApproved) }
        let valid = documents.filter { $0.isValid(at: now) }
        if !valid.contains(where: { $0.kind == .driversLicense }) { reasons.append(.licenseMissingOrExpired) }
        if !valid.contains(where: { $0.kind == .insurance && ($0.vehicleID == nil || $0.vehicleID == vehicle?.id) }) {
            reasons.append(.insuranceMissingOrExpired)
        }
        guard let vehicle, vehicle.driverID == driver.userID else {
            reasons.append(.vehicleNotFound)
            return reasons
        }
        if vehicle.state != .approved { reasons.append(.vehicleNotApproved) }
        if !valid.contains(where: { $0.kind == .vehicleRegistration && $0.vehicleID == vehicle.id }) {
            reasons.append(.registrationMissingOrExpired)
        }
        return reasons
    }
}
