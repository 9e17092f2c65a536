import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing


/// Lists, filters, inbox order, cursors and full-text search through the API.
/// Driven through the router, with an in-memory store and a hand-set clock (Monday 2026-11-02 09:00 +08:00, no
/// holidays in November–December 2026).
@Suite("HTTP API: lists and search")
struct APIListingTests {

    // MARK: 10. Listing

    /// 12 cases: 1–4 on Friday 10-30, 5–8 on Saturday 10-31, 9–12 on Monday 11-02 08:00.
    /// Unit 4 holds 1 (dispatched Mon 09:00), 5 (signed), 7 (accepted), 9 (dispatched Tue 09:00) and 11 (rejected);
    /// unit 5 holds 3 and 6.
    static let listing: [(title: String, content: String, kind: String, channel: String, category: String)] = [
        ("小区门口路灯不亮", "路灯坏了两周，晚上很黑。", "help", "phone", "城乡建设"),
        ("噪音扰民", "夜间施工噪音很大", "complaint", "web", "环境保护"),
        ("工资拖欠", "公司拖欠三个月工资", "complaint", "phone", "劳动和社会保障"),
        ("公交线路建议", "建议增加公交班次", "suggestion", "app", "交通运输"),
        ("路灯闪烁", "街道照明夜间闪烁", "complaint", "wechat", "城乡建设"),
        ("社保咨询", "如何办理社保转移", "consultation", "phone", "劳动和社会保障"),
        ("垃圾清运不及时", "小区垃圾堆积发臭", "complaint", "web", "城乡建设"),
        ("表扬环卫工人", "环卫工人认真负责", "praise", "letter", "城乡建设"),
        ("占道经营", "夜市占道经营影响通行", "report", "phone", "城乡建设"),
        ("学校周边交通拥堵", "上下学时段拥堵严重", "suggestion", "web", "交通运输"),
        ("井盖缺失", "人行道井盖缺失很危险", "help", "phone", "城乡建设"),
        ("医院排队时间长", "挂号难排队久", "complaint", "app", "卫生计生"),
    ]

    func seedListing(_ h: Harness) async throws {
        for (i, row) in Self.listing.enumerated() {
            if i == 0 { h.clock.set(at("2026-10-30T10:00:00+08:00")) }
            if i == 4 { h.clock.set(at("2026-10-31T10:00:00+08:00")) }
            if i == 8 { h.clock.set(at("2026-11-02T08:00:00+08:00")) }
            let id = try await h.create(title: row.title, content: row.content, kind: row.kind, channel: row.channel, category: row.category)
            #expect(id == i + 1)
        }
        h.clock.set(monday9)
        for id in [1, 5, 7, 11] { try await h.step(id, "dispatch", ["unit": 4]) }
        for id in [3, 6] { try await h.step(id, "dispatch", ["unit": 5]) }
        h.clock.set(at("2026-11-02T10:00:00+08:00"))
        for id in [5, 7, 11] { try await h.step(id, "sign", ["actingUnit": 4]) }
        try await h.step(7, "accept", ["actingUnit": 4])
        try await h.step(11, "reject", ["route": "litigation", "reason": "属于民事纠纷，请向法院起诉", "actingUnit": 4])
        h.clock.set(at("2026-11-03T09:00:00+08:00"))
        try await h.step(9, "dispatch", ["unit": 4])
    }

