import Foundation

/// What a request is about, for telling whether two requests of one citizen are the same matter (重复件) whatever a
/// classifier would call them: the words of the matter and its place.
///
/// - terms: the distinct bigrams of Chinese characters of title and text (normalised like the classifier's input:
///   full width folded, traditional → simplified), without the bigrams of the place names (the where is not the
///   what) and without everyday bigrams that name no matter (反映, 问题, 希望, 解决 …);
/// - places: the keys of the named places (estates, roads, streets: `PlaceExtractor`) in the address, title and text;
/// - address: the address with spacing and punctuation dropped.
public struct MatterProfile: Sendable, Equatable {
    public var terms: Set<UInt64>
    public var places: Set<String>
    public var address: String
    public init(terms: Set<UInt64>, places: Set<String>, address: String) {
        self.terms = terms; self.places = places; self.address = address
    }
}

/// What `MatterSimilarity.compare` measures of two profiles.
public struct MatterComparison: Sendable, Equatable {
    /// Matter terms both share, and that count over the smaller side's.
    public var sharedTerms: Int
    public var overlap: Double
    /// A named place or the address in common (`samePlace`).
    public var samePlace: Bool
    /// Each names a place or an address.
    public var bothPlaced: Bool
    /// The same non-empty terms.
    public var sameWords: Bool
}

public enum MatterSimilarity {
    /// How much of title and text is read (a repeat says what the matter is early).
    static let maxBytes = 6_000

    /// Everyday bigrams of petitions that say nothing about which matter it is.
    static let everyday: Set<UInt64> = {
        let words = """
            反映 问题 没有 希望 解决 相关 部门 处理 投诉 请求 要求 一直 现在 情况 我们 你们 他们 已经 还是 但是 因为 所以
            这个 那个 什么 怎么 可以 不能 没人 有关 上次 今天 每天 目前 至今 还在 进行 请问 咨询 谢谢 你好 您好 麻烦 尽快
            市民 群众 居民 政府 领导 这样 严重 影响 多次 再次 依然 仍然 还没 一下 一个 不是 就是 需要 能否 是否 请求 帮助
            """
        var keys = Set<UInt64>()
        for w in words.split(whereSeparator: \.isWhitespace) {
            let u = w.unicodeScalars.map(\.value)
            if u.count == 2 { keys.insert((UInt64(u[0]) << 21) | UInt64(u[1])) }
        }
        return keys
    }()

    public static func profile(title: String, text: String, address: String? = nil) -> MatterProfile {
        let address = address ?? ""
        var places = Set<String>()
        var names: [String] = []
        for part in [address, title, text] where !part.isEmpty {
            for p in PlaceExtractor.places(in: part) {
                places.insert(p.key)
                names.append(p.name)
                if let d = p.district { names.append(d) }
            }
        }
        if !address.isEmpty { names.append(address) }
        let grams = BigramVectors.bigrams(title: title, text: text, maxBytes: maxBytes, titleWeight: 1, placeNames: names, placeWeight: 0)
        var terms = Set<UInt64>()
        for g in grams where g.tf > 0 && !everyday.contains(g.key) { terms.insert(g.key) }
        return MatterProfile(terms: terms, places: places, address: compact(address))
    }

    /// The address without spacing and punctuation (渝中区 解放碑，丽发新城 3栋 → 渝中区解放碑丽发新城3栋).
    static func compact(_ s: String) -> String {
        String(s.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    /// Matter terms both share, and that count over the smaller side's (the overlap coefficient: a short follow-up
    /// "燃气费还是不对" is compared with the long first account by what it says).
    public static func overlap(_ a: MatterProfile, _ b: MatterProfile) -> (shared: Int, ratio: Double) {
        let shared = a.terms.intersection(b.terms).count
        let smaller = min(a.terms.count, b.terms.count)
        return (shared, smaller == 0 ? 0 : Double(shared) / Double(smaller))
    }

    /// The same site: a named place in common, or the same address, however fully written (解放碑丽发新城 and
    /// 丽发新城 are one place: one name or address inside the other, of 3 characters at least).
    public static func samePlace(_ a: MatterProfile, _ b: MatterProfile) -> Bool {
        func within(_ x: String, _ y: String) -> Bool { min(x.count, y.count) >= 3 && (x.contains(y) || y.contains(x)) }
        if !a.places.isDisjoint(with: b.places) { return true }
        for x in a.places { for y in b.places where within(x, y) { return true } }
        return !a.address.isEmpty && !b.address.isEmpty && within(a.address, b.address)
    }

    /// How alike two requests are: the measures the repeat rule (MinshengDomain's `RepeatRule`, which knows the
    /// thresholds and the unit tree) decides by.
    public static func compare(_ a: MatterProfile, _ b: MatterProfile) -> MatterComparison {
        let (shared, ratio) = overlap(a, b)
        return MatterComparison(sharedTerms: shared, overlap: ratio, samePlace: samePlace(a, b),
                                bothPlaced: knowsPlace(a) && knowsPlace(b), sameWords: !a.terms.isEmpty && a.terms == b.terms)
    }

    static func knowsPlace(_ p: MatterProfile) -> Bool { !p.places.isEmpty || !p.address.isEmpty }
}
