import Testing
@testable import MinshengText

@Suite struct ReplyQualityTests {
    let scorer = ReplyScorer()
    let message = "A3区某某小区垃圾堆积无人清理\n小区门口的垃圾堆了半个月没有人清理，臭气熏天，请相关部门尽快处理。"

    @Test func boilerplateIsRemoved() {
        let reply = "网友“UU0081176”您好！您的留言已收悉，现将有关情况答复如下：我局已派人清理。感谢您对我们工作的关心、监督与支持。如您对答复不满意，请联系。联系电话：0731-12345678。2019年4月18日"
        #expect(scorer.clean(reply).filter(\.isLetter) == "我局已派人清理")
    }

    @Test func aGoodReplyScoresHighOnEveryAxis() {
        let reply = "网友您好！您的留言已收悉。经我局工作人员现场调查核实，该小区门口垃圾堆积属实，我局已责成物业公司于4月28日前清理完毕，并安排环卫所每日清运垃圾。感谢您的关心与支持！2019年4月18日"
        let q = scorer.score(message: message, reply: reply)
        #expect(q.who == 1 && q.what == 1 && q.when == 1)
        #expect(q.relevance > 0.2)
        #expect(q.score > 70)
    }

    @Test func aFormLetterScoresLow() {
        let q = scorer.score(message: message, reply: "网友：您好！留言已收悉。感谢您对我们工作的支持！2019年4月18日")
        #expect(q.substance < ReplyScorer.minSubstance)
        #expect(q.completeness == 0)
        #expect(q.score < 10)
    }

    @Test func theTrailingSignatureDateIsNotAnAnswerToWhen() {
        let q = scorer.score(message: message, reply: "您反映的小区垃圾问题，我局高度重视，已责成相关部门调查处理。2019年4月18日")
        #expect(q.when == 0)
        #expect(q.who == 1)
        #expect(q.what == 1)
    }

    @Test func irrelevantRepliesHaveLowRelevance() {
        let on = scorer.score(message: message, reply: "小区门口垃圾已清理，物业负责每日清运。")
        let off = scorer.score(message: message, reply: "关于社保缴费年限的问题，养老保险需累计缴费满十五年方可按月领取养老金。")
        #expect(on.relevance > off.relevance + 0.1)
    }

    @Test func recurringSentencesAreLearntFromTheFile() {
        let stock = "您反映的问题我们已转交相关单位调查核处，如有情况将及时回复。"
        let replies = (0..<6).map { "网友您好！\(stock)第\($0)号" } + ["我局已现场处理。"]
        let recurring = scorer.recurringSentences(replies)
        #expect(recurring.contains(ReplyScorer.maskDigits(stock)))
        #expect(scorer.clean(replies[0], recurring: recurring) == "第0号")
        let scored = scorer.score(pairs: replies.map { (message: message, reply: $0) })
        #expect(scored.count == replies.count)
        #expect(scored[0].completeness == 0)
    }

    @Test func theReplyingUnitIsFoundWhenNamed() {
        #expect(scorer.unit(of: "感谢您对我们工作的理解与支持！A7县交通运输局2013年8月22日") == "A7县交通运输局")
        #expect(scorer.unit(of: "感谢您对A7县交通运输局工作的关心与支持！2019年9月12日") == "A7县交通运输局")
        #expect(scorer.unit(of: "您所反映的问题已转交县文化市场综合执法局进行核处。2018年5月8日") == "县文化市场综合执法局")
        #expect(scorer.unit(of: "我局已调查处理。感谢您对我局工作的支持。") == nil)
    }

    @Test func anInformativeAnswerToAQuestionIsComplete() {
        let question = "咨询A7县天达中学的具体选址地点\n请问天达中学建在哪里？"
        let answer = "天达中学拟规划建设位置为南山路以南、向阳路以北、银河路以东、天华路以西区域，占地约六十亩，设计规模为四十八个教学班，建成后主要招收周边小区的适龄学生，具体招生范围以教育行政部门当年公布的文件为准。"
        let q = scorer.score(message: question, reply: answer)
        #expect(q.consultation)
        #expect(q.completeness > 0.6)
        let complaint = scorer.score(message: "A7县天达中学门口道路坑洼\n学校门口的路坑坑洼洼。", reply: answer)
        #expect(!complaint.consultation)
        #expect(complaint.completeness < q.completeness)
    }

    @Test func theMessagePlaceIsTheMostSpecificCode() {
        #expect(ReplyScorer.district(of: "A市A7县泉塘街道某小区") == "A7县")
        #expect(ReplyScorer.district(of: "B市某路口红绿灯") == "B市")
        #expect(ReplyScorer.district(of: "USA市 没有") == nil)
        #expect(ReplyScorer.district(of: "") == nil)
    }

    @Test func badInputNeverCrashes() {
        for s in ["", "😀😀😀", String(repeating: "垃圾", count: 50_000), "\u{0}\u{FFFF}abc", "2019年"] {
            let q = scorer.score(message: s, reply: s)
            #expect(q.score >= 0 && q.score <= 100)
            _ = scorer.unit(of: s)
            _ = ReplyScorer.district(of: s)
        }
    }
}
