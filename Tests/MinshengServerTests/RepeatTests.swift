import Foundation
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

@Suite("Repeat requests from the same citizen")
struct RepeatTests {
    @Test func theSameCitizenAboutTheSameMatterIsLinkedAndProposedForLeaderOwnership() async throws {
        try await withAPI { h in
            let gas = "我家燃气表读数和账单对不上，本月燃气费比平时多了三倍。"
            let first = try await h.create(title: "燃气费计费异常", content: gas, category: "城乡建设", phone: "13800001234")
            let other = try await h.create(title: "幼儿园入学咨询", content: "孩子今年满三岁，想咨询附近幼儿园入学需要准备哪些材料。",
                                           category: "教育文体", phone: "13800001234")
            h.clock.advance(seconds: 86_400)
            // The same phone written differently, the same matter in other words and under another category: a repeat.
            let again = try await h.create(title: "燃气费还是不对", content: "上次反映的燃气费计费异常还没解决，燃气账单依然多收费。",
                                           category: "商贸旅游", phone: "138-0000-1234")
            let c = try await h.show(again)
            #expect(c["repeatOf"].int == first)
            #expect(c["leaderProposed"].bool == true)
            #expect(c["history"][0]["data"]["repeatOf"].string == String(first))
            #expect(try await h.show(other)["repeatOf"].isNull)
            #expect(try await h.listIDs("leaderProposed=true") == [again])
            // A third one links to the first of the chain, not to the repeat.
            let third = try await h.create(title: "燃气费第三次反映", content: "燃气费计费异常，燃气表读数还是不对。", category: "城乡建设", phone: "13800001234")
            #expect(try await h.show(third)["repeatOf"].int == first)
            // The same category is not the same matter.
            let lamp = try await h.create(title: "小区门口路灯不亮", content: "路灯坏了两周，晚上很黑。", category: "城乡建设", phone: "13800001234")
            #expect(try await h.show(lamp)["repeatOf"].isNull)
            // Another citizen, or after 90 days, is not a repeat.
            let stranger = try await h.create(title: "燃气费计费异常", content: gas, category: "城乡建设", phone: "13900009999")
            #expect(try await h.show(stranger)["repeatOf"].isNull)
            h.clock.advance(seconds: 91 * 86_400)
            let late = try await h.create(title: "燃气费计费异常", content: gas, category: "城乡建设", phone: "13800001234")
            #expect(try await h.show(late)["repeatOf"].isNull)
        }
    }

    /// The reported case: the same phone about the same site was not linked because the second message got another
    /// suggested category. With the shipped classifier, as in production.
    @Test func theSameSiteAndMatterIsARepeatWhateverTheClassifierSuggests() async throws {
        let classifier = try #require(try shippedClassifier())
        let store = try await SQLiteStore.open(.memory)
        do {
            let clock = ManualClock(monday9)
            let platform = Platform(store: store, clock: clock, calendar: try shippedCalendar(), classifier: classifier)
            try await platform.addUnits(apiUnits)
            func register(_ title: String, _ content: String, phone: String = "13800001234") async throws -> Case {
                var d = CaseDraft(channel: .phone, kind: .complaint, title: title, content: content,
                                  citizen: Citizen(name: "王先生", phone: phone))
                d.address = "渝中区民族路丽发新城小区"
                clock.advance(seconds: 3600)
                return try await platform.register(d, by: watchAdmin).case
            }
            let smoke = try await register("丽发新城小区门口烧烤摊油烟扰民", "丽发新城小区门口的烧烤摊每天晚上油烟很大，窗户都不敢开，希望有关部门管一管。")
            let noise = try await register("丽发新城小区门口烧烤摊噪音", "丽发新城小区门口烧烤摊营业到凌晨，喝酒划拳噪音很大，孩子睡不着。")
            let first = try #require(smoke.suggestion?.category), second = try #require(noise.suggestion?.category)
            try #require(first != second, "the classifier must disagree for this test to mean anything")
            #expect(noise.repeatOf == smoke.id)
            #expect(noise.leaderProposed)
            #expect(try await store.events(of: noise.id)[0].data["repeatOf"] == String(smoke.id))
            // The same phone, the same site, another matter: not a repeat (the place alone is not the matter).
            let water = try await register("丽发新城小区停水", "丽发新城小区停水三天了，做饭洗澡都成问题，物业说是管道维修。")
            #expect(water.repeatOf == nil && !water.leaderProposed)
            let school = try await register("孩子入学", "孩子今年满六岁，想咨询丽发新城小区对口的小学入学需要准备哪些材料。")
            #expect(school.repeatOf == nil)
            // Another phone about the same stall: not this citizen's repeat.
            let neighbour = try await register("丽发新城小区门口烧烤摊油烟扰民", "烧烤摊油烟太大。", phone: "13900009999")
            #expect(neighbour.repeatOf == nil)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
