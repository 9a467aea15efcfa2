import CurbsideCore
import Foundation
import Logging

/// A driver's vehicles and documents: registration, changes, removal, and admin approval of vehicles.
public struct VehicleService: Sendable {
    let drivers: DriverRepository
    let vehicles: VehicleRepository
    let documents: DocumentRepository
    let pageTokens: PageTokenCodec
    let clock: UsersClock

    public init(
        drivers: DriverRepository, vehicles: VehicleRepository, documents: DocumentRepository, pageTokens: PageTokenCodec,
        clock: UsersClock
    ) {
        self.drivers = drivers
        self.vehicles = vehicles
        self.documents = documents
        self.pageTokens = pageTokens
        self.clock = clock
    }

    /// The fields of a new vehicle as the client sent them.
    public struct NewVehicle: Sendable {
        public var make: String?, model: String?, year: Int?, licensePlate: String?, color: String?, seatCount: Int?
        public var vehicleClass: Vehicle.VehicleClass?

        public init(
            make: String?, model: String?, year: Int?, licensePlate: String?, color: String?, seatCount: Int?,
            vehicleClass: Vehicle.VehicleClass?
        ) {
            self.make = make
            self.model = model
            self.year = year
            self.licensePlate = licensePlate
            self.color = color
            self.seatCount = seatCount
            self.vehicleClass = vehicleClass
        }

        var fingerprint: String {
            OpaqueToken.digest(
                of: [make, model, year.map(String.init), licensePlate, color, seatCount.map(String.init), vehicleClass?.rawValue]
                    .map { $0 ?? "" }.joined(separator: "\u{1F}"))
        }
    }

    public func create(_ new: NewVehicle, driver driverID: UUID, requestID: UUID?, caller: Principal, logger: Logger)
        async throws -> Vehicle
    {
        try Access.requireSelfOrAdmin(caller, driverID)
        try await requireDriver(driverID, caller: caller, logger: logger)
        func required<T>(_ value: T?, _ field: String) throws(UsersError) -> T {
            guard let value else { throw .invalidField(field: field, message: "\(field) is required", reason: "FIELD_REQUIRED") }
            return value
        }
        let now = clock.now()
        let details = try Vehicle.Details(
            make: try required(new.make, "make"), model: try required(new.model, "model"), year: try required(new.year, "year"),
            licensePlate: try required(new.licensePlate, "licensePlate"), color: try required(new.color, "color"),
            seatCount: try required(new.seatCount, "seatCount"), vehicleClass: try required(new.vehicleClass, "vehicleClass"),
            currentYear: Calendar(identifier: .gregorian).component(.year, from: now))
        let vehicle = Vehicle(driverID: driverID, details: details, now: now)
        let id = try await vehicles.create(
            vehicle, requestID: requestID, requestHash: new.fingerprint, writer: caller.userID, logger: logger)
        return try await get(driver: driverID, vehicle: id, caller: caller, logger: logger)
    }

    public func get(driver driverID: UUID, vehicle id: UUID, caller: Principal, logger: Logger) async throws -> Vehicle {
        try Access.requireSelfOrAdmin(caller, driverID, allowService: true)
        let found = try await Access.consistentForServices(caller) {
            try await vehicles.vehicle(driverID: driverID, id: id, reader: caller.userID, logger: logger)
        }
        guard let vehicle = found else {
            throw UsersError.vehicleNotFound("drivers/\(driverID.uuidString.lowercased())/vehicles/\(id.uuidString.lowercased())")
        }
        return vehicle
    }

