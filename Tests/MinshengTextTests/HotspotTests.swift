import Foundation
@testable import MinshengText
import Testing

/// Messages for the hotspot tests: one complaint (express pick-up points charging fees) written differently in
/// three districts, a housing estate with four kinds of problems, and unrelated matters.
enum HotspotFixtures {
    static let day: Int64 = 86_400
    static let t0: Int64 = 1_793_000_000

    static func express(_ id: Int64, _ district: String, variant: Int, time: Int64) -> HotspotMessage {
        let bodies = [
            ("\(district)快递代收点违规收取保管费", "小区门口的快递代收点取快递要收保管费，每件收一元，快递员也不送货上门，这种违规收费谁来管？"),
            ("\(district)快递代收点乱收费", "快递代收点取件收费两元，快递公司不送上门，还要收取保管费，请邮政管理部门查处违规收费。"),
            ("反映\(district)快递代收点收取取件费", "附近快递代收点要求每件快递交保管费才能取件，快递员不送货上门，违规收费太普遍了。"),
        ]
        let (t, b) = bodies[variant % bodies.count]
        return HotspotMessage(id: id, title: t, text: b, time: time, district: district, category: "商贸旅游", author: "citizen\(id)")
    }

    static let unrelated: [(String, String, String)] = [
        ("中学食堂饭菜价格太高", "孩子就读的中学食堂一份午饭要十五元，分量少，希望教育部门关注学生伙食。", "教育文体"),
        ("社保卡补办太慢", "社保卡丢失后去补办，等了两个月还没拿到，影响看病报销。", "劳动和社会保障"),
        ("公交车长期晚点", "早高峰公交车经常晚点半小时，站台上挤满了上班族，建议增加班次。", "交通运输"),
        ("医院挂号难", "人民医院专家号一号难求，黄牛倒卖号源，请卫生部门整治。", "卫生计生"),
        ("河道有人偷排污水", "夜里有工厂往河里偷排黑色污水，河水发臭，鱼都死了。", "环境保护"),
        ("景区门票乱涨价", "国庆期间景区门票从六十元涨到一百二十元，没有提前公示。", "商贸旅游"),
        ("农村危房改造补助没发", "去年申请的危房改造补助到现在还没有发放，房子漏雨。", "城乡建设"),
        ("幼儿园收取赞助费", "幼儿园入园要求家长交五千元赞助费，不交不给报名。", "教育文体"),
    ]

    static func estate(_ id: Int64, time: Int64) -> [HotspotMessage] {
        [
            HotspotMessage(id: id, title: "幸福家园小区门口道路破损", text: "幸福家园小区门口的道路坑坑洼洼，下雨天全是积水，请尽快修路。", time: time, district: "渝中区", category: "城乡建设"),
            HotspotMessage(id: id + 1, title: "幸福家园小区旁工地夜间施工噪音", text: "幸福家园小区旁边工地每天夜里施工到凌晨两点，噪音大，无法休息。", time: time + 3600, district: "渝中区", category: "环境保护"),
            HotspotMessage(id: id + 2, title: "幸福家园小区停水三天", text: "幸福家园小区已经停水三天，没有任何通知，老人孩子生活困难。", time: time + 7200, district: "渝中区", category: "劳动和社会保障"),
            HotspotMessage(id: id + 3, title: "幸福家园小区垃圾无人清运", text: "幸福家园小区的垃圾桶满了一个星期没人清运，臭气熏天，蚊蝇滋生。", time: time + 9000, district: "渝中区", category: "卫生计生"),
        ]
    }

    static func noise(from id: Int64, time: Int64) -> [HotspotMessage] {
        unrelated.enumerated().map { i, u in
            HotspotMessage(id: id + Int64(i), title: u.0, text: u.1, time: time + Int64(i) * 600, district: ["渝中区", "江北区", "南岸区"][i % 3], category: u.2)
        }
    }
}

@Suite("Hotspots")
struct HotspotTests {
    typealias F = HotspotFixtures

