import CurbsideCore
import Foundation
import Logging
import OpenAPIRuntime

/// The generated `APIProtocol` of the users service: maps DTOs to use cases and back; no rules here.
///
/// Roles are enforced before these methods run (``GuardedTransport`` reads `x-curbside-roles`);
/// whose resource a caller may touch is decided in the application layer.
struct UsersAPI: APIProtocol {
    let accounts: AccountService
    let profiles: ProfileService
    let drivers: DriverService
    let vehicles: VehicleService

    var scope: RequestScope { RequestScope.current }
    var logger: Logger { scope.logger }

    func caller() throws -> Principal { try scope.requirePrincipal() }

    // MARK: Users

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        try await UsersErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let user = try await accounts.signUp(
                .init(
                    role: User.Role(rawValue: body.role.rawValue) ?? .passenger, email: body.email,
                    phoneNumber: body.phoneNumber, displayName: body.displayName, password: body.password),
                requestID: try ResourceNames.requestID(input.query.requestId), logger: logger)
            return .ok(.init(body: .json(UsersMapping.user(user))))
        }
    }

    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        try await UsersErrorMapping.translating {
            let page = try await profiles.list(
                filter: input.query.filter, orderBy: input.query.orderBy, showDeleted: input.query.showDeleted ?? false,
                pageSize: input.query.pageSize, pageToken: input.query.pageToken, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(.init(users: page.users.map(UsersMapping.user), nextPageToken: page.nextPageToken))))
        }
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let user = try await profiles.get(try ResourceNames.userID(input.path.user, caller: caller), caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.user(user))))
        }
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let mask = try FieldMask(
                input.query.updateMask, populated: UsersMapping.populatedFields(body),
                updatable: ["displayName", "email", "phoneNumber"])
            let change = ProfileService.ProfileChange(
                displayName: mask.contains("displayName") ? (body.displayName ?? "") : nil,
                email: mask.contains("email") ? .some(body.email) : nil,
                phoneNumber: mask.contains("phoneNumber") ? .some(body.phoneNumber) : nil,
                etag: body.etag)
            let user = try await profiles.update(
                try ResourceNames.userID(input.path.user, caller: caller), change: change, caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.user(user))))
        }
    }

    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            let user = try await profiles.delete(
                try ResourceNames.userID(input.path.user, caller: caller), etag: input.query.etag, caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.user(user))))
        }
    }

    func undeleteUser(_ input: Operations.UndeleteUser.Input) async throws -> Operations.UndeleteUser.Output {
        try await UsersErrorMapping.translating {
            let caller = try caller()
            var etag: String?
            if case .json(let body) = input.body { etag = body.etag }
            let user = try await profiles.undelete(
                try ResourceNames.userID(input.path.user, caller: caller), etag: etag, caller: caller, logger: logger)
            return .ok(.init(body: .json(UsersMapping.user(user))))
        }
    }

    // MARK: Sessions

    func createSession(_ input: Operations.CreateSession.Input) async throws -> Operations.CreateSession.Output {
        try await UsersErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let session = try await accounts.signIn(
                email: body.email, phoneNumber: body.phoneNumber, password: body.password,
                clientAddress: scope.clientAddress, logger: logger)
            return .ok(.init(body: .json(UsersMapping.session(session))))
        }
    }

    func refreshSession(_ input: Operations.RefreshSession.Input) async throws -> Operations.RefreshSession.Output {
        try await UsersErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let session = try await accounts.refresh(refreshToken: body.refreshToken, logger: logger)
            return .ok(.init(body: .json(UsersMapping.session(session))))
        }
    }

    func revokeSession(_ input: Operations.RevokeSession.Input) async throws -> Operations.RevokeSession.Output {
        try await UsersErrorMapping.translating {
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            try await accounts.signOut(refreshToken: body.refreshToken, logger: logger)
            return .ok(.init(body: .json(.init())))
        }
    }
}