    @Test func listingFiltersAndInboxOrder() async throws {
        try await withAPI { h in
            try await seedListing(h)

            // The inbox: open cases held by unit 4, soonest due first.
            let inbox = try await h.get("/api/v1/cases?unit=4&open=true")
            #expect(inbox.status == .ok)
            #expect(inbox["items"].array.compactMap { $0["id"].int } == [1, 5, 9, 7])
            #expect(inbox["items"].array.compactMap { $0["due"].string } == [
                "2026-11-05T00:00:00+08:00", "2026-11-06T00:00:00+08:00", "2026-11-06T00:00:00+08:00", "2026-12-01T00:00:00+08:00",
            ])
            #expect(inbox["items"][0]["holder"]["id"].int == 4)
            #expect(inbox["items"][0]["state"].string == "dispatched")
            #expect(inbox["items"][0]["title"].string == "小区门口路灯不亮")
            #expect(inbox["items"][0]["trackingCode"].string?.count == 10)
            #expect(inbox["nextCursor"].isNull)
            try #expect(await h.listIDs("unit=4&open=true&order=newest") == [9, 7, 5, 1])
            try #expect(await h.listIDs("unit=4") == [11, 9, 7, 5, 1])
            try #expect(await h.listIDs("unit=5") == [6, 3])
            try #expect(await h.listIDs("unit=2") == [12, 10, 8, 4, 2])
            try #expect(await h.listIDs("") == Array((1...12).reversed()))

            try #expect(await h.listIDs("kind=complaint") == [12, 7, 5, 3, 2])
            try #expect(await h.listIDs("channel=phone") == [11, 9, 6, 3, 1])
            try #expect(await h.listIDs("kind=complaint&channel=phone") == [3])
            try #expect(await h.listIDs("category=\(enc("城乡建设"))") == [11, 9, 8, 7, 5, 1])
            try #expect(await h.listIDs("category=\(enc("城乡"))") == [])
            try #expect(await h.listIDs("state=dispatched") == [9, 6, 3, 1])
            try #expect(await h.listIDs("state=registered") == [12, 10, 8, 4, 2])
            try #expect(await h.listIDs("state=rejected") == [11])
            try #expect(await h.listIDs("open=true") == [12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
            try #expect(await h.listIDs("open=false") == Array((1...12).reversed()))

            // Dates: a bare `to` means through that day.
            try #expect(await h.listIDs("from=2026-10-31&to=2026-10-31") == [8, 7, 6, 5])
            try #expect(await h.listIDs("to=2026-10-30") == [4, 3, 2, 1])
            try #expect(await h.listIDs("from=2026-11-02") == [12, 11, 10, 9])
            try #expect(await h.listIDs("from=2026-11-01&to=2026-11-01") == [])
            try #expect(await h.listIDs("from=\(enc("2026-10-31T12:00:00+08:00"))") == [12, 11, 10, 9])
            try #expect(await h.listIDs("to=\(enc("2026-10-31T09:00:00+08:00"))") == [4, 3, 2, 1])
            try #expect(await h.listIDs("from=2026-10-31&to=2026-10-31&kind=complaint") == [7, 5])

