import CurbsideCore
import Foundation

/// Domain → API resources.
enum UsersMapping {
    static func user(_ user: User) -> Components.Schemas.User {
        var deleteTime: Date?
        var purgeTime: Date?
        if case .deleted(let at, let purgeAt) = user.state {
            deleteTime = at
            purgeTime = purgeAt
        }
        return Components.Schemas.User(
            name: user.name,
            uid: user.id.uuidString.lowercased(),
            role: Components.Schemas.Role(rawValue: user.role.rawValue),
            email: user.email?.value,
            phoneNumber: user.phoneNumber?.value,
            displayName: user.displayName.value,
            state: user.isDeleted ? .deleted : .active,
            driver: user.role == .driver ? "drivers/\(user.id.uuidString.lowercased())" : nil,
            createTime: user.createTime,
            updateTime: user.updateTime,
            deleteTime: deleteTime,
            purgeTime: purgeTime,
            etag: ETag.make(version: user.version))
    }

    static func driver(_ view: DriverService.DriverView) -> Components.Schemas.Driver {
        let driver = view.driver
        return Components.Schemas.Driver(
            name: driver.name,
            user: "users/\(driver.userID.uuidString.lowercased())",
            displayName: view.displayName,
            approvalState: Components.Schemas.ApprovalState(rawValue: driver.approvalState.rawValue),
            approvalReason: driver.approvalReason,
            approvalUpdateTime: driver.approvalUpdateTime,
            createTime: driver.createTime,
            updateTime: driver.updateTime,
            etag: ETag.make(version: driver.version))
    }

    static func vehicle(_ vehicle: Vehicle) -> Components.Schemas.Vehicle {
        Components.Schemas.Vehicle(
            name: vehicle.name,
            make: vehicle.details.make,
            model: vehicle.details.model,
            year: Int32(vehicle.details.year),
            licensePlate: vehicle.details.licensePlate,
            color: vehicle.details.color,
            seatCount: Int32(vehicle.details.seatCount),
            vehicleClass: Components.Schemas.VehicleClass(rawValue: vehicle.details.vehicleClass.rawValue),
            state: Components.Schemas.VehicleState(rawValue: vehicle.state.rawValue),
            stateReason: vehicle.stateReason,
            createTime: vehicle.createTime,
            updateTime: vehicle.updateTime,
            etag: ETag.make(version: vehicle.version))
    }

    static func document(_ document: DriverDocument) -> Components.Schemas.DriverDocument {
        Components.Schemas.DriverDocument(
            name: document.name,
            _type: Components.Schemas.DocumentType(rawValue: document.kind.rawValue),
            documentNumber: document.documentNumber,
            vehicle: document.vehicleID.map { "drivers/\(document.driverID.uuidString.lowercased())/vehicles/\($0.uuidString.lowercased())" },
            expireTime: document.expireTime,
            createTime: document.createTime)
    }

    static func session(_ session: AccountService.IssuedSession) -> Components.Schemas.Session {
        Components.Schemas.Session(
            name: "\(session.user.name)/sessions/\(session.sessionID.uuidString.lowercased())",
            user: user(session.user),
            accessToken: session.accessToken,
            accessTokenExpireTime: session.accessTokenExpiry,
            refreshToken: session.refreshToken,
            refreshTokenExpireTime: session.refreshTokenExpiry)
    }

    /// The names of the fields present in a profile update body (the implicit update mask).
    static func populatedFields(_ body: Components.Schemas.UserUpdate) -> Set<String> {
        var fields = Set<String>()
        if body.displayName != nil { fields.insert("displayName") }
        if body.email != nil { fields.insert("email") }
        if body.phoneNumber != nil { fields.insert("phoneNumber") }
        return fields
    }
}
