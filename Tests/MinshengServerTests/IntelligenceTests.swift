import Foundation
import HummingbirdTesting
import Logging
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import MinshengText
import Testing

/// Near-duplicates and risk words at registration (issue 6 items 2 and 4), through the API.
@Suite("Near-duplicates and risk words at registration")
struct IntelligenceTests {
    static let text = "我家楼下的烧烤店每天晚上营业到凌晨两点，油烟直接排到居民楼里，噪音很大，老人孩子都睡不好觉，多次反映没有效果，请相关部门尽快处理。"

    @Test func nearDuplicatesFromAnyoneAreLinked() async throws {
        try await withAPI { h in
            let first = try await h.create(title: "烧烤店油烟噪音扰民", content: Self.text, phone: "13800001111")
            // Someone else, almost the same words.
            let second = try await h.create(title: "烧烤店油烟噪音扰民", content: Self.text.replacingOccurrences(of: "两点", with: "三点"), phone: "13900002222")
            let other = try await h.create(title: "医保报销咨询", content: "请问异地就医的医保报销需要哪些材料，在哪里办理？", phone: "13700003333")
            let s = try await h.show(second)
            #expect(s["similar"].ints == [first])
            #expect(try await h.show(other)["similar"].count == 0)
            #expect(try await h.show(first)["similar"].count == 0, "only earlier cases are linked")
            let event = try await h.platform.store.events(of: Int64(second))[0]
            #expect(event.data["similar"] == String(first))
        }
    }

    @Test func riskWordsFlagTheCaseAndTellTheCenterAtOnce() async throws {
        try await withAPI { h in
            let id = try await h.create(title: "工资拖欠半年", content: "老板拖欠工资半年不给，我实在活不下去了，再不解决我就去跳楼。")
            let c = try await h.show(id)
            #expect(c["risks"].array.compactMap { $0["id"].string } == ["self-harm"])
            #expect(c["risks"][0]["name"].string == "自伤自杀")
            let notices = try await h.platform.store.notices(of: Int64(id))
            #expect(notices.map(\.kind) == ["risk"])
            #expect(notices[0].recipientUnit == 2)
            #expect(notices[0].dedupeKey == "\(id):risk:2")
            #expect(notices[0].message.contains("自伤自杀"))
            // An ordinary complaint raises nothing; a figurative word (跳楼价) is excluded by the list.
            let calm = try await h.create(title: "商场虚假促销", content: "商场号称跳楼价清仓，实际价格比平时还贵。")
            #expect(try await h.show(calm)["risks"].count == 0)
            #expect(try await h.platform.store.notices(of: Int64(calm)).isEmpty)
        }
    }

    @Test func adminsEditTheRiskList() async throws {
        try await withAPI { h in
            let admin = try await h.accounts.user("admin", unit: 1, roles: [.admin]).token
            let districtAdmin = try await h.accounts.user("qu.admin", unit: 3, roles: [.admin]).token
            let list = "[threat] 威胁他人\n炸掉\n!炸掉鸡翅\n"
            // A line the parser cannot read is refused with its number; nothing changes.
            let bad = try await h.send(.post, "/console/admin/risk", body: formBody([("text", "[threat 威胁\n炸掉")]), token: admin, headers: formHeaders)
            #expect(bad.status == .badRequest && bad.text.contains("line 1"))
            let refused = try await h.send(.post, "/console/admin/risk", body: formBody([("text", list)]), token: districtAdmin, headers: formHeaders)
            #expect(refused.status == .forbidden)
            let saved = try await h.send(.post, "/console/admin/risk", body: formBody([("text", list)]), token: admin, headers: formHeaders)
            #expect(saved.status == .seeOther, "\(saved.text)")
            let id = try await h.create(title: "物业纠纷", content: "再不解决，我就把物业办公室炸掉。")
            #expect(try await h.show(id)["risks"].array.compactMap { $0["id"].string } == ["threat"])
            let fried = try await h.create(title: "外卖投诉", content: "炸掉鸡翅的油是地沟油吗？")
            #expect(try await h.show(fried)["risks"].count == 0, "the exclusion holds")
            // The old list is gone; the saved one is applied again at the next start.
            let old = try await h.create(title: "工资", content: "活不下去了，我要跳楼。")
            #expect(try await h.show(old)["risks"].count == 0)
            let restarted = Platform(store: h.platform.store, clock: h.clock, calendar: h.platform.calendar)
            try await restarted.loadSettings()
            #expect(restarted.intelligence.riskMatcher.lexicon.categories.map(\.id) == ["threat"])
        }
    }