            // Full text.
            let search = try await h.listIDs("q=%E8%B7%AF%E7%81%AF")
            #expect(Set(search) == [1, 5])
            #expect(search.count == 2)
            try #expect(await h.listIDs("q=\(enc("工资"))") == [3])
            try #expect(await h.listIDs("q=\(enc("路灯"))&unit=4&open=true").count == 2)
            try #expect(await h.listIDs("q=\(enc("火星基地"))") == [])
        }
    }

    @Test func listingByAlertLevelFollowsTheClock() async throws {
        try await withAPI { h in
            try await seedListing(h)
            h.clock.set(at("2026-11-04T23:59:59+08:00"))
            try #expect(await h.listIDs("unit=4&alert=warning") == [])
            try #expect(await h.listIDs("unit=4&alert=normal") == [11, 9, 7, 5, 1])

            // Delivered Monday: warning from Thursday 00:00, alarm from Friday 00:00.
            h.clock.set(at("2026-11-05T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=warning") == [5, 1])
            try #expect(await h.listIDs("unit=4&alert=alarm") == [])
            try #expect(await h.listIDs("unit=4&alert=normal") == [11, 9, 7])
            let rows = try await h.get("/api/v1/cases?unit=4&open=true")
            #expect(rows["items"].array.compactMap { $0["alert"].string } == ["warning", "warning", "normal", "normal"])

            h.clock.set(at("2026-11-06T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=alarm") == [5, 1])
            try #expect(await h.listIDs("unit=4&alert=warning") == [9])
            // Registered cases past their dispatch limit and unit 5's unsigned cases are at alarm too.
            try #expect(await h.listIDs("alert=alarm") == [12, 10, 8, 6, 5, 4, 3, 2, 1])
            try #expect(await h.listIDs("alert=urgent") == [])

            // Accepted Monday 10:00: reply due end of 11-30, urgent from the end of 11-26.
            h.clock.set(at("2026-11-27T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=urgent") == [7])
            h.clock.set(at("2026-12-01T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=alarm") == [9, 7, 5, 1])
        }
    }

    @Test func listingPagesWithCursors() async throws {
        try await withAPI { h in
            try await seedListing(h)
            var seen: [Int] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/api/v1/cases?limit=5" + (cursor.map { "&cursor=\(enc($0))" } ?? "")
                let r = try await h.get(uri)
                #expect(r.status == .ok, "\(r.text)")
                let ids = r["items"].array.compactMap { $0["id"].int }
                #expect(!ids.isEmpty)
                #expect(ids.count <= 5)
                seen += ids
                cursor = r["nextCursor"].string
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == Array((1...12).reversed()))
            #expect(Set(seen).count == seen.count)

            // The inbox pages in due order.
            let p1 = try await h.get("/api/v1/cases?unit=4&open=true&limit=2")
            #expect(p1["items"].array.compactMap { $0["id"].int } == [1, 5])
            let next = try #require(p1["nextCursor"].string)
            let p2 = try await h.get("/api/v1/cases?unit=4&open=true&limit=2&cursor=\(enc(next))")
            #expect(p2.status == .ok, "\(p2.text)")
            #expect(p2["items"].array.compactMap { $0["id"].int } == [9, 7])
            #expect(p2["nextCursor"].isNull)

            // Filters hold across pages.
            let c1 = try await h.get("/api/v1/cases?category=\(enc("城乡建设"))&limit=4")
            #expect(c1["items"].array.compactMap { $0["id"].int } == [11, 9, 8, 7])
            let cnext = try #require(c1["nextCursor"].string)
            let c2 = try await h.get("/api/v1/cases?category=\(enc("城乡建设"))&limit=4&cursor=\(enc(cnext))")
            #expect(c2["items"].array.compactMap { $0["id"].int } == [5, 1])
            #expect(c2["nextCursor"].isNull)

            // A cursor from one order is no good for another.
            let mixed = try await h.get("/api/v1/cases?unit=4&open=true&cursor=\(enc(cnext))")
            expectError(mixed, .badRequest, "invalid_field")
        }
    }

    @Test func searchByContentSingleCharactersAndRelevancePaging() async throws {
        try await withAPI { h in
            try await seedListing(h)
            // A term found only in the content.
            try #expect(await h.listIDs("q=\(enc("三个月"))") == [3])
            // A lone character.
            let one = try await h.listIDs("q=\(enc("灯"))")
            #expect(Set(one) == [1, 5])
            // Relevance order pages with its own cursor.
            let p1 = try await h.get("/api/v1/cases?q=\(enc("路灯"))&limit=1")
            #expect(p1["items"].count == 1)
            let next = try #require(p1["nextCursor"].string)
            let p2 = try await h.get("/api/v1/cases?q=\(enc("路灯"))&limit=1&cursor=\(enc(next))")
            #expect(p2.status == .ok, "\(p2.text)")
            #expect(p2["items"].count == 1)
            #expect(p2["nextCursor"].isNull)
            let ids = Set(p1["items"].array.compactMap { $0["id"].int } + p2["items"].array.compactMap { $0["id"].int })
            #expect(ids == [1, 5])
        }
    }

    @Test func returnsAndExtensionLimits() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            var c = try await h.step(id, "return", ["reason": "材料不全", "actingUnit": 4])
            #expect(c["state"].string == "returnRequested")
            #expect(c["returnRequest"]["objection"].bool == false)
            #expect(c["returnRequest"]["fromState"].string == "signed")
            c = try await h.step(id, "denyReturn", ["reason": "材料已齐全，请继续办理"])
            #expect(c["state"].string == "signed")
            #expect(c["holder"]["id"].int == 4)
            #expect(c["returnRequest"].isNull)
            expectError(try await h.act(id, "approveReturn"), .conflict, "illegal_step")

            try await h.step(id, "return", ["reason": "不属本单位", "actingUnit": 4])
            c = try await h.step(id, "approveReturn")
            #expect(c["state"].string == "registered")
            #expect(c["holder"]["id"].int == 2)
            #expect(c["leadUnit"].isNull)

            try await h.step(id, "dispatch", ["unit": 5])
            try await h.step(id, "sign", ["actingUnit": 5])
            try await h.step(id, "accept", ["actingUnit": 5])
            let v = try await h.version(id)
            // 12320 allows at most 10 working days of extension in total.
            expectError(try await h.act(id, "requestExtension", ["amount": 11, "reason": "复杂", "actingUnit": 5]),
                        .unprocessableContent, "invalid_field")
            expectError(try await h.act(id, "approveExtension"), .conflict, "no_pending_request")
            expectError(try await h.act(id, "denyExtension", ["reason": "x"]), .conflict, "no_pending_request")
            try #expect(await h.version(id) == v)
            try await h.step(id, "requestExtension", ["amount": 6, "reason": "需要鉴定", "actingUnit": 5])
            expectError(try await h.act(id, "requestExtension", ["amount": 1, "reason": "再延", "actingUnit": 5]),
                        .unprocessableContent, "invalid_field")
            c = try await h.step(id, "denyExtension", ["reason": "理由不充分"])
            #expect(c["pendingExtension"].isNull)
            #expect(c["extended"].int == 0)
            #expect(c["deadlines"]["reply"].string == "2026-12-01T00:00:00+08:00")
        }
    }

    @Test func listingRefusesBadParameters() async throws {
        try await withAPI { h in
            try await h.create()
            let unknown = try await h.get("/api/v1/cases?colour=red")
            expectError(unknown, .badRequest, "unknown_parameter")
            #expect(unknown["message"].string?.contains("colour") == true)
            let state = try await h.get("/api/v1/cases?state=bogus")
            expectError(state, .badRequest, "invalid_value")
            #expect(state["allowed"].strings.contains("registered"))
            expectError(try await h.get("/api/v1/cases?limit=0"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?limit=501"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?limit=ten"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?from=notadate"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?to=2026-13-01"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?cursor=garbage"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?cursor=nabc"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?unit=abc"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?open=yes"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?alert=red"), .badRequest, "invalid_value")
            expectError(try await h.get("/api/v1/cases?kind=rant"), .badRequest, "invalid_value")
            expectError(try await h.get("/api/v1/cases?channel=fax"), .badRequest, "invalid_value")
            expectError(try await h.get("/api/v1/cases?order=random"), .badRequest, "invalid_field")
            // Empty or whitespace-only values are mistakes, not "any" (schemathesis sent `owner=%0C` and got every case).
            for q in ["owner=", "owner=%0C", "owner=%20%09", "order=", "leaderProposed=", "category=%E3%80%80"] {
                let r = try await h.get("/api/v1/cases?\(q)")
                expectError(r, .badRequest, "invalid_field")
                #expect(r["field"].string == String(q.prefix(while: { $0 != "=" })), "\(q): \(r.text)")
            }
            let fine = try await h.get("/api/v1/cases?limit=500&order=due")
            #expect(fine.status == .ok)
            #expect(fine["items"].count == 1)
        }
    }
}
