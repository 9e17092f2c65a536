import Foundation
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Issue 16 items 5 and 8, through the API: what registrars, units and citizens read is true.
@Suite("What users read is true")
struct WhatUsersReadTests {
    /// A registration body with an address (the harness's `create` has none).
    static func body(title: String, content: String, category: String, address: String, phone: String = "13800001234",
                     channel: String = "phone") -> [String: Any] {
        ["channel": channel, "kind": "complaint", "title": title, "content": content, "category": category, "address": address,
         "citizen": ["name": "王先生", "phone": phone]]
    }

    static var demolition: [String: Any] { body(title: "拆迁补偿标准过低", content: "我家位于丽发新城小区的房屋被征收，拆迁补偿标准过低，要求提高补偿。",
                                 category: "城乡建设", address: "渝中区丽发新城小区") }

    /// Registered Mon 2026-03-02, answered, reviewed and re-reviewed the same day: 终结.
    func finalCase(_ h: Harness) async throws -> Int {
        let r = try await h.post("/api/v1/cases", Self.demolition)
        #expect(r.status == .created, "\(r.text)")
        let id = try #require(r["id"].int)
        try await h.step(id, "dispatch", ["unit": 4])
        try await h.step(id, "sign", ["actingUnit": 4])
        try await h.step(id, "accept", ["actingUnit": 4])
        try await h.step(id, "reply", ["result": "notSupported", "text": "补偿符合标准。", "actingUnit": 4])
        try await h.step(id, "review", ["reason": "不服，申请复查"])
        try await h.step(id, "decideReview", ["result": "explain", "text": "维持原答复。", "actingUnit": 3])
        try await h.step(id, "rereview", ["reason": "仍不服，申请复核"])
        let c = try await h.step(id, "decideRereview", ["result": "notSupported", "text": "复核维持。", "actingUnit": 1])
        #expect(c["state"].string == "final")
        return id
    }

    // MARK: item 5 — 终结 is final

