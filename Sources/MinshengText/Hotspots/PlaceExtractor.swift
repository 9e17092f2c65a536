import Foundation

/// Reads places from a message without a gazetteer: a run of Chinese characters ending in a place word —
/// estates (小区, 花园, 苑, 家园, 公寓, 新村, 新城, 社区, 村), roads (路, 大道, 街, 巷) and streets (街道, 镇, 乡) —
/// after the district (`A市A3区`, `渝中区`) and before the rest of the sentence; and the district itself.
///
///     PlaceExtractor.places(in: "A市A2区丽发新城小区附近搅拌站噪音扰民")
///       → [Place(name: "丽发新城小区", kind: .estate, district: "A2区")]
///
/// Names are cut at words that cannot be part of one (我们, 该, 附近, 反映…) and kept at 2–10 characters. The key
/// of a place drops a trailing 小区/社区 so that 丽发新城, 丽发新城小区 and 丽发新城社区 are one place.
public enum PlaceExtractor {
    public enum Kind: Int, Sendable, Comparable {
        case estate = 0, road = 1, street = 2
        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    public struct Place: Sendable, Equatable {
        public var name: String
        public var kind: Kind
        /// The district written just before it, if any.
        public var district: String?
        /// The grouping key (the name without a trailing 小区/社区).
        public var key: String { PlaceExtractor.key(name) }
    }

    /// Place words, longest first for each ending (街道 before 街, 新村 before 村).
    static let suffixes: [(String, Kind)] = [
        ("小区", .estate), ("花园", .estate), ("家园", .estate), ("公寓", .estate), ("新村", .estate), ("新城", .estate),
        ("社区", .estate), ("山庄", .estate), ("广场", .estate), ("华府", .estate), ("名城", .estate), ("苑", .estate),
        ("村", .estate), ("街道", .street), ("镇", .street), ("乡", .street),
        ("大道", .road), ("路", .road), ("街", .road), ("巷", .road),
    ]

    /// Characters that never start a place name: a name begins after the last of them.
    static let breakers: Set<Character> = Set("的在于是和与及到从对向把我你他她们该本这那此各等所有个位住近旁了也都很请问为被给让由经过将已未不没就还要想说称叫及或且但而又即对于关于反映投诉举报咨询建议希望请求要求强烈呼吁恳请市区县省镇乡：:，,。.！!？?；;、（）()【】《》“”\"' \t\n")
    /// Prefixes that make a generic, not a named, place ("安置小区", "农村", "城区道路").
    static let genericNames: Set<String> = [
        "安置", "老旧", "周边", "附近", "整个", "城中", "农村", "乡村", "城乡", "道路", "马路", "公路", "城市", "全市", "各个",
        "新建", "商品", "居民", "住宅", "高档", "小区", "社区", "街道", "村里", "村民", "乡镇", "城镇", "本村", "我村",
        "回迁", "拆迁", "保障", "开放", "封闭", "物业", "老", "新", "一", "两", "多", "各", "部分", "其他", "所在", "隔壁",
        "对面", "门口", "主干", "背街", "沿街", "临街", "步行", "人行", "高速", "国道", "省道", "县道", "乡道", "进村",
        "出村", "通村", "美丽", "行政", "自然", "贫困", "全村", "全镇", "全乡", "该村", "此村", "本镇", "一条", "这条",
    ]
    /// Characters that, right after a place word, show it is part of another word (路灯, 路面, 村委, 镇政府 stays).
    static let notAfter: [String: Set<Character>] = [
        "路": Set("灯面段边况线费人过障基牌由途程径演标上下旁"), "街": Set("边头上角坊"), "巷": Set("子口内"),
        "村": Set("民里庄口"), "乡": Set("亲下村"), "镇": Set("上里"), "苑": Set("林"), "广场": Set("舞"),
    ]
    /// Words after which a place name starts (inner place words, and words never part of a name).
    static let innerCuts = ["街道", "路", "大道", "镇", "乡", "目前", "位于", "附近", "关于", "反映", "投诉", "建议", "咨询",
                            "请问", "希望", "大型", "整个", "就是", "还有", "以及", "地处", "坐落", "原来", "现在", "其中"]
    /// Common words ending in a place word that name no place (线路, 铁路, 农村…).
    static let genericTails: Set<String> = ["线路", "道路", "马路", "公路", "铁路", "出路", "思路", "网路", "走路", "一路", "沿路",
                                            "修路", "山路", "水路", "电路", "小路", "进路", "去路", "来路", "退路", "套路", "门路",
                                            "农村", "乡村", "山村", "渔村", "全村", "本村", "乡镇", "城镇", "小镇", "食街", "吃街",
                                            "业街", "行街", "老街", "大街", "型小区", "新小区", "老小区", "个小区", "们小区", "该小区",
                                            "边小区", "近小区", "的小区", "区社区", "线大道", "园区", "广场"]
    /// Words a 区/县 that is not a district ends ("小区", "社区"…).
    static let notDistricts: Set<String> = ["小区", "社区", "城区", "园区", "景区", "校区", "片区", "辖区", "市区", "郊区", "老区",
                                            "该区", "本区", "我区", "全区", "各区", "营区", "厂区", "矿区", "街区", "新区", "山区",
                                            "库区", "院区", "湖区", "病区", "警区", "全县", "本县", "该县", "各县", "我县"]

