import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// The hotline (issue 8 item 1): the call screen, registration linked to the call, callbacks.
@Suite("Hotline calls and callbacks")
struct HotlineTests {
    @Test func aCallShowsTheCallersEarlierCasesAndLinksTheNewOne() async throws {
        try await withAPI { h in
            let agent = try await h.accounts.user("agent", unit: 2, roles: [.registrar]).token
            let earlier = try await h.create(title: "路灯不亮", phone: "13512345678")
            try await h.step(earlier, "dispatch", ["unit": 4])
            _ = try await h.create(title: "别人的事", phone: "13900000000")
            let r = try await h.post("/api/v1/calls", ["callId": "CALL-20261102-0001", "caller": "135-1234-5678", "recording": "rec/2026/11/02/0001.wav"], token: agent)
            #expect(r.status == .created, "\(r.text)")
            #expect(r["caller"].string == "135****5678")
            #expect(r["openCount"].int == 1)
            #expect(r["earlier"].array.compactMap { $0["id"].int } == [earlier])
            #expect(r["earlier"][0]["stateLabel"].string == "待签收")
            // The same call reported twice is one record.
            let again = try await h.post("/api/v1/calls", ["callId": "CALL-20261102-0001", "caller": "13512345678"], token: agent)
            #expect(again["recording"].string == "rec/2026/11/02/0001.wav")
            // The agent registers the request from the call: the caller's number fills in, the call is linked.
            let created = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "complaint", "title": "路灯还是不亮",
                                                             "content": "上次反映的路灯还没修。", "callId": "CALL-20261102-0001"], token: agent)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created["id"].int)
            #expect(created["citizen"]["phone"].string == "135****5678")
            let first = try await h.platform.store.events(of: Int64(id))[0]
            #expect(first.data["callId"] == "CALL-20261102-0001" && first.data["recording"] == "rec/2026/11/02/0001.wav")
            #expect(try await h.get("/api/v1/calls/CALL-20261102-0001", token: agent)["caseId"].int == id)
            // The call screen in the console.
            let page = try await h.get("/console/calls/CALL-20261102-0001", token: agent)
            #expect(page.status == .ok && page.text.contains("135****5678") && page.text.contains("路灯不亮"))
            expectError(try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "t", "content": "c", "callId": "NOPE"], token: agent),
                        .badRequest, "invalid_field")
            expectError(try await h.post("/api/v1/calls", ["callId": "X", "caller": "12345"], token: agent), .badRequest, "invalid_field")
            let handler = try await h.accounts.user("handler", unit: 4, roles: [.handler]).token
            expectError(try await h.post("/api/v1/calls", ["callId": "Y"], token: handler), .forbidden, "role_not_allowed")
        }
    }

    @Test func callbacksRecordTheOutcomeAndTheRating() async throws {
        try await withAPI { h in
            let agent = try await h.accounts.user("agent", unit: 2, roles: [.registrar]).token
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            try await h.step(id, "accept", ["actingUnit": 4])
            try await h.step(id, "reply", ["actingUnit": 4, "result": "support", "text": "已修复。"])
            // A call id that is not a string is refused, and changes nothing (schemathesis: 3.8e16 was accepted and dropped).
            let v = try await h.version(id)
            expectError(try await h.post("/api/v1/cases/\(id)/callback", ["reached": false, "callId": 38491261059773860], token: agent),
                        .badRequest, "invalid_field")
            #expect(try await h.version(id) == v)
            let missed = try await h.post("/api/v1/cases/\(id)/callback", ["reached": false, "note": "无人接听", "callId": "OUT-7"], token: agent)
            #expect(missed["state"].string == "replied", "\(missed.text)")
            expectError(try await h.post("/api/v1/cases/\(id)/callback", ["reached": false, "evaluation": "satisfied"], token: agent), .badRequest, "invalid_field")
            let rated = try await h.post("/api/v1/cases/\(id)/callback", ["reached": true, "evaluation": "satisfied"], token: agent)
            #expect(rated["state"].string == "closed" && rated["evaluation"].string == "satisfied", "\(rated.text)")
            let notes = try await h.platform.store.events(of: Int64(id)).suffix(2).map(\.note)
            #expect(notes == ["回访未接通（通话 OUT-7）：无人接听", "回访已接通"])
        }
    }
}

