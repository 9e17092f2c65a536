import MinshengDomain
import MinshengStore

/// Changes to the unit tree by an admin (issue 5 item 4): add a child, rename, move, set the SMS phone. Each is
/// written to the store (a move rewrites the materialised paths of the subtree) and the tree in memory is reloaded.
extension Platform {
    static func cleanName(_ s: String) throws -> String {
        let n = s.trimmingCharacters(in: .whitespaces)
        guard !n.isEmpty else { throw PlatformError.missing("name") }
        guard n.count <= 60 else { throw PlatformError.invalid("name", "单位名称不能超过 60 个字") }
        return n
    }

    static func cleanPhone(_ s: String?) throws -> String? {
        guard let p = s?.trimmingCharacters(in: .whitespaces), !p.isEmpty else { return nil }
        guard p.count <= 20, p.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+" || $0 == " ") }) else {
            throw PlatformError.invalid("phone", "短信联系电话只能包含数字、-、+，不超过 20 位")
        }
        return p
    }

    /// A new unit below `parent`: its level is the parent's unless given (a town below a district), never above it.
    public func createUnit(parent: UnitID, name: String, level: UnitLevel?, kind: UnitKind, phone: String?) async throws -> Unit {
        guard let p = unit(parent) else { throw PlatformError.invalid("parent", "上级单位 \(parent) 不存在") }
        let level = level ?? p.level
        guard level >= p.level else { throw PlatformError.invalid("level", "下级单位的层级不能高于上级（\(p.level.label)）") }
        let u = try await store.createUnit(parentID: parent, name: try Self.cleanName(name), level: level, kind: kind,
                                           phone: try Self.cleanPhone(phone))
        try await loadUnits()
        return u
    }

    /// Renames, re-phones or moves a unit. A move takes the whole subtree along; a unit cannot move below itself
    /// nor under a unit of a lower level, and the root stays the root.
    @discardableResult
    public func updateUnit(_ id: UnitID, name: String? = nil, phone: String?? = nil, parent: UnitID? = nil) async throws -> Unit {
        guard var u = unit(id) else { throw PlatformError.notFound("单位 \(id) 不存在") }
        if let name { u.name = try Self.cleanName(name) }
        if let phone { u.phone = try Self.cleanPhone(phone) }
        if let parent, parent != u.parentID {
            guard u.parentID != nil else { throw PlatformError.invalid("parent", "根单位不能移动") }
            guard let p = unit(parent) else { throw PlatformError.invalid("parent", "上级单位 \(parent) 不存在") }
            guard !isWithin(parent, root: id) else { throw PlatformError.invalid("parent", "不能把单位移到它自己或它的下级之下") }
            guard p.level <= u.level else { throw PlatformError.invalid("parent", "新上级（\(p.level.label)级）低于本单位的层级（\(u.level.label)级）") }
            u.parentID = parent
        }
        do {
            try await store.updateUnit(u)
        } catch let StoreError.conflict(m) {
            throw PlatformError(.conflict, "unit_conflict", m)
        }
        try await loadUnits()
        return u
    }
}
