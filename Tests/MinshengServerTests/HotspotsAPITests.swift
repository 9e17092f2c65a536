import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Three districts: 渝中区 (3, street 6), 江北区 (7, street 9), 南岸区 (11, street 12), and the city's commerce
/// department (13), where 商贸旅游 goes.
let hotUnits: [MinshengDomain.Unit] = dashUnits + [
    MinshengDomain.Unit(id: 11, parentID: 1, name: "南岸区", level: .district, kind: .government),
    MinshengDomain.Unit(id: 12, parentID: 11, name: "南坪街道", level: .town, kind: .government),
    MinshengDomain.Unit(id: 13, parentID: 1, name: "重庆市商务委员会", level: .city, kind: .department),
]

extension Harness {
    @discardableResult
    func registerAt(_ location: Int, title: String, content: String, category: String, phone: String) async throws -> Int {
        let r = try await post("/api/v1/cases", ["channel": "web", "kind": "complaint", "title": title, "content": content,
                                                 "category": category, "locationUnit": location,
                                                 "citizen": ["name": "李女士", "phone": phone]])
        #expect(r.status == .created, "\(r.text)")
        return try #require(r["id"].int)
    }

    /// The express-fee complaint, three wordings.
    func express(_ location: Int, _ place: String, variant: Int, phone: String) async throws -> Int {
        let texts = [
            ("\(place)快递代收点违规收取保管费", "小区门口的快递代收点取快递要收保管费，每件收一元，快递员也不送货上门，这种违规收费谁来管？"),
            ("\(place)快递代收点乱收费", "快递代收点取件收费两元，快递公司不送上门，还要收取保管费，请邮政管理部门查处违规收费。"),
            ("反映\(place)快递代收点收取取件费", "附近快递代收点要求每件快递交保管费才能取件，快递员不送货上门，违规收费太普遍了。"),
        ]
        let (t, c) = texts[variant % 3]
        return try await registerAt(location, title: t, content: c, category: "商贸旅游", phone: phone)
    }
}

@Suite("Hotspots API")
struct HotspotsAPITests {
    /// Sunday 2026-10-25: the previous week of the period 10-26 … 11-01 is 10-19 … 10-25.
    static let start = at("2026-10-25T10:00:00+08:00")