/// Issue 22 item 2: a call belongs to the agent it was routed to; its screen lists only the earlier cases the agent
/// may link to the number (never a report or an anonymous request registered by another center); the full number is
/// a logged reveal.
@Suite("Call screens respect scope and confidentiality")
struct CallConfidentialityTests {
    /// The small tree plus a district center (8) under 渝中区.
    static let units = apiUnits + [MinshengDomain.Unit(id: 8, parentID: 3, name: "渝中区信访办公室", level: .district, kind: .center)]

    @Test func aCallIsTheAgentsOwn() async throws {
        try await withAPI(units: Self.units) { h in
            let phone = "13512345678"
            let agent = try await h.accounts.user("agent", unit: 2, roles: [.registrar])
            let other = try await h.accounts.user("agent2", unit: 2, roles: [.registrar, .dispatcher])
            let districtDesk = try await h.accounts.user("yz.desk", unit: 8, roles: [.registrar])
            let gateway = try await h.accounts.user("pbx", unit: 2, roles: [.registrar])
            // The caller's history: an ordinary case at the city center, a report and an anonymous request registered
            // by the district's center, and a report the city center registered itself.
            let ordinary = try await h.create(title: "路灯不亮", phone: phone)
            let byDistrict: [String: Any] = ["channel": "phone", "title": "举报某餐馆用地沟油", "content": "举报内容。", "kind": "report",
                                             "citizen": ["name": "李先生", "phone": phone]]
            let report = try #require(try await h.post("/api/v1/cases", byDistrict, token: districtDesk.token)["id"].int)
            let anonymous = try #require(try await h.post("/api/v1/cases", ["channel": "phone", "title": "匿名反映", "content": "内容。", "kind": "complaint",
                                                                             "citizen": ["phone": phone, "anonymous": true]], token: districtDesk.token)["id"].int)
            let ownReport = try #require(try await h.post("/api/v1/cases", ["channel": "phone", "title": "举报违建", "content": "内容。", "kind": "report",
                                                                             "citizen": ["phone": phone]])["id"].int)

            // The PBX routes the call to one agent.
            let r = try await h.post("/api/v1/calls", ["callId": "C-1", "caller": phone, "agent": "agent"], token: gateway.token)
            #expect(r.status == .created, "\(r.text)")
            let listed = Set(r["earlier"].array.compactMap { $0["id"].int })
            #expect(listed == [ordinary, ownReport], "no report or anonymous case of another center: \(r.text)")
            #expect(!listed.contains(report) && !listed.contains(anonymous))
            #expect(r["caller"].string == "135****5678" && !r.text.contains(phone))
            expectError(try await h.post("/api/v1/calls", ["callId": "C-2", "caller": phone, "agent": "nobody"], token: gateway.token), .badRequest, "invalid_field")

            // Only that agent opens it: the API, the screen, the registration form, and registering from it.
            #expect(try await h.get("/api/v1/calls/C-1", token: agent.token).status == .ok)
            for token in [other.token, gateway.token, districtDesk.token] {
                expectError(try await h.get("/api/v1/calls/C-1", token: token), .notFound, "not_found")
                #expect(try await h.get("/console/calls/C-1", token: token).status == .notFound)
                let form = try await h.get("/console/new?call=C-1", token: token)
                #expect(form.status == .notFound && !form.text.contains(phone), "\(form.status)")
                expectError(try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "t", "content": "c", "callId": "C-1"], token: token),
                            .badRequest, "invalid_field")
            }
            // The agent's own form shows the number masked; the case still gets it from the call.
            let form = try await h.get("/console/new?call=C-1", token: agent.token)
            #expect(form.status == .ok && form.text.contains("135****5678") && !form.text.contains(phone), "the form never shows the number in clear")
            let screen = try await h.get("/console/calls/C-1", token: agent.token)
            #expect(screen.text.contains("显示完整号码") && !screen.text.contains(phone))

            // The full number is a reveal, in the access log.
            var mine = LogQuery()
            mine.userID = agent.id
            let before = try await h.platform.store.accessLog(mine).count
            let revealed = try await h.post("/api/v1/calls/C-1/reveal", token: agent.token)
            #expect(revealed["caller"].string == phone)
            let page = try await h.send(.post, "/console/calls/C-1/reveal", body: "", token: agent.token, headers: formHeaders)
            #expect(page.text.contains(phone) && page.text.contains("本次查看已记录"))
            let log = try await h.platform.store.accessLog(mine)
            #expect(log.count == before + 2 && log.allSatisfy { $0.fields.contains("phone") && $0.fields.contains("call:C-1") }, "\(log)")
            expectError(try await h.post("/api/v1/calls/C-1/reveal", token: other.token), .notFound, "not_found")
        }
    }
}
