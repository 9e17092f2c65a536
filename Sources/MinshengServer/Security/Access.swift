import MinshengDomain
import MinshengStore

/// Who may see and do what: the scope rules are the unit tree's (Scope.swift in the domain); a step needs a role
/// that may take it (the lifecycle's table). Out-of-scope reads answer 404 (existence is not revealed); out-of-role
/// actions 403.
extension Platform {
    /// Roles that work on cases (`Role.caseRoles`).
    static let caseRoles = Role.caseRoles

    /// The top of a user's scope.
    public func scopeRoot(of user: User) -> UnitID { unitTree.withLock { $0.scopeRoot(of: user.unit) } }

    /// Whether `id` is `root` or below it.
    public func isWithin(_ id: UnitID, root: UnitID) -> Bool { unitTree.withLock { $0.isWithin(id, root: root) } }

    /// Every unit of a user's scope, or nil when the scope is the whole tree (no filter needed).
    public func scopeUnits(of user: User) -> Set<UnitID>? { unitTree.withLock { $0.scopeUnits(of: user.unit) } }

    /// The units under a scope root as a filter (nil: the whole tree).
    public func scopeUnits(under root: UnitID) -> Set<UnitID>? { unitTree.withLock { $0.scopeUnits(under: root) } }

    /// What `user` may read of `c` (out-of-scope reads answer 404: existence is not revealed).
    public func access(_ user: User, to c: Case, events: [CaseEvent]? = nil) -> CaseAccess {
        tree.access(unit: user.unit, roles: user.roles, to: c, events: events)
    }

    /// The actor for a step on `c`: the user acting in a role that may take it (one that passes the lifecycle's
    /// checks if there is one, so a user who is both handler and dispatcher acts in the right capacity).
    public func actor(_ user: User, for action: Action, on c: Case?) throws -> Actor {
        let order: [Role] = [.handler, .dispatcher, .registrar, .leader, .supervisor]
        let fitting = order.filter { user.roles.contains($0) && action.roles.contains($0) }
        guard let first = fitting.first else {
            throw PlatformError(.forbidden, "role_not_allowed",
                           "您的角色（\(user.roles.map(\.label).sorted().joined(separator: "、"))）不能执行“\(action.label)”",
                           details: [("action", .string(action.rawValue))])
        }
        let make = { (r: Role) in Actor(id: "user:\(user.id)", name: user.name, role: r, unit: user.unit) }
        let now = clock.now()
        if let c, let good = fitting.first(where: { Lifecycle.permits(action, on: c, by: make($0), at: now) }) { return make(good) }
        return make(first)
    }

    /// The steps `user` may take on `c` now.
    public func permittedActions(_ c: Case, for user: User) -> [Action] {
        let now = clock.now()
        return Lifecycle.allowedActions(in: c.state).filter { a in
            // Another leader's case is offered only to a leader above them (the tree is the platform's to read).
            if a == .takeOwnership, let o = c.owner, !outranks(user.unit, o.unit) { return false }
            return user.roles.contains { r in
                Self.caseRoles.contains(r) && a.roles.contains(r)
                    && Lifecycle.permits(a, on: c, by: Actor(id: "user:\(user.id)", name: user.name, role: r, unit: user.unit), at: now)
            }
        }
    }

    /// Whether `user` may read the unmasked contact (`UnitTree.mayReveal`).
    public func mayReveal(_ c: Case, to user: User) -> Bool { tree.mayReveal(c, unit: user.unit, roles: user.roles) }

    /// A dispatcher sends cases only into their own scope (their government's subtree, its departments included).
    public func checkTargets(of step: Step, for user: User) throws {
        let tree = self.tree
        if let t = tree.outOfScopeTarget(of: step, scopeRoot: tree.scopeRoot(of: user.unit)) { // unknown units: the lifecycle's 400
            throw PlatformError(.forbidden, "out_of_scope", "单位 \(t) 不在您的管辖范围内，不能转交", details: [("unit", .int(t))])
        }
    }

    /// The clear contact for a user entitled to it (403 otherwise), written to the access log: the one way both the
    /// API and the console reveal personal data. An e-mail case also gives the sender's sealed address.
    public func revealContact(_ c: Case, to user: User, address: String) async throws -> (citizen: Citizen, email: String?) {
        guard mayReveal(c, to: user) else {
            throw PlatformError(.forbidden, "contact_restricted", c.kind == .report ? "举报人信息仅登记中心可见" : "匿名群众的信息仅登记中心可见")
        }
        let open = sealer.openCitizen(c.citizen)
        var email: String?
        if c.channel == .email, let sealed = try await store.events(of: c.id).first(where: { $0.action == .register })?.data["emailSealed"] {
            email = sealer.open(sealed)
        }
        let fields = [("name", open.name), ("phone", open.phone), ("idNumber", open.idNumber), ("email", email)].compactMap { $0.1 == nil ? nil : $0.0 }
        try await store.logAccess(AccessRecord(at: clock.now(), userID: user.id, login: user.login, unit: user.unit,
                                               caseID: c.id, fields: fields, address: address))
        return (open, email)
    }
}
