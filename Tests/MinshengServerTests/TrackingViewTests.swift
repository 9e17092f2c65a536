import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Issue 16 item 1: what the citizen reads on the tracking page (/track) and in the tracking API at every state.
/// Before the fix every case read "不予受理 · 请通过途径解决", an empty "答复（ ）" card and "您的评价" stood before any
/// reply, 办理时限 was blank once closed, the center was named instead of the answering bureau, and staff words
/// (转交 → 待签收) were the timeline.
@Suite("Citizens read the truth about their case")
struct TrackingViewTests {
    nonisolated(unsafe) static let submission: [String: Any] = ["kind": "help", "title": "小区路灯不亮", "content": "解放碑街道某小区路灯坏了两周。",
                                            "citizen": ["name": "何先生", "phone": "13700005678"], "locationUnit": 6]
    /// Words only staff use: none may reach the citizen.
    static let staffWords = ["待签收", "退回待审", "→", "不予受理 · 请通过", "请通过途径解决"]

    /// The text of the tracking page's main card and timeline (tags removed, whitespace collapsed).
    static func text(_ html: String) -> String {
        var out = "", inTag = false
        for ch in html {
            if ch == "<" { inTag = true; out.append(" "); continue }
            if ch == ">" { inTag = false; continue }
            if !inTag { out.append(ch) }
        }
        return out.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    func page(_ h: Harness, _ code: String) async throws -> String {
        let r = try await h.get("/track?code=\(code)&phone4=5678", token: nil)
        #expect(r.status == .ok, "\(r.text)")
        return Self.text(r.text)
    }

    func expectNoStaffWords(_ t: String, _ state: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for w in Self.staffWords { #expect(!t.contains(w), "\(state): the citizen reads staff words «\(w)»: \(t)", sourceLocation: sourceLocation) }
    }

    @Test func everyStateReadsTrue() async throws {
        try await withAPI { h in
            let code = try #require(try await h.post("/api/v1/public/cases", Self.submission, token: nil)["trackingCode"].string)
            let id = Int(try #require(try await h.platform.store.case(trackingCode: code)).id)
            let api = "/api/v1/track/\(code)?phone4=5678"

            // Registered: at the center, with the dispatch deadline (1 working day: Tue 2026-11-03 24:00).
            var t = try await page(h, code)
            #expect(t.contains("已登记") && t.contains("您的诉求已登记，正在转交承办单位。"), Comment(rawValue: t))
            #expect(t.contains("受理机构 重庆市信访办公室"), Comment(rawValue: t))
            #expect(t.contains("转交承办单位时限 2026年11月3日24时前"), Comment(rawValue: t))
            #expect(!t.contains("不予受理") && !t.contains("答复（") && !t.contains("您的评价") && !t.contains("办结时间"), Comment(rawValue: t))
            #expect(!t.contains("评价答复") && !t.contains("申请复查"), "nothing to rate or appeal yet: \(t)")
            expectNoStaffWords(t, "registered")
            var j = try await h.get(api, token: nil)
            #expect(j["stateLabel"].string == "已登记" && j["unitName"].string == "重庆市信访办公室" && j["rejection"].isNull && j["reply"].isNull, Comment(rawValue: j.text))

            // Dispatched: the bureau is named, the acceptance deadline shown, the timeline in the citizen's words.
            h.clock.advance(seconds: 3600)
            try await h.step(id, "dispatch", ["unit": 4])
            t = try await page(h, code)
            #expect(t.contains("已转交承办单位") && t.contains("承办单位 渝中区城市管理局"), Comment(rawValue: t))
            #expect(t.contains("已转交渝中区城市管理局，等待其签收办理。"), Comment(rawValue: t))
            #expect(t.contains("受理时限 2026年11月5日24时前"), Comment(rawValue: t))
            #expect(t.contains("诉求已登记") && t.contains("转交渝中区城市管理局办理"), Comment(rawValue: t))
            #expect(!t.contains("不予受理") && !t.contains("答复（") && !t.contains("您的评价"), Comment(rawValue: t))
            expectNoStaffWords(t, "dispatched")
            j = try await h.get(api, token: nil)
            #expect(j["stateLabel"].string == "已转交承办单位" && j["unit"]["id"].int == 4, Comment(rawValue: j.text))
            #expect(j["timeline"].array.map { $0["label"].string ?? "" } == ["诉求已登记", "转交渝中区城市管理局办理"], Comment(rawValue: j.text))

            // Signed and accepted: the reply deadline (20 working days from 11-03: Mon 2026-11-30 24:00).
            try await h.step(id, "sign", ["actingUnit": 4, "note": "内部：交给维修班老李"])
            t = try await page(h, code)
            #expect(t.contains("承办单位已接收"), Comment(rawValue: t))
            try await h.step(id, "accept", ["actingUnit": 4])
            t = try await page(h, code)
            #expect(t.contains("已受理，正在办理") && t.contains("渝中区城市管理局已受理，正在办理，办结后将答复您。"), Comment(rawValue: t))
            #expect(t.contains("答复时限 2026年11月30日24时前"), Comment(rawValue: t))
            #expect(!t.contains("老李"), "no staff note: \(t)")
            #expect(!t.contains("不予受理") && !t.contains("答复（") && !t.contains("您的评价"), Comment(rawValue: t))
            expectNoStaffWords(t, "accepted")

            // Replied: the answer, by the bureau that answered (the case is back at the center); a rating form.
            h.clock.advance(seconds: 2 * 86400)
            try await h.step(id, "reply", ["actingUnit": 4, "result": "support", "text": "路灯已于今日修复。"])
            t = try await page(h, code)
            #expect(t.contains("已答复") && t.contains("答复单位 渝中区城市管理局"), Comment(rawValue: t))
            #expect(t.contains("答复（支持） 路灯已于今日修复。"), Comment(rawValue: t))
            #expect(t.contains("评价答复"), Comment(rawValue: t))
            #expect(!t.contains("重庆市信访办公室"), "the center is not the answering unit: \(t)")
            #expect(!t.contains("不予受理") && !t.contains("您的评价"), Comment(rawValue: t))
            expectNoStaffWords(t, "replied")

            // Closed by the rating: who answered, when it closed, the rating; no deadline left blank.
            let rated = try await h.send(.post, "/track/evaluate", body: "code=\(code)&phone4=5678&evaluation=satisfied&comment=", token: nil,
                                         headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(rated.status == .ok, "\(rated.text)")
            t = Self.text(rated.text)
            #expect(t.contains("已办结") && t.contains("本件已办结。"), Comment(rawValue: t))
            #expect(t.contains("答复单位 渝中区城市管理局"), Comment(rawValue: t))
            #expect(t.contains("办结时间 2026-11-04 10:00"), Comment(rawValue: t))
            #expect(t.contains("您的评价 满意") && t.contains("您的评价：满意"), Comment(rawValue: t))
            #expect(!t.contains("不予受理") && !t.contains("办理时限") && !t.contains("时限 前"), Comment(rawValue: t))
            // Closed, and still open to review for 30 days from the answer (11-04): the citizen reads until when.
            #expect(t.contains("申请复查截止 2026年12月4日24时前"), Comment(rawValue: t))
            expectNoStaffWords(t, "closed")
            j = try await h.get(api, token: nil)
            #expect(j["stateLabel"].string == "已办结" && j["unitName"].string == "渝中区城市管理局" && j["endedAt"].string != nil, Comment(rawValue: j.text))
        }
    }

    /// A limit the center let pass reads as passed (it read as a date, as if still ahead).
    @Test func aPassedDeadlineReadsAsPassed() async throws {
        try await withAPI { h in
            let code = try #require(try await h.post("/api/v1/public/cases", Self.submission, token: nil)["trackingCode"].string)
            var t = try await page(h, code)
            #expect(t.contains("转交承办单位时限 2026年11月3日24时前") && !t.contains("已超过时限"), Comment(rawValue: t))
            h.clock.advance(seconds: 3 * 86_400)
            t = try await page(h, code)
            #expect(t.contains("转交承办单位时限 2026年11月3日24时前 已超过时限，已列入督办预警"), Comment(rawValue: t))
            #expect(try await h.get("/api/v1/track/\(code)?phone4=5678", token: nil)["overdue"].bool == true)
        }
    }

    @Test func aRejectionNamesTheProcedureAndTheUnit() async throws {
        try await withAPI { h in
            let code = try #require(try await h.post("/api/v1/public/cases", Self.submission, token: nil)["trackingCode"].string)
            let id = Int(try #require(try await h.platform.store.case(trackingCode: code)).id)
            try await h.step(id, "dispatch", ["unit": 5])
            try await h.step(id, "sign", ["actingUnit": 5])
            try await h.step(id, "reject", ["actingUnit": 5, "route": "litigation", "reason": "属于民事纠纷"])
            let t = try await page(h, code)
            #expect(t.contains("不予受理： 本事项应通过诉讼途径解决，请依法向人民法院提起诉讼。"), Comment(rawValue: t))
            #expect(t.contains("承办单位 渝中区人力社保局") && t.contains("渝中区人力社保局决定不予受理"), Comment(rawValue: t))
            #expect(t.contains("决定时间"), Comment(rawValue: t))
            #expect(!t.contains("答复（") && !t.contains("您的评价") && !t.contains("评价答复"), Comment(rawValue: t))
            expectNoStaffWords(t, "rejected")
            let j = try await h.get("/api/v1/track/\(code)?phone4=5678", token: nil)
            #expect(j["rejection"]["route"].string == "litigation" && j["rejection"]["text"].string?.contains("人民法院") == true, Comment(rawValue: j.text))
        }
    }

    /// The mustache rule behind the bug: an empty string or an absent value must not open a section.
    @Test func emptyValuesOpenNoSection() throws {
        var library = MustacheLibraryFixture.make("{{#x}}[x:{{x}}]{{/x}}{{^x}}(no x){{/x}}{{#r}}[r:{{t}}]{{/r}}")
        let none: String? = nil
        #expect(library.render(["x": ""]) == "(no x)")
        #expect(library.render(["x": none as Any]) == "(no x)")
        #expect(library.render(["x": "有"]) == "[x:有]")
        let reply: [String: Any]? = nil
        #expect(library.render(["x": "", "r": reply as Any]) == "(no x)", "a nil dictionary boxed in Any is no reply")
        #expect(library.render(["r": ["t": ""], "t": "外层"]) == "(no x)[r:]", "an empty inner value does not read the outer one")
        library = MustacheLibraryFixture.make("{{#items}}{{name}};{{/items}}")
        #expect(library.render(["items": [["name": "甲"], ["name": ""]], "name": "外层"]) == "甲;;")
    }
}

/// Renders one template through the same normalisation as the pages.
struct MustacheLibraryFixture {
    let pages: Pages
    static func make(_ template: String) -> MustacheLibraryFixture {
        MustacheLibraryFixture(pages: try! Pages.testing(template: template))
    }
    func render(_ context: [String: Any]) -> String { pages.render("t", context) }
}