    @Test func theIndexSurvivesARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minsheng-intel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await SQLiteStore.open(.file(dir.appendingPathComponent("m.sqlite").path))
        do {
            let file = dir.appendingPathComponent("m.neardup").path
            let p1 = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar())
            try await p1.addUnits(apiUnits)
            let actor = Actor(id: "t", name: "t", role: .registrar, unit: 2)
            let a = try await p1.register(CaseDraft(channel: .web, kind: .complaint, title: "烧烤店油烟", content: Self.text), by: actor).case
            try p1.intelligence.save(to: file)
            // A case registered after the save (the process stopped before the next one).
            let b = try await p1.register(CaseDraft(channel: .web, kind: .help, title: "路灯不亮", content: "小区门口的路灯坏了两个多星期，晚上一片漆黑，老人孩子出行很不安全，请尽快维修。"), by: actor).case
            // A new process: loads the file, catches up from the store, finds both.
            let p2 = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar())
            try await p2.loadUnits()
            try await p2.intelligence.warmUp(store: store, file: file, logger: Logger(label: "test"))
            #expect(p2.intelligence.duplicates.count == 2)
            #expect(p2.intelligence.duplicates.query(title: "烧烤店油烟", text: Self.text).map(\.id) == [a.id])
            #expect(p2.intelligence.duplicates.query(title: "路灯不亮", text: "小区门口的路灯坏了两个多星期，晚上一片漆黑，老人孩子出行很不安全，请尽快维修。").map(\.id) == [b.id])
            // A damaged file is rebuilt from the store instead.
            try Data("garbage!garbage!".utf8).write(to: URL(fileURLWithPath: file))
            let p3 = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar())
            try await p3.intelligence.warmUp(store: store, file: file, logger: Logger(label: "test"))
            #expect(p3.intelligence.duplicates.count == 2)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// Two nodes on one database: each links near-duplicates of the cases the other registered once it has caught
    /// up, and nothing is indexed twice (the saved file of one node does not double the other's cases).
    @Test func nodesLearnEachOthersCases() async throws {
        let store = try await SQLiteStore.open(.memory)
        do {
            let p1 = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar())
            try await p1.addUnits(apiUnits)
            let p2 = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar())
            try await p2.loadUnits()
            let actor = Actor(id: "t", name: "t", role: .registrar, unit: 2)
            let a = try await p1.register(CaseDraft(channel: .web, kind: .complaint, title: "烧烤店油烟", content: Self.text), by: actor).case
            // Before catching up, node 2 does not know node 1's case; after, it links to it.
            #expect(p2.intelligence.duplicates.query(title: "烧烤店油烟", text: Self.text).isEmpty)
            #expect(try await p2.intelligence.catchUp(store: store) == 1)
            let b = try await p2.register(CaseDraft(channel: .web, kind: .complaint, title: "烧烤店油烟", content: Self.text), by: actor).case
            #expect(b.similar == [a.id])
            // Node 1 learns b; repeated catch-ups add nothing twice.
            #expect(try await p1.intelligence.catchUp(store: store) == 1)
            #expect(try await p1.intelligence.catchUp(store: store) == 0)
            #expect(try await p2.intelligence.catchUp(store: store) == 0)
            #expect(p1.intelligence.duplicates.count == 2 && p2.intelligence.duplicates.count == 2)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
