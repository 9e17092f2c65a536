import MinshengDomain
import Testing
@testable import MinshengText

/// The text module measures, the domain's `RepeatRule` decides: the examples read both, as registration does.
func decidedSameMatter(_ a: MatterProfile, _ b: MatterProfile, sameLocality: Bool = false) -> Bool {
    let m = MatterSimilarity.compare(a, b)
    return RepeatRule.sameMatter(MatterScore(sharedTerms: m.sharedTerms, overlap: m.overlap, samePlace: m.samePlace,
                                             bothPlaced: m.bothPlaced, sameWords: m.sameWords), sameLocality: sameLocality)
}

/// Whether two requests of one citizen are the same matter: the words of the matter and the site, never a category.
@Suite("Matter similarity")
struct MatterSimilarityTests {
    static let site = "渝中区民族路丽发新城小区"

    @Test(arguments: [
        // (first title, text, address) vs (second …), same matter?
        (("丽发新城小区门口烧烤摊油烟扰民", "每天晚上烧烤摊油烟很大，窗户都不敢开。", site),
         ("丽发新城小区门口烧烤摊噪音", "烧烤摊营业到凌晨，喝酒划拳噪音很大。", site), true),     // same stall, other complaint words
        (("丽发新城小区门口烧烤摊油烟扰民", "每天晚上烧烤摊油烟很大，窗户都不敢开。", site),
         ("丽发新城小区停水", "停水三天了，做饭洗澡都成问题。", site), false),                  // same site, another matter
        (("燃气费计费异常", "我家燃气表读数和账单对不上，本月燃气费比平时多了三倍。", ""),
         ("燃气费还是不对", "上次反映的燃气费计费异常还没解决，燃气账单依然多收费。", ""), true), // no site: the words say it
        (("燃气费计费异常", "我家燃气表读数和账单对不上，本月燃气费比平时多了三倍。", ""),
         ("幼儿园入学咨询", "孩子今年满三岁，想咨询附近幼儿园入学需要准备哪些材料。", ""), false),
        (("小区门口路灯不亮", "路灯坏了两周，晚上很黑。", "解放碑丽发新城3栋"),
         ("小区门口路灯不亮", "路灯坏了两周，晚上很黑。", "朝天门金海湾小区"), false),            // the same words about two sites
        (("丽发新城烧烤油烟", "烧烤摊油烟扰民，晚上不敢开窗。", "解放碑丽发新城3栋"),
         ("烧烤摊油烟", "烧烤摊油烟还是很大。", "渝中区丽发新城小区"), true),                     // one site, written two ways
        (("举报", "违建", ""), ("举报", "违建", ""), true),                                       // the same short text again
        (("反映问题", "希望尽快解决", ""), ("反映问题", "希望相关部门解决", ""), false),           // everyday words name no matter
    ] as [((String, String, String), (String, String, String), Bool)])
    func sameMatter(_ a: (String, String, String), _ b: (String, String, String), _ same: Bool) {
        let pa = MatterSimilarity.profile(title: a.0, text: a.1, address: a.2)
        let pb = MatterSimilarity.profile(title: b.0, text: b.1, address: b.2)
        #expect(decidedSameMatter(pa, pb) == same, "\(a.0) / \(b.0): \(MatterSimilarity.overlap(pa, pb))")
        #expect(decidedSameMatter(pb, pa) == same, "symmetric")
        #expect(MatterSimilarity.compare(pa, pb) == MatterSimilarity.compare(pb, pa))
    }

    @Test func placeNamesAreTheWhereNotTheWhat() {
        let p = MatterSimilarity.profile(title: "丽发新城小区停水", text: "停水三天", address: Self.site)
        #expect(p.places == ["民族路", "丽发新城"])
        #expect(p.address == "渝中区民族路丽发新城小区")
        let words = Set(p.terms.map(BigramTable.text))
        #expect(words.contains("停水") && !words.contains("丽发") && !words.contains("新城"))
        // The same town or village (the caller's knowledge of the tree) lowers the bar like a named place.
        let a = MatterSimilarity.profile(title: "路灯不亮", text: "门口路灯坏了", address: nil)
        let b = MatterSimilarity.profile(title: "路灯还是坏了", text: "晚上很黑", address: nil)
        #expect(!decidedSameMatter(a, b))
        #expect(decidedSameMatter(a, b, sameLocality: true))
    }
}
