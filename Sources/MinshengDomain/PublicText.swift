/// The one redaction every public read of a citizen's text goes through (Open311, 留言选登, the tracking page,
/// WeChat and SMS answers): what a stranger may read of a case. It hides
/// - phone numbers, ID numbers, bank and other account numbers (any run of 7 or more digits, with - or spaces
///   inside), and e-mail addresses;
/// - the citizen's own name wherever it appears (`names`), and a third person's name where the text introduces
///   one (邻居李建国, 物业经理陈志强, 我叫王小明, 联系人：张三): surname kept, given name as 某 (李某某);
/// - house-level addresses: 18号, 3单元, 502室, 2栋, 附1号 and the numbers that follow them (大坪正街18号3单元502 →
///   大坪正街**), so a street or a community stays readable and a door does not.
/// Applying it twice changes nothing more: stored disclosures (redacted when chosen) are redacted again on read.
public enum PublicText {
    public static let hidden = "**"

    public static func redact(_ text: String, names: [String] = []) -> String {
        var s = Array(text)
        s = hideNumbersAndMail(s)
        for name in names.map({ $0.trimmingWhitespace }) where name.count >= 2 {
            s = replace(Array(name), in: s, with: Array(pseudonym(name)))
        }
        s = hideIntroducedNames(s)
        s = hideHouseNumbers(s)
        return String(s)
    }

    /// 李建国 → 李某某, 王五 → 王某, 欧阳娜娜 → 欧阳某某.
    public static func pseudonym(_ name: String) -> String {
        let c = Array(name)
        let surname = c.count >= 3 && compoundSurnames.contains(String(c[0..<2])) ? 2 : 1
        return String(c[0..<surname]) + String(repeating: "某", count: max(1, min(2, c.count - surname)))
    }

    // MARK: Numbers and e-mail

    static func isDigit(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1 else { return false }
        return (0x30...0x39).contains(v) || (0xFF10...0xFF19).contains(v)
    }

    private static func hideNumbersAndMail(_ s: [Character]) -> [Character] {
        var out: [Character] = []
        var i = 0
        while i < s.count {
            // An e-mail address: the local part before @ and the domain after it.
            if s[i] == "@", let start = out.lastIndex(where: { !isMailChar($0) }).map({ $0 + 1 }) ?? Optional(0),
               start < out.count, i + 1 < s.count, isMailChar(s[i + 1]) {
                var j = i + 1
                while j < s.count, isMailChar(s[j]) || s[j] == "." { j += 1 }
                if s[(i + 1)..<j].contains(".") {
                    out.removeSubrange(start...)
                    out += Array(hidden)
                    i = j
                    continue
                }
            }
            guard isDigit(s[i]) else { out.append(s[i]); i += 1; continue }
            // A run of digits, with single separators between groups (023-63861234, 138 0000 1234), and an ID
            // number's closing X.
            var j = i, digits = 0, end = i
            while j < s.count {
                if isDigit(s[j]) { digits += 1; j += 1; end = j; continue }
                if (s[j] == "-" || s[j] == " " || s[j] == "－"), j + 1 < s.count, isDigit(s[j + 1]) { j += 1; continue }
                if (s[j] == "X" || s[j] == "x"), digits == 17 { j += 1; end = j; digits += 1 }
                break
            }
            if digits >= 7 {
                out += Array(hidden)
            } else {
                out += s[i..<end]
            }
            i = end
        }
        return out
    }

