import Foundation

/// Normalisation for classification. Text becomes a sequence of codes (Unicode scalar values plus a few
/// placeholders) that the n-gram features run over:
///
/// - full-width ASCII (U+FF01–FF5E) is folded to half width, the ideographic space to a space;
/// - common traditional characters are mapped to their simplified form (a small table, see `t2s`);
/// - Latin letters are lowercased;
/// - digit runs become placeholders: `NUM` (up to 6 digits) or `TEL` (7 digits or more: phone, ID or account
///   numbers), so no number is a feature;
/// - the organisers' anonymised places and users (`A市`, `A3区`, `A0001234`: one capital letter, optionally digits)
///   become `LOC`;
/// - whitespace and punctuation become one separator (runs collapse); n-grams do not cross it.
public enum TextNormalizer {
    static let sep: UInt32 = 0x20
    static let num: UInt32 = 0xE001
    static let tel: UInt32 = 0xE002
    static let loc: UInt32 = 0xE003

    /// The normalised text, placeholders shown as `<NUM>`, `<TEL>`, `<LOC>` (for tests and debugging).
    public static func normalize(_ text: String) -> String {
        var codes: [UInt32] = []
        append(text, to: &codes)
        var out = ""
        for c in codes {
            switch c {
            case num: out += "<NUM>"
            case tel: out += "<TEL>"
            case loc: out += "<LOC>"
            default: out.unicodeScalars.append(Unicode.Scalar(c) ?? " ")
            }
        }
        return out
    }

    static func append(_ text: String, to out: inout [UInt32]) {
        var text = text
        text.withUTF8 { bytes in
            out.reserveCapacity(out.count + bytes.count)
            var w = Writer(out: out)
            out = []
            w.run(bytes)
            out = w.out
        }
    }

    /// Writes the codes of `bytes` (UTF-8) into `buffer` (capacity ≥ bytes.count + 1); returns the count.
    @inline(__always)
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableBufferPointer<UInt32>) -> Int {
        var w = PointerWriter(buf: buffer)
        w.run(bytes)
        return w.count
    }

    // MARK: - Core (shared by the array and the pointer writers)

    @inline(__always)
    static func isCJK(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x20000 && v <= 0x2FA1F)
    }

    @inline(__always)
    static func isAdminSuffix(_ v: UInt32) -> Bool {
        // 市 区 县 镇 乡 村 省 州 街 路 (the anonymised place codes stand before these)
        v == 0x5E02 || v == 0x533A || v == 0x53BF || v == 0x9547 || v == 0x4E61 || v == 0x6751 || v == 0x7701 || v == 0x5DDE || v == 0x8857 || v == 0x8DEF
    }
}

protocol CodeSink {
    var count: Int { get }
    mutating func put(_ c: UInt32)
    subscript(_ i: Int) -> UInt32 { get set }
    mutating func truncate(_ n: Int)
}

