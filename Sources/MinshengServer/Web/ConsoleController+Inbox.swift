import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// The inbox: tabs, filters and the list of cases a user works on.
extension ConsoleController {
    static let tabs: [(String, String)] = [("mine", "本单位待办"), ("all", "辖区全部"), ("co", "协办"), ("owned", "我领办的"), ("proposed", "建议领导领办")]

    @Sendable func inbox(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let u = p.user
        let params = request.uri.queryParameters
        func param(_ k: String) -> String? { params.get(k).flatMap { $0.isEmpty ? nil : String($0) } }
        var c = base(p, nav: "inbox", title: "收件箱")
        guard !u.roles.isDisjoint(with: Platform.caseRoles) else {
            c["noCases"] = true
            return pages.html("inbox", c)
        }
        let isLeader = u.roles.contains(.leader)
        let tab = param("tab") ?? (isLeader && !u.roles.contains(.handler) && !u.roles.contains(.dispatcher) ? "all" : "mine")
        var q = CaseQuery(now: platform.clock.now())
        q.limit = 50
        switch tab {
        case "all": q.scope = platform.scopeUnits(of: u)
        case "co": q.coHandler = u.unit
        case "owned": q.owner = "user:\(u.id)"
        case "proposed": q.leaderProposed = true; q.scope = platform.scopeUnits(of: u)
        default: q.unit = u.unit; q.openOnly = true; q.order = .due
        }
        if let s = param("state") { q.state = CaseState(rawValue: s) }
        if let a = param("alert") { q.alert = AlertLevel(rawValue: a) }
        if param("risk") == "1" { q.risk = true }
        if let k = param("kind") { q.kind = CaseKind(rawValue: k) }
        if let ch = param("channel") { q.channel = Channel(rawValue: ch) }
        if let text = param("q") { q.text = String(text.prefix(100)); q.order = .relevance }
        if param("open") == "1" { q.openOnly = true }
        if let o = param("order"), let order = CaseOrder(rawValue: o) { q.order = order }
        q.cursor = param("cursor")
        let page = try await platform.cases(q)
        let now = platform.clock.now()
        c["tabs"] = Self.tabs.filter { t in
            switch t.0 {
            case "owned", "proposed": return isLeader
            case "co": return u.roles.contains(.handler)
            default: return true
            }
        }.map { ["key": $0.0, "label": $0.1, "on": $0.0 == tab] as [String: Any] }
        c["tab"] = tab
        c["filters"] = [
            "q": param("q") ?? "",
            "states": Self.options(CaseState.self, selected: param("state"), blank: "全部状态"),
            "alerts": Self.options(AlertLevel.self, selected: param("alert"), blank: "全部预警"),
            "kinds": Self.options(CaseKind.self, selected: param("kind"), blank: "全部类型"),
            "channels": Self.options(Channel.self, selected: param("channel"), blank: "全部渠道"),
            "risk": param("risk") == "1",
        ] as [String: Any]
        c["rows"] = page.items.map { s -> [String: Any] in
            Web.compact([
                "id": s.id, "title": s.title, "code": s.trackingCode, "state": s.state.label,
                "alert": s.alert.rawValue, "alertLabel": s.alert == .normal ? "正常" : s.alert.label,
                "kind": s.kind.label, "channel": s.channel.label, "holder": platform.unit(s.holder)?.name ?? "",
                "due": Web.deadline(s.due), "overdue": s.due.map { $0 < now } ?? false, "registered": Web.time(s.registeredAt),
                "risk": s.risk,
                "groupVisit": (s.visitors ?? 0) >= Case.groupVisitSize, "visitors": s.visitors.map(String.init) ?? "",
                "scans": s.channel == .letter && s.attachments > 0 ? "\(s.attachments)页" : "",
            ])
        }
        c["empty"] = page.items.isEmpty
        if let next = page.nextCursor {
            var comps = URLComponents()
            comps.queryItems = ["tab", "state", "alert", "risk", "kind", "channel", "q", "open", "order"].compactMap { k in param(k).map { URLQueryItem(name: k, value: $0) } }
                + [URLQueryItem(name: "tab", value: tab), URLQueryItem(name: "cursor", value: next)]
            c["next"] = "/console?" + (comps.percentEncodedQuery ?? "")
        }
        if param("flash") == "password" { c["flash"] = ["kind": "ok", "text": "密码已修改"] }
        return pages.html("inbox", c)
    }
}