    @Test func aFinalMatterIsRegisteredAndAtOnceNotAcceptedAgain() async throws {
        try await withAPI(start: at("2026-03-02T09:00:00+08:00")) { h in
            let final = try await finalCase(h)
            // Five months later (beyond the 90 days of repeat detection), the same citizen, the same matter in other
            // words, another category.
            h.clock.set(at("2026-08-03T09:00:00+08:00"))
            let again = try await h.post("/api/v1/cases", Self.body(
                title: "再次反映拆迁补偿问题", content: "丽发新城小区房屋征收的补偿标准太低，我不服复核意见，要求重新核定拆迁补偿。",
                category: "劳动和社会保障", address: "渝中区丽发新城小区"))
            #expect(again.status == .created, "\(again.text)") // registered: nothing received is lost
            #expect(again["state"].string == "rejected")
            #expect(again["stateLabel"].string == "不予受理")
            #expect(again["finalCase"].int == final)
            #expect(again["repeatOf"].int == final)
            #expect(again["notAccepted"]["reason"].string == "已经复核终结，不再受理")
            #expect(again["notAccepted"]["basis"].string == "《信访工作条例》第三十六条")
            #expect(again["notAccepted"]["finalCase"].int == final)
            #expect(again["notAccepted"]["message"].string?.contains("已经复核终结，不再受理") == true)
            #expect(again["rejection"]["route"].string == "alreadyHandled")
            #expect(again["rejection"]["notice"].string == "您反映的事项已经复核终结，不再受理（《信访工作条例》第三十六条）")
            #expect(again["due"].isNull)
            #expect(!again["allowedActions"].strings.contains("dispatch"))
            let id = try #require(again["id"].int)
            let c = try await h.show(id)
            #expect(c["citizen"]["phone"].string == "138****1234") // the contact is kept
            #expect(c["history"].array.compactMap { $0["action"].string } == ["register", "reject"])
            #expect(c["history"][1]["data"]["reason"].string == "已经复核终结，不再受理（《信访工作条例》第三十六条）")
            #expect(c["history"][1]["data"]["finalCase"].string == String(final))
            #expect(c["leaderProposed"].bool == false)
            expectError(try await h.act(id, "dispatch", ["unit": 4]), .conflict, "illegal_step")

            // The citizen's own channel says so: the public submission's answer, the tracking view, the portal page.
            var pub = Self.body(title: "拆迁补偿还是太低", content: "丽发新城小区的房屋拆迁补偿标准过低，请重新核定补偿。", category: "城乡建设",
                                address: "渝中区丽发新城小区", channel: "web")
            pub.removeValue(forKey: "category")
            let submitted = try await h.post("/api/v1/public/cases", pub, token: nil)
            #expect(submitted.status == .created, "\(submitted.text)")
            #expect(submitted["state"].string == "rejected")
            #expect(submitted["message"].string?.contains("已经复核终结，不再受理") == true)
            let code = try #require(submitted["trackingCode"].string)
            let track = try await h.get("/api/v1/track/\(code)?phone4=1234", token: nil)
            #expect(track["state"].string == "rejected")
            #expect(track["rejection"]["notice"].string == "您反映的事项已经复核终结，不再受理（《信访工作条例》第三十六条）")
            #expect(track["canReview"].bool == false && track["canEvaluate"].bool == false)
            #expect(track["timeline"].array.compactMap { $0["step"].string } == ["register", "reject"])
            let page = try await h.get("/track?code=\(code)&phone4=1234", token: nil)
            #expect(page.text.contains("已经复核终结，不再受理"))
            #expect(!page.text.contains("途径解决"))

            // A letter is acknowledged by SMS, a WeChat message at once: both say it.
            let letter = try await h.post("/api/v1/cases", Self.body(title: "拆迁补偿", content: "丽发新城小区房屋拆迁补偿标准过低。",
                                                                     category: "城乡建设", address: "渝中区丽发新城小区", channel: "letter"))
            #expect(letter["state"].string == "rejected")
            let letterID = try #require(letter["id"].int)
            let ack = try #require(try await h.platform.store.notices(of: Int64(letterID)).first { $0.kind == "ack" })
            #expect(ack.message.contains("经核查，该事项已经复核终结，不再受理（《信访工作条例》第三十六条）"), "\(ack.message)")
            let refused = try #require(try await h.platform.store.case(Int64(id)))
            #expect(WeChatController.acknowledgement(refused).contains("已经复核终结，不再受理"))

            // The console's quick entry tells the registrar plainly.
            let entry = try await h.send(.post, "/console/new", body: formBody([
                ("channel", "phone"), ("kind", "complaint"), ("title", "拆迁补偿不合理"), ("content", "丽发新城小区房屋拆迁补偿标准过低，要求提高。"),
                ("name", "王先生"), ("phone", "13800001234"), ("address", "渝中区丽发新城小区"), ("_key", "final-1")]), headers: formHeaders)
            #expect(entry.status == .seeOther, "\(entry.text)")
            let location = try #require(entry.headers[.location])
            #expect(location.hasSuffix("?done=matterFinal"))
            let shown = try await h.get(location)
            #expect(shown.text.contains("已登记，但该事项已经复核终结，不再受理（《信访工作条例》第三十六条）"))
            #expect(shown.text.contains("终结件 <a href=\"/console/cases/\(final)\">#\(final)</a>"))

            // Another matter of the same citizen, and the same matter from someone else, are accepted as usual.
            let other = try await h.post("/api/v1/cases", Self.body(title: "小区门口路灯不亮", content: "路灯坏了两周，晚上很黑。",
                                                                    category: "城乡建设", address: "渝中区丽发新城小区"))
            #expect(other["state"].string == "registered" && other["finalCase"].isNull && other["notAccepted"].isNull)
            var neighbour = Self.demolition
            neighbour["citizen"] = ["name": "李女士", "phone": "13900009999"]
            let stranger = try await h.post("/api/v1/cases", neighbour)
            #expect(stranger["state"].string == "registered" && stranger["finalCase"].isNull)
        }
    }

    // MARK: item 8 — return has the objection window; no second objection

