import CurbsideCore
import Foundation
import Logging

/// Driver approval by admins and the eligibility check other services ask before a driver goes online.
public struct DriverService: Sendable {
    let users: UserRepository
    let drivers: DriverRepository
    let vehicles: VehicleRepository
    let documents: DocumentRepository
    let pageTokens: PageTokenCodec
    let clock: UsersClock

    public init(
        users: UserRepository, drivers: DriverRepository, vehicles: VehicleRepository, documents: DocumentRepository,
        pageTokens: PageTokenCodec, clock: UsersClock
    ) {
        self.users = users
        self.drivers = drivers
        self.vehicles = vehicles
        self.documents = documents
        self.pageTokens = pageTokens
        self.clock = clock
    }

    /// A driver with the account's display name.
    public struct DriverView: Sendable {
        public var driver: Driver
        public var displayName: String
    }

    public func get(_ id: UUID, caller: Principal, logger: Logger) async throws -> DriverView {
        try Access.requireSelfOrAdmin(caller, id, allowService: true)
        let found = try await Access.consistentForServices(caller) {
            (
                try await drivers.driver(id: id, reader: caller.userID, logger: logger),
                try await drivers.displayName(of: id, reader: caller.userID, logger: logger)
            )
        }
        guard let driver = found.0, let name = found.1 else { throw UsersError.driverNotFound("drivers/\(id.uuidString.lowercased())") }
        return DriverView(driver: driver, displayName: name)
    }

    public enum Decision: Sendable { case approve, reject, suspend }

    /// An admin's decision on a driver, recorded with its reason and published as an event.
    public func decide(_ decision: Decision, driver id: UUID, reason: String?, etag: String?, caller: Principal, logger: Logger)
        async throws -> DriverView
    {
        let now = clock.now()
        guard
            let driver = try await drivers.update(
                id: id, writer: caller.userID, logger: logger,
                { driver in
                    try ETag.check(etag, version: driver.version, resource: driver.name)
                    switch decision {
                    case .approve: return try driver.approve(reason: reason, now: now)
                    case .reject: return try driver.reject(reason: reason, now: now)
                    case .suspend: return try driver.suspend(reason: reason, now: now)
                    }
                })
        else { throw UsersError.driverNotFound("drivers/\(id.uuidString.lowercased())") }
        let name = try await drivers.displayName(of: id, reader: caller.userID, logger: logger) ?? ""
        logger.info("driver decision", metadata: ["driver": "\(driver.name)", "approval_state": "\(driver.approvalState.rawValue)"])
        return DriverView(driver: driver, displayName: name)
    }

    public func list(filter: String?, orderBy: String?, pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger)
        async throws -> (drivers: [DriverView], nextPageToken: String?)
    {
        let filter = try Filter(filter)
        let order = try OrderBy(orderBy, allowed: ["createTime"], defaultField: "createTime")
        let queryKey = [
            "drivers", filter.terms.map { "\($0.field)\($0.op.rawValue)\($0.value)" }.joined(separator: "&"),
            order.canonical, caller.userID.uuidString,
        ].joined(separator: "|")
        let paging = try PageRequest(pageSize: pageSize, pageToken: pageToken, query: queryKey, codec: pageTokens)
        let rows = try await drivers.list(filter: filter, order: order, after: paging.cursor, limit: paging.limit, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.0.createTime), id: $0.0.userID.uuidString) }
        return (page.items.map { DriverView(driver: $0.0, displayName: $0.1) }, page.nextPageToken)
    }

    /// Why the driver may not go online with the vehicle (empty: they may), and the vehicle's class.
    public func eligibility(driver id: UUID, vehicle vehicleID: UUID?, caller: Principal, logger: Logger)
        async throws -> (reasons: [EligibilityPolicy.Reason], vehicle: Vehicle?)
    {
        try Access.requireSelfOrAdmin(caller, id, allowService: true)
        // A suspension a second ago must count, and dispatch asks right after an approval: read the primary.
        return try await Database.withPrimaryReads {
            guard let user = try await users.user(id: id, reader: caller.userID, logger: logger) else {
                throw UsersError.driverNotFound("drivers/\(id.uuidString.lowercased())")
            }
            let driver = try await drivers.driver(id: id, reader: caller.userID, logger: logger)
            var vehicle: Vehicle?
            var owned: [DriverDocument] = []
            if driver != nil {
                if let vehicleID { vehicle = try await vehicles.vehicle(driverID: id, id: vehicleID, reader: caller.userID, logger: logger) }
                owned = try await documents.list(driverID: id, after: nil, limit: 1000, reader: caller.userID, logger: logger)
            }
            let reasons = EligibilityPolicy.evaluate(user: user, driver: driver, vehicle: vehicle, documents: owned, now: clock.now())
            return (reasons, vehicle)
        }
    }
}
