import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Scope and roles on the real hierarchy of the demo world (issue 3 item 2).
@Suite("Scope on the demo hierarchy")
struct ScopeTests {
    static let units = DemoUnits.all()
    static func id(_ name: String) -> Int64 { units.first { $0.name == name }!.id }
    static var townOfYuzhong: Int64 { units.first { $0.parentID == id("渝中区") && $0.kind == .government }!.id }

    /// The cast: every user holds exactly the roles of their job.
    struct Cast {
        var cityRegistrar, cityDispatcher, cityLeader, yzDispatcher, yzLeader, yzHandler, yzOtherHandler,
            yzGovHandler, townHandler, jbHandler, cityHandler, supervisor: String
    }

    static func cast(_ h: Harness) async throws -> Cast {
        func t(_ login: String, _ unit: String, _ roles: Set<Role>) async throws -> String {
            try await h.accounts.user(login, unit: id(unit), roles: roles).token
        }
        return Cast(
            cityRegistrar: try await t("c.reg", "重庆市信访办公室", [.registrar]),
            cityDispatcher: try await t("c.dis", "重庆市信访办公室", [.dispatcher]),
            cityLeader: try await t("c.lead", "重庆市", [.leader]),
            yzDispatcher: try await t("yz.dis", "渝中区信访办公室", [.dispatcher, .registrar]),
            yzLeader: try await t("yz.lead", "渝中区", [.leader]),
            yzHandler: try await t("yz.env", "渝中区生态环境局", [.handler]),
            yzOtherHandler: try await t("yz.hr", "渝中区人力社保局", [.handler]),
            yzGovHandler: try await t("yz.gov", "渝中区", [.handler]),
            townHandler: try await h.accounts.user("town", unit: townOfYuzhong, roles: [.handler]).token,
            jbHandler: try await t("jb.env", "江北区生态环境局", [.handler]),
            cityHandler: try await t("c.env", "重庆市生态环境局", [.handler]),
            supervisor: try await t("c.sup", "重庆市信访办公室", [.supervisor]))
    }

    static func create(_ h: Harness, token: String, title: String = "餐馆油烟扰民", body extra: [String: Any] = [:]) async throws -> Int {
        var body: [String: Any] = ["channel": "phone", "kind": "complaint", "title": title, "content": "楼下餐馆油烟直排，晚上噪音也大。",
                                   "citizen": ["name": "周女士", "phone": "13912345678"]]
        for (k, v) in extra { body[k] = v }
        let r = try await h.post("/api/v1/cases", body, token: token)
        #expect(r.status == .created, "\(r.text)")
        return try #require(r["id"].int)
    }

    @Test func readsFollowTheHierarchy() async throws {
        try await withAPI(units: Self.units) { h in
            let c = try await Self.cast(h)
            let id = try await Self.create(h, token: c.cityRegistrar)
            let dispatched = try await h.act(id, "dispatch", ["unit": Self.id("渝中区生态环境局")], token: c.cityDispatcher)
            #expect(dispatched.status == .ok, "\(dispatched.text)")
            let uri = "/api/v1/cases/\(id)"
            // In scope: the holder, its government's leader, the city, the registering center.
            for (who, token) in [("holder", c.yzHandler), ("district leader", c.yzLeader), ("city leader", c.cityLeader),
                                 ("registrar", c.cityRegistrar), ("district government", c.yzGovHandler),
                                 ("district center", c.yzDispatcher)] {
                #expect(try await h.get(uri, token: token).status == .ok, "\(who)")
            }
            // Out of scope: a sibling department, a town of the same district, another district, a city department.
            // The answer reveals nothing.
            let unknown = try await h.get("/api/v1/cases/999999", token: c.jbHandler)
            for (who, token) in [("sibling", c.yzOtherHandler), ("town", c.townHandler), ("other district", c.jbHandler),
                                 ("city department", c.cityHandler)] {
                let r = try await h.get(uri, token: token)
                expectError(r, .notFound, "not_found")
                #expect(r.text.replacingOccurrences(of: "\(id)", with: "999999") == unknown.text, "\(who)")
                expectError(try await h.get(uri + "/contact", token: token), .notFound, "not_found")
                expectError(try await h.act(id, "sign", [:], token: token), .notFound, "not_found")
            }
            // Lists hold only cases in scope; asking for a unit outside it is refused.
            #expect(try await h.get("/api/v1/cases", token: c.yzHandler)["items"].array.compactMap { $0["id"].int } == [id])
            #expect(try await h.get("/api/v1/cases", token: c.yzLeader)["items"].array.compactMap { $0["id"].int } == [id])
            #expect(try await h.get("/api/v1/cases", token: c.jbHandler)["items"].count == 0)
            #expect(try await h.get("/api/v1/cases?q=\(enc("油烟"))", token: c.jbHandler)["items"].count == 0)
            #expect(try await h.get("/api/v1/cases?q=\(enc("油烟"))", token: c.yzHandler)["items"].count == 1)
            expectError(try await h.get("/api/v1/cases?unit=\(Self.id("渝中区生态环境局"))", token: c.jbHandler), .forbidden, "out_of_scope")
        }
    }

