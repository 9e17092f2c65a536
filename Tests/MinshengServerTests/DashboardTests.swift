import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Two districts: 渝中区 (3, from `apiUnits`: departments 4, 5, street 6) and 江北区 (7, department 8, street 9).
let dashUnits: [MinshengDomain.Unit] = apiUnits + [
    MinshengDomain.Unit(id: 7, parentID: 1, name: "江北区", level: .district, kind: .government),
    MinshengDomain.Unit(id: 8, parentID: 7, name: "江北区人力社保局", level: .district, kind: .department),
    MinshengDomain.Unit(id: 9, parentID: 7, name: "观音桥街道", level: .town, kind: .government),
    MinshengDomain.Unit(id: 10, parentID: 1, name: "重庆市住房城乡建委", level: .city, kind: .department),
]

/// Percent-encoded form body.
func formBody(_ fields: [(String, String)]) -> String {
    fields.map { "\(enc($0.0))=\(enc($0.1))" }.joined(separator: "&")
}

let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

extension Harness {
    /// Registers a case through the API with a channel, category and place; returns its id.
    @discardableResult
    func register(channel: String, category: String?, location: Int?, title: String = "路灯不亮", phone: String = "13800001234") async throws -> Int {
        var body: [String: Any] = ["channel": channel, "kind": "help", "title": title, "content": "晚上很黑，请尽快修复。",
                                   "citizen": ["name": "王先生", "phone": phone]]
        if let category { body["category"] = category }
        if let location { body["locationUnit"] = location }
        let r = try await post("/api/v1/cases", body)
        #expect(r.status == .created, "\(r.text)")
        return try #require(r["id"].int)
    }

    func page(_ uri: String, token: String) async throws -> APIResponse { try await get(uri, token: token) }
}

