/// Who may call one operation, as declared by `x-curbside-roles` in the OpenAPI document.
public enum OperationPolicy: Sendable, Equatable {
    /// Anyone, signed in or not (sign-up, sign-in, refresh).
    case anonymous
    /// A signed-in caller holding one of these roles.
    case roles(Set<Role>)

    /// Parses the document's list: `[public]` or role names.
    init(declared: [String]) throws(OpenAPIDocumentError) {
        if declared == ["public"] {
            self = .anonymous
            return
        }
        var roles = Set<Role>()
        for name in declared {
            guard let role = Role(rawValue: name) else { throw .unknownRole(name) }
            roles.insert(role)
        }
        guard !roles.isEmpty else { throw .unknownRole("(none)") }
        self = .roles(roles)
    }

    /// Passes, or throws 401 (no valid caller) or 403 (a caller without one of the roles).
    public func authorize(_ scope: RequestScope) throws(AIPError) {
        guard case .roles(let roles) = self else { return }
        let principal = try scope.requirePrincipal()
        guard roles.contains(principal.role) else {
            throw .permissionDenied("the \(principal.role.rawValue) role may not call this operation", reason: "ROLE_NOT_ALLOWED")
        }
    }
}