    @Test func rolesAndUnitsDecideWhoActs() async throws {
        try await withAPI(units: Self.units) { h in
            let c = try await Self.cast(h)
            let id = try await Self.create(h, token: c.cityRegistrar)
            // A registrar registers but does not dispatch; a handler does not dispatch either.
            expectError(try await h.act(id, "dispatch", ["unit": Self.id("渝中区生态环境局")], token: c.cityRegistrar), .forbidden, "role_not_allowed")
            try await h.act(id, "dispatch", ["unit": Self.id("渝中区生态环境局")], token: c.cityDispatcher).expectOK()
            // Who may act now, as the case shows it to each.
            #expect(try await h.get("/api/v1/cases/\(id)", token: c.yzHandler)["allowedActions"].strings.contains("sign"))
            #expect(try await h.get("/api/v1/cases/\(id)", token: c.yzLeader)["allowedActions"].strings.contains("sign") == false)
            #expect(try await h.get("/api/v1/cases/\(id)", token: c.cityDispatcher)["allowedActions"].strings.contains("redispatch"))
            // The leader reads but does not sign; the district government sees but does not hold the case.
            expectError(try await h.act(id, "sign", [:], token: c.yzLeader), .forbidden, "role_not_allowed")
            expectError(try await h.act(id, "sign", [:], token: c.yzGovHandler), .forbidden, "not_holding_unit")
            try await h.act(id, "sign", [:], token: c.yzHandler).expectOK()
            // A supervisor reminds, a leader takes the case, neither signs or replies.
            try await h.act(id, "remind", ["note": "请尽快处理"], token: c.supervisor).expectOK()
            try await h.act(id, "takeOwnership", [:], token: c.yzLeader).expectOK()
            expectError(try await h.act(id, "accept", [:], token: c.supervisor), .forbidden, "role_not_allowed")
            let accepted = try await h.act(id, "accept", [:], token: c.yzHandler)
            accepted.expectOK()
        }
    }

    @Test func dispatchersDispatchOnlyIntoTheirSubtree() async throws {
        try await withAPI(units: Self.units) { h in
            let c = try await Self.cast(h)
            // Registered at the district's own center.
            let id = try await Self.create(h, token: c.yzDispatcher)
            let shown = try await h.get("/api/v1/cases/\(id)", token: c.yzDispatcher)
            #expect(shown["center"]["id"].int.map(Int64.init) == Self.id("渝中区信访办公室"))
            for outside in ["江北区生态环境局", "重庆市生态环境局", "重庆市信访办公室"] {
                let r = try await h.act(id, "dispatch", ["unit": Self.id(outside)], token: c.yzDispatcher)
                #expect(r.status == .forbidden || r.status == .badRequest, "\(outside): \(r.text)")
            }
            expectError(try await h.act(id, "dispatch", ["unit": Self.id("渝中区住房城乡建委"), "coHandlers": [Self.id("江北区生态环境局")]],
                                     token: c.yzDispatcher), .forbidden, "out_of_scope")
            // Its own departments and towns are fine.
            try await h.act(id, "dispatch", ["unit": Self.townOfYuzhong], token: c.yzDispatcher).expectOK()
            try #expect(await h.platform.store.case(Int64(id))?.holder == Self.townOfYuzhong)
            // The city center did not register it and the case is not in its dispatch hands.
            expectError(try await h.act(id, "redispatch", ["unit": Self.id("重庆市生态环境局"), "reason": "x"], token: c.cityDispatcher),
                        .forbidden, "not_holding_unit")
        }
    }

    @Test func aUnitTheCaseLeftKeepsItsOwnEventsOnly() async throws {
        try await withAPI(units: Self.units) { h in
            let c = try await Self.cast(h)
            let id = try await Self.create(h, token: c.cityRegistrar)
            try await h.act(id, "dispatch", ["unit": Self.id("渝中区生态环境局")], token: c.cityDispatcher).expectOK()
            try await h.act(id, "sign", ["note": "已签收，安排执法队"], token: c.yzHandler).expectOK()
            try await h.act(id, "transfer", ["unit": Self.id("重庆市生态环境局"), "reason": "涉及跨区排放，属市级职责"], token: c.yzHandler).expectOK()
            try await h.act(id, "sign", [:], token: c.cityHandler).expectOK()

            let former = try await h.get("/api/v1/cases/\(id)", token: c.yzHandler)
            #expect(former.status == .ok)
            #expect(former["access"].string == "former")
            #expect(former.json.keys == ["id", "access", "history"])
            #expect(former["history"].array.compactMap { $0["action"].string } == ["sign", "transfer"])
            #expect(!former.text.contains("周") && !former.text.contains("油烟"), "no citizen, no content")
            expectError(try await h.act(id, "note", ["note": "补充"], token: c.yzHandler), .notFound, "not_found")
            expectError(try await h.get("/api/v1/cases/\(id)/contact", token: c.yzHandler), .notFound, "not_found")
            #expect(try await h.get("/api/v1/cases", token: c.yzHandler)["items"].count == 0)
            // The new holder has the whole case.
            let now = try await h.get("/api/v1/cases/\(id)", token: c.cityHandler)
            #expect(now["history"].count == 5)
            #expect(now["title"].string == "餐馆油烟扰民")
        }
    }
}

extension APIResponse {
    func expectOK(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == .ok, "\(text)", sourceLocation: sourceLocation)
    }
}