    @Test func theSameComplaintInThreeDistrictsIsOneSystemicHotspotWithGrowth() async throws {
        try await withAPI(start: Self.start, units: hotUnits) { h in
            // The previous period: twice.
            try await h.express(6, "解放碑", variant: 0, phone: "13800000001")
            try await h.express(9, "观音桥", variant: 1, phone: "13800000002")
            h.clock.advance(seconds: 86_400 * 2) // Tuesday 10-27
            var ids: [Int] = []
            for (k, (loc, place)) in [(6, "解放碑"), (9, "观音桥"), (12, "南坪")].enumerated() {
                for v in 0..<2 { ids.append(try await h.express(loc, place, variant: k + v, phone: "1390000\(k)\(v)00")) }
            }
            let other = [("中学食堂饭菜价格太高", "孩子就读的中学食堂一份午饭要十五元，分量少。", "教育文体"),
                         ("公交车长期晚点", "早高峰公交车经常晚点半小时，建议增加班次。", "交通运输"),
                         ("河道有人偷排污水", "夜里有工厂往河里偷排黑色污水，河水发臭。", "环境保护")]
            for (i, o) in other.enumerated() { try await h.registerAt(6, title: o.0, content: o.1, category: o.2, phone: "1370000000\(i)") }

            let leader = try await h.accounts.user("city.leader", unit: 1, roles: [.leader]).token
            let r = try await h.get("/api/v1/hotspots?from=2026-10-26&to=2026-11-01", token: leader)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["axis"].string == "topic" && r["cases"].int == 9 && r["previousCases"].int == 2)
            #expect(r["items"].count == 1, "\(r.text)")
            let c = r["items"][0]
            #expect(c["size"].int == 6 && c["people"].int == 6)
            #expect(Set(c["members"].ints) == Set(ids))
            #expect(Set(c["districts"].array.compactMap { $0["name"].string }) == ["渝中区", "江北区", "南岸区"])
            #expect(c["systemic"].bool == true)
            #expect(c["category"].string == "商贸旅游")
            #expect(c["department"]["id"].int == 13)
            #expect(c["previousSize"].int == 2 && c["trend"].string == "up")
            #expect(c["growth"].int == 2)
            #expect(ids.contains(c["representative"]["id"].int ?? -1))
            #expect(!c["terms"].strings.isEmpty)

            // The page: the panel with the red chip and the representative's link.
            let page = try await h.get("/console/dashboard?from=2026-10-26&to=2026-11-01", token: leader)
            #expect(page.status == .ok)
            #expect(page.text.contains("id=\"hot-topics\""))
            #expect(page.text.contains("chip chip-systemic"))
            #expect(page.text.contains("href=\"/console/cases/\(c["representative"]["id"].int ?? -1)\""))
            #expect(!page.text.contains("style=\""))
            #expect(!page.text.contains("<script>"))

            // A district leader sees only their district's cases: three at most, not systemic.
            let yz = try await h.accounts.user("yz.leader", unit: 3, roles: [.leader]).token
            let d = try await h.get("/api/v1/hotspots?from=2026-10-26&to=2026-11-01&limit=5", token: yz)
            #expect(d.status == .ok, "\(d.text)")
            #expect(d["scope"]["id"].int == 3)
            #expect(d["cases"].int == 5) // 2 express + 3 others, all in 渝中区
            #expect(d["items"].array.allSatisfy { $0["systemic"].bool == false })
            #expect(d["items"].array.allSatisfy { $0["districts"].array.allSatisfy { $0["name"].string == "渝中区" } })
            // An explicit unit must be inside the scope.
            expectError(try await h.get("/api/v1/hotspots?unit=7", token: yz), .notFound, "not_found")
            let jb = try await h.get("/api/v1/hotspots?from=2026-10-26&to=2026-11-01&unit=7", token: leader)
            #expect(jb.status == .ok && jb["scope"]["id"].int == 7 && jb["cases"].int == 2)
        }
    }

    @Test func aPlaceWithFourCategoriesIsAPlaceHotspot() async throws {
        try await withAPI(start: Self.start, units: hotUnits) { h in
            let cases = [("幸福家园小区门口道路破损", "幸福家园小区门口的道路坑坑洼洼，下雨天全是积水。", "城乡建设"),
                         ("幸福家园小区旁工地夜间施工噪音", "幸福家园小区旁边工地每天夜里施工到凌晨两点。", "环境保护"),
                         ("幸福家园小区停水三天", "幸福家园小区已经停水三天，没有任何通知。", "劳动和社会保障"),
                         ("幸福家园小区垃圾无人清运", "幸福家园小区的垃圾桶满了一个星期没人清运。", "卫生计生")]
            var ids: [Int] = []
            for (i, c) in cases.enumerated() { ids.append(try await h.registerAt(12, title: c.0, content: c.1, category: c.2, phone: "1380000100\(i)")) }
            try await h.registerAt(9, title: "公交车长期晚点", content: "早高峰公交车经常晚点。", category: "交通运输", phone: "13800002000")
            let sup = try await h.accounts.user("city.sup", unit: 1, roles: [.supervisor]).token
            let r = try await h.get("/api/v1/hotspots?axis=place&from=2026-10-25&to=2026-10-25", token: sup)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["axis"].string == "place")
            #expect(r["items"].count == 1, "\(r.text)")
            let p = r["items"][0]
            #expect(p["place"].string == "南岸区·幸福家园小区")
            #expect(Set(p["members"].ints) == Set(ids))
            #expect(p["categories"].count == 4)
            #expect(p["districts"][0]["name"].string == "南岸区")
            #expect(p["systemic"].bool == false)
            // Nothing on the topic axis: four different problems.
            let t = try await h.get("/api/v1/hotspots?from=2026-10-25&to=2026-10-25", token: sup)
            #expect(t["items"].count == 0, "\(t.text)")
        }
    }

    @Test func refusals() async throws {
        try await withAPI(start: Self.start, units: hotUnits) { h in
            let handler = try await h.accounts.user("yz.handler", unit: 4, roles: [.handler]).token
            expectError(try await h.get("/api/v1/hotspots", token: handler), .forbidden, "role_not_allowed")
            let leader = try await h.accounts.user("city.leader", unit: 1, roles: [.leader]).token
            expectError(try await h.get("/api/v1/hotspots?axis=people", token: leader), .badRequest, "invalid_value")
            expectError(try await h.get("/api/v1/hotspots?limit=0", token: leader), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/hotspots?limit=51", token: leader), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/hotspots?unit=abc", token: leader), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/hotspots?from=2026-11-02&to=2026-10-01", token: leader), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/hotspots?q=x", token: leader), .badRequest, "unknown_parameter")
            let empty = try await h.get("/api/v1/hotspots", token: leader)
            #expect(empty.status == .ok && empty["items"].count == 0 && empty["cases"].int == 0)
            #expect(try await h.get("/api/v1/hotspots", token: nil).status == .unauthorized)
        }
    }
}
