import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore
import MinshengText

/// The leader's dashboard (issue 5 item 3): for the signed-in user's scope and a period, the volume by day and
/// channel, by category and by area, the open cases by alert level, the scope's rates and the unit ranking. Charts
/// are SVG drawn by the server (numbers on hover in `<title>`, and in a table beside each chart); no script.
struct DashboardController {
    let platform: Platform
    let pages: Pages
    var console: ConsoleController { ConsoleController(platform: platform, pages: pages) }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("console/dashboard", use: dashboard)
    }

    /// The longest period the dashboard draws (as the statistics API).
    static let maxDays = 366

    /// `from` and `to` are dates (China time), both included; absent: the 30 days ending today by the platform clock.
    static func period(from f: String?, to t: String?, now: Instant) throws -> (from: Instant, to: Instant) {
        let today = ChinaTime.day(of: now)
        func day(_ s: String?, _ field: String) throws -> Day? {
            guard let s = s?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
            guard let d = Day(s) else { throw APIError.invalid(field, "应为日期 YYYY-MM-DD") }
            return d
        }
        let toDay = try day(t, "to") ?? today
        let fromDay = try day(f, "from") ?? toDay.adding(days: -29)
        guard fromDay <= toDay else { throw APIError.invalid("to", "结束日期不能早于开始日期") }
        guard toDay.daysSinceEpoch - fromDay.daysSinceEpoch < maxDays else { throw APIError.invalid("to", "统计区间不能超过 \(maxDays) 天") }
        return (ChinaTime.calendarStart(of: fromDay), ChinaTime.endOf(toDay))
    }

    static func rankingParams(level: String?, kind: String?, root: Unit?, platform: Platform) throws -> (UnitLevel, Set<UnitKind>) {
        let rootLevel = root?.level ?? .city
        var lv = platform.defaultRankingLevel(below: root?.id ?? 0)
        if let l = level, !l.isEmpty {
            guard let x = UnitLevel(rawValue: l) else { throw APIError.invalid("level", "可选：city, district, town, village") }
            guard x >= rootLevel else { throw APIError.invalid("level", "排名层级不能高于您的管辖范围（\(rootLevel.label)）") }
            lv = x
        }
        var kinds: Set<UnitKind> = [.department, .government]
        if let k = kind, !k.isEmpty, k != "all" {
            kinds = []
            for part in k.split(separator: ",") {
                guard let x = UnitKind(rawValue: String(part)) else { throw APIError.invalid("kind", "可选：government, department, utility, center") }
                kinds.insert(x)
            }
        }
        return (lv, kinds)
    }

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try console.user(context)
        guard !p.user.roles.isDisjoint(with: StatsController.readers) else {
            throw APIError(.forbidden, "role_not_allowed", "领导看板需要领导、督查员或分拨员角色")
        }
        let q = request.uri.queryParameters
        func param(_ k: String) -> String? { q.get(k).flatMap { $0.isEmpty ? nil : String($0) } }
        var c = console.base(p, nav: "dashboard", title: "领导看板")
        let now = platform.clock.now()
        let root = platform.scopeRoot(of: p.user)
        var status: HTTPResponse.Status = .ok
        var period: (from: Instant, to: Instant)
        do {
            period = try Self.period(from: param("from"), to: param("to"), now: now)
        } catch {
            c["flash"] = ["kind": "bad", "text": APIError.from(error).message + "；已显示最近 30 天"]
            period = try Self.period(from: nil, to: nil, now: now)
            status = .badRequest
        }
        let (level, kinds) = (try? Self.rankingParams(level: param("level"), kind: param("kind"), root: platform.unit(root), platform: platform))
            ?? (platform.defaultRankingLevel(below: root), [.department, .government])
        let o = try await platform.overview(scopeRoot: root, from: period.from, to: period.to, rankingLevel: level, rankingKinds: kinds)
        let fromDay = ChinaTime.day(of: o.from), toDay = ChinaTime.day(of: o.to.adding(seconds: -1))
        c["period"] = ["from": fromDay.description, "to": toDay.description, "days": o.days.count]
        c["scopeName"] = o.scope.name
        let today = ChinaTime.day(of: now)
        c["quick"] = [(7, "近7天"), (30, "近30天"), (90, "近90天")].map { n, label in
            ["label": label, "href": "/console/dashboard?from=\(today.adding(days: -(n - 1)))&to=\(today)",
             "on": fromDay == today.adding(days: -(n - 1)) && toDay == today] as [String: Any]
        } + [["label": "本年", "href": "/console/dashboard?from=\(today.year)-01-01&to=\(today)",
              "on": fromDay == Day(year: today.year, month: 1, day: 1)! && toDay == today] as [String: Any]]
        c["kpis"] = Self.kpis(o)
        c["alerts"] = AlertLevel.allCases.reversed().map { a in
            ["level": a.rawValue, "label": a.label, "count": o.openByAlert[a] ?? 0,
             "href": "/console?tab=all&open=1&alert=\(a.rawValue)"] as [String: Any]
        }
        c["openTotal"] = o.openTotal
        c["risk"] = ["count": o.openRisk, "href": "/console?tab=all&open=1&risk=1"] as [String: Any]
        c["volume"] = Self.volumeChart(o)
        c["categories"] = Self.categoryChart(o)
        c["areas"] = Self.areaTiles(o)
        c["areaTitle"] = o.scope.level == .city ? "各区县（含两江新区、高新区、万盛经开区）" : "下辖\(o.scope.level == .district ? "镇街" : "村社")"
        let showAll = param("all") == "1"
        let ranked = o.ranking
        c["ranking"] = (showAll ? ranked : Array(ranked.prefix(20))).map(Self.rankRow)
        c["rankingMore"] = !showAll && ranked.count > 20 ? ["count": ranked.count] as [String: Any]? : nil
        c["rankingEmpty"] = ranked.isEmpty
        c["levels"] = UnitLevel.allCases.filter { $0 >= o.scope.level }.map { ["value": $0.rawValue, "label": $0.label + "级", "selected": $0 == level] as [String: Any] }
        let kindValue = kinds == [.department, .government] ? "" : kinds.map(\.rawValue).sorted().joined(separator: ",")
        c["kinds"] = [("", "部门和政府"), ("government", "政府（区域）"), ("department", "部门"), ("utility", "公用事业"), ("all", "全部类型")].map { v, l in
            ["value": v, "label": l, "selected": v == kindValue || (v == "all" && kinds.count == UnitKind.allCases.count)] as [String: Any]
        }
        c["rankingLevel"] = level.label
        c["scoreFormula"] = Self.scoreFormula
        c["hotspots"] = await Self.hotspotPanel(platform: platform, root: root, from: period.from, to: period.to, fromDay: fromDay, toDay: toDay)
        let figures = try await platform.channelFigures(scopeRoot: root, from: period.from, to: period.to)
        c["channelFigures"] = [
            "empty": figures.rows.isEmpty,
            "rows": figures.rows.map { r -> [String: Any] in
                ["label": r.channel.label, "volume": r.volume, "share": Self.pct(r.share), "acknowledged": r.acknowledged,
                 "median": ChannelFigures.duration(r.median), "p90": ChannelFigures.duration(r.p90), "target": r.targetLabel,
                 "within": Self.pct(r.withinShare), "late": (r.withinShare ?? 1) < 0.9]
            },
        ] as [String: Any]
        c["channelsHref"] = "/api/v1/stats/channels?from=\(fromDay)&to=\(toDay)"
        c["apiHref"] = "/api/v1/stats/overview?from=\(fromDay)&to=\(toDay)"
        c["csvHref"] = "/api/v1/stats/units?level=\(level.rawValue)&from=\(fromDay)&to=\(toDay)&format=csv"
        return pages.html("dashboard", Web.compact(c.mapValues { Optional($0) }), status: status)
    }

    // MARK: Figures

    static func pct(_ v: Double?) -> String {
        guard let v else { return "—" }
        let tenths = Int((v * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    static func kpis(_ o: Overview) -> [[String: Any]] {
        let t = o.tally
        return [
            ["label": "登记诉求", "value": "\(o.volume.total)", "note": "本期新登记（件）"],
            ["label": "在办诉求", "value": "\(o.openTotal)", "note": "截至现在未办结"],
            ["label": "办结率", "value": pct(t.completionRate), "note": "\(t.completed) / \(t.toComplete) 应办结"],
            ["label": "按期办结率", "value": pct(t.replyOnTimeRate),
             "note": "\(t.repliedOnTime) / \(t.replied + t.replyOverdue)（含超期未答复 \(t.replyOverdue)）"],
            ["label": "满意率", "value": pct(t.satisfactionRate), "note": "\(t.satisfied) / \(t.evaluated) 参评"],
            ["label": "重复件率", "value": pct(t.repeatRate), "note": "\(t.repeats) / \(t.received)"],
        ]
    }

    /// One colour per channel (SVG fill attributes, which the style policy allows).
    static let channelColours: [Channel: String] = [
        .phone: "#1d3f72", .web: "#2a7ab0", .app: "#59a5d8", .wechat: "#2e9d5b", .sms: "#8bbf4a",
        .email: "#7e57c2", .letter: "#b08d57", .visit: "#d9822b", .video: "#c2185b", .open311: "#78909c",
    ]

    static let chartW = 760.0, chartH = 240.0, left = 40.0, right = 8.0, top = 12.0, bottom = 28.0

    /// A round upper bound for an axis of four equal steps: 4 × (1, 2, 5 × 10ⁿ).
    static func niceMax(_ v: Int) -> Int {
        guard v > 0 else { return 4 }
        var m = 1
        while true {
            for f in [1, 2, 5] where 4 * f * m >= v { return 4 * f * m }
            m *= 10
        }
    }

    static func f1(_ x: Double) -> String { String(format: "%.1f", x) }

    static func volumeChart(_ o: Overview) -> [String: Any] {
        let channels = Channel.allCases.filter { ch in o.volume.byDayChannel.contains { $0.key.channel == ch.rawValue && $0.value > 0 } }
        var perDay: [Day: Int] = [:]
        for (k, n) in o.volume.byDayChannel { perDay[k.day, default: 0] += n }
        let maxY = niceMax(perDay.values.max() ?? 0)
        let plotW = chartW - left - right, plotH = chartH - top - bottom
        let slot = plotW / Double(max(o.days.count, 1))
        let barW = max(1, slot * 0.72)
        let labelEvery = max(1, Int((Double(o.days.count) / 10).rounded(.up)))
        var bars: [[String: Any]] = []
        for (i, d) in o.days.enumerated() {
            var y = top + plotH
            var segments: [[String: Any]] = []
            for ch in channels {
                let n = o.volume.byDayChannel[.init(day: d, channel: ch.rawValue)] ?? 0
                guard n > 0 else { continue }
                let h = plotH * Double(n) / Double(maxY)
                y -= h
                segments.append(["y": f1(y), "h": f1(h), "fill": channelColours[ch] ?? "#999", "title": "\(d) \(ch.label)：\(n) 件"])
            }
            let x = left + Double(i) * slot + (slot - barW) / 2
            var bar: [String: Any] = ["x": f1(x), "w": f1(barW), "segments": segments,
                                      "title": "\(d)：共 \(perDay[d] ?? 0) 件", "hitY": f1(top), "hitH": f1(plotH)]
            if i % labelEvery == 0 { bar["label"] = String(format: "%02d-%02d", d.month, d.day); bar["lx"] = f1(x + barW / 2) }
            bars.append(bar)
        }
        let ticks = (0...4).map { k -> [String: Any] in
            let v = maxY * k / 4
            return ["y": f1(top + plotH - plotH * Double(k) / 4), "label": "\(v)", "ty": f1(top + plotH - plotH * Double(k) / 4 + 4)]
        }
        let byChannel = channels.map { ch in
            (ch, o.volume.byDayChannel.filter { $0.key.channel == ch.rawValue }.values.reduce(0, +))
        }
        return [
            "w": Int(chartW), "h": Int(chartH), "x0": f1(left), "x1": f1(chartW - right), "y0": f1(top + plotH), "ly": f1(chartH - 8),
            "bars": bars, "ticks": ticks,
            "legend": byChannel.map { ["fill": channelColours[$0.0] ?? "#999", "label": $0.0.label, "count": $0.1] as [String: Any] },
            "empty": o.volume.total == 0,
            "total": o.volume.total,
            "headers": channels.map(\.label),
            "rows": o.days.reversed().map { d in
                ["day": d.description, "total": perDay[d] ?? 0,
                 "cells": channels.map { o.volume.byDayChannel[.init(day: d, channel: $0.rawValue)] ?? 0 }] as [String: Any]
            },
        ]
    }

    static func categoryChart(_ o: Overview) -> [String: Any] {
        let items = o.volume.byCategory.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let maxV = max(items.first?.value ?? 0, 1)
        let rowH = 26.0, labelW = 120.0, w = 480.0
        let barMax = w - labelW - 50
        let rows = items.enumerated().map { i, kv -> [String: Any] in
            let y = Double(i) * rowH + 4
            let bw = max(2, barMax * Double(kv.value) / Double(maxV))
            let name = kv.key.isEmpty ? "未分类" : kv.key
            return ["name": name, "count": kv.value, "y": f1(y), "ty": f1(y + 15), "bw": f1(bw), "nx": f1(labelW + bw + 6),
                    "share": pct(o.volume.total == 0 ? nil : Double(kv.value) / Double(o.volume.total)),
                    "title": "\(name)：\(kv.value) 件"]
        }
        return ["rows": rows, "w": Int(w), "h": Int(Double(max(items.count, 1)) * rowH + 8), "lx": f1(labelW - 6), "bx": f1(labelW),
                "empty": items.isEmpty]
    }

    static func areaTiles(_ o: Overview) -> [[String: Any]] {
        // Five shades over the range of the areas' counts (zero has its own), so that differences show.
        let counts = o.areas.filter { $0.unit != nil && $0.count > 0 }.map(\.count)
        let lo = counts.min() ?? 0, hi = counts.max() ?? 0
        return o.areas.map { a in
            let heat = a.count == 0 ? 0 : hi == lo ? 3 : 1 + min(4, max(0, Int(Double(a.count - lo) / Double(hi - lo) * 4.999)))
            let name = a.unit?.name ?? "本级部门及直属单位"
            return ["name": name, "count": a.count, "heat": heat, "title": "\(name)：\(a.count) 件",
                    "share": pct(o.volume.total == 0 ? nil : Double(a.count) / Double(o.volume.total)), "isSelf": a.unit == nil]
        }
    }

    /// "及时签收率×15% + …", from the weights the score uses (so the page cannot drift from the arithmetic).
    static var scoreFormula: String {
        let labels = ["signOnTimeRate": "及时签收率", "acceptOnTimeRate": "及时受理率", "replyOnTimeRate": "按期办结率",
                      "completionRate": "办结率", "satisfactionRate": "满意率"]
        return Statistics.weights.map { "\(labels[$0.name] ?? $0.name)×\(Int(($0.weight * 100).rounded()))%" }.joined(separator: " + ")
    }

    static func rankRow(_ r: UnitStatsRow) -> [String: Any] {
        let t = r.tally
        var row: [String: Any] = [
            "name": r.unit.name, "kind": r.unit.kind.label, "received": t.received,
            "sign": pct(t.signOnTimeRate), "accept": pct(t.acceptOnTimeRate), "reply": pct(t.replyOnTimeRate),
            "completion": pct(t.completionRate), "satisfaction": pct(t.satisfactionRate),
            "overdue": t.signOverdue + t.acceptOverdue + t.replyOverdue,
            "overdueTitle": "超期未签收 \(t.signOverdue) · 超期未受理 \(t.acceptOverdue) · 超期未答复 \(t.replyOverdue)",
            "signTitle": "\(t.signedOnTime) / (\(t.signed) + \(t.signOverdue))",
            "acceptTitle": "\(t.decidedOnTime) / (\(t.decided) + \(t.acceptOverdue))",
            "replyTitle": "\(t.repliedOnTime) / (\(t.replied) + \(t.replyOverdue))",
            "completionTitle": "\(t.completed) / \(t.toComplete)",
            "satisfactionTitle": "\(t.satisfied) / \(t.evaluated)",
            "avg": t.averageReplyWorkingDays.map { String(format: "%.1f", $0) } ?? "—",
            "score": r.score.map { String(format: "%.1f", $0) } ?? "—",
            "scoreW": f1(max(0, min(100, r.score ?? 0))),
        ]
        if let rank = r.rank { row["rank"] = rank } else { row["rank"] = "—" }
        if r.score != nil { row["hasScore"] = true }
        return row
    }

    // MARK: Hotspots

    /// The top five topic and place hotspots of the period (nil when they cannot be computed: the rest of the page
    /// is still drawn).
    static func hotspotPanel(platform: Platform, root: UnitID, from: Instant, to: Instant, fromDay: Day, toDay: Day) async -> [String: Any]? {
        guard let r = try? await platform.hotspots(root: root, from: from, to: to) else { return nil }
        func row(_ c: HotspotCluster, rank: Int, department: UnitID?) -> [String: Any] {
            let ds = c.districts.prefix(3).map { "\($0.name) \($0.count)" }.joined(separator: "、")
                + (c.districts.count > 3 ? " 等 \(c.districts.count) 个区县" : "")
            let arrow: String, trendText: String
            switch c.trend {
            case .new: arrow = "新"; trendText = "上期无"
            case .up: arrow = "↑"; trendText = "上期 \(c.previousSize) 件，增长 \(pct(c.growth))"
            case .down: arrow = "↓"; trendText = "上期 \(c.previousSize) 件，下降 \(pct(c.growth.map { -$0 }))"
            case .flat: arrow = "→"; trendText = "上期 \(c.previousSize) 件，持平"
            }
            let span = ChinaTime.day(of: Instant(seconds: c.firstSeen)), last = ChinaTime.day(of: Instant(seconds: c.lastSeen))
            var out: [String: Any] = [
                "rank": rank, "size": c.size, "people": c.people, "terms": c.terms.prefix(4).joined(separator: " · "),
                "districts": ds.isEmpty ? "—" : ds, "districtCount": c.districts.count,
                "trend": c.trend.rawValue, "arrow": arrow, "trendText": trendText,
                "title": c.representativeTitle.isEmpty ? "（无标题）" : c.representativeTitle,
                "href": "/console/cases/\(c.representative)",
                "span": span == last ? span.description : "\(String(format: "%02d-%02d", span.month, span.day)) 至 \(String(format: "%02d-%02d", last.month, last.day))",
                "categories": c.categories.prefix(4).map { "\($0.name) \($0.count)" }.joined(separator: "、"),
            ]
            if let p = c.place {
                out["place"] = p
                // A place named with its district needs no district list beside it.
                if !(c.districts.count == 1 && p.hasPrefix(c.districts[0].name)) { out["placeNote"] = ds }
            }
            if let cat = c.category { out["category"] = cat }
            if c.systemic {
                out["systemic"] = true
                if let d = department, let u = platform.unit(d) { out["department"] = u.name }
            }
            return out
        }
        let topics = r.report.topics.prefix(5).enumerated().map { i, c in row(c, rank: i + 1, department: r.departments[i]) }
        let places = r.report.places.prefix(5).enumerated().map { i, c in row(c, rank: i + 1, department: nil) }
        return [
            "topics": topics, "places": places, "topicsEmpty": topics.isEmpty, "placesEmpty": places.isEmpty,
            "cases": r.report.messages, "previousCases": r.report.previousMessages,
            "apiHref": "/api/v1/hotspots?from=\(fromDay)&to=\(toDay)",
        ]
    }
}