@Suite("Leader dashboard")
struct DashboardTests {
    @Test func theFiguresAreTheCasesRegisteredInThePeriod() async throws {
        try await withAPI(units: dashUnits) { h in
            try await h.register(channel: "phone", category: "城乡建设", location: 6)
            try await h.register(channel: "phone", category: "城乡建设", location: 4)
            try await h.register(channel: "web", category: "劳动和社会保障", location: 9, phone: "13800005678")
            try await h.register(channel: "wechat", category: nil, location: nil, phone: "13800009999")
            // The next day: a case outside a one-day period.
            h.clock.advance(seconds: 86_400)
            try await h.register(channel: "letter", category: "城乡建设", location: 6, phone: "13800007777")
            let leader = try await h.accounts.user("city.leader", unit: 1, roles: [.leader]).token

            let r = try await h.get("/api/v1/stats/overview?from=2026-11-02&to=2026-11-02", token: leader)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["scope"]["id"].int == 1)
            #expect(r["total"].int == 4)
            #expect(r["byChannel"]["phone"].int == 2 && r["byChannel"]["web"].int == 1 && r["byChannel"]["wechat"].int == 1)
            #expect(r["byChannel"]["letter"].exists == false)
            #expect(r["byDay"].count == 1 && r["byDay"][0]["day"].string == "2026-11-02" && r["byDay"][0]["total"].int == 4)
            let cats = Dictionary(uniqueKeysWithValues: r["byCategory"].array.map { ($0["category"].string ?? "-", $0["count"].int ?? 0) })
            #expect(cats == ["城乡建设": 2, "劳动和社会保障": 1, "-": 1])
            // Areas: every district listed, then the city's own level (the case without a place is held by the center).
            let areas = r["byArea"].array.map { ($0["unit"]["name"].string ?? "本级", $0["count"].int ?? -1) }
            #expect(areas.map(\.0) == ["渝中区", "江北区", "本级"])
            #expect(areas.map(\.1) == [2, 1, 1])
            #expect(r["open"]["total"].int == 5) // open now, whatever the period
            // Two days: both days, five cases, the letter on the second.
            let two = try await h.get("/api/v1/stats/overview?from=2026-11-02&to=2026-11-03", token: leader)
            #expect(two["total"].int == 5 && two["byDay"].count == 2 && two["byDay"][1]["channels"]["letter"].int == 1)

            // The page shows the same numbers: total, per-channel table, hover titles, alert tiles.
            let page = try await h.get("/console/dashboard?from=2026-11-02&to=2026-11-02", token: leader)
            #expect(page.status == .ok)
            #expect(page.text.contains("id=\"volume-total\">4<"))
            #expect(page.text.contains("<title>2026-11-02 电话：2 件</title>"))
            #expect(page.text.contains("<title>城乡建设：2 件</title>"))
            #expect(page.text.contains("<title>渝中区：2 件</title>") || page.text.contains("title=\"渝中区：2 件\""))
            #expect(page.text.contains("<svg class=\"chart\""))
            #expect(page.text.contains("id=\"alert-normal\">5<"))
            #expect(!page.text.contains("<script>"))
        }
    }

    @Test func aDistrictLeaderSeesOnlyTheDistrict() async throws {
        try await withAPI(units: dashUnits) { h in
            try await h.register(channel: "phone", category: "城乡建设", location: 6)
            try await h.register(channel: "web", category: "城乡建设", location: 6, phone: "13800002222")
            try await h.register(channel: "phone", category: "劳动和社会保障", location: 9, phone: "13800003333")
            let yz = try await h.accounts.user("yz.leader", unit: 3, roles: [.leader]).token
            let jb = try await h.accounts.user("jb.leader", unit: 7, roles: [.leader]).token
            let r = try await h.get("/api/v1/stats/overview?from=2026-11-02&to=2026-11-02", token: yz)
            #expect(r["scope"]["name"].string == "渝中区")
            #expect(r["total"].int == 2 && r["open"]["total"].int == 2)
            // A district's areas are its streets; its departments are its own level.
            #expect(r["byArea"].array.map { $0["unit"]["name"].string ?? "本级" } == ["解放碑街道", "本级"])
            #expect(r["byArea"][0]["count"].int == 2)
            #expect(r["ranking"]["level"].string == "district") // its departments
            #expect(Set(r["ranking"]["items"].array.compactMap { $0["unit"]["id"].int }) == [3, 4, 5])
            let j = try await h.get("/api/v1/stats/overview?from=2026-11-02&to=2026-11-02", token: jb)
            #expect(j["total"].int == 1 && j["byChannel"]["phone"].int == 1 && j["byChannel"]["web"].exists == false)
            let page = try await h.get("/console/dashboard?from=2026-11-02&to=2026-11-02", token: jb)
            #expect(page.text.contains("id=\"volume-total\">1<"))
            #expect(!page.text.contains("渝中区"))
        }
    }

    @Test func openCasesByAlertLevelAndTheRanking() async throws {
        try await withAPI(units: dashUnits) { h in
            let a = try await h.register(channel: "phone", category: "城乡建设", location: 6)
            try await h.register(channel: "phone", category: "城乡建设", location: 6, phone: "13800004444")
            try await h.step(a, "dispatch", ["unit": 4, "mode": "assign"])
            try await h.step(a, "sign", ["actingUnit": 4])
            // Thursday: the case still at the center passed its one-day dispatch limit (alarm); the dispatched one
            // was not accepted within 2 working days (warning).
            h.clock.set(at("2026-11-05T10:00:00+08:00"))
            let leader = try await h.accounts.user("city.leader", unit: 1, roles: [.leader]).token
            let r = try await h.get("/api/v1/stats/overview?from=2026-11-02&to=2026-11-05", token: leader)
            #expect(r["open"]["alarm"].int == 1 && r["open"]["warning"].int == 1 && r["open"]["normal"].int == 0, "\(r["open"])")
            // Ranking of the district level: 渝中区城市管理局 received the case and signed on time.
            let ranking = try await h.get("/api/v1/stats/overview?from=2026-11-02&to=2026-11-05&level=district&kind=department", token: leader)
            let first = ranking["ranking"]["items"][0]
            #expect(first["unit"]["id"].int == 4 && first["rank"].int == 1 && first["received"].int == 1 && first["signOnTimeRate"].int == 1)
            let page = try await h.get("/console/dashboard?from=2026-11-02&to=2026-11-05&level=district&kind=department", token: leader)
            #expect(page.text.contains("id=\"alert-alarm\">1<") && page.text.contains("id=\"alert-warning\">1<"))
            #expect(page.text.contains("渝中区城市管理局"))
        }
    }

    @Test func periodsAndRoles() async throws {
        try await withAPI(units: dashUnits) { h in
            try await h.register(channel: "phone", category: "城乡建设", location: 6)
            let leader = try await h.accounts.user("city.leader", unit: 1, roles: [.leader]).token
            // Default: the 30 days ending today (by the platform clock).
            let d = try await h.get("/api/v1/stats/overview", token: leader)
            #expect(d["total"].int == 1 && d["byDay"].count == 30 && d["byDay"][29]["day"].string == "2026-11-02")
            let page = try await h.get("/console/dashboard", token: leader)
            #expect(page.status == .ok && page.text.contains("2026-10-04 至 2026-11-02"))
            // Bad periods: 400 from the API, the default period with a message on the page.
            expectError(try await h.get("/api/v1/stats/overview?from=2026-11-05&to=2026-11-02", token: leader), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/stats/overview?from=2025-01-01&to=2026-11-02", token: leader), .badRequest, "invalid_field")
            let bad = try await h.get("/console/dashboard?from=nope", token: leader)
            #expect(bad.status == .badRequest && bad.text.contains("flash bad"))
            // A handler has no dashboard; nobody without a session gets one.
            let handler = try await h.accounts.user("handler", unit: 4, roles: [.handler]).token
            #expect(try await h.get("/console/dashboard", token: handler).status == .forbidden)
            expectError(try await h.get("/api/v1/stats/overview", token: handler), .forbidden, "role_not_allowed")
            let anon = try await h.get("/console/dashboard", token: nil)
            #expect(anon.status == .seeOther && anon.headers[.location]?.hasPrefix("/login") == true)
        }
    }
}
