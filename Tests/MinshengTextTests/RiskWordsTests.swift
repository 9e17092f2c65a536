import Foundation
import Testing
@testable import MinshengText

@Suite struct RiskWordsTests {
    let matcher = RiskMatcher()

    @Test func shippedListParsesAndRoundTrips() throws {
        let l = RiskLexicon.shipped
        #expect(l.categories.map(\.id) == ["self-harm", "threat", "gathering", "extreme"])
        #expect(try RiskLexicon(parsing: l.text) == l)
    }

    @Test func parseErrorsNameTheLine() {
        #expect(throws: RiskLexicon.ParseError(line: 1, message: "phrase before any [category]")) { try RiskLexicon(parsing: "自杀") }
        #expect(throws: RiskLexicon.ParseError.self) { try RiskLexicon(parsing: "[a\n自杀") }
        #expect(throws: RiskLexicon.ParseError.self) { try RiskLexicon(parsing: "[*]\n自杀") }
        #expect(throws: RiskLexicon.ParseError.self) { try RiskLexicon(parsing: "[a]\n[a]\n") }
    }

    // True positives: sentences of real messages (hotspot / replied / labeled files).
    @Test(arguments: [
        ("现在搞得我都因为这个问题不想活了！如果没人解决问题我以后死也要死在交警总队", "self-harm"),
        ("个别工人无奈到采取喝农药自杀的方式来讨要工资均未结果", "self-harm"),
        ("他们要高举横幅去游行，他们要去跳楼！不是在威胁", "self-harm"),
        ("房东甚至出言要弄死我们，此话都有录音证据", "threat"),
        ("有些极端的用户甚至扬言要弄炸药炸毁该非法屠宰场", "threat"),
        ("有时都想把医保局炸了", "threat"),
        ("否则，我小区全体业主将静坐市政府！", "gathering"),
        ("我们1500名家长将集体上访M市人民政乃至教育部", "gathering"),
        ("今天出现了业主车辆堵门的情况", "gathering"),
        ("以避免成规模的群体性事件发生", "gathering"),
        ("不要逼着业主们通过走极端的方式来引起政府的重视", "extreme"),
    ])
    func realRiskIsFound(text: String, category: String) {
        #expect(matcher.categories(in: text).contains(category), "\(text)")
    }

    // False positives the exclusions remove: idioms, amusement rides, cooking, safety complaints.
    @Test(arguments: [
        "只许州官放火，不许百姓点灯的做法，我们真的看不懂了",
        "非得要我们百姓一哭二闹三上吊才有奶吃吗？",
        "过山车、海盗船、跳楼机、蹦极台等游乐场的娱乐设施是否属于特种设备",
        "夜宵摊从事煎煮烹炸的餐饮服务，店里卖炸鸡和炸串",
        "未取得人员聚集场所开业前消防安全审核同意",
        "严重影响了旅游行业的正常发展",
        "电梯井里有水流声并经常卡顿罢工",
        "上班的我们头都要炸了，关窗户都没用",
        "有部分农户为了减轻生产成本还是抱着侥幸心理冒险通行",
        "这几年拥堵路段越来越多",
        "家长们愤怒归愤怒，但没有过激行为，素质不错",
        "就这一点扼杀了我们小区所有改善型刚需的权利",
    ])
    func figurativeUseIsNotReported(text: String) {
        #expect(matcher.matches(in: text).isEmpty, "\(text): \(matcher.matches(in: text).map(\.phrase))")
    }

    @Test func positionsAndFolding() {
        let text = "我真的想跳　樓。"
        let m = matcher.matches(in: text)
        #expect(m.count == 1)
        #expect(m[0].phrase == "跳楼")
        #expect(String(text[m[0].range]) == "跳　樓")
        #expect(m[0].scalarOffset == 4)
        #expect(m[0].categoryName == "自伤自杀")
    }

    @Test func exclusionCoversOnlyItsOwnOccurrence() {
        // 油炸 hides its own 炸, not the threat later in the message.
        let m = matcher.matches(in: "楼下油炸店太吵，我真想把它炸了")
        #expect(m.map(\.phrase) == ["炸了"])
    }

    @Test func customListWithOverlaps() throws {
        let l = try RiskLexicon(parsing: "[a] A\nab\nbc\nabcd\n!xabc\n[b] B\nc\n")
        let m = RiskMatcher(l)
        #expect(m.matches(in: "abcd").map(\.phrase) == ["abcd", "ab", "bc", "c"])
        #expect(m.matches(in: "xabcd").map(\.phrase) == ["abcd", "c"])
        #expect(m.matches(in: "").isEmpty)
        #expect(m.matches(in: "😀\u{0}").isEmpty)
    }
}
