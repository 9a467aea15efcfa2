import Foundation
import Testing

@testable import Users

@Suite struct UserDomainTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func user(role: User.Role = .passenger) throws -> User {
        try User(
            role: role, email: EmailAddress("Ada@Example.com "), phoneNumber: nil, displayName: DisplayName("Ada"),
            passwordHash: "hash", now: now)
    }

    @Test func emailsAreNormalizedAndValidated() throws {
        #expect(try EmailAddress(" Ada@Example.COM").value == "ada@example.com")
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "ada@.com", "ada@example.com.", "\u{0}@x.io"] {
            #expect(throws: UsersError.self, "\(bad)") { try EmailAddress(bad) }
        }
    }

    @Test func phoneNumbersMustBeE164() throws {
        #expect(try PhoneNumber("+1 415-555-0100").value == "+14155550100")
        for bad in ["4155550100", "+0123456789", "+1", "+1234567890123456", "+1415555O100"] {
            #expect(throws: UsersError.self, "\(bad)") { try PhoneNumber(bad) }
        }
    }

    @Test func passwordsFollowTheRules() throws {
        _ = try NewPassword("correct-horse-42")
        for bad in ["short1", "onlyletterslongenough", "1234567890123", String(repeating: "a1", count: 40)] {
            #expect(throws: UsersError.self) { try NewPassword(bad) }
        }
    }

    @Test func anAccountNeedsAWayToSignIn() {
        #expect(throws: UsersError.self) {
            try User(role: .passenger, email: nil, phoneNumber: nil, displayName: DisplayName("Ada"), passwordHash: "h", now: now)
        }
    }

    @Test func deletionCanBeUndoneOnlyWithinTheGracePeriod() throws {
        var user = try user()
        try user.delete(now: now, gracePeriod: 3600)
        #expect(user.isDeleted)
        #expect(throws: UsersError.self) { try user.delete(now: now, gracePeriod: 3600) }
        var late = user
        #expect(throws: UsersError.self) { try late.undelete(now: now.addingTimeInterval(3601)) }
        try user.undelete(now: now.addingTimeInterval(60))
        #expect(!user.isDeleted)
        #expect(user.version == 3)
        #expect(throws: UsersError.self) { try user.undelete(now: now) }
    }

    @Test func aProfileCannotLoseItsLastContact() throws {
        var user = try user()
        #expect(throws: UsersError.self) { try user.updateProfile(displayName: nil, email: .some(nil), phoneNumber: nil, now: now) }
        try user.updateProfile(displayName: nil, email: .some(nil), phoneNumber: .some(try PhoneNumber("+14155550100")), now: now)
        #expect(user.email == nil)
        #expect(user.phoneNumber?.value == "+14155550100")
    }
}

@Suite struct DriverDomainTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func approvalFollowsTheStateMachine() throws {
        var driver = Driver(userID: UUID(), now: now)
        #expect(throws: UsersError.self) { try driver.suspend(reason: "late", now: now) }
        #expect(throws: UsersError.self) { try driver.reject(reason: "  ", now: now) }
        let events = try driver.approve(reason: nil, now: now)
        #expect(events == [.approved(driverID: driver.userID, at: now)])
        #expect(throws: UsersError.self) { try driver.approve(reason: nil, now: now) }
        #expect(throws: UsersError.self) { try driver.reject(reason: "no", now: now) }
        _ = try driver.suspend(reason: "complaints", now: now)
        #expect(driver.approvalState == .suspended)
        #expect(driver.approvalReason == "complaints")
        _ = try driver.approve(reason: "reinstated", now: now)
        #expect(driver.approvalState == .approved)
    }

    @Test func vehiclesAreValidatedAndANewPlateNeedsApprovalAgain() throws {
        let details = try Vehicle.Details(
            make: "Toyota", model: "Prius", year: 2022, licensePlate: "ab-12 cd", color: "blue", seatCount: 4,
            vehicleClass: .economy, currentYear: 2026)
        #expect(details.licensePlate == "AB12CD")
        var vehicle = Vehicle(driverID: UUID(), details: details, now: now)
        try vehicle.approve(reason: nil, now: now)
        try vehicle.update(color: "red", seatCount: nil, licensePlate: "AB12CD", now: now)
        #expect(vehicle.state == .approved)
        try vehicle.update(color: nil, seatCount: nil, licensePlate: "ZZ99", now: now)
        #expect(vehicle.state == .pendingApproval)
        #expect(throws: UsersError.self) {
            try Vehicle.Details(
                make: "T", model: "P", year: 1950, licensePlate: "AB1", color: "b", seatCount: 4, vehicleClass: .xl, currentYear: 2026)
        }
        #expect(throws: UsersError.self) {
            try Vehicle.Details(
                make: "T", model: "P", year: 2020, licensePlate: "AB1", color: "b", seatCount: 40, vehicleClass: .xl, currentYear: 2026)
        }
    }

    @Test func eligibilityListsEveryUnmetCondition() throws {
        let user = try User(
            role: .driver, email: EmailAddress("d@example.com"), phoneNumber: nil, displayName: DisplayName("D"), passwordHash: "h", now: now)
        var driver = Driver(userID: user.id, now: now)
        let details = try Vehicle.Details(
            make: "T", model: "P", year: 2022, licensePlate: "AB1", color: "b", seatCount: 4, vehicleClass: .comfort, currentYear: 2026)
        var vehicle = Vehicle(driverID: user.id, details: details, now: now)
        #expect(
            Set(EligibilityPolicy.evaluate(user: user, driver: driver, vehicle: vehicle, documents: [], now: now)) == [
                .driverNotApproved, .licenseMissingOrExpired, .insuranceMissingOrExpired, .vehicleNotApproved, .registrationMissingOrExpired,
            ])
        _ = try driver.approve(reason: nil, now: now)
        try vehicle.approve(reason: nil, now: now)
        let future = now.addingTimeInterval(86_400 * 365)
        let documents = [
            try DriverDocument(
                driverID: user.id, kind: .driversLicense, documentNumber: "L1", vehicleID: nil, expireTime: future, createTime: now, validate: now),
            try DriverDocument(
                driverID: user.id, kind: .insurance, documentNumber: "I1", vehicleID: nil, expireTime: future, createTime: now, validate: now),
            try DriverDocument(
                driverID: user.id, kind: .vehicleRegistration, documentNumber: "R1", vehicleID: vehicle.id, expireTime: future, createTime: now,
                validate: now),
        ]
        #expect(EligibilityPolicy.evaluate(user: user, driver: driver, vehicle: vehicle, documents: documents, now: now).isEmpty)
        #expect(
            EligibilityPolicy.evaluate(user: user, driver: driver, vehicle: vehicle, documents: documents, now: future) == [
                .licenseMissingOrExpired, .insuranceMissingOrExpired, .registrationMissingOrExpired,
            ])
        #expect(EligibilityPolicy.evaluate(user: user, driver: driver, vehicle: nil, documents: documents, now: now) == [.vehicleNotFound])
    }

    @Test func documentsMustBeValidWhenAdded() {
        #expect(throws: UsersError.self) {
            try DriverDocument(
                driverID: UUID(), kind: .vehicleRegistration, documentNumber: "R", vehicleID: nil, expireTime: now.addingTimeInterval(10),
                createTime: now, validate: now)
        }
        #expect(throws: UsersError.self) {
            try DriverDocument(
                driverID: UUID(), kind: .driversLicense, documentNumber: "L", vehicleID: nil, expireTime: now, createTime: now, validate: now)
        }
    }
}
