import Foundation
import Hummingbird
import MinshengDomain

/// /api/v1/units: the unit tree (children of a parent, or a name search).
struct UnitsController {
    let platform: Platform
    /// The console's search (names, and pinyin initials: "yzsthj" finds 渝中区生态环境局), so the API finds what the
    /// dispatcher's picker finds.
    let search: UnitSearch

    init(platform: Platform) {
        self.platform = platform
        search = UnitSearch(platform: platform)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("units", use: list)
        group.get("units/:id", use: show)
        group.get("units/:id/record", use: record)
    }

    /// The unit's supervision record: reminders, supervision orders and responses, field checks, accountability.
    @Sendable func record(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireRole(Platform.caseRoles).user
        guard let s = context.parameters.get("id"), let id = Int64(s), let u = platform.unit(id),
              platform.isWithin(id, root: platform.scopeRoot(of: user)) else {
            throw APIError.notFound("单位不存在或不在您的管辖范围内")
        }
        let events = try await platform.supervisionRecord(unit: id, limit: 500)
        var counts: [String: Int] = [:]
        for e in events { counts[e.action.rawValue, default: 0] += 1 }
        return .object([
            ("unit", platform.unitRef(u.id)),
            ("counts", .object(Action.supervisionOfUnit.map { ($0.rawValue, .int(counts[$0.rawValue] ?? 0)) })),
            ("items", .array(events.map { e in
                guard case let .object(pairs) = platform.render(e) else { return .null }
                return .object([("caseId", .int(e.caseID))] + pairs)
            })),
        ])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSON {
        _ = try context.requireUser()
        let p = request.uri.queryParameters
        var parent: UnitID?
        if let s = p.get("parent"), !s.isEmpty {
            guard let id = Int64(s) else { throw APIError.invalid("parent", "应为整数") }
            guard platform.unit(id) != nil else { throw APIError.notFound("单位 \(id) 不存在") }
            parent = id
        }
        var limit = 200
        if let s = p.get("limit"), !s.isEmpty {
            guard let l = Int(s), (1...1000).contains(l) else { throw APIError.invalid("limit", "应在 1 到 1000 之间") }
            limit = l
        }
        if let q = p.get("q").map({ String($0.prefix(50)) }), !q.trimmingCharacters(in: .whitespaces).isEmpty {
            // Within `parent`'s subtree (the parent itself excluded), best matches first.
            let hits = search.search(q, within: parent, limit: limit + 1).filter { $0.id != parent }.prefix(limit)
            return .object([("items", .array(hits.compactMap { platform.unit($0.id) }.map(platform.render)))])
        }
        let units = try await platform.units(parent: parent, query: nil, limit: limit)
        return .object([("items", .array(units.map(platform.render)))])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSON {
        _ = try context.requireUser()
        guard let s = context.parameters.get("id"), let id = Int64(s), let u = platform.unit(id) else {
            throw APIError.notFound("单位不存在")
        }
        let children = try await platform.units(parent: id, query: nil, limit: 1000)
        var path: [JSON] = []
        var cur = u.parentID
        while let c = cur, let pu = platform.unit(c) {
            path.insert(.object([("id", .int(pu.id)), ("name", .string(pu.name))]), at: 0)
            cur = pu.parentID
        }
        guard case let .object(pairs) = platform.render(u) else { return .null }
        return .object(pairs + [("path", .array(path)), ("children", .array(children.map(platform.render)))])
    }
}
