/// Who may see and do what (README "Accounts and scope"), as pure rules over the unit tree and a staff member's
/// unit and roles:
/// - a user's scope is their unit and every unit below it; a center's staff (信访办/民生办) serve the government the
///   center belongs to, so their scope is that government's subtree;
/// - a user sees a case held by, registered at, led by, owned in or co-handled by a unit in their scope; a unit that
///   held the case once keeps read access to its own events and nothing more;
/// - a dispatcher sends cases (dispatch, redispatch, co-handler) only into the scope.
public enum CaseAccess: Equatable, Sendable {
    case full
    /// The unit acted on the case before it moved elsewhere: its own events only.
    case former
    case none
}

extension Role {
    /// Roles that work on cases; an account with none of them (a pure admin) sees no citizen's case.
    public static let caseRoles: Set<Role> = [.registrar, .dispatcher, .handler, .supervisor, .leader]
}

extension UnitTree {
    /// The top of the scope of a user of `unit`.
    public func scopeRoot(of unit: UnitID) -> UnitID {
        guard let u = units[unit] else { return unit }
        if u.kind == .center, let p = u.parentID { return p }
        return u.id
    }

    /// Every unit of the scope of a user of `unit`, or nil when the scope is the whole tree (no filter needed).
    public func scopeUnits(of unit: UnitID) -> Set<UnitID>? { scopeUnits(under: scopeRoot(of: unit)) }

    /// The units of the scope under `root` as a filter: nil when `root` is the top (or unknown), the whole tree.
    public func scopeUnits(under root: UnitID) -> Set<UnitID>? {
        units[root]?.parentID == nil ? nil : subtree(of: root)
    }

    /// What a user of `unit` with `roles` may read of `c`; `events` (the case's history) tells a former holder.
    public func access(unit: UnitID, roles: Set<Role>, to c: Case, events: [CaseEvent]? = nil) -> CaseAccess {
        guard !roles.isDisjoint(with: Role.caseRoles) else { return .none }
        let root = scopeRoot(of: unit)
        var involved = [c.holder, c.center] + c.coHandlers
        if let l = c.leadUnit { involved.append(l) }
        if let o = c.owner?.unit { involved.append(o) }
        if involved.contains(where: { isWithin($0, root: root) }) { return .full }
        if let events, events.contains(where: { e in e.unit.map { isWithin($0, root: root) } ?? false }) { return .former }
        return .none
    }

    /// Whether a user of `unit` may read the unmasked contact: anyone with full access to the case, except that a
    /// reporter's (举报) or an anonymous citizen's identity is for the registering center alone.
    public func mayReveal(_ c: Case, unit: UnitID, roles: Set<Role>) -> Bool {
        guard access(unit: unit, roles: roles, to: c) == .full else { return false }
        if c.kind == .report || c.citizen.anonymous { return unit == c.center }
        return true
    }

    /// Why the units a step names cannot take the case, if they cannot: a unit that does not exist, or a center
    /// (信访办/民生办) as the target of a dispatch (centers register and dispatch, they do not handle).
    public func targetRefusal(of step: Step) -> TargetRefusal? {
        for t in step.targetUnits {
            guard let u = units[t] else { return .unknown(t) }
            if u.kind == .center, case .dispatch = step { return .center(t) }
        }
        return nil
    }

    /// The first unit a dispatcher's step sends the case to outside the scope under `scopeRoot`; nil when all are
    /// inside (or the step sends nowhere). Unknown units are left to `targetRefusal`.
    public func outOfScopeTarget(of step: Step, scopeRoot: UnitID) -> UnitID? {
        guard step.sendsIntoScope else { return nil }
        return step.targetUnits.first { units[$0] != nil && !isWithin($0, root: scopeRoot) }
    }
}

/// A step names a unit that cannot take the case.
public enum TargetRefusal: Equatable, Sendable {
    case unknown(UnitID)
    case center(UnitID)
}

extension Step {
    /// The units the step hands the case to, as holder or co-handler, in the order named: a dispatch's unit and
    /// co-handlers, a redispatch's or transfer's unit, an added co-handler, the unit of a review or re-review.
    public var targetUnits: [UnitID] {
        switch self {
        case let .dispatch(to, _, co): [to] + co
        case let .redispatch(to, _, _), let .transfer(to, _), let .addCoHandler(to): [to]
        case let .review(_, u), let .rereview(_, u): [u]
        default: []
        }
    }

    /// The steps by which the center sends a case, and so only into its own scope (a unit's transfer goes where the
    /// matter belongs, a citizen's appeal to the level above: neither is bound by the actor's scope).
    public var sendsIntoScope: Bool {
        switch self {
        case .dispatch, .redispatch, .addCoHandler: true
        default: false
        }
    }
}
