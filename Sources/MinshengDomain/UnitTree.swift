/// The hierarchy of units (单位) as one immutable value: every query registration, dispatch, review, scope and the
/// figures ask of the tree. Built whole from the units and the category → department table; a change of either
/// builds a new value (`adding`, `withCategoryDepartments`), so readers never see half an update.
public struct UnitTree: Sendable {
    /// Every unit by id.
    public let units: [UnitID: Unit]
    /// The units directly below each unit, by id.
    public let children: [UnitID: [Unit]]
    /// The top of the tree: the parentless unit with the smallest id.
    public let root: UnitID?
    /// The city-level center (信访办): the center of the highest level (then the smallest id).
    public let defaultCenterID: UnitID?
    /// First-level category → a word in the name of the department that handles it.
    public let categoryDepartments: [String: String]
    /// (parent unit, category) → the department below that parent whose name has the category's word.
    public let departments: [UnitID: [String: UnitID]]
    /// Each unit with units below it → itself and all below it (a leaf's subtree is itself, not stored). Computed
    /// here because scope filters ask for them on every list, and the tree changes rarely.
    let subtrees: [UnitID: Set<UnitID>]
    /// Counts the trees built from one another: caches derived from the tree (the unit search) compare it.
    public let version: Int

    public init(units: [Unit] = [], categoryDepartments: [String: String] = [:], version: Int = 0) {
        var byID: [UnitID: Unit] = [:]
        for u in units { byID[u.id] = u }
        self.init(byID: byID, categoryDepartments: categoryDepartments, version: version)
    }

    init(byID: [UnitID: Unit], categoryDepartments: [String: String], version: Int) {
        units = byID
        self.categoryDepartments = categoryDepartments
        self.version = version
        var children: [UnitID: [Unit]] = [:]
        for u in byID.values { if let p = u.parentID { children[p, default: []].append(u) } }
        for k in children.keys { children[k]!.sort { $0.id < $1.id } }
        self.children = children
        root = byID.values.filter { $0.parentID == nil }.min { $0.id < $1.id }?.id
        defaultCenterID = byID.values.filter { $0.kind == .center }
            .min { ($0.level.depth, $0.id) < ($1.level.depth, $1.id) }?.id
        var table: [UnitID: [String: UnitID]] = [:]
        for (parent, kids) in children {
            for (category, word) in categoryDepartments {
                if let d = kids.first(where: { $0.kind == .department && $0.name.contains(word) }) { table[parent, default: [:]][category] = d.id }
            }
        }
        departments = table
        var subtrees: [UnitID: Set<UnitID>] = [:]
        for top in children.keys {
            var out: Set<UnitID> = [top]
            var stack = [top]
            while let x = stack.popLast() {
                for k in children[x] ?? [] where out.insert(k.id).inserted { stack.append(k.id) }
            }
            subtrees[top] = out
        }
        self.subtrees = subtrees
    }

    /// This tree with `added` put in (a unit of the same id replaced), one version on.
    public func adding(_ added: [Unit]) -> UnitTree {
        var m = units
        for u in added { m[u.id] = u }
        return UnitTree(byID: m, categoryDepartments: categoryDepartments, version: version + 1)
    }

    /// This tree with another category → department table, one version on.
    public func withCategoryDepartments(_ table: [String: String]) -> UnitTree {
        UnitTree(byID: units, categoryDepartments: table, version: version + 1)
    }

    // MARK: Queries

    public func unit(_ id: UnitID) -> Unit? { units[id] }

    /// The units directly below `id`, by id.
    public func children(of id: UnitID) -> [Unit] { children[id] ?? [] }

    /// Every unit, by id.
    public var allUnits: [Unit] { units.values.sorted { $0.id < $1.id } }

    /// `root` and every unit below it.
    public func subtree(of root: UnitID) -> Set<UnitID> { subtrees[root] ?? [root] }

    public var defaultCenter: Unit? { defaultCenterID.flatMap { units[$0] } }

    /// Whether `id` is `root` or below it (a walk up the parents, bounded against a cycle in bad data).
    public func isWithin(_ id: UnitID, root: UnitID) -> Bool {
        var cur: UnitID? = id
        var hops = 0
        while let c = cur, hops < 64 {
            if c == root { return true }
            cur = units[c]?.parentID
            hops += 1
        }
        return false
    }

    /// Whether `unit` is above `other` in the tree (an ancestor of it); a platform-wide actor (no unit) is above all.
    public func outranks(_ unit: UnitID?, _ other: UnitID?) -> Bool {
        guard let unit else { return true }
        guard let other else { return false }
        var cur = units[other]?.parentID
        while let c = cur {
            if c == unit { return true }
            cur = units[c]?.parentID
        }
        return false
    }

    /// The level above a unit for review: its parent government (a department's own government, a town's district).
    public func reviewUnit(above id: UnitID) -> Unit? {
        var cur = units[id]?.parentID
        while let c = cur, let u = units[c] {
            if u.kind == .government && u.id != id { return u }
            cur = u.parentID
        }
        return nil
    }

    /// Where a citizen's review (复查) or re-review (复核) goes by default: the government above the unit that
    /// answered (or decided the review).
    public func appealUnit(_ action: Action, for c: Case) -> UnitID? {
        let from = action == .review ? (c.reply?.unit ?? c.leadUnit ?? c.holder) : (c.reviewDecision?.unit ?? c.holder)
        return reviewUnit(above: from)?.id
    }

    /// The center (信访办/民生办) serving a place: the nearest one under a government above it, else the city's.
    public func center(near location: UnitID) -> UnitID? {
        var cur: UnitID? = location
        while let c = cur, let u = units[c] {
            if u.kind == .government, let center = children[c]?.first(where: { $0.kind == .center }) { return center.id }
            cur = u.parentID
        }
        return defaultCenterID
    }

    /// The department for a category at the level of the case's place: the district's department when the case is
    /// located in a district (or a town or village below it), else the city's.
    public func suggestedUnit(for category: String, near location: UnitID?) -> UnitID? {
        // Walk up to the district-level government (or the city).
        var level: UnitID? = location
        while let id = level, let u = units[id], !(u.kind == .government && u.level <= .district) { level = u.parentID }
        for scope in [level, root].compactMap({ $0 }) {
            if let d = departments[scope]?[category] { return d }
        }
        return nil
    }

    /// The area of a place inside the scope under `root`: the government just below `root` on the way up from
    /// `place` (nil: the root's own level — the root, its departments, center and utilities — or outside the scope).
    public func area(of place: UnitID, under root: UnitID) -> Unit? {
        var cur = units[place]
        var hops = 0
        while let u = cur, hops < 64 {
            guard let p = u.parentID else { return nil }
            if p == root { return u.kind == .government ? u : nil }
            cur = units[p]
            hops += 1
        }
        return nil
    }

    /// The units of one level and of some kinds (the units a ranking compares).
    public func units(level: UnitLevel, kinds: Set<UnitKind>) -> [Unit] {
        units.values.filter { $0.level == level && kinds.contains($0.kind) }
    }
}
