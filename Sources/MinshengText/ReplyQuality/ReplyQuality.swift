import Foundation

/// Reply quality of an official answer to a citizen message (issue 6, item 5).
///
/// - **Relevance**: cosine similarity of TF-IDF weighted character bigrams between the message (title + body) and
///   the reply with its boilerplate removed (greetings, "已收悉", "现答复如下", thanks, "如对答复不满意…", contact
///   numbers, the trailing date, and — when a whole file is scored — every sentence that recurs in ≥ 5 replies of
///   the file). Bigrams do not cross punctuation; digits are masked. IDF is learnt on the scored file (messages and
///   replies as documents); a single pair is scored with IDF 1.
/// - **Completeness** (who / what / when), each in 0…1: *who* — a responsible unit is named ("区城管局", "镇政府",
///   "交警大队", or the first person of an office: "我局", "我镇"…); *what* — concrete actions ("调查", "核实", "现场",
///   "责成", "整改", "拆除", "已…"): 0.5 for one distinct action word, 1 for two or more; *when* — a date, a
///   time or a deadline ("4月28日前", "年底", "近期", "下一步", "目前") other than the reply's own trailing date (digits before 年/月/日/号, a clock time, 2019-04-18).
///   For a *consultation* (the title asks: 咨询, 请问, 如何, 是否, ？…) completeness is at least
///   min(1, substantive characters / 120): a question is answered by information, not by an action on a date.
/// - **Score** = 100 × (0.5 × min(1, relevance / `relevanceCap`) + 0.5 × (who + what + when) / 3).
///   A reply that, without boilerplate, has fewer than `minSubstance` characters gets completeness 0.
public struct ReplyQuality: Sendable, Equatable {
    public var relevance: Double
    public var who: Double
    public var what: Double
    public var when: Double
    /// Characters left after removing boilerplate.
    public var substance: Int
    /// The message asks a question (咨询, 请问, 如何…) rather than reporting a problem.
    public var consultation: Bool = false
    /// (who + what + when) / 3; for a consultation at least min(1, substance / `ReplyScorer.informativeLength`),
    /// since a question is answered by information, not by a unit acting on a date.
    public var completeness: Double {
        let base = (who + what + when) / 3
        guard consultation, substance >= ReplyScorer.minSubstance else { return base }
        return max(base, min(1, Double(substance) / ReplyScorer.informativeLength))
    }
    public var score: Double { 100 * (0.5 * min(1, relevance / ReplyScorer.relevanceCap) + 0.5 * completeness) }
}

public struct ReplyScorer {
    /// Cosine at which relevance counts as full (fixed a priori; 2.4% of the real replies reach it, median 0.175).
    public static let relevanceCap = 0.5
    public static let minSubstance = 15
    /// Substantive characters at which the answer to a consultation counts as complete.
    public static let informativeLength = 120.0
    static let questionWords = ["咨询", "请问", "询问", "问一下", "如何", "怎么", "怎样", "是否", "能否", "可否", "什么", "哪里", "多久", "?", "？"]

    /// Whether the message (its title, i.e. its first line, or the first 40 characters) asks a question.
    public static func isConsultation(_ message: String) -> Bool {
        let head = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        let t = head.isEmpty ? String(message.prefix(40)) : String(head.prefix(60))
        return questionWords.contains(where: { t.contains($0) })
    }

    /// Phrases removed as boilerplate before any measure (matched literally, in order).
    static let boilerplatePatterns: [String] = [
        #"(尊敬的)?(网友|网民)?[“"「]?[A-Za-z0-9]{0,16}[”"」]?(网友)?[：:，,]?\s*(您|你)好[！!，,。：:]?"#,
        #"(您|你)(的|在)?[^。！!，,]{0,24}?(留言|来信|发帖|网贴|帖子|问题|反映)[^。！!，,]{0,12}?(已)?(收悉|收到)[。！!，,]?"#,
        #"(留言|来信)?(已)?收悉[。！!，,]?"#,
        #"现(将|就)?[^。：:]{0,16}?(答复|回复|复函)如下[：:。，,]?"#,
        #"(感谢|谢谢)(您|你)[^。！!]{0,40}?(关心|支持|理解|监督|关注|信任)[^。！!]{0,20}[。！!]?"#,
        #"特此(回复|答复|复函|函复)[。！!]?"#,
        #"如(果)?(您|你)对[^。！!]{0,40}?(不满意|有异议|有疑问|有新的)[^。！!]*[。！!]?"#,
        #"(联系|咨询|办公)?电话[:：]?[（(]?[0-9\-－—]{5,}[）)]?"#,
        #"\d{4}年\d{1,2}月\d{1,2}日\s*$"#,
    ]