extension CodeSink {
    /// Decodes UTF-8 and writes normalised codes.
    @inline(__always)
    mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = bytes.count
        var runStart = -1 // start (in the sink) of the pending ASCII letter/digit run
        var lastSep = true
        while i < n {
            var v = UInt32(bytes[i])
            if v < 0x80 {
                i += 1
            } else if v < 0xE0 {
                v = i + 1 < n ? ((v & 0x1F) << 6) | (UInt32(bytes[i + 1]) & 0x3F) : 0xFFFD
                i += 2
            } else if v < 0xF0 {
                v = i + 2 < n ? ((v & 0x0F) << 12) | ((UInt32(bytes[i + 1]) & 0x3F) << 6) | (UInt32(bytes[i + 2]) & 0x3F) : 0xFFFD
                i += 3
            } else {
                v = i + 3 < n ? ((v & 0x07) << 18) | ((UInt32(bytes[i + 1]) & 0x3F) << 12) | ((UInt32(bytes[i + 2]) & 0x3F) << 6) | (UInt32(bytes[i + 3]) & 0x3F) : 0xFFFD
                i += 4
            }
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 } else if v == 0x3000 { v = 0x20 }
            // ASCII letters and digits accumulate in a run, resolved when it ends.
            if (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) {
                if runStart < 0 { runStart = count }
                put(v)
                continue
            }
            if runStart >= 0 { flushRun(from: runStart, next: v); runStart = -1; lastSep = false }
            if TextNormalizer.isCJK(v) {
                if v >= 0x4E00 && v <= 0x9FFF { v = TextNormalizer.t2sTable[Int(v - 0x4E00)] }
                put(v); lastSep = false
            } else if v >= 0x80, let s = Unicode.Scalar(v), s.properties.isAlphabetic || s.properties.numericType != nil {
                // Other letters (Greek, accented Latin…) and numerals (①, Ⅻ): kept, lowercased when simple.
                let lower = s.properties.lowercaseMapping.unicodeScalars
                put(lower.count == 1 ? lower.first!.value : v); lastSep = false
            } else if !lastSep {
                put(TextNormalizer.sep); lastSep = true
            }
        }
        if runStart >= 0 { flushRun(from: runStart, next: 0) }
    }

    /// Rewrites the ASCII run at `start..<count` in place (never longer than the run).
    @inline(__always)
    mutating func flushRun(from start: Int, next: UInt32) {
        let end = count
        let first = self[start]
        let firstUpper = first >= 0x41 && first <= 0x5A
        var allDigitsAfterFirst = true
        var k = start + 1
        while k < end { let c = self[k]; if c < 0x30 || c > 0x39 { allDigitsAfterFirst = false; break }; k += 1 }
        if firstUpper && allDigitsAfterFirst && (end - start > 1 || TextNormalizer.isAdminSuffix(next)) {
            self[start] = TextNormalizer.loc
            truncate(start + 1)
            return
        }
        var w = start
        k = start
        while k < end {
            let c = self[k]
            if c >= 0x30 && c <= 0x39 {
                var e = k
                while e < end && self[e] >= 0x30 && self[e] <= 0x39 { e += 1 }
                self[w] = (e - k) >= 7 ? TextNormalizer.tel : TextNormalizer.num
                w += 1
                k = e
            } else {
                self[w] = c >= 0x41 && c <= 0x5A ? c + 0x20 : c
                w += 1
                k += 1
            }
        }
        truncate(w)
    }
}

struct Writer: CodeSink {
    var out: [UInt32]
    var count: Int { out.count }
    mutating func put(_ c: UInt32) { out.append(c) }
    subscript(_ i: Int) -> UInt32 { get { out[i] } set { out[i] = newValue } }
    mutating func truncate(_ n: Int) { out.removeLast(out.count - n) }
}

struct PointerWriter: CodeSink {
    let buf: UnsafeMutableBufferPointer<UInt32>
    var count = 0
    init(buf: UnsafeMutableBufferPointer<UInt32>) { self.buf = buf }
    @inline(__always) mutating func put(_ c: UInt32) { buf[count] = c; count += 1 }
    @inline(__always) subscript(_ i: Int) -> UInt32 { get { buf[i] } set { buf[i] = newValue } }
    @inline(__always) mutating func truncate(_ n: Int) { count = n }
}

extension TextNormalizer {
    /// The simplified form of a code (identity outside the table).
    @inline(__always)
    static func t2s(_ v: UInt32) -> UInt32 { v >= 0x4E00 && v <= 0x9FFF ? t2sTable[Int(v - 0x4E00)] : v }