    @Test func returnHasTheObjectionWindow() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4]) // Mon 11-02 09:00: 2 working days → closes Thu 11-05 00:00
            #expect(try await h.show(id)["deadlines"]["object"].string == "2026-11-05T00:00:00+08:00")
            h.clock.set(at("2026-11-05T00:00:00+08:00"))
            let v = try await h.version(id)
            for action in ["return", "object"] {
                let r = try await h.act(id, action, ["reason": "不属本单位职责", "actingUnit": 4])
                expectError(r, .conflict, "window_closed")
                #expect(r["deadline"].string == "2026-11-05T00:00:00+08:00")
                #expect(r["message"].string?.contains(action == "return" ? "退回" : "退单") == true)
            }
            try #expect(await h.version(id) == v)
            let unit4 = try await h.accounts.tokenFor(unit: 4)
            let view = try await h.get("/api/v1/cases/\(id)", token: unit4)
            #expect(!view["allowedActions"].strings.contains("return") && !view["allowedActions"].strings.contains("object"))
            #expect(view["allowedActions"].strings.contains("sign"))
        }
    }

    @Test func aSecondObjectionAfterADeniedOneIsRefused() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "object", ["reason": "应由人社部门办理", "actingUnit": 4])
            let denied = try await h.step(id, "denyReturn", ["reason": "属于城管职责"])
            #expect(denied["state"].string == "dispatched" && denied["holder"]["id"].int == 4)
            let v = try await h.version(id)
            for action in ["object", "return"] {
                let r = try await h.act(id, action, ["reason": "确实不属本单位", "actingUnit": 4])
                expectError(r, .conflict, "objection_denied")
                #expect(r["action"].string == action && r["reason"].string == "应由人社部门办理")
                #expect(r["message"].string?.contains("已被分拨中心驳回") == true)
            }
            try #expect(await h.version(id) == v)
            let view = try await h.get("/api/v1/cases/\(id)", token: try await h.accounts.tokenFor(unit: 4))
            #expect(!view["allowedActions"].strings.contains("object"))
            // Re-dispatched to another unit, that unit may object once.
            try await h.step(id, "redispatch", ["unit": 5, "reason": "改派人社局"])
            let five = try await h.act(id, "object", ["reason": "应由城管办理", "actingUnit": 5])
            #expect(five.status == .ok, "\(five.text)")
        }
    }

    // MARK: item 8 — /track says canReview only while the window is open

    @Test func trackingSaysCanReviewOnlyWithinTheWindow() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "reply", ["result": "explain", "text": "已解释。"]) // Mon 11-02: closes Thu 12-03 00:00
            let code = try #require(try await h.show(id)["trackingCode"].string)
            h.clock.set(at("2026-12-02T23:59:59+08:00"))
            #expect(try await h.get("/api/v1/track/\(code)?phone4=1234", token: nil)["canReview"].bool == true)
            h.clock.set(at("2026-12-03T00:00:00+08:00"))
            let late = try await h.get("/api/v1/track/\(code)?phone4=1234", token: nil)
            #expect(late["canReview"].bool == false)
            #expect(late["canEvaluate"].bool == true)
            // The portal offers no review form either, and the API refuses one.
            let page = try await h.get("/track?code=\(code)&phone4=1234", token: nil)
            #expect(!page.text.contains("/track/review"))
            expectError(try await h.post("/api/v1/track/\(code)/review", ["phone4": "1234", "reason": "申请复查"], token: nil), .conflict, "window_closed")
            // Staff see the same: no `review` among the allowed actions.
            #expect(!(try await h.show(id))["allowedActions"].strings.contains("review"))
        }
    }

    // MARK: item 8 — one wording of "by the end of day D"

    @Test func noticesWordTheDueInstantAsTheEndOfTheDayBefore() async throws {
        try await withAPI { h in
            let id = try await h.create()
            let c = try await h.step(id, "dispatch", ["unit": 4]) // Mon 11-02: sign within 2 working days
            #expect(c["deadlines"]["sign"].string == "2026-11-05T00:00:00+08:00")
            #expect(c["due"].string == "2026-11-05T00:00:00+08:00")
            let ordered = try await h.step(id, "superviseOrder", ["text": "请抓紧办理", "due": "2026-11-05"]) // through that day
            #expect(ordered["supervisionOrders"][0]["due"].string == "2026-11-06T00:00:00+08:00")
            let notices = try await h.platform.store.notices(of: Int64(id))
            let delivery = try #require(notices.first { $0.kind == "delivery" })
            #expect(delivery.message.contains("期限2026年11月4日24时"), "\(delivery.message)")
            let order = try #require(notices.first { $0.kind == "superviseOrder" })
            #expect(order.message.contains("请于2026年11月5日24时前书面回复"), "\(order.message)")
            // The console words deadlines the same way (not "2026-11-05 00:00", read as the 5th).
            let page = try await h.get("/console/cases/\(id)")
            #expect(page.text.contains("<dt>当前时限</dt><dd>2026年11月4日24时</dd>"))
            #expect(page.text.contains("<dt>签收</dt><dd class=\"\">2026年11月4日24时</dd>"))
            #expect(page.text.contains("<dt>受理</dt><dd class=\"\">2026年11月5日24时</dd>"))
        }
    }

    // MARK: item 8 — the API finds units by pinyin initials, like the console

    @Test(arguments: [
        ("rlsb", nil as Int?, [5]),               // 渝中区人力社保局 ← yzqrlsbj
        ("yzqcsglj", nil, [4]),                   // 渝中区城市管理局
        ("yz", nil, [3, 4, 5]),                   // every name starting with 渝中: the district first
        ("jfb", 3, [6]),                          // 解放碑街道, within 渝中区
        ("人力", nil, [5]),                        // names as before
        ("局", 3, [4, 5]),
    ])
    func unitsAreFoundByPinyinInitials(_ q: String, _ parent: Int?, _ ids: [Int]) async throws {
        try await withAPI { h in
            let r = try await h.get("/api/v1/units?q=\(enc(q))" + (parent.map { "&parent=\($0)" } ?? ""))
            #expect(r.status == .ok)
            #expect(r["items"].array.compactMap { $0["id"].int } == ids, "q=\(q)")
        }
    }
}