    static let unitSuffixes = ["委员会", "管委会", "办事处", "派出所", "人民政府", "政府", "大队", "支队", "中队", "中心", "街道",
                               "公司", "医院", "局", "厅", "委", "办", "镇", "乡", "所", "站", "院", "处", "村", "社区"]
    static let firstPersonUnits = ["我局", "我委", "我办", "我中心", "我镇", "我乡", "我街道", "我院", "我队", "我所", "我站",
                                   "我处", "我厅", "我区", "我县", "我市", "我司", "我公司", "我校", "我社区", "我村"]
    static let actions = ["调查", "核实", "核查", "现场", "查看", "勘查", "责成", "整改", "拆除", "清理", "维修", "修复", "处罚",
                          "查处", "立案", "约谈", "督促", "协调", "安排", "落实", "办理", "解决", "处理", "疏通", "更换", "安装",
                          "清运", "取缔", "罚款", "下达", "制止", "巡查", "检查", "已完成", "已经", "已于", "已将", "已对", "已安排",
                          "已要求", "已责令", "责令", "启动", "施工", "补发", "退还", "发放", "纳入", "列入"]
    static let timeWords = ["目前", "近期", "近日", "日前", "下一步", "年底", "年内", "月底", "上旬", "中旬", "下旬", "本月", "下月",
                            "本周", "下周", "明年", "今年", "工作日", "小时内", "日内", "天内", "之前", "以前", "截至", "届时", "预计"]

    let compiled: [Regex<AnyRegexOutput>]

    public init() {
        compiled = Self.boilerplatePatterns.map { Self.regex($0) }
    }

    /// Regexes match on Unicode scalars (several times faster than on grapheme clusters; the patterns need nothing more).
    static func regex(_ pattern: String) -> Regex<AnyRegexOutput> {
        try! Regex(pattern).matchingSemantics(.unicodeScalar)
    }

    // MARK: - Boilerplate

    /// The reply without boilerplate phrases (and without sentences in `recurring`, digit-masked, if given).
    public func clean(_ reply: String, recurring: Set<String> = []) -> String {
        Self.dropRecurring(cleanPhrases(reply), recurring)
    }

    func cleanPhrases(_ reply: String) -> String {
        var s = reply.filter { !$0.isWhitespace }
        for r in compiled { s = s.replacing(r, with: "") }
        return s
    }

    static func dropRecurring(_ s: String, _ recurring: Set<String>) -> String {
        recurring.isEmpty ? s : sentences(s).filter { !recurring.contains(maskDigits($0)) }.joined()
    }

