import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// /api/v1/stats: unit figures computed from the case events (README "Statistics"), as JSON or CSV.
///
///     GET /api/v1/stats/units?level=district&from=2026-11-01&to=2026-11-30[&kind=department,government][&format=csv]
///     GET /api/v1/stats/units/{id}?from=…&to=…[&subtree=true][&format=csv]
struct StatsController {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("stats/units", use: ranking)
        group.get("stats/units/:id", use: show)
        group.get("stats/overview", use: overview)
        group.get("stats/channels", use: channels)
    }

    /// The longest period one request may ask for.
    static let maxDays: Int64 = 366
    static let defaultKinds: [UnitKind] = [.department, .government]

    enum Format: String, CaseIterable { case json, csv }

    /// The statistics' parameters: the API's one query reader, and the period and format they share.
    typealias Params = QueryParams
}

extension QueryParams {

        /// `from` (inclusive) and `to` (exclusive; a bare date means "through that day"), both required.
        func period() throws -> (Instant, Instant) {
            guard let f = get("from") else { throw APIError.missing("from") }
            guard let t = get("to") else { throw APIError.missing("to") }
            guard let from = Instant.parse(f) else { throw APIError.invalid("from", "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
            guard let toI = Instant.parse(t) else { throw APIError.invalid("to", "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
            let to = t.count == 10 ? toI.adding(seconds: 86_400) : toI
            guard from < to else { throw APIError.invalid("to", "结束时间必须晚于开始时间") }
            guard to.seconds - from.seconds <= StatsController.maxDays * 86_400 else {
                throw APIError.invalid("to", "统计区间不能超过 \(StatsController.maxDays) 天")
            }
            return (from, to)
        }

        func format() throws -> StatsController.Format {
            guard let s = get("format") else { return .json }
            guard let f = StatsController.Format(rawValue: s) else {
                throw APIError(.badRequest, "invalid_value", "format 的值 \(s) 无效；可选：json, csv",
                               details: [("field", .string("format")), ("allowed", .array([.string("json"), .string("csv")]))])
            }
            return f
        }
}

extension StatsController {
    /// Who reads statistics: leaders, supervisors and dispatchers (a ranking compares peers, so it is not scoped).
    static let readers: Set<Role> = [.leader, .supervisor, .dispatcher]

    @Sendable func ranking(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireRole(Self.readers)
        let p = try Params(request, known: ["level", "kind", "from", "to", "format"])
        guard let l = p.get("level") else { throw APIError.missing("level") }
        let level = try parseEnum("level", l, UnitLevel.self)
        var kinds = Self.defaultKinds
        if let k = p.get("kind") {
            kinds = []
            for part in k.split(separator: ",") {
                let kind = try parseEnum("kind", String(part).trimmed, UnitKind.self)
                if !kinds.contains(kind) { kinds.append(kind) }
            }
            guard !kinds.isEmpty else { throw APIError.invalid("kind", "至少指定一种单位类型") }
        }
        let (from, to) = try p.period()
        let format = try p.format()
        let rows = try await platform.unitRanking(level: level, kinds: Set(kinds), from: from, to: to)
        if format == .csv {
            return Self.csvResponse(rows, subtree: nil, name: "stats-\(level.rawValue)-\(ChinaTime.day(of: from))-\(ChinaTime.day(of: to.adding(seconds: -1))).csv")
        }
        return JSON.response(.object([
            ("from", .time(from)), ("to", .time(to)),
            ("level", .string(level.rawValue)), ("kinds", .array(kinds.map { .string($0.rawValue) })),
            ("weights", Self.weightsJSON),
            ("items", .array(rows.map { Self.render($0, ranked: true) })),
        ]), status: .ok)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireRole(Self.readers).user
        let p = try Params(request, known: ["from", "to", "subtree", "format"])
        guard let s = context.parameters.get("id"), let id = Int64(s) else { throw APIError.notFound("单位不存在") }
        guard platform.isWithin(id, root: platform.scopeRoot(of: user)) else { throw APIError.notFound("单位 \(id) 不在您的管辖范围内") }
        var subtree = false
        if let st = p.get("subtree") {
            guard st == "true" || st == "false" else { throw APIError.invalid("subtree", "应为 true 或 false") }
            subtree = st == "true"
        }
        let (from, to) = try p.period()
        let format = try p.format()
        guard let row = try await platform.unitStats(id, subtree: subtree, from: from, to: to) else {
            throw APIError.notFound("单位 \(id) 不存在")
        }
        if format == .csv {
            return Self.csvResponse([row], subtree: subtree, name: "stats-unit-\(id)\(subtree ? "-subtree" : "")-\(ChinaTime.day(of: from))-\(ChinaTime.day(of: to.adding(seconds: -1))).csv")
        }
        guard case let .object(pairs) = Self.render(row, ranked: false) else { return JSON.response(.null, status: .ok) }
        return JSON.response(.object([("from", .time(from)), ("to", .time(to)), ("subtree", .bool(subtree)),
                                      ("units", .int(row.units)), ("weights", Self.weightsJSON)] + pairs), status: .ok)
    }

    /// The leader's dashboard as JSON (`/console/dashboard` draws the same figures): the signed-in user's scope,
    /// `from`/`to` dates both included (default: the 30 days ending today), `level`/`kind` for the ranking.
    /// Per channel: volume, share, time to acknowledgement (median, p90) and the share within the GB/T 33358 target.
    @Sendable func channels(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireRole(Self.readers).user
        let p = try Params(request, known: ["from", "to"])
        let (from, to) = try DashboardController.period(from: p.get("from"), to: p.get("to"), now: platform.clock.now())
        return platform.render(try await platform.channelFigures(scopeRoot: platform.scopeRoot(of: user), from: from, to: to))
    }

    @Sendable func overview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireRole(Self.readers).user
        let p = try Params(request, known: ["from", "to", "level", "kind"])
        let (from, to) = try DashboardController.period(from: p.get("from"), to: p.get("to"), now: platform.clock.now())
        let root = platform.scopeRoot(of: user)
        let (level, kinds) = try DashboardController.rankingParams(level: p.get("level"), kind: p.get("kind"), root: platform.unit(root), platform: platform)
        let o = try await platform.overview(scopeRoot: root, from: from, to: to, rankingLevel: level, rankingKinds: kinds)
        var perDay: [Day: [(String, Int)]] = [:]
        for (k, n) in o.volume.byDayChannel { perDay[k.day, default: []].append((k.channel, n)) }
        var byChannel: [String: Int] = [:]
        for (k, n) in o.volume.byDayChannel { byChannel[k.channel, default: 0] += n }
        let t = o.tally
        return JSON.response(.object([
            ("from", .time(from)), ("to", .time(to)),
            ("scope", .object([("id", .int(o.scope.id)), ("name", .string(o.scope.name)), ("level", .string(o.scope.level.rawValue))])),
            ("total", .int(o.volume.total)),
            ("byDay", .array(o.days.map { d in
                let ch = (perDay[d] ?? []).sorted { $0.0 < $1.0 }
                return .object([("day", .string(d.description)), ("total", .int(ch.reduce(0) { $0 + $1.1 })),
                                ("channels", .object(ch.map { ($0.0, JSON.int($0.1)) }))])
            })),
            ("byChannel", .object(Channel.allCases.compactMap { c in byChannel[c.rawValue].map { (c.rawValue, JSON.int($0)) } })),
            ("byCategory", .array(o.volume.byCategory.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { k, n in
                .object([("category", k.isEmpty ? .null : .string(k)), ("count", .int(n))])
            })),
            ("byArea", .array(o.areas.map { a in
                .object([("unit", a.unit.map { platform.unitRef($0.id) } ?? .null), ("count", .int(a.count))])
            })),
            ("open", .object([(String, JSON)]([("total", JSON.int(o.openTotal))]) + AlertLevel.allCases.map { ($0.rawValue, JSON.int(o.openByAlert[$0] ?? 0)) }
                + [("risk", JSON.int(o.openRisk))])),
            ("rates", .object([
                ("received", .int(t.received)), ("completionRate", Self.rate(t.completionRate)), ("replyOnTimeRate", Self.rate(t.replyOnTimeRate)),
                ("signOnTimeRate", Self.rate(t.signOnTimeRate)), ("acceptOnTimeRate", Self.rate(t.acceptOnTimeRate)),
                ("signOverdue", .int(t.signOverdue)), ("acceptOverdue", .int(t.acceptOverdue)), ("replyOverdue", .int(t.replyOverdue)),
                ("toComplete", .int(t.toComplete)), ("completed", .int(t.completed)),
                ("satisfactionRate", Self.rate(t.satisfactionRate)), ("evaluationRate", Self.rate(t.evaluationRate)), ("repeatRate", Self.rate(t.repeatRate)),
            ])),
            ("ranking", .object([
                ("level", .string(level.rawValue)), ("kinds", .array(kinds.map(\.rawValue).sorted().map(JSON.string))),
                ("weights", Self.weightsJSON), ("items", .array(o.ranking.map { Self.render($0, ranked: true) })),
            ])),
        ]), status: .ok)
    }

    static var weightsJSON: JSON {
        .object(Statistics.weights.map { ($0.name, JSON.number($0.weight)) })
    }

    static func rate(_ v: Double?, places: Int = 4) -> JSON {
        Statistics.rounded(v, places: places).map(JSON.number) ?? .null
    }

    static func render(_ r: UnitStatsRow, ranked: Bool) -> JSON {
        let t = r.tally
        var pairs: [(String, JSON)] = []
        if ranked { pairs.append(("rank", .opt(r.rank))) }
        pairs += [
            ("unit", .object([("id", .int(r.unit.id)), ("name", .string(r.unit.name)), ("level", .string(r.unit.level.rawValue)),
                              ("kind", .string(r.unit.kind.rawValue))])),
            ("received", .int(t.received)),
            ("signed", .int(t.signed)), ("signedOnTime", .int(t.signedOnTime)), ("signOverdue", .int(t.signOverdue)),
            ("signOnTimeRate", rate(t.signOnTimeRate)),
            ("decided", .int(t.decided)), ("decidedOnTime", .int(t.decidedOnTime)), ("acceptOverdue", .int(t.acceptOverdue)),
            ("acceptOnTimeRate", rate(t.acceptOnTimeRate)),
            ("replied", .int(t.replied)), ("repliedOnTime", .int(t.repliedOnTime)), ("replyOverdue", .int(t.replyOverdue)),
            ("replyOnTimeRate", rate(t.replyOnTimeRate)),
            ("toComplete", .int(t.toComplete)), ("completed", .int(t.completed)), ("completionRate", rate(t.completionRate)),
            ("evaluated", .int(t.evaluated)), ("evaluationRate", rate(t.evaluationRate)),
            ("satisfied", .int(t.satisfied)), ("satisfactionRate", rate(t.satisfactionRate)),
            ("averageReplyWorkingDays", rate(t.averageReplyWorkingDays, places: 2)),
            ("repeats", .int(t.repeats)), ("repeatRate", rate(t.repeatRate)),
            ("score", rate(r.score, places: 2)),
        ]
        return .object(pairs)
    }

    // MARK: CSV

    static let csvHeader = [
        "排名 rank", "单位ID unitId", "单位 unit", "层级 level", "类型 kind", "收件 received",
        "签收 signed", "及时签收 signedOnTime", "超期未签收 signOverdue", "及时签收率 signOnTimeRate",
        "受理 decided", "及时受理 decidedOnTime", "超期未受理 acceptOverdue", "及时受理率 acceptOnTimeRate",
        "答复 replied", "按期答复 repliedOnTime", "超期未答复 replyOverdue", "按期办结率 replyOnTimeRate",
        "应办结 toComplete", "办结 completed", "办结率 completionRate",
        "参评 evaluated", "参评率 evaluationRate", "满意 satisfied", "满意率 satisfactionRate",
        "平均答复工作日 averageReplyWorkingDays", "重复件 repeats", "重复件率 repeatRate", "综合得分 score",
    ]

    /// RFC 4180 text: CRLF line ends, fields quoted when they hold a comma, quote or line break, and a UTF-8 BOM
    /// first so that Excel reads the Chinese right. Rates are percentages ("66.67%"), which Excel reads as numbers.
    static func csv(_ rows: [UnitStatsRow], subtree: Bool?) -> String {
        func field(_ s: String) -> String {
            guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        func pct(_ v: Double?) -> String {
            guard let v = Statistics.rounded(v, places: 4) else { return "" }
            return format2(v * 100) + "%"
        }
        func num(_ v: Double?) -> String { v.map(format2) ?? "" }
        var header = csvHeader
        if subtree == true { header[2] = "单位（含下级）unit (subtree)" }
        var out = "\u{FEFF}" + header.map(field).joined(separator: ",") + "\r\n"
        for r in rows {
            let t = r.tally
            let cells: [String] = [
                r.rank.map(String.init) ?? "", String(r.unit.id), r.unit.name, r.unit.level.label, r.unit.kind.label, String(t.received),
                String(t.signed), String(t.signedOnTime), String(t.signOverdue), pct(t.signOnTimeRate),
                String(t.decided), String(t.decidedOnTime), String(t.acceptOverdue), pct(t.acceptOnTimeRate),
                String(t.replied), String(t.repliedOnTime), String(t.replyOverdue), pct(t.replyOnTimeRate),
                String(t.toComplete), String(t.completed), pct(t.completionRate),
                String(t.evaluated), pct(t.evaluationRate), String(t.satisfied), pct(t.satisfactionRate),
                num(t.averageReplyWorkingDays), String(t.repeats), pct(t.repeatRate), num(r.score),
            ]
            out += cells.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// Two decimals, without Foundation's locale-dependent formatting: 66.666… → "66.67", 50 → "50.00".
    static func format2(_ v: Double) -> String {
        let cents = Int64((v * 100).rounded())
        let sign = cents < 0 ? "-" : ""
        let a = abs(cents)
        let frac = a % 100
        return "\(sign)\(a / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func csvResponse(_ rows: [UnitStatsRow], subtree: Bool?, name: String) -> Response {
        Response(status: .ok,
                 headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                 body: .init(byteBuffer: ByteBuffer(string: csv(rows, subtree: subtree))))
    }
}