    @Test func theSameComplaintInThreeDistrictsIsOneSystemicTopicThatGrew() {
        let districts = ["渝中区", "江北区", "南岸区"]
        var current: [HotspotMessage] = []
        for (k, d) in districts.enumerated() {
            for v in 0..<2 { current.append(F.express(Int64(100 + k * 2 + v), d, variant: k + v, time: F.t0 + Int64(k * 2 + v) * 3600)) }
        }
        current += F.noise(from: 200, time: F.t0)
        let previous = [F.express(1, "渝中区", variant: 0, time: F.t0 - 10 * F.day), F.express(2, "江北区", variant: 1, time: F.t0 - 9 * F.day)]
            + F.noise(from: 10, time: F.t0 - 12 * F.day)
        let r = Hotspots.analyze(current, previous: previous)
        #expect(r.topics.count == 1, "\(r.topics.map(\.terms))")
        let c = try! #require(r.topics.first)
        #expect(c.size == 6)
        #expect(Set(c.members) == Set(100...105))
        #expect(Set(c.districts.map(\.name)) == Set(districts))
        #expect(c.systemic)
        #expect(c.category == "商贸旅游")
        #expect(c.previousSize == 2 && c.growth == 2.0 && c.trend == .up)
        #expect(c.people == 6)
        #expect(c.firstSeen == F.t0 && c.lastSeen == F.t0 + 5 * 3600)
        #expect((100...105).contains(c.representative))
        #expect(c.terms.contains { $0.contains("快递") || $0.contains("收费") || $0.contains("保管费") }, "\(c.terms)")
    }

    @Test func twoDistrictsAreNotSystemic() {
        var current: [HotspotMessage] = []
        for i in 0..<4 { current.append(F.express(Int64(i), i % 2 == 0 ? "渝中区" : "江北区", variant: i, time: F.t0 + Int64(i) * 60)) }
        let r = Hotspots.analyze(current + F.noise(from: 50, time: F.t0))
        #expect(r.topics.count == 1)
        #expect(r.topics.first?.systemic == false)
        #expect(r.topics.first?.trend == .new && r.topics.first?.growth == nil)
    }

    @Test func aPlaceWithFourCategoriesIsAPlaceHotspot() {
        let r = Hotspots.analyze(F.estate(1, time: F.t0) + F.noise(from: 100, time: F.t0))
        #expect(r.places.count == 1, "\(r.places.map { $0.place ?? "-" })")
        let p = try! #require(r.places.first)
        #expect(p.place == "幸福家园小区")
        #expect(p.size == 4 && Set(p.members) == [1, 2, 3, 4])
        #expect(p.categories.count == 4)
        #expect(p.districts.map(\.name) == ["渝中区"])
        // Different problems of one place are not one topic.
        #expect(r.topics.isEmpty, "\(r.topics.map(\.terms))")
    }

    @Test func aPlaceWithOneCategoryIsNotAPlaceHotspot() {
        var ms = F.estate(1, time: F.t0)
        for i in ms.indices { ms[i].category = "城乡建设" }
        #expect(Hotspots.analyze(ms).places.isEmpty)
    }

    @Test func unrelatedMessagesDoNotMerge() {
        let r = Hotspots.analyze(F.noise(from: 1, time: F.t0) + F.noise(from: 100, time: F.t0 + F.day).map {
            var m = $0; m.title = "再次" + m.title; return m
        })
        // Each matter posted twice is a pair at most; no two matters share a group.
        var options = HotspotOptions(); options.minClusterSize = 2
        let pairs = Hotspots.analyze(F.noise(from: 1, time: F.t0) + F.noise(from: 100, time: F.t0 + F.day), options: options)
        #expect(r.topics.isEmpty)
        #expect(pairs.topics.count == F.unrelated.count)
        #expect(pairs.topics.allSatisfy { $0.size == 2 && $0.members[1] - $0.members[0] == 99 })
    }

    @Test func emptyHugeEmojiAndGarbageNeverCrash() {
        #expect(Hotspots.analyze([]).topics.isEmpty)
        let one = HotspotMessage(id: 1, title: "", text: "", time: 0)
        #expect(Hotspots.analyze([one]).topics.isEmpty)
        let emoji = (0..<50).map { HotspotMessage(id: Int64($0), title: "😀😀🔥", text: String(repeating: "👍🏻🇨🇳", count: 30), time: Int64($0)) }
        #expect(Hotspots.analyze(emoji).topics.isEmpty)
        var rng = SystemRandomNumberGenerator()
        let garbage = (0..<200).map { i -> HotspotMessage in
            let scalars = (0..<200).compactMap { _ in Unicode.Scalar(UInt32.random(in: 0...0x2FFFF, using: &rng)) }
            var s = String.UnicodeScalarView(); s.append(contentsOf: scalars)
            return HotspotMessage(id: Int64(i), title: String(s.prefix(20)), text: String(s), time: Int64(i), district: i % 2 == 0 ? nil : "区")
        }
        _ = Hotspots.analyze(garbage)
        let huge = HotspotMessage(id: 1, title: "路灯", text: String(repeating: "小区门口的路灯坏了很久。", count: 100_000), time: 0)
        _ = Hotspots.analyze([huge, huge, huge])
        // The same message a thousand times: one cluster, one person each.
        let same = (0..<1000).map { HotspotMessage(id: Int64($0), title: "丽发新城小区附近搅拌站噪音扰民", text: "搅拌站日夜施工，噪音粉尘严重。", time: Int64($0)) }
        let r = Hotspots.analyze(same)
        #expect(r.topics.count == 1 && r.topics[0].size == 1000)
        #expect(r.places.isEmpty) // no categories
        // Single-threaded gives the same clusters.
        var o = HotspotOptions(); o.threads = 1
        #expect(Hotspots.analyze(same, options: o).topics.map(\.members) == r.topics.map(\.members))
    }