    public func list(driver driverID: UUID, pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger)
        async throws -> (vehicles: [Vehicle], nextPageToken: String?)
    {
        try Access.requireSelfOrAdmin(caller, driverID, allowService: true)
        let paging = try PageRequest(pageSize: pageSize, pageToken: pageToken, query: "vehicles|\(driverID)|\(caller.userID)", codec: pageTokens)
        let rows = try await vehicles.list(
            driverID: driverID, after: paging.cursor, limit: paging.limit, reader: caller.userID, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        return (page.items, page.nextPageToken)
    }

    public func update(
        driver driverID: UUID, vehicle id: UUID, color: String?, seatCount: Int?, licensePlate: String?, etag: String?,
        caller: Principal, logger: Logger
    ) async throws -> Vehicle {
        try Access.requireSelfOrAdmin(caller, driverID)
        let now = clock.now()
        guard
            let vehicle = try await vehicles.update(
                driverID: driverID, id: id, writer: caller.userID, logger: logger,
                { vehicle in
                    try ETag.check(etag, version: vehicle.version, resource: vehicle.name)
                    try vehicle.update(color: color, seatCount: seatCount, licensePlate: licensePlate, now: now)
                })
        else { throw UsersError.vehicleNotFound("drivers/\(driverID.uuidString.lowercased())/vehicles/\(id.uuidString.lowercased())") }
        return vehicle
    }

    /// An admin approves (`approve == true`) or rejects a vehicle.
    public func decide(approve: Bool, driver driverID: UUID, vehicle id: UUID, reason: String?, etag: String?, caller: Principal, logger: Logger)
        async throws -> Vehicle
    {
        let now = clock.now()
        guard
            let vehicle = try await vehicles.update(
                driverID: driverID, id: id, writer: caller.userID, logger: logger,
                { vehicle in
                    try ETag.check(etag, version: vehicle.version, resource: vehicle.name)
                    if approve { try vehicle.approve(reason: reason, now: now) } else { try vehicle.reject(reason: reason, now: now) }
                })
        else { throw UsersError.vehicleNotFound("drivers/\(driverID.uuidString.lowercased())/vehicles/\(id.uuidString.lowercased())") }
        return vehicle
    }

    public func delete(driver driverID: UUID, vehicle id: UUID, caller: Principal, logger: Logger) async throws {
        try Access.requireSelfOrAdmin(caller, driverID)
        guard try await vehicles.delete(driverID: driverID, id: id, writer: caller.userID, logger: logger) else {
            throw UsersError.vehicleNotFound("drivers/\(driverID.uuidString.lowercased())/vehicles/\(id.uuidString.lowercased())")
        }
    }

    // MARK: Documents

    public func addDocument(
        driver driverID: UUID, kind: DriverDocument.Kind?, documentNumber: String?, vehicle vehicleID: UUID?,
        expireTime: Date?, requestID: UUID?, caller: Principal, logger: Logger
    ) async throws -> DriverDocument {
        try Access.requireSelfOrAdmin(caller, driverID)
        try await requireDriver(driverID, caller: caller, logger: logger)
        guard let kind else { throw UsersError.invalidField(field: "type", message: "type is required", reason: "FIELD_REQUIRED") }
        guard let expireTime else {
            throw UsersError.invalidField(field: "expireTime", message: "expireTime is required", reason: "FIELD_REQUIRED")
        }
        let now = clock.now()
        let newDocument = try DriverDocument(
            driverID: driverID, kind: kind, documentNumber: documentNumber ?? "", vehicleID: vehicleID,
            expireTime: expireTime, createTime: now, validate: now)
        let fingerprint = OpaqueToken.digest(
            of: [kind.rawValue, newDocument.documentNumber, vehicleID?.uuidString ?? "", Timestamp.format(expireTime)].joined(separator: "\u{1F}"))
        let id = try await documents.create(newDocument, requestID: requestID, requestHash: fingerprint, writer: caller.userID, logger: logger)
        return try await document(driver: driverID, document: id, caller: caller, logger: logger)
    }

    public func document(driver driverID: UUID, document id: UUID, caller: Principal, logger: Logger) async throws -> DriverDocument {
        try Access.requireSelfOrAdmin(caller, driverID)
        guard let document = try await documents.document(driverID: driverID, id: id, reader: caller.userID, logger: logger) else {
            throw UsersError.documentNotFound("drivers/\(driverID.uuidString.lowercased())/documents/\(id.uuidString.lowercased())")
        }
        return document
    }

    public func listDocuments(driver driverID: UUID, pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger)
        async throws -> (documents: [DriverDocument], nextPageToken: String?)
    {
        try Access.requireSelfOrAdmin(caller, driverID)
        let paging = try PageRequest(pageSize: pageSize, pageToken: pageToken, query: "documents|\(driverID)|\(caller.userID)", codec: pageTokens)
        let rows = try await documents.list(
            driverID: driverID, after: paging.cursor, limit: paging.limit, reader: caller.userID, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        return (page.items, page.nextPageToken)
    }

    public func deleteDocument(driver driverID: UUID, document id: UUID, caller: Principal, logger: Logger) async throws {
        try Access.requireSelfOrAdmin(caller, driverID)
        guard try await documents.delete(driverID: driverID, id: id, writer: caller.userID, logger: logger) else {
            throw UsersError.documentNotFound("drivers/\(driverID.uuidString.lowercased())/documents/\(id.uuidString.lowercased())")
        }
    }

    private func requireDriver(_ id: UUID, caller: Principal, logger: Logger) async throws {
        guard try await drivers.driver(id: id, reader: caller.userID, logger: logger) != nil else {
            throw UsersError.driverNotFound("drivers/\(id.uuidString.lowercased())")
        }
    }
}
