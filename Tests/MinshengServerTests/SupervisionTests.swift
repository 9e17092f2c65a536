import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

@Suite("Supervision and leader ownership")
struct SupervisionTests {
    @Test func supervisionStepsReachTheHistoryTheUnitRecordAndTheUnit() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            h.clock.advance(seconds: 3600)
            // 催办: the note is the reminder; refused without it, changes nothing.
            let before = try await h.version(id)
            expectError(try await h.act(id, "remind"), .unprocessableContent, "invalid_field")
            #expect(try await h.version(id) == before)
            try await h.step(id, "remind", ["note": "请尽快签收办理"])
            // 督办单 with its own due date; the unit answers in writing.
            expectError(try await h.act(id, "respondSupervision", ["text": "已办"]), .conflict, "no_pending_request")
            let ordered = try await h.step(id, "superviseOrder", ["text": "请于11月5日前办结并书面回复", "due": "2026-11-05"])
            #expect(ordered["supervisionOrders"].count == 1)
            #expect(ordered["supervisionOrders"][0]["due"].string == "2026-11-06T00:00:00+08:00")
            #expect(ordered["supervisionOrders"][0]["unit"]["id"].int == 4)
            expectError(try await h.act(id, "superviseOrder", ["text": "过去的期限", "due": "2026-11-01"]), .unprocessableContent, "invalid_field")
            let answered = try await h.step(id, "respondSupervision", ["text": "已安排维修，11月4日完成", "actingUnit": 4])
            #expect(answered["supervisionOrders"][0]["response"].string == "已安排维修，11月4日完成")
            try await h.step(id, "fieldCheck", ["kind": "substance", "finding": "现场路灯已修复"])
            try await h.step(id, "holdAccountable", ["kind": "interview", "text": "签收不及时，约谈分管负责人"])
            expectError(try await h.act(id, "fieldCheck", ["kind": "look", "finding": "x"]), .badRequest, "invalid_value")
            // The history has every step; the state did not move.
            let c = try await h.show(id)
            #expect(c["state"].string == "dispatched")
            #expect(c["history"].array.compactMap { $0["action"].string }.suffix(5) ==
                    ["remind", "superviseOrder", "respondSupervision", "fieldCheck", "holdAccountable"])
            // The unit's record lists them, newest first, with counts.
            let record = try await h.get("/api/v1/units/4/record")
            #expect(record.status == .ok)
            #expect(record["items"].array.compactMap { $0["action"].string } ==
                    ["holdAccountable", "fieldCheck", "respondSupervision", "superviseOrder", "remind"])
            #expect(record["counts"]["superviseOrder"].int == 1 && record["counts"]["holdAccountable"].int == 1)
            #expect(try await h.get("/api/v1/units/5/record")["items"].count == 0)
            // Reminders, orders and accountability are sent to the unit.
            let notices = try await h.platform.store.notices(of: Int64(id)).map(\.kind)
            #expect(notices == ["delivery", "remind", "superviseOrder", "holdAccountable"])
        }
    }

    @Test func leadersOwnCasesAndSeeTheirPage() async throws {
        try await withAPI { h in
            let a = try await h.create(title: "工地拖欠农民工工资")
            let b = try await h.create(title: "燃气费计费异常", phone: "13900002222")
            try await h.step(a, "dispatch", ["unit": 4])
            try await h.step(a, "sign", ["actingUnit": 4])
            // Two transfers propose the case for leader ownership.
            try await h.step(a, "transfer", ["unit": 5, "reason": "属人社部门职责", "actingUnit": 4])
            try await h.step(a, "sign", ["actingUnit": 5])
            try await h.step(a, "transfer", ["unit": 4, "reason": "涉及工程款，退回住建", "actingUnit": 5])
            #expect(try await h.listIDs("leaderProposed=true") == [a])
            let owned = try await h.step(a, "takeOwnership", ["actingAs": "李副区长"])
            #expect(owned["owner"]["name"].string == "李副区长")
            expectError(try await h.act(a, "takeOwnership", ["actingAs": "李副区长"]), .unprocessableContent, "invalid_field")
            try await h.step(b, "dispatch", ["unit": 5]) // into the district, where its leaders see it
            try await h.step(b, "takeOwnership", ["actingAs": "李副区长"])
            // Another leader of the same district does not silently take it over: the owner must release it.
            let li = try await h.leader("李副区长"), wang = try await h.leader("王区长")
            let v = try await h.version(b)
            let taken = try await h.act(b, "takeOwnership", ["actingAs": "王区长"])
            expectError(taken, .conflict, "owned_by_other")
            #expect(taken["owner"]["name"].string == "李副区长")
            #expect(taken["owner"]["id"].string == "user:\(li.id)")
            #expect(taken["owner"]["unit"].int == 3)
            #expect(taken["message"].string?.contains("李副区长") == true)
            expectError(try await h.act(b, "releaseOwnership", ["actingAs": "王区长"]), .conflict, "owned_by_other")
            let wangView = try await h.get("/api/v1/cases/\(b)", token: wang.token)
            #expect(!wangView["allowedActions"].strings.contains("takeOwnership") && !wangView["allowedActions"].strings.contains("releaseOwnership"))
            let liView = try await h.get("/api/v1/cases/\(b)", token: li.token)
            #expect(liView["allowedActions"].strings.contains("releaseOwnership") && !liView["allowedActions"].strings.contains("takeOwnership"))
            try #expect(await h.version(b) == v)
            #expect(try await h.show(b)["owner"]["name"].string == "李副区长")
            let released = try await h.step(b, "releaseOwnership", ["actingAs": "李副区长"])
            #expect(released["owner"].isNull)
            #expect(released["history"].array.last?["data"]["ownerName"].string == "李副区长")
            try await h.step(b, "takeOwnership", ["actingAs": "王区长"])
            #expect(try await h.listIDs("owner=\(enc("user:\(li.id)"))") == [a])
            #expect(try await h.listIDs("owner=\(enc("user:\(wang.id)"))") == [b])
            // A leader's own page: owner=me.
            let mine = try await h.get("/api/v1/cases?owner=me", token: li.token)
            #expect(mine["items"].array.compactMap { $0["id"].int } == [a])
            #expect(try await h.listIDs("leaderProposed=true") == [])
            // The leader's page shows state and alert of each owned case.
            let page = try await h.get("/api/v1/cases?owner=\(enc("user:\(li.id)"))")
            #expect(page["items"][0]["state"].string == "dispatched")
            #expect(page["items"][0]["alert"].string == "normal")
            expectError(try await h.get("/api/v1/cases?leaderProposed=maybe"), .badRequest, "invalid_field")
        }
    }

    @Test func aLeaderAboveTakesOverWithoutARelease() async throws {
        try await withAPI { h in
            let id = try await h.create(title: "工地拖欠农民工工资")
            try await h.step(id, "dispatch", ["unit": 5])
            try await h.step(id, "takeOwnership", ["actingAs": "李副区长"]) // a leader of 渝中区 (3)
            let mayor = try await h.accounts.user("city-leader", unit: 1, roles: [.leader], name: "张市长") // 重庆市 (1), above 3
            #expect(try await h.get("/api/v1/cases/\(id)", token: mayor.token)["allowedActions"].strings.contains("takeOwnership"))
            let over = try await h.act(id, "takeOwnership", [:], token: mayor.token)
            #expect(over.status == .ok, "\(over.text)")
            #expect(over["owner"]["name"].string == "张市长")
            #expect(over["owner"]["unit"]["id"].int == 1)
            #expect(over["history"].array.last?["data"]["previousOwnerName"].string == "李副区长")
            // Not the other way round: the district leader cannot take it back from the city.
            let back = try await h.act(id, "takeOwnership", ["actingAs": "李副区长"])
            expectError(back, .conflict, "owned_by_other")
            #expect(back["owner"]["name"].string == "张市长")
        }
    }
}