    /// Sentences ending in 。！？；!?; (the terminator kept).
    static func sentences(_ s: String) -> [String] {
        var out: [String] = [], cur = ""
        for ch in s {
            cur.append(ch)
            if "。！？；!?;".contains(ch) { out.append(cur); cur = "" }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    static func maskDigits(_ s: String) -> String {
        String(s.map { $0.isNumber ? "0" : $0 })
    }

    /// Sentences (digit-masked, after phrase removal) that occur in at least `minCount` different replies.
    public func recurringSentences(_ replies: [String], minCount: Int = 5) -> Set<String> {
        Self.recurring(phraseCleaned: replies.map(cleanPhrases), minCount: minCount)
    }

    static func recurring(phraseCleaned: [String], minCount: Int) -> Set<String> {
        var count: [String: Int] = [:]
        for c in phraseCleaned {
            for s in Set(sentences(c).map(maskDigits)) where s.count >= 6 { count[s, default: 0] += 1 }
        }
        return Set(count.filter { $0.value >= minCount }.keys)
    }

    // MARK: - Relevance

    /// Character bigrams (CJK, letters, digits masked to 0) not crossing punctuation, with counts.
    static func bigrams(_ s: String) -> [UInt64: Double] {
        var out: [UInt64: Double] = [:]
        var prev: UInt64? = nil
        for u in s.unicodeScalars {
            let p = u.properties
            let c: UInt64? = p.numericType != nil ? 0x30 : (p.isAlphabetic ? UInt64(u.value) : nil)
            if let c, let pv = prev { out[pv << 32 | c, default: 0] += 1 }
            prev = c
        }
        return out
    }

    static func cosine(_ a: [UInt64: Double], _ b: [UInt64: Double], idf: [UInt64: Double]?) -> Double {
        func w(_ v: [UInt64: Double]) -> [UInt64: Double] {
            guard let idf else { return v }
            return v.reduce(into: [:]) { $0[$1.key] = $1.value * (idf[$1.key] ?? 1) }
        }
        let x = w(a), y = w(b)
        var dot = 0.0
        for (k, v) in x { if let u = y[k] { dot += v * u } }
        let nx = x.values.reduce(0) { $0 + $1 * $1 }.squareRoot(), ny = y.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return nx > 0 && ny > 0 ? dot / (nx * ny) : 0
    }

    /// IDF ln((1+N)/(1+df)) + 1 over the given documents.
    public static func idf(_ documents: [String]) -> [UInt64: Double] {
        var df: [UInt64: Double] = [:]
        for d in documents { for k in bigrams(d).keys { df[k, default: 0] += 1 } }
        let n = Double(documents.count)
        return df.mapValues { log((1 + n) / (1 + $0)) + 1 }
    }

    // MARK: - Completeness

    func who(_ c: String) -> Double {
        if Self.firstPersonUnits.contains(where: { c.contains($0) }) { return 1 }
        // A unit suffix (局, 政府, 街道, 大队…) right after a CJK character, letter or digit: "城管局", "A7县政府".
        let u = Array(c.unicodeScalars)
        for suffix in Self.namedUnitSuffixes {
            let sfx = Array(suffix.unicodeScalars)
            guard sfx.count <= u.count - 1 else { continue }
            var i = 1
            while i + sfx.count <= u.count {
                if u[i] == sfx[0] && Array(u[i..<(i + sfx.count)]) == sfx && (u[i - 1].properties.isAlphabetic || u[i - 1].properties.numericType != nil) {
                    return 1
                }
                i += 1
            }
        }
        return 0
    }

    static let namedUnitSuffixes = ["委员会", "管委会", "办事处", "派出所", "政府", "大队", "支队", "中队", "中心", "街道", "局", "厅"]

    func what(_ c: String) -> Double {
        let n = Self.actions.filter { c.contains($0) }.count
        return n >= 2 ? 1 : n == 1 ? 0.5 : 0
    }

    func when(_ c: String) -> Double {
        if Self.hasDate(c) { return 1 }
        return Self.timeWords.contains(where: { c.contains($0) }) ? 1 : 0
    }

    /// A date or a time: digits before 年/月/日/号, "10:30", "2019-04-18".
    static func hasDate(_ c: String) -> Bool {
        let u = Array(c.unicodeScalars)
        var i = 0
        while i < u.count {
            guard ("0"..."9").contains(u[i]) else { i += 1; continue }
            var j = i
            while j < u.count && ("0"..."9").contains(u[j]) { j += 1 }
            if j < u.count {
                let n = u[j]
                if n == "月" || n == "日" || n == "号" || (n == "年" && j - i == 4) { return true }
                if (n == ":" || n == "：") && j + 1 < u.count && ("0"..."9").contains(u[j + 1]) && j - i <= 2 { return true }
                if j - i == 4 && (n == "-" || n == "/" || n == ".") && j + 1 < u.count && ("0"..."9").contains(u[j + 1]) { return true }
            }
            i = j
        }
        return false
    }

    // MARK: - Scoring

    /// Scores one reply to one message. `idf` and `recurring` come from the whole file (`score(file:)`); without
    /// them the built-in boilerplate list and uniform IDF are used.
    public func score(message: String, reply: String, idf: [UInt64: Double]? = nil, recurring: Set<String> = []) -> ReplyQuality {
        score(message: message, cleaned: clean(reply, recurring: recurring), idf: idf)
    }

    func score(message: String, cleaned c: String, idf: [UInt64: Double]?) -> ReplyQuality {
        let substance = c.filter { $0.isLetter || $0.isNumber }.count
        let rel = Self.cosine(Self.bigrams(message.filter { !$0.isWhitespace }), Self.bigrams(c), idf: idf)
        let ask = Self.isConsultation(message)
        guard substance >= Self.minSubstance else { return ReplyQuality(relevance: rel, who: 0, what: 0, when: 0, substance: substance, consultation: ask) }
        return ReplyQuality(relevance: rel, who: who(c), what: what(c), when: when(c), substance: substance, consultation: ask)
    }

    /// Scores every (message, reply) pair of a file, with IDF and recurring sentences learnt on the file.
    public func score(pairs: [(message: String, reply: String)]) -> [ReplyQuality] {
        let phraseCleaned = pairs.map { cleanPhrases($0.reply) }
        let recurring = Self.recurring(phraseCleaned: phraseCleaned, minCount: 5)
        let cleaned = phraseCleaned.map { Self.dropRecurring($0, recurring) }
        let idf = Self.idf(pairs.map { $0.message.filter { !$0.isWhitespace } } + cleaned)
        return pairs.indices.map { score(message: pairs[$0].message, cleaned: cleaned[$0], idf: idf) }
    }

    // MARK: - Replying unit

    /// The unit that signs or answers the reply, if the text names it: the name right before the trailing date
    /// ("…A7县交通运输局2013年8月22日"), else the unit thanked for ("感谢您对A7县交通运输局工作的…"), else the unit the
    /// matter was passed to ("已转交县文化市场综合执法局核处"). Nil when the reply only says "我局" or names nothing.
    public func unit(of reply: String) -> String? {
        let s = reply.filter { !$0.isWhitespace }
        var body = s.replacing(Self.regex(#"\d{4}年\d{1,2}月\d{1,2}日$"#), with: "")
        if body.count < s.count {
            body = String(body.reversed().prefix(while: { $0.isLetter || $0.isNumber }).reversed())
            if let u = Self.trailingUnit(body) { return u }
        }
        if let r = s.firstMatch(of: Self.regex(#"感谢(您|你)对([\u{4E00}-\u{9FFF}A-Z0-9]{2,20}?)(工作|的)"#)),
           let sub = r.output[2].substring, let u = Self.trailingUnit(String(sub)), !u.hasPrefix("我") {
            return u
        }
        if let r = s.firstMatch(of: Self.regex(#"转(交|至|给|到)?([\u{4E00}-\u{9FFF}A-Z0-9]{2,20}?)(进行|核查|核处|调查|处理|办理|办复|答复|回复)"#)),
           let sub = r.output[2].substring, let u = Self.trailingUnit(String(sub)), !u.hasPrefix("我") {
            return u
        }
        return nil
    }

    /// The anonymised place a message is about: the first district or county code ("A7县", "B3区") of the text,
    /// else its first city code ("A市"); nil if none. Replies are grouped by it when the reply names no unit.
    public static func district(of message: String) -> String? {
        let u = Array(message.unicodeScalars)
        var city: String? = nil
        var i = 0
        while i < u.count {
            guard ("A"..."Z").contains(u[i]), i == 0 || !(u[i - 1].properties.isAlphabetic && u[i - 1].isASCII) else { i += 1; continue }
            var j = i + 1
            while j < u.count && ("0"..."9").contains(u[j]) { j += 1 }
            if j < u.count && (u[j] == "市" || u[j] == "区" || u[j] == "县") {
                let name = String(String.UnicodeScalarView(u[i...j]))
                if j > i + 1 { return name }
                if city == nil && u[j] == "市" { city = name }
            }
            i = j
        }
        return city
    }

    /// `s` if it ends with a unit suffix and is 3…20 characters, trimmed of a leading 由/请/向/与.
    static func trailingUnit(_ s: String) -> String? {
        var t = Substring(s)
        while let f = t.first, "由请向与和及对".contains(f) { t = t.dropFirst() }
        guard (3...20).contains(t.count), unitSuffixes.contains(where: { t.hasSuffix($0) }) else { return nil }
        return String(t)
    }
}
