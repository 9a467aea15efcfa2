import CurbsideCore
import Foundation
import OpenAPIRuntime

extension UsersAPI {
    func listDrivers(_ input: Operations.ListDrivers.Input) async throws -> Operations.ListDrivers.Output {
        try await UsersErrorMapping.translating {
            let page = try await drivers.list(
                filter: input.query.filter, orderBy: input.query.orderBy, pageSize: input.query.pageSize,
                pageToken: input.query.pageToken, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(.init(drivers: page.drivers.map(UsersMapping.driver), nextPageToken: page.nextPageToken))))
        }
    }

    func getDriver(_ input: Operations.GetDriver.Input) async throws -> Operations.GetDriver.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let view = try await drivers.get(try ResourceNames.userID(input.path.driver, caller: caller), caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.driver(view))))
        }
    }

    func approveDriver(_ input: Operations.ApproveDriver.Input) async throws -> Operations.ApproveDriver.Output {
        guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
        return .ok(.init(body: .json(try await decide(.approve, input.path.driver, body))))
    }

    func rejectDriver(_ input: Operations.RejectDriver.Input) async throws -> Operations.RejectDriver.Output {
        guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
        return .ok(.init(body: .json(try await decide(.reject, input.path.driver, body))))
    }

    func suspendDriver(_ input: Operations.SuspendDriver.Input) async throws -> Operations.SuspendDriver.Output {
        guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
        return .ok(.init(body: .json(try await decide(.suspend, input.path.driver, body))))
    }

    private func decide(
        _ decision: DriverService.Decision, _ driver: String, _ decisionBody: Components.Schemas.ApprovalDecision
    ) async throws -> Components.Schemas.Driver {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let view = try await drivers.decide(
                decision, driver: try ResourceNames.userID(driver, caller: caller), reason: decisionBody.reason,
                etag: decisionBody.etag, caller: caller, logger: logger)
            return UsersMapping.driver(view)
        }
    }

    func checkDriverEligibility(_ input: Operations.CheckDriverEligibility.Input) async throws
        -> Operations.CheckDriverEligibility.Output
    {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let driverID = try ResourceNames.userID(input.path.driver, caller: caller)
            let vehicleID = try ResourceNames.vehicleID(inName: input.query.vehicle, driver: driverID, field: "vehicle")
            let result = try await drivers.eligibility(driver: driverID, vehicle: vehicleID, caller: caller, logger: logger)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            driver: "drivers/\(driverID.uuidString.lowercased())",
                            vehicle: result.vehicle?.name,
                            vehicleClass: result.vehicle.flatMap { Components.Schemas.VehicleClass(rawValue: $0.details.vehicleClass.rawValue) },
                            eligible: result.reasons.isEmpty,
                            reasons: result.reasons.compactMap { .init(rawValue: $0.rawValue) }))))
        }
    }
}