    /// The key two spellings of one place share.
    public static func key(_ name: String) -> String {
        for s in ["小区", "社区"] where name.hasSuffix(s) && name.count >= s.count + 2 {
            return String(name.dropLast(s.count))
        }
        return name
    }

    /// Every place named in `text` (at most `limit`), in order of appearance, without repeats.
    public static func places(in text: String, limit: Int = 8) -> [Place] {
        var chars: [UInt32] = []
        chars.reserveCapacity(min(text.utf8.count, 2_000))
        for u in text.unicodeScalars { chars.append(u.value); if chars.count >= 2_000 { break } }
        var out: [Place] = []
        var seen = Set<String>()
        var district: String?
        var i = 0
        let n = chars.count
        while i < n && out.count < limit {
            let c = chars[i]
            // A district: an anonymised code (A3区, A7县) or Chinese characters before 区/县.
            if c == qu || c == xian {
                if let d = districtEnding(at: i, chars) { district = d }
                i += 1
                continue
            }
            var matched = false
            for (sc, s, kind) in suffixCodes {
                guard i + sc.count <= n, chars[i] == sc[0], sc.count == 1 || chars[i + 1] == sc[1] else { continue }
                let end = i + sc.count
                // 路灯, 路面, 村民, 街边…: the word goes on, it is no place.
                if end < n, let after = notAfterCodes[s], after.contains(chars[end]) { break }
                // Walk back over the name.
                var start = i
                while start > 0 && i - start < 10 {
                    let p = chars[start - 1]
                    let ascii = p < 0x80 && ((p >= 0x30 && p <= 0x39) || (p >= 0x41 && p <= 0x5A) || (p >= 0x61 && p <= 0x7A))
                    guard TextNormalizer.isCJK(p) || ascii else { break }
                    if breakerCodes.contains(p) { break }
                    start -= 1
                }
                var name = Array(chars[start..<i])
                // A name starts after an inner place word or a word that is never part of one
                // (暮云街道丽发新城 → 丽发新城, 劳动东路魅力之城 → 魅力之城, 目前泉星美食 → 泉星美食).
                for w in innerCutCodes where name.count > w.count {
                    var k = name.count - w.count
                    while k >= 0 {
                        if Array(name[k..<(k + w.count)]) == w { break }
                        k -= 1
                    }
                    if k >= 0 && k + w.count < name.count { name = Array(name[(k + w.count)...]) }
                }
                // Leading ASCII (a place code's digits) is not part of the name.
                while let f = name.first, f < 0x80 { name.removeFirst() }
                let nameText = string(name)
                if name.count >= 2, name.count <= 10, !genericNames.contains(nameText), !isGenericPrefix(nameText),
                   name.last != sc[0], !genericTails.contains(string([name.last!]) + s),
                   !name.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) {
                    // 幸福家园 + 小区: the whole name.
                    var full = nameText + s, stop = end
                    if end + 1 < n, chars[end + 1] == qu, chars[end] == 0x5C0F || chars[end] == 0x793E { full += string(chars[end...(end + 1)]); stop = end + 2 }
                    let place = Place(name: full, kind: kind, district: district)
                    if seen.insert(place.key).inserted { out.append(place) }
                    i = stop
                    matched = true
                }
                break
            }
            if !matched { i += 1 }
        }
        return out
    }