    private static func isMailChar(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "._%+-".contains(c))
    }

    // MARK: Names

    /// Words after which a person's name follows (邻居李建国, 老板张某, 我叫王小明, 联系人：张三).
    static let nameLeads: [String] = [
        "我叫", "名叫", "叫做", "姓名", "本人", "联系人", "举报人", "被举报人", "当事人", "投诉人", "申请人", "代理人",
        "邻居", "住户", "业主", "房东", "租户", "房客", "老板", "老板娘", "经理", "包工头", "工头", "负责人", "法人", "法定代表人",
        "书记", "主任", "村长", "社长", "组长", "网格员", "队长", "站长", "所长", "科长", "局长", "校长", "院长", "会计",
        "保安", "门卫", "司机", "医生", "护士", "老师", "班主任", "同事", "员工", "工人", "村民", "居民", "店主", "摊主", "承包人",
        "丈夫", "妻子", "老公", "老婆", "儿子", "女儿", "父亲", "母亲", "爸爸", "妈妈", "哥哥", "弟弟", "姐姐", "妹妹",
        "侄子", "外甥", "女婿", "儿媳", "亲戚", "朋友", "男友", "女友",
    ]

    private static let leads = nameLeads.map(Array.init).sorted { $0.count > $1.count }
    private static let leadStarts = Set(nameLeads.compactMap(\.first))

    static let compoundSurnames: Set<String> = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "司徒", "夏侯", "端木", "独孤", "南宫", "西门", "轩辕"]

    static let surnames: Set<Character> = Set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝谌粟黔")

    /// Characters that end a given name: a name is one or two characters and stops before these.
    static let nameStops: Set<Character> = Set("的了在是和与跟及等说把被让给向对从于又也就都还已不将每天到去来要说讲打骂经常多次一直总是曾因为所以但却并且而这那个们某先生女士小姐师傅老板经理书记主任")

    private static func isHan(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value else { return false }
        return (0x4E00...0x9FFF).contains(v)
    }

    private static func hideIntroducedNames(_ s: [Character]) -> [Character] {
        var out: [Character] = []
        var i = 0
        while i < s.count {
            guard leadStarts.contains(s[i]), let lead = leads.first(where: { l in i + l.count <= s.count && Array(s[i..<(i + l.count)]) == l }) else {
                out.append(s[i]); i += 1; continue
            }
            out += lead
            var j = i + lead.count
            while j < s.count, "：:是为 ".contains(s[j]) { out.append(s[j]); j += 1 } // 联系人：张三, 负责人是李四
            if let (len, surname) = name(at: j, in: s) {
                out += surname + Array(String(repeating: "某", count: len - surname.count))
                i = j + len
            } else {
                i = j
            }
        }
        return out
    }

    /// A surname (single or compound) and one or two given-name characters at `i`; nil when it is no name.
    private static func name(at i: Int, in s: [Character]) -> (length: Int, surname: [Character])? {
        var sl = 0
        if i + 1 < s.count, compoundSurnames.contains(String(s[i...(i + 1)])) { sl = 2 }
        else if i < s.count, surnames.contains(s[i]) { sl = 1 }
        guard sl > 0 else { return nil }
        var g = 0
        while g < 2, i + sl + g < s.count, isHan(s[i + sl + g]), !nameStops.contains(s[i + sl + g]) { g += 1 }
        // Already a pseudonym (李某某) or a title (张经理): nothing to hide.
        guard g > 0, s[i + sl] != "某" else { return nil }
        return (sl + g, Array(s[i..<(i + sl)]))
    }

    // MARK: House numbers

    static let chineseDigits: Set<Character> = Set("零〇一二三四五六七八九十百两")
    /// What follows a number at house level (号, 栋, 单元, 室 …), longest first.
    static let houseSuffixes: [[Character]] = ["号楼", "号院", "号房", "号", "栋", "幢", "座", "单元", "楼", "层", "室", "户"].map(Array.init)
    /// 号 that is no door: 3号线, 1号文件, 12号令, 5号台风, 2号窗口.
    static let notHouse: [[Character]] = ["线", "文", "令", "台风", "窗口", "公告", "通知", "机", "码", "球", "牌"].map(Array.init)

    private static func isNumberChar(_ c: Character) -> Bool { isDigit(c) || chineseDigits.contains(c) }

    /// The length of "number + house suffix" at `i`, or nil.
    private static func houseToken(at i: Int, in s: [Character]) -> Int? {
        var j = i
        if j < s.count, s[j] == "附" || s[j] == "第" { j += 1 }
        let numberStart = j
        while j < s.count, isNumberChar(s[j]) { j += 1 }
        guard j > numberStart, j - numberStart <= 5 else { return nil }
        // A bare Chinese numeral must be followed by a suffix and not be a word (一楼 is a floor, 十号 a date too):
        // only Arabic digits or 单元/栋/室 after Chinese numerals.
        let arabic = s[numberStart..<j].allSatisfy(isDigit)
        for suffix in houseSuffixes where j + suffix.count <= s.count && Array(s[j..<(j + suffix.count)]) == suffix {
            if !arabic && !["单元", "栋", "幢", "室"].contains(String(suffix)) { return nil }
            let after = j + suffix.count
            if suffix == ["号"], notHouse.contains(where: { w in after + w.count <= s.count && Array(s[after..<(after + w.count)]) == w }) {
                return nil
            }
            return after - i
        }
        return nil
    }

    private static func hideHouseNumbers(_ s: [Character]) -> [Character] {
        var out: [Character] = []
        var i = 0
        while i < s.count {
            // 12月5号 is a date, not a door.
            guard i == 0 || s[i - 1] != "月", let first = houseToken(at: i, in: s) else { out.append(s[i]); i += 1; continue }
            var j = i + first
            // The door continues: more tokens (3单元, 502室), a dash and digits (3-2-502), or bare digits (502).
            while j < s.count {
                if let t = houseToken(at: j, in: s) { j += t; continue }
                if s[j] == "-" || s[j] == "－" || s[j] == "—", j + 1 < s.count, isDigit(s[j + 1]) { j += 1; continue }
                if isDigit(s[j]) { while j < s.count, isDigit(s[j]) { j += 1 }; continue }
                break
            }
            out += Array(hidden)
            i = j
        }
        return out
    }

    // MARK: Helpers

    private static func replace(_ target: [Character], in s: [Character], with r: [Character]) -> [Character] {
        guard !target.isEmpty, target.count <= s.count else { return s }
        var out: [Character] = []
        var i = 0
        while i < s.count {
            if i + target.count <= s.count, Array(s[i..<(i + target.count)]) == target {
                out += r; i += target.count
            } else {
                out.append(s[i]); i += 1
            }
        }
        return out
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