    /// Traditional → simplified for about 300 frequent characters (pairs: traditional, simplified).
    static let t2sPairs = """
    萬万與与專专業业東东絲丝兩两嚴严個个豐丰臨临為为麗丽舉举義义樂乐習习鄉乡書书買买亂乱爭争於于雲云亞亚產产\
    親亲億亿僅仅從从倉仓儀仪們们價价眾众優优會会傳传傷伤體体餘余國国區区縣县鎮镇號号樓楼棟栋單单門门車车\
    鐵铁電电話话機机學学衛卫環环護护險险勞劳動动養养費费資资錢钱銀银貸贷務务員员場场廠厂築筑設设開开發发\
    運运輸输線线網网間间問问題题請请應应該该處处辦办關关對对這这來来時时說说經经過过還还實实現现讓让給给\
    將将後后裡里麼么沒没見见視视聽听報报紙纸導导師师課课補补證证據据鬧闹聲声氣气汙污廢废熱热燈灯橋桥隊队\
    權权責责職职級级條条規规標标準准審审腦脑療疗藥药診诊兒儿婦妇幫帮軍军農农歲岁孫孙戶户屬属貼贴領领幹干\
    長长馬马鳥鸟魚鱼龍龙飛飞風风陽阳陰阴壓压歷历曆历總总結结紅红綠绿藍蓝黃黄擊击擾扰擔担擁拥擴扩損损換换\
    撥拨檢检樣样構构歡欢殘残溫温湯汤滿满漢汉濟济灣湾災灾無无煙烟營营爺爷狀状獨独獲获畢毕異异當当盡尽監监\
    盤盘碼码礎础禮礼稅税種种稱称穩稳窮穷競竞筆笔節节範范簡简糧粮紀纪約约納纳紛纷細细終终組组綜综維维緊紧\
    編编緣缘縮缩績绩織织繳缴續续罰罚聯联聖圣聞闻腳脚臺台興兴舊旧莊庄蘭兰蟲虫衝冲裝装製制複复覺觉觀观計计\
    訂订認认討讨訓训記记訪访許许詢询試试誠诚誤误調调談谈諾诺識识議议讀读變变貨货質质購购貴贵貿贸賠赔賣卖\
    賬账賽赛趕赶跡迹車车軌轨較较載载輔辅輛辆輕轻轉转達达違违遠远遞递適适選选遺遗邊边郵邮鄰邻醫医釋释針针\
    銷销鋼钢錄录錯错鍋锅鐘钟閉闭閒闲閱阅闆板陸陆陳陈隨随隱隐雖虽雙双雜杂難难靜静響响項项順顺預预頻频額额\
    顏颜願愿類类顧顾顯显飯饭飲饮館馆驗验髮发鬥斗點点黨党齊齐齡龄華华學学務务瑪玛頭头讓让賴赖貧贫統统積积\
    稅税竊窃騙骗詐诈罪罪鄉乡區区縣县員员補补償偿徵征遷迁拆拆違违廳厅並并噸吨圍围園园團团塊块壞坏壯壮夢梦\
    奪夺奮奋婁娄孫孙寧宁寶宝寫写將将尋寻導导層层岡冈島岛峽峡帶带幣币廣广庫库廁厕張张彈弹徑径徹彻憂忧懷怀\
    戲戏慶庆憲宪戰战擠挤據据攜携敗败數数斷断時时晝昼暫暂曬晒書书東东條条極极槍枪樹树橫横歐欧歸归殺杀氣气\
    決决沖冲況况淨净濕湿滅灭漲涨潔洁澤泽災灾爐炉犧牺獎奖瑣琐產产畫画瘋疯癥症發发盜盗睏困礦矿碼码磚砖
    """

    /// Dense map over U+4E00–U+9FFF (identity where the table says nothing).
    static let t2sTable: [UInt32] = {
        var t = (0..<UInt32(0x5200)).map { $0 + 0x4E00 }
        var it = t2sPairs.unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "\\" }.makeIterator()
        while let a = it.next(), let b = it.next() {
            if a.value >= 0x4E00 && a.value <= 0x9FFF { t[Int(a.value - 0x4E00)] = b.value }
        }
        return t
    }()
}