    static let qu: UInt32 = 0x533A, xian: UInt32 = 0x53BF, shi: UInt32 = 0x5E02

    static func string(_ codes: some Sequence<UInt32>) -> String {
        var s = String.UnicodeScalarView()
        for c in codes { if let u = Unicode.Scalar(c) { s.append(u) } }
        return String(s)
    }

    static let suffixCodes: [([UInt32], String, Kind)] = suffixes.map { (Array($0.0.unicodeScalars.map(\.value)), $0.0, $0.1) }
    static let breakerCodes: Set<UInt32> = Set(breakers.flatMap { $0.unicodeScalars.map(\.value) })
    static let innerCutCodes: [[UInt32]] = innerCuts.map { Array($0.unicodeScalars.map(\.value)) }
    static let notAfterCodes: [String: Set<UInt32>] = notAfter.mapValues { Set($0.flatMap { $0.unicodeScalars.map(\.value) }) }

    /// The most specific place of a message: an estate in the title, else in the text, else a road or street in
    /// the title, else in the text.
    public static func primaryPlace(title: String, text: String) -> Place? {
        let t = places(in: title), b = places(in: String(text.prefix(600)))
        for kind in [Kind.estate, .road, .street] {
            if let p = t.first(where: { $0.kind == kind }) ?? b.first(where: { $0.kind == kind }) { return p }
        }
        return nil
    }

    /// The first district written in the title, else in the text.
    public static func district(title: String, text: String) -> String? {
        for s in [title, String(text.prefix(600))] {
            let chars = s.unicodeScalars.map(\.value)
            for i in chars.indices where chars[i] == qu || chars[i] == xian {
                if let d = districtEnding(at: i, chars) { return d }
            }
        }
        return nil
    }

    /// `A3区`, `A7县` (the organisers' codes) or two to three Chinese characters before 区/县 that are not a
    /// generic word (小区, 城区…) and follow 市.
    static func districtEnding(at i: Int, _ chars: [UInt32]) -> String? {
        @inline(__always) func digit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }
        // Anonymised: one capital letter and digits.
        var j = i
        while j > 0 && digit(chars[j - 1]) { j -= 1 }
        if j < i && j > 0 && chars[j - 1] >= 0x41 && chars[j - 1] <= 0x5A {
            return string(chars[(j - 1)...i])
        }
        // Chinese: 市 then 2–3 characters, e.g. 重庆市渝中区.
        guard i >= 1 else { return nil }
        let word = string(chars[(i - 1)...i])
        guard !notDistricts.contains(word) else { return nil }
        for len in [2, 3] where i - len >= 1 {
            let name = Array(chars[(i - len)..<i])
            guard name.allSatisfy({ TextNormalizer.isCJK($0) && !breakerCodes.contains($0) }) else { continue }
            if chars[i - len - 1] == shi { return string(name + [chars[i]]) }
        }
        return nil
    }

    static func isGenericPrefix(_ name: String) -> Bool {
        // "某某路", digits-only names, and names that are a generic word plus one character.
        if name.hasPrefix("某") || name.allSatisfy({ $0.isNumber }) { return true }
        for g in ["周边", "附近", "对面", "门口", "旁边"] where name.hasSuffix(g) { return true }
        return false
    }

    @inline(__always)
    static func isHan(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1 else { return false }
        return TextNormalizer.isCJK(v)
    }
}