    @Test func placesAreReadFromTheText() {
        func names(_ s: String) -> [String] { PlaceExtractor.places(in: s).map(\.name) }
        #expect(names("A市A2区丽发新城小区附近搅拌站噪音扰民").contains { PlaceExtractor.key($0) == "丽发新城" })
        #expect(PlaceExtractor.primaryPlace(title: "反映A7县春华镇金鼎村水泥路、自来水到户的问题", text: "")?.name == "金鼎村")
        #expect(PlaceExtractor.primaryPlace(title: "A市暮云街道丽发新城社区附近搅拌站噪音污染严重", text: "")?.key == "丽发新城")
        #expect(PlaceExtractor.primaryPlace(title: "A5区劳动东路魅力之城小区一楼的夜宵摊严重污染附近的空气", text: "")?.name == "魅力之城小区")
        #expect(PlaceExtractor.primaryPlace(title: "A市伊景园滨河苑捆绑销售车位", text: "")?.name == "伊景园滨河苑")
        #expect(PlaceExtractor.primaryPlace(title: "关于A6区月亮岛路沿线架设110KV高压电线杆的投诉", text: "")?.name == "月亮岛路")
        #expect(PlaceExtractor.primaryPlace(title: "我们小区的道路太差", text: "农村公路和线路老化") == nil)
        #expect(PlaceExtractor.district(title: "A市A3区中海国际社区三期", text: "") == "A3区")
        #expect(PlaceExtractor.district(title: "重庆市渝中区解放碑路灯不亮", text: "") == "渝中区")
        #expect(PlaceExtractor.district(title: "我们小区和社区", text: "") == nil)
        #expect(PlaceExtractor.places(in: "😀区县路街🔥村").isEmpty)
    }

    @Test func teddyTimesAndPaddingAreRead() throws {
        #expect(TeddyHotspotFile.parseTime("2019-02-28 11:25:05") == TeddyHotspotFile.parseTime("2019/2/28 11:25:05"))
        #expect(TeddyHotspotFile.parseTime("2019/2/28 11:25:05") == 1_551_324_305)
        #expect(TeddyHotspotFile.parseTime("2019/2/30 1:00:00") == nil)
        #expect(TeddyHotspotFile.parseTime("yesterday") == nil)
        #expect(TeddyHotspotFile.parseTime("") == nil)
        let csv = "留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数\n"
            + "1,A001,标题一,2019-02-28 11:25:05,\"\n\t\t\t正文一\n\t\t\",0,5\n"
            + "2,A002,标题二,2019/3/1 9:05:00,正文二,1,0\n"
            + "3,A003,标题三,not a time,正文三,0,0\n"
        let (rows, skipped) = try TeddyHotspotFile.read(Array(csv.utf8))
        #expect(rows.count == 2 && skipped == 1)
        #expect(rows[0].message.text == "正文一" && rows[0].likes == 5 && rows[0].message.weight == 5 && rows[0].message.author == "A001")
        #expect(rows[1].dislikes == 1 && rows[1].message.id == 2)
        #expect(throws: TeddyHotspotFile.ReadError.self) { try TeddyHotspotFile.read(Array(csv.utf8), strict: true) }
    }

    /// On the real hotspot file (skipped without it): the two best-known hot problems of the competition are the
    /// two largest topics of the year (丽发新城's mixing plant, 伊景园滨河苑's bundled parking spaces).
    @Test func realMessagesFindTheKnownHotProblems() throws {
        guard let dir = SharedData.teddyDirectory(from: #filePath) else { return }
        guard let data = FileManager.default.contents(atPath: dir + "/hotspot_messages.csv") else { return }
        let (rows, _) = try TeddyHotspotFile.read(data)
        let r = Hotspots.analyze(rows.map(\.message))
        let top = r.topics.prefix(3).map { $0.terms.joined() + ($0.place ?? "") + $0.representativeTitle }
        #expect(top.contains { $0.contains("丽发新城") }, "\(top)")
        #expect(top.contains { $0.contains("伊景园") }, "\(top)")
    }
}
