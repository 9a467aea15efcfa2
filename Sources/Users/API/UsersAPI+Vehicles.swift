import CurbsideCore
import Foundation
import OpenAPIRuntime

extension UsersAPI {
    func createVehicle(_ input: Operations.CreateVehicle.Input) async throws -> Operations.CreateVehicle.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let vehicle = try await vehicles.create(
                .init(
                    make: body.make, model: body.model, year: body.year.map(Int.init), licensePlate: body.licensePlate,
                    color: body.color, seatCount: body.seatCount.map(Int.init),
                    vehicleClass: body.vehicleClass.flatMap { Vehicle.VehicleClass(rawValue: $0.rawValue) }),
                driver: try ResourceNames.userID(input.path.driver, caller: caller),
                requestID: try ResourceNames.requestID(input.query.requestId), caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.vehicle(vehicle))))
        }
    }

    func listVehicles(_ input: Operations.ListVehicles.Input) async throws -> Operations.ListVehicles.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let page = try await vehicles.list(
                driver: try ResourceNames.userID(input.path.driver, caller: caller), pageSize: input.query.pageSize,
                pageToken: input.query.pageToken, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init(vehicles: page.vehicles.map(UsersMapping.vehicle), nextPageToken: page.nextPageToken))))
        }
    }

    func getVehicle(_ input: Operations.GetVehicle.Input) async throws -> Operations.GetVehicle.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let vehicle = try await vehicles.get(
                driver: try ResourceNames.userID(input.path.driver, caller: caller),
                vehicle: try ResourceNames.uuid(input.path.vehicle, field: "vehicle"), caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.vehicle(vehicle))))
        }
    }

    func updateVehicle(_ input: Operations.UpdateVehicle.Input) async throws -> Operations.UpdateVehicle.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            var populated = Set<String>()
            if body.color != nil { populated.insert("color") }
            if body.seatCount != nil { populated.insert("seatCount") }
            if body.licensePlate != nil { populated.insert("licensePlate") }
            let mask = try FieldMask(input.query.updateMask, populated: populated, updatable: ["color", "seatCount", "licensePlate"])
            let vehicle = try await vehicles.update(
                driver: try ResourceNames.userID(input.path.driver, caller: caller),
                vehicle: try ResourceNames.uuid(input.path.vehicle, field: "vehicle"),
                color: mask.contains("color") ? (body.color ?? "") : nil,
                seatCount: mask.contains("seatCount") ? Int(body.seatCount ?? 0) : nil,
                licensePlate: mask.contains("licensePlate") ? (body.licensePlate ?? "") : nil,
                etag: body.etag, caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.vehicle(vehicle))))
        }
    }

    func deleteVehicle(_ input: Operations.DeleteVehicle.Input) async throws -> Operations.DeleteVehicle.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            try await vehicles.delete(
                driver: try ResourceNames.userID(input.path.driver, caller: caller),
                vehicle: try ResourceNames.uuid(input.path.vehicle, field: "vehicle"), caller: caller, logger: logger)
            return .ok(.init(body: .json(.init())))
        }
    }

    func approveVehicle(_ input: Operations.ApproveVehicle.Input) async throws -> Operations.ApproveVehicle.Output {
        guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
        return .ok(.init(body: .json(try await decideVehicle(approve: true, input.path.driver, input.path.vehicle, body))))
    }

    func rejectVehicle(_ input: Operations.RejectVehicle.Input) async throws -> Operations.RejectVehicle.Output {
        guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
        return .ok(.init(body: .json(try await decideVehicle(approve: false, input.path.driver, input.path.vehicle, body))))
    }

    private func decideVehicle(approve: Bool, _ driver: String, _ vehicle: String, _ decision: Components.Schemas.ApprovalDecision)
        async throws -> Components.Schemas.Vehicle
    {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let result = try await vehicles.decide(
                approve: approve, driver: try ResourceNames.userID(driver, caller: caller),
                vehicle: try ResourceNames.uuid(vehicle, field: "vehicle"), reason: decision.reason, etag: decision.etag,
                caller: caller, logger: logger)
            return UsersMapping.vehicle(result)
        }
    }

    // MARK: Documents

    func createDocument(_ input: Operations.CreateDocument.Input) async throws -> Operations.CreateDocument.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let driverID = try ResourceNames.userID(input.path.driver, caller: caller)
            let vehicleID = try body.vehicle.flatMap { $0.isEmpty ? nil : $0 }.map { name throws(AIPError) in
                try ResourceNames.vehicleID(inName: name, driver: driverID, field: "vehicle")
            }
            let document = try await vehicles.addDocument(
                driver: driverID, kind: body._type.flatMap { DriverDocument.Kind(rawValue: $0.rawValue) },
                documentNumber: body.documentNumber, vehicle: vehicleID, expireTime: body.expireTime,
                requestID: try ResourceNames.requestID(input.query.requestId), caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.document(document))))
        }
    }

    func listDocuments(_ input: Operations.ListDocuments.Input) async throws -> Operations.ListDocuments.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let page = try await vehicles.listDocuments(
                driver: try ResourceNames.userID(input.path.driver, caller: caller), pageSize: input.query.pageSize,
                pageToken: input.query.pageToken, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init(documents: page.documents.map(UsersMapping.document), nextPageToken: page.nextPageToken))))
        }
    }

    func getDocument(_ input: Operations.GetDocument.Input) async throws -> Operations.GetDocument.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let document = try await vehicles.document(
                driver: try ResourceNames.userID(input.path.driver, caller: caller),
                document: try ResourceNames.uuid(input.path.document, field: "document"), caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.document(document))))
        }
    }

    func deleteDocument(_ input: Operations.DeleteDocument.Input) async throws -> Operations.DeleteDocument.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            try await vehicles.deleteDocument(
                driver: try ResourceNames.userID(input.path.driver, caller: caller),
                document: try ResourceNames.uuid(input.path.document, field: "document"), caller: caller, logger: logger)
            return .ok(.init(body: .json(.init())))
        }
    }
}
