import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Issue 16 item 6: a case with 跳楼 / 不想活了 / 集体上访 is urgent everywhere a person looks — top of the inbox, the
/// alert colour and filters, the dashboard's count, a `risk=true` filter, and an immediate notice to the unit that
/// receives it as well as to the center. Before, it was flagged and the center told, and nothing else changed.
@Suite("Risk cases are urgent everywhere")
struct RiskTests {
    @Test func aRiskCaseHeadsTheInboxAndIsUrgent() async throws {
        try await withAPI { h in
            // An ordinary case dispatched first (its deadline is earlier), then the risk case.
            let calm = try await h.create(title: "小区门口路灯不亮", content: "路灯坏了两周，晚上很黑。")
            try await h.step(calm, "dispatch", ["unit": 4])
            h.clock.advance(seconds: 3600)
            // The registrar reads, in the 201, why the case is urgent at once.
            let answer = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "拖欠工资三个月",
                "content": "老板拖欠工资三个月，再不给钱我就去跳楼，不想活了。", "category": "城乡建设",
                "citizen": ["name": "王先生", "phone": "13900002222"]])
            #expect(answer.status == .created, "\(answer.text)")
            #expect(answer["risks"].array.compactMap { $0["name"].string } == ["自伤自杀"], "\(answer.text)")
            #expect(answer["alert"]["level"].string == "urgent")
            let risk = try #require(answer["id"].int)
            try await h.step(risk, "dispatch", ["unit": 4])

            // The inbox (unit + open, by deadline): the risk case first, marked, urgent.
            let inbox = try await h.get("/api/v1/cases?unit=4&open=true")
            #expect(inbox["items"].array.compactMap { $0["id"].int } == [risk, calm], "\(inbox.text)")
            #expect(inbox["items"][0]["risk"].bool == true && inbox["items"][1]["risk"].bool == false)
            #expect(inbox["items"][0]["alert"].string == "urgent", "a risk case is urgent at once: \(inbox.text)")
            #expect(inbox["items"][1]["alert"].string == "normal")
            #expect(try await h.show(risk)["alert"]["level"].string == "urgent")
            // One per page: the cursor carries the risk flag, nothing is skipped or repeated.
            let first = try await h.get("/api/v1/cases?unit=4&open=true&limit=1")
            let next = try #require(first["nextCursor"].string)
            let second = try await h.get("/api/v1/cases?unit=4&open=true&limit=1&cursor=\(next)")
            #expect(first["items"].array.compactMap { $0["id"].int } == [risk])
            #expect(second["items"].array.compactMap { $0["id"].int } == [calm], "\(second.text)")
            #expect(second["nextCursor"].isNull)

            // The filters.
            try #expect(await h.listIDs("risk=true") == [risk])
            try #expect(await h.listIDs("risk=false") == [calm])
            try #expect(await h.listIDs("alert=urgent") == [risk])
            expectError(try await h.get("/api/v1/cases?risk=yes"), .badRequest, "invalid_field")

            // The console: the handler's inbox shows it first with the marker; the filter keeps only it.
            let handler = try await h.accounts.tokenFor(unit: 4)
            let page = try await h.get("/console", token: handler)
            let rows = page.text.components(separatedBy: "<tr class=\"row-").dropFirst()
            #expect(rows.first?.hasPrefix("urgent row-risk") == true && rows.first?.contains("拖欠工资三个月") == true
                    && rows.first?.contains("风险件") == true, "\(rows.first ?? page.text)")
            let filtered = try await h.get("/console?tab=all&open=1&risk=1", token: handler)
            #expect(filtered.text.contains("拖欠工资三个月") && !filtered.text.contains("小区门口路灯不亮"))

            // The dashboard counts it (and the overview API).
            let leader = try await h.leader("王区长")
            let overview = try await h.get("/api/v1/stats/overview", token: leader.token)
            #expect(overview["open"]["risk"].int == 1, "\(overview.text)")
            let dashboard = try await h.get("/console/dashboard", token: leader.token)
            #expect(dashboard.text.contains("<span class=\"v\" id=\"alert-risk\">1</span>"), "the dashboard's 风险件 tile")

            // Notices: the center at registration, the receiving unit at once on dispatch, each saying it is a risk case.
            let notices = try await h.platform.store.notices(of: Int64(risk))
            #expect(notices.contains { $0.kind == "risk" && $0.recipientUnit == 2 })
            let delivery = try #require(notices.first { $0.kind == "delivery" && $0.recipientUnit == 4 })
            #expect(delivery.message.contains("风险件") && delivery.message.contains("自伤自杀") && delivery.message.contains("立即"), "\(delivery.message)")
            let calmDelivery = try #require(try await h.platform.store.notices(of: Int64(calm)).first { $0.kind == "delivery" })
            #expect(!calmDelivery.message.contains("风险"))
        }
    }

    /// The floor applies while the government must act, not once the citizen is asked to rate.
    @Test func theFloorIsForTheGovernmentsTurn() async throws {
        try await withAPI { h in
            let risk = try await h.create(title: "集体上访", content: "明天我们二十多人去区政府集体上访。")
            #expect(try await h.show(risk)["alert"]["level"].string == "urgent")
            try await h.step(risk, "dispatch", ["unit": 4])
            try await h.step(risk, "sign", ["actingUnit": 4])
            try await h.step(risk, "accept", ["actingUnit": 4])
            #expect(try await h.show(risk)["alert"]["level"].string == "urgent")
            try await h.step(risk, "reply", ["actingUnit": 4, "result": "explain", "text": "已约见群众代表，现场答复。"])
            #expect(try await h.show(risk)["alert"]["level"].string == "normal", "replied: the citizen's turn")
        }
    }
}
