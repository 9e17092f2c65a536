import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore
import MinshengText

/// /api/v1/hotspots: similar cases clustered over a period (topics: one matter in many places, `systemic` when it
/// spans ≥ 3 districts) and places with many cases of different categories (README "Hotspots", docs/hotspots.md).
///
///     GET /api/v1/hotspots?from=2026-11-01&to=2026-11-30&axis=topic|place&unit=37&limit=10
///
/// Leaders, supervisors and dispatchers; the cases of the user's scope (an explicit `unit` must lie inside it).
/// `from`/`to` are dates, both included (default: the 30 days ending today); growth compares with the period of
/// equal length just before. Results are computed on request and kept five minutes (a registration renews them).
struct HotspotsController {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("hotspots", use: list)
    }

    static let maxLimit = 50

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireRole(StatsController.readers).user
        let p = try StatsController.Params(request, known: ["from", "to", "unit", "axis", "limit"])
        let (from, to) = try DashboardController.period(from: p.get("from"), to: p.get("to"), now: platform.clock.now())
        var root = platform.scopeRoot(of: user)
        if let u = p.get("unit") {
            guard let id = Int64(u), platform.unit(id) != nil else { throw APIError.invalid("unit", "单位 \(u) 不存在") }
            guard platform.isWithin(id, root: root) else { throw APIError.notFound("单位 \(id) 不在您的管辖范围内") }
            root = id
        }
        let axis = try p.get("axis").map { try parseAxis($0) } ?? .topic
        var limit = 10
        if let l = p.get("limit") {
            guard let n = Int(l), n >= 1, n <= Self.maxLimit else { throw APIError.invalid("limit", "应为 1 到 \(Self.maxLimit) 的整数") }
            limit = n
        }
        let result = try await platform.hotspots(root: root, from: from, to: to)
        let clusters = axis == .topic ? result.report.topics : result.report.places
        return JSON.response(.object([
            ("from", .time(from)), ("to", .time(to)), ("previousFrom", .time(result.previousFrom)),
            ("axis", .string(axis.rawValue)),
            ("scope", platform.unitRef(root)),
            ("cases", .int(result.report.messages)), ("previousCases", .int(result.report.previousMessages)),
            ("truncated", .bool(result.truncated)),
            ("computedAt", .time(result.computedAt)),
            ("items", .array(clusters.prefix(limit).enumerated().map { i, c in
                Self.render(c, rank: i + 1, department: axis == .topic ? result.departments[i] : nil, platform: platform)
            })),
        ]), status: .ok)
    }

    func parseAxis(_ s: String) throws -> HotspotAxis {
        guard let a = HotspotAxis(rawValue: s) else {
            throw APIError(.badRequest, "invalid_value", "axis 的值 \(s) 无效；可选：topic, place",
                           details: [("field", .string("axis")), ("allowed", .array([.string("topic"), .string("place")]))])
        }
        return a
    }

    /// At most this many member ids are listed per cluster.
    static let maxMembers = 200

    static func render(_ c: HotspotCluster, rank: Int, department: UnitID?, platform: Platform) -> JSON {
        func counts(_ xs: [HotspotCount]) -> JSON {
            .array(xs.map { .object([("name", .string($0.name)), ("count", .int($0.count))]) })
        }
        return .object([
            ("rank", .int(rank)), ("axis", .string(c.axis.rawValue)),
            ("size", .int(c.size)), ("people", .int(c.people)), ("previousSize", .int(c.previousSize)),
            ("growth", c.growth.map { .number(($0 * 1000).rounded() / 1000) } ?? .null), ("trend", .string(c.trend.rawValue)),
            ("systemic", .bool(c.systemic)),
            ("category", .opt(c.category)), ("department", platform.unitRef(department)),
            ("place", .opt(c.place)), ("terms", .array(c.terms.map(JSON.string))),
            ("districts", counts(c.districts)), ("units", counts(c.units)), ("categories", counts(c.categories)),
            ("firstSeen", .time(Instant(seconds: c.firstSeen))), ("lastSeen", .time(Instant(seconds: c.lastSeen))),
            ("representative", .object([("id", .int(c.representative)), ("title", .string(c.representativeTitle))])),
            ("members", .array(c.members.suffix(maxMembers).map { JSON.int($0) })),
        ])
    }
}
