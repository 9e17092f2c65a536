import MinshengDomain
import MinshengStore

/// Who may see and do what (README "Accounts and scope"):
/// - a user's scope is their unit and every unit below it; a center's staff (信访办/民生办) serve the government the
///   center belongs to, so their scope is that government's subtree;
/// - a user sees a case held by, registered at, led by or co-handled by a unit in their scope; a unit that held the
///   case once keeps read access to its own events and nothing more;
/// - a step needs a role that may take it (the lifecycle's table) and, for the holder's steps, the holding unit
///   itself (the lifecycle checks that with the actor's unit); a dispatcher dispatches only into the scope.
/// Out-of-scope reads answer 404 (existence is not revealed); out-of-role actions 403.
public enum CaseAccess: Equatable, Sendable {
    case full
    /// The unit acted on the case before it moved elsewhere: its own events only.
    case former
    case none
}

extension Platform {
    /// Roles that work on cases; an account with none of them (a pure admin) sees no citizen's case.
    static let caseRoles: Set<Role> = [.registrar, .dispatcher, .handler, .supervisor, .leader]

    /// The top of a user's scope.
    public func scopeRoot(of user: User) -> UnitID {
        guard let u = unit(user.unit) else { return user.unit }
        if u.kind == .center, let p = u.parentID { return p }
        return u.id
    }

    /// Whether `id` is `root` or below it.
    public func isWithin(_ id: UnitID, root: UnitID) -> Bool {
        var cur: UnitID? = id
        var hops = 0
        while let c = cur, hops < 64 {
            if c == root { return true }
            cur = unit(c)?.parentID
            hops += 1
        }
        return false
    }

    /// Every unit of a user's scope, or nil when the scope is the whole tree (no filter needed).
    public func scopeUnits(of user: User) -> Set<UnitID>? {
        let root = scopeRoot(of: user)
        if unit(root)?.parentID == nil { return nil }
        return subtree(of: root)
    }

    public func access(_ user: User, to c: Case, events: [CaseEvent]? = nil) -> CaseAccess {
        guard !user.roles.isDisjoint(with: Self.caseRoles) else { return .none }
        let root = scopeRoot(of: user)
        var units = [c.holder, c.center] + c.coHandlers
        if let l = c.leadUnit { units.append(l) }
        if let o = c.owner?.unit { units.append(o) }
        if units.contains(where: { isWithin($0, root: root) }) { return .full }
        if let events, events.contains(where: { e in e.unit.map { isWithin($0, root: root) } ?? false }) { return .former }
        return .none
    }

    /// The actor for a step on `c`: the user acting in a role that may take it (one that passes the lifecycle's
    /// checks if there is one, so a user who is both handler and dispatcher acts in the right capacity).
    public func actor(_ user: User, for action: Action, on c: Case?) throws -> Actor {
        let order: [Role] = [.handler, .dispatcher, .registrar, .leader, .supervisor]
        let fitting = order.filter { user.roles.contains($0) && action.roles.contains($0) }
        guard let first = fitting.first else {
            throw APIError(.forbidden, "role_not_allowed",
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

    /// Whether `user` may read the unmasked contact: anyone with full access to the case, except that a
    /// reporter's (举报) or an anonymous citizen's identity is for the registering center alone.
    public func mayReveal(_ c: Case, to user: User) -> Bool {
        guard access(user, to: c) == .full else { return false }
        if c.kind == .report || c.citizen.anonymous { return user.unit == c.center }
        return true
    }

    /// A dispatcher sends cases only into their own scope (their government's subtree, its departments included).
    public func checkTargets(of step: Step, for user: User) throws {
        let root = scopeRoot(of: user)
        var targets: [UnitID] = []
        switch step {
        case let .dispatch(to, _, co): targets = [to] + co
        case let .redispatch(to, _, _), let .addCoHandler(to): targets = [to]
        default: return
        }
        for t in targets where unit(t) != nil && !isWithin(t, root: root) { // unknown units: the lifecycle's 400
            throw APIError(.forbidden, "out_of_scope", "单位 \(t) 不在您的管辖范围内，不能转交", details: [("unit", .int(t))])
        }
    }

    /// The clear contact for a user entitled to it (403 otherwise), written to the access log: the one way both the
    /// API and the console reveal personal data. An e-mail case also gives the sender's sealed address.
    public func revealContact(_ c: Case, to user: User, address: String) async throws -> (citizen: Citizen, email: String?) {
        guard mayReveal(c, to: user) else {
            throw APIError(.forbidden, "contact_restricted", c.kind == .report ? "举报人信息仅登记中心可见" : "匿名群众的信息仅登记中心可见")
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
