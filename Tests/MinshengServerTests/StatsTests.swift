import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Unit statistics on a scenario small enough to check by hand (units of `apiUnits`: district 3 with departments
/// 4 and 5, town 6). Policy 12320 (sign 2, accept 3, reply 20 working days, each counted from the day after the
/// step and ending at 24:00), the shipped calendar (no holiday from 2026-10-30 to 2026-12-07).
///
/// Period P = from=2026-11-02&to=2026-12-06, i.e. [Mon 2026-11-02 00:00, Mon 2026-12-07 00:00). The figures are read
/// on 2026-12-08 (`readAt`): a limit that passed by the end of P and was not met is a late step now.
///
/// | case | phone | steps (2026, China time) | notes |
/// | --- | --- | --- | --- |
/// | A | …01 | reg 11-02 09:00 · dispatch→4 11-02 10:00 · sign 11:00 · accept 14:00 · reply 11-10 · 满意 11-11 | all on time; 6 wd (11-03…11-10) |
/// | B | …02 | reg 11-02 09:00 · dispatch→4 11-02 10:00 · sign 11-05 09:00 · accept 11-05 10:00 · reply 12-04 10:00 · 基本满意 12-05 | sign limit 11-05 00:00 → late; accept limit 11-06 00:00 → on time; reply limit 12-04 00:00 → late; 24 wd |
/// | C | …01 (A's) | reg 11-03 09:00 · dispatch→4 11-03 10:00 · sign 11:00 · accept 11-04 · reply 11-11 · 不满意 11-12 · reopen 11-12 10:00 · accept 11-13 · reply 11-20 | repeat of A; all on time; 6 wd, then 6 wd (11-13…11-20) |
/// | D | …04 | reg 11-04 09:00 · dispatch→4 11-04 10:00 · sign 11:00 · transfer→5 15:00 · sign (by 5's handler) 11-05 09:00 · accept 10:00 | on time; unanswered at the end of P, past its reply limit 12-04 00:00: a late reply of 5 |
/// | E | …05 | reg 11-02 09:00 · dispatch→5 11-02 10:00 · sign 11-04 09:00 · reject 11-09 10:00 | accept limit 11-06 00:00 → reject late |
/// | F | …06 | reg 10-30 09:00 · dispatch→5 10-30 10:00 (before P) · sign 11-02 09:00 · accept 10:00 · reply 11-06 · 满意 11-07 | delivered before P: its steps in P count, it is not received; 5 wd (11-02…11-06) |
/// | G | …02 (B's) | reg 11-02 09:30 · dispatch→6 11-02 10:00 · sign 11:00 | repeat of B; never accepted, past its accept limit 11-05 00:00: a late decision of 6 |
/// | H | …01 | reg 12-07 09:00 · dispatch→4 12-07 10:00 | after P: counted nowhere |
@Suite("Unit statistics")
struct StatsTests {
    static let admin = Actor(id: "admin", name: "管理员", role: .admin, unit: nil)
    static let handler5 = Actor(id: "h5", name: "人社局承办人", role: .handler, unit: 5)
    static let period = "from=2026-11-02&to=2026-12-06"
    /// When the figures are read: after P and after H's delivery.
    static let readAt = at("2026-12-08T09:00:00+08:00")

    @discardableResult
    static func scenario(_ p: Platform) async throws -> [String: CaseID] {
        func reg(_ phone: String, _ t: String) async throws -> CaseID {
            var draft = CaseDraft(channel: .phone, kind: .complaint, title: "诉求 \(phone) \(t)", content: "内容",
                                  citizen: Citizen(name: "群众", phone: phone))
            draft.category = "城乡建设"
            return try await p.register(draft, by: admin, at: at(t)).case.id
        }
        func go(_ id: CaseID, _ s: Step, _ t: String, by actor: Actor = admin) async throws {
            _ = try await p.perform(s, on: id, by: actor, at: at(t))
        }
        let d = "2026-11-0"
        let a = try await reg("13900000001", "\(d)2T09:00:00+08:00")
        let b = try await reg("13900000002", "\(d)2T09:00:00+08:00")
        let e = try await reg("13900000005", "\(d)2T09:00:00+08:00")
        let g = try await reg("13900000002", "\(d)2T09:30:00+08:00")
        let c = try await reg("13900000001", "\(d)3T09:00:00+08:00")
        let dd = try await reg("13900000004", "\(d)4T09:00:00+08:00")
        let f = try await reg("13900000006", "2026-10-30T09:00:00+08:00")
        let h = try await reg("13900000001", "2026-12-07T09:00:00+08:00")

        // A → 4: everything on time.
        try await go(a, .dispatch(to: 4, mode: .assign, coHandlers: []), "\(d)2T10:00:00+08:00")
        try await go(a, .sign, "\(d)2T11:00:00+08:00")
        try await go(a, .accept(caseClass: .claim), "\(d)2T14:00:00+08:00")
        try await go(a, .reply(result: .support, text: "已修复"), "2026-11-10T10:00:00+08:00")
        try await go(a, .evaluate(.satisfied), "2026-11-11T10:00:00+08:00")
        // B → 4: late sign, late reply.
        try await go(b, .dispatch(to: 4, mode: .forward, coHandlers: []), "\(d)2T10:00:00+08:00")
        try await go(b, .sign, "\(d)5T09:00:00+08:00")
        try await go(b, .accept(caseClass: nil), "\(d)5T10:00:00+08:00")
        try await go(b, .reply(result: .explain, text: "已说明"), "2026-12-04T10:00:00+08:00")
        try await go(b, .evaluate(.basicallySatisfied), "2026-12-05T10:00:00+08:00")
        // C → 4, a repeat of A; dissatisfied, reopened, answered again.
        try await go(c, .dispatch(to: 4, mode: .forward, coHandlers: []), "\(d)3T10:00:00+08:00")
        try await go(c, .sign, "\(d)3T11:00:00+08:00")
        try await go(c, .accept(caseClass: nil), "\(d)4T09:00:00+08:00")
        try await go(c, .reply(result: .support, text: "已处理"), "2026-11-11T10:00:00+08:00")
        try await go(c, .evaluate(.dissatisfied), "2026-11-12T09:00:00+08:00")
        try await go(c, .reopen(reason: "群众不满意"), "2026-11-12T10:00:00+08:00")
        try await go(c, .accept(caseClass: nil), "2026-11-13T09:00:00+08:00")
        try await go(c, .reply(result: .support, text: "再次处理"), "2026-11-20T10:00:00+08:00")
        // D → 4, transferred to 5, still being handled at the end of P.
        try await go(dd, .dispatch(to: 4, mode: .forward, coHandlers: []), "\(d)4T10:00:00+08:00")
        try await go(dd, .sign, "\(d)4T11:00:00+08:00")
        try await go(dd, .transfer(to: 5, reason: "属人社局职责"), "\(d)4T15:00:00+08:00")
        try await go(dd, .sign, "\(d)5T09:00:00+08:00", by: handler5)
        try await go(dd, .accept(caseClass: nil), "\(d)5T10:00:00+08:00", by: handler5)
        // E → 5, rejected after the accept limit.
        try await go(e, .dispatch(to: 5, mode: .forward, coHandlers: []), "\(d)2T10:00:00+08:00")
        try await go(e, .sign, "\(d)4T09:00:00+08:00")
        try await go(e, .reject(route: .litigation, reason: "属于诉讼事项"), "\(d)9T10:00:00+08:00")
        // F → 5, delivered before P.
        try await go(f, .dispatch(to: 5, mode: .forward, coHandlers: []), "2026-10-30T10:00:00+08:00")
        try await go(f, .sign, "\(d)2T09:00:00+08:00")
        try await go(f, .accept(caseClass: nil), "\(d)2T10:00:00+08:00")
        try await go(f, .reply(result: .support, text: "已解决"), "\(d)6T10:00:00+08:00")
        try await go(f, .evaluate(.satisfied), "\(d)7T10:00:00+08:00")
        // G → town 6, a repeat of B.
        try await go(g, .dispatch(to: 6, mode: .forward, coHandlers: []), "\(d)2T10:00:00+08:00")
        try await go(g, .sign, "\(d)2T11:00:00+08:00")
        // H → 4 after P.
        try await go(h, .dispatch(to: 4, mode: .forward, coHandlers: []), "2026-12-07T10:00:00+08:00")
        (p.clock as? ManualClock)?.set(readAt)
        return ["A": a, "B": b, "C": c, "D": dd, "E": e, "F": f, "G": g, "H": h]
    }

    static func num(_ j: J) -> Double? { (j.raw as? NSNumber)?.doubleValue }

    /// Checks every figure of one row against the hand count.
    static func expectFigures(_ r: J, received: Int, repeats: Int, repeatRate: Double?,
                              signed: Int, signedOnTime: Int, signOverdue: Int = 0, signRate: Double?,
                              decided: Int, decidedOnTime: Int, acceptOverdue: Int = 0, acceptRate: Double?,
                              replied: Int, repliedOnTime: Int, replyOverdue: Int = 0, replyRate: Double?,
                              toComplete: Int, completed: Int, completionRate: Double?,
                              evaluated: Int, evaluationRate: Double?, satisfied: Int, satisfactionRate: Double?,
                              avgDays: Double?, score: Double?, sourceLocation: SourceLocation = #_sourceLocation) {
        func rate(_ key: String, _ v: Double?) {
            if let v {
                #expect(num(r[key]) == v, "\(key): \(r)", sourceLocation: sourceLocation)
            } else {
                #expect(r[key].isNull, "\(key) should be null: \(r)", sourceLocation: sourceLocation)
            }
        }
        func count(_ key: String, _ v: Int) { #expect(r[key].int == v, "\(key): \(r)", sourceLocation: sourceLocation) }
        count("received", received); count("repeats", repeats); rate("repeatRate", repeatRate)
        count("signed", signed); count("signedOnTime", signedOnTime); count("signOverdue", signOverdue); rate("signOnTimeRate", signRate)
        count("decided", decided); count("decidedOnTime", decidedOnTime); count("acceptOverdue", acceptOverdue)
        rate("acceptOnTimeRate", acceptRate)
        count("replied", replied); count("repliedOnTime", repliedOnTime); count("replyOverdue", replyOverdue); rate("replyOnTimeRate", replyRate)
        count("toComplete", toComplete); count("completed", completed); rate("completionRate", completionRate)
        count("evaluated", evaluated); rate("evaluationRate", evaluationRate)
        count("satisfied", satisfied); rate("satisfactionRate", satisfactionRate)
        rate("averageReplyWorkingDays", avgDays); rate("score", score)
    }

    // Unit 4: received A, B, C, C again (reopen), D = 5; repeats C twice = 2 → 0.4.
    //   signs A✓ B✗ C✓ D✓ = 3/4 = 0.75; accepts A✓ B✓ C✓ C✓ = 4/4 = 1; replies A✓ B✗ C✓ C✓ = 3/4 = 0.75.
    //   due: A, B, C, C again (D was passed on) = 4, all answered → 1. Rated: A 满意, B 基本满意, C 不满意 = 3 of 4
    //   replies → 0.75; satisfied 2/3 = 0.6667. Working days 6 + 24 + 6 + 6 = 42 / 4 = 10.5. Nothing overdue.
    //   score = 100 × (0.15·0.75 + 0.15·1 + 0.25·0.75 + 0.2·1 + 0.25·2/3) = 100 × 0.81666… = 81.67
    static func expectUnit4(_ r: J, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFigures(r, received: 5, repeats: 2, repeatRate: 0.4, signed: 4, signedOnTime: 3, signRate: 0.75,
                      decided: 4, decidedOnTime: 4, acceptRate: 1, replied: 4, repliedOnTime: 3, replyRate: 0.75,
                      toComplete: 4, completed: 4, completionRate: 1, evaluated: 3, evaluationRate: 0.75, satisfied: 2,
                      satisfactionRate: 0.6667, avgDays: 10.5, score: 81.67, sourceLocation: sourceLocation)
    }

    // Unit 5: received D (transfer), E = 2, no repeat. Signs D✓ E✓ F✓ = 3/3; decisions D✓ E✗(reject) F✓ = 2/3 = 0.6667;
    //   reply F✓ = 1, and D unanswered past its reply limit (12-04 00:00) at the end of P: a late reply → 1/2 = 0.5;
    //   5 working days (F only); due D (overdue), E (rejected) = 2, completed 1 → 0.5 (F was delivered before P);
    //   F rated 满意: 1/1, 1/1. score = 100 × (0.15·1 + 0.15·2/3 + 0.25·0.5 + 0.2·0.5 + 0.25·1) = 72.5
    //   (before D's silence counted, 5 ranked first with 93.33: sitting on an overdue case paid)
    static func expectUnit5(_ r: J, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFigures(r, received: 2, repeats: 0, repeatRate: 0, signed: 3, signedOnTime: 3, signRate: 1,
                      decided: 3, decidedOnTime: 2, acceptRate: 0.6667, replied: 1, repliedOnTime: 1, replyOverdue: 1, replyRate: 0.5,
                      toComplete: 2, completed: 1, completionRate: 0.5, evaluated: 1, evaluationRate: 1, satisfied: 1,
                      satisfactionRate: 1, avgDays: 5, score: 72.5, sourceLocation: sourceLocation)
    }

    @Test func rankingOfDistrictUnits() async throws {
        try await withAPI { h in
            try await Self.scenario(h.platform)
            let r = try await h.get("/api/v1/stats/units?level=district&\(Self.period)")
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["from"].string == "2026-11-02T00:00:00+08:00")
            #expect(r["to"].string == "2026-12-07T00:00:00+08:00")
            #expect(r["level"].string == "district")
            #expect(r["kinds"].strings == ["department", "government"])
            #expect(Self.num(r["weights"]["replyOnTimeRate"]) == 0.25)
            #expect(Self.num(r["weights"]["completionRate"]) == 0.2)
            // 4 (81.67) before 5 (72.5); district 3 had nothing measured: last, without a rank or a score. Center 2 is city level.
            #expect(r["items"].array.map { $0["unit"]["id"].int } == [4, 5, 3])
            #expect(r["items"].array.map { $0["rank"].int } == [1, 2, nil])
            #expect(r["items"][2]["rank"].isNull)
            #expect(r["items"][2]["score"].isNull)
            #expect(r["items"][0]["unit"]["name"].string == "渝中区城市管理局")
            Self.expectUnit4(r["items"][0])
            Self.expectUnit5(r["items"][1])
            Self.expectFiguresEmpty(r["items"][2])

            // Only departments.
            let deps = try await h.get("/api/v1/stats/units?level=district&kind=department&\(Self.period)")
            #expect(deps.status == .ok, "\(deps.text)")
            #expect(deps["items"].array.map { $0["unit"]["id"].int } == [4, 5])
            #expect(deps["kinds"].strings == ["department"])
            // Towns: only 6.
            let towns = try await h.get("/api/v1/stats/units?level=town&\(Self.period)")
            #expect(towns["items"].array.map { $0["unit"]["id"].int } == [6])
        }
    }

    static func expectFiguresEmpty(_ r: J, sourceLocation: SourceLocation = #_sourceLocation) {
        Self.expectFigures(r, received: 0, repeats: 0, repeatRate: nil, signed: 0, signedOnTime: 0, signRate: nil,
                           decided: 0, decidedOnTime: 0, acceptRate: nil, replied: 0, repliedOnTime: 0, replyRate: nil,
                           toComplete: 0, completed: 0, completionRate: nil, evaluated: 0, evaluationRate: nil, satisfied: 0,
                           satisfactionRate: nil, avgDays: nil, score: nil, sourceLocation: sourceLocation)
    }

    @Test func oneUnitAndSubtree() async throws {
        try await withAPI { h in
            try await Self.scenario(h.platform)
            let four = try await h.get("/api/v1/stats/units/4?\(Self.period)")
            #expect(four.status == .ok, "\(four.text)")
            #expect(four["unit"]["id"].int == 4)
            #expect(four["subtree"].bool == false)
            #expect(four["units"].int == 1)
            #expect(four["rank"].exists == false)
            Self.expectUnit4(four.json)
            let five = try await h.get("/api/v1/stats/units/5?\(Self.period)&subtree=false")
            Self.expectUnit5(five.json)

            // Town 6: received G, a repeat of B (1/1); signed on time 1/1; never accepted, and its accept limit
            // (11-05 00:00) passed: a late decision, 0/1; due and not finished: 0/1. Before the silence counted, the
            // sign rate stood alone and the town scored 100.
            // score = 100 × (0.15·1 + 0.15·0 + 0.2·0) / (0.15 + 0.15 + 0.2) = 30
            let six = try await h.get("/api/v1/stats/units/6?\(Self.period)")
            Self.expectFigures(six.json, received: 1, repeats: 1, repeatRate: 1, signed: 1, signedOnTime: 1, signRate: 1,
                               decided: 0, decidedOnTime: 0, acceptOverdue: 1, acceptRate: 0, replied: 0, repliedOnTime: 0, replyRate: nil,
                               toComplete: 1, completed: 0, completionRate: 0, evaluated: 0, evaluationRate: nil, satisfied: 0,
                               satisfactionRate: nil, avgDays: nil, score: 30)

            // District 3 with 4, 5, 6: the sums. received 5+2+1 = 8, repeats 2+0+1 = 3 → 0.375; signs 7/8 = 0.875;
            // decisions 6/(7 + 1 overdue) = 0.75; replies 4/(5 + 1 overdue) = 0.6667; due 4+2+1 = 7, completed 4+1 = 5
            // → 0.7143; rated 4 of 5 → 0.8; satisfied 3/4 = 0.75; working days (42 + 5) / 5 = 9.4;
            // score = 100 × (0.15·7/8 + 0.15·6/8 + 0.25·4/6 + 0.2·5/7 + 0.25·0.75) = 100 × 0.740773… = 74.08
            let tree = try await h.get("/api/v1/stats/units/3?\(Self.period)&subtree=true")
            #expect(tree.status == .ok, "\(tree.text)")
            #expect(tree["subtree"].bool == true)
            #expect(tree["units"].int == 4)
            Self.expectFigures(tree.json, received: 8, repeats: 3, repeatRate: 0.375, signed: 8, signedOnTime: 7, signRate: 0.875,
                               decided: 7, decidedOnTime: 6, acceptOverdue: 1, acceptRate: 0.75,
                               replied: 5, repliedOnTime: 4, replyOverdue: 1, replyRate: 0.6667,
                               toComplete: 7, completed: 5, completionRate: 0.7143, evaluated: 4, evaluationRate: 0.8, satisfied: 3,
                               satisfactionRate: 0.75, avgDays: 9.4, score: 74.08)
            // District 3 alone received nothing.
            let three = try await h.get("/api/v1/stats/units/3?\(Self.period)")
            Self.expectFiguresEmpty(three.json)
            // The city's subtree holds the same cases (the center 2 counts nothing): the same figures over 6 units.
            let city = try await h.get("/api/v1/stats/units/1?\(Self.period)&subtree=true")
            #expect(city["units"].int == 6)
            #expect(city["received"].int == 8)
            #expect(Self.num(city["score"]) == 74.08)
        }
    }

    /// A period's figures depend only on the events before its end: the first week alone, [11-02, 11-07).
    @Test func shorterPeriodCountsOnlyItsEvents() async throws {
        try await withAPI { h in
            try await Self.scenario(h.platform)
            // Unit 4: received A, B, C, D = 4, repeat C → 0.25; signs 3/4; decisions A, B, C = 3/3; no reply yet; A, B
            // and C are being handled within their reply limits on 11-07 (D passed on): nothing due, no 办结率.
            // score = 100 × (0.15·0.75 + 0.15·1) / 0.3 = 87.5
            let r = try await h.get("/api/v1/stats/units/4?from=2026-11-02&to=2026-11-06")
            #expect(r["to"].string == "2026-11-07T00:00:00+08:00")
            Self.expectFigures(r.json, received: 4, repeats: 1, repeatRate: 0.25, signed: 4, signedOnTime: 3, signRate: 0.75,
                               decided: 3, decidedOnTime: 3, acceptRate: 1, replied: 0, repliedOnTime: 0, replyRate: nil,
                               toComplete: 0, completed: 0, completionRate: nil, evaluated: 0, evaluationRate: nil, satisfied: 0,
                               satisfactionRate: nil, avgDays: nil, score: 87.5)
            // ISO times work too; the week after P holds only H's delivery to 4 (Mon 12-07 10:00). Read on 12-08, the
            // week ends now: H's sign limit (12-10 00:00) has not passed, nothing is late or due yet.
            let uri = "/api/v1/stats/units/4?from=2026-12-07T00:00:00%2B08:00&to=2026-12-14T00:00:00%2B08:00"
            let after = try await h.get(uri)
            #expect(after.status == .ok, "\(after.text)")
            #expect(after["received"].int == 1)
            #expect(after["toComplete"].int == 0)
            #expect(after["signed"].int == 0 && after["signOverdue"].int == 0)
            #expect(after["score"].isNull)
            // Read again on 12-20: the week is over and H was never signed nor accepted — late on both, due, unfinished.
            h.clock.set(at("2026-12-20T09:00:00+08:00"))
            let later = try await h.get(uri)
            #expect(later["signOverdue"].int == 1 && later["acceptOverdue"].int == 1)
            #expect(Self.num(later["signOnTimeRate"]) == 0 && Self.num(later["acceptOnTimeRate"]) == 0)
            #expect(later["toComplete"].int == 1 && Self.num(later["completionRate"]) == 0)
            #expect(Self.num(later["score"]) == 0)
        }
    }

    @Test func csvExport() async throws {
        try await withAPI { h in
            try await Self.scenario(h.platform)
            let r = try await h.get("/api/v1/stats/units?level=district&\(Self.period)&format=csv")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(r.headers[.contentDisposition] == "attachment; filename=\"stats-district-2026-11-02-2026-12-06.csv\"")
            #expect(r.text.hasPrefix("\u{FEFF}"), "a UTF-8 BOM for Excel")
            let lines = r.text.dropFirst().components(separatedBy: "\r\n")
            #expect(lines.count == 5, "header, 3 rows, and the empty string after the last CRLF: \(lines)")
            #expect(lines.last == "")
            let header = lines[0].components(separatedBy: ",")
            #expect(header.count == 29)
            #expect(header.contains("超期未签收 signOverdue") && header.contains("超期未答复 replyOverdue"))
            #expect(header.first == "排名 rank")
            #expect(header.contains("按期办结率 replyOnTimeRate"))
            #expect(header.last == "综合得分 score")
            #expect(lines[1] == "1,4,渝中区城市管理局,区县,部门,5,4,3,0,75.00%,4,4,0,100.00%,4,3,0,75.00%,4,4,100.00%,3,75.00%,2,66.67%,10.50,2,40.00%,81.67")
            #expect(lines[2] == "2,5,渝中区人力社保局,区县,部门,2,3,3,0,100.00%,3,2,0,66.67%,1,1,1,50.00%,2,1,50.00%,1,100.00%,1,100.00%,5.00,0,0.00%,72.50")
            #expect(lines[3] == ",3,渝中区,区县,政府,0,0,0,0,,0,0,0,,0,0,0,,0,0,,0,,0,,,0,,")

            let tree = try await h.get("/api/v1/stats/units/3?\(Self.period)&subtree=true&format=csv")
            #expect(tree.status == .ok)
            #expect(tree.headers[.contentType] == "text/csv; charset=utf-8")
            let tl = tree.text.dropFirst().components(separatedBy: "\r\n")
            #expect(tl.count == 3)
            #expect(tl[0].components(separatedBy: ",")[2] == "单位（含下级）unit (subtree)")
            #expect(tl[1] == ",3,渝中区,区县,政府,8,8,7,0,87.50%,7,6,1,75.00%,5,4,1,66.67%,7,5,71.43%,4,80.00%,3,75.00%,9.40,3,37.50%,74.08")
        }
    }

    @Test func badParametersAreRefused() async throws {
        try await withAPI { h in
            try await Self.scenario(h.platform)
            let base = "/api/v1/stats/units"
            do { let r = try await h.get("\(base)?\(Self.period)"); expectError(r, .badRequest, "missing_field") }
            do { let r = try await h.get("\(base)?level=province&\(Self.period)"); expectError(r, .badRequest, "invalid_value") }
            do { let r = try await h.get("\(base)?level=district&kind=shop&\(Self.period)"); expectError(r, .badRequest, "invalid_value") }
            do { let r = try await h.get("\(base)?level=district&to=2026-12-06"); expectError(r, .badRequest, "missing_field") }
            do { let r = try await h.get("\(base)?level=district&from=2026-11-02"); expectError(r, .badRequest, "missing_field") }
            do { let r = try await h.get("\(base)?level=district&from=2026-13-02&to=2026-12-06"); expectError(r, .badRequest, "invalid_field") }
            do { let r = try await h.get("\(base)?level=district&from=yesterday&to=2026-12-06"); expectError(r, .badRequest, "invalid_field") }
            do { let r = try await h.get("\(base)?level=district&from=2026-12-06&to=2026-11-02"); expectError(r, .badRequest, "invalid_field") }
            do { let r = try await h.get("\(base)?level=district&from=2025-01-01&to=2026-12-06"); expectError(r, .badRequest, "invalid_field") }
            do { let r = try await h.get("\(base)?level=district&\(Self.period)&format=xlsx"); expectError(r, .badRequest, "invalid_value") }
            do { let r = try await h.get("\(base)?level=district&\(Self.period)&unit=4"); expectError(r, .badRequest, "unknown_parameter") }
            do { let r = try await h.get("\(base)/4?\(Self.period)&subtree=yes"); expectError(r, .badRequest, "invalid_field") }
            do { let r = try await h.get("\(base)/4?\(Self.period)&level=district"); expectError(r, .badRequest, "unknown_parameter") }
            do { let r = try await h.get("\(base)/4?from=2026-11-02"); expectError(r, .badRequest, "missing_field") }
            do { let r = try await h.get("\(base)/abc?\(Self.period)"); expectError(r, .notFound, "not_found") } // like every {id}
            do { let r = try await h.get("\(base)/999?\(Self.period)"); expectError(r, .notFound, "not_found") }
            do { let r = try await h.get("\(base)?level=district&\(Self.period)", token: nil); expectError(r, .unauthorized, "unauthorized") }
            let invalid = try await h.get("\(base)?level=province&\(Self.period)")
            #expect(invalid["allowed"].strings == ["city", "district", "town", "village"])
        }
    }

    // MARK: What a unit did not do

    /// Cells of the dashboard's ranking table, row by row, tags stripped.
    static func rankingRows(_ html: String) -> [[String]] {
        guard let table = html.range(of: "id=\"ranking\""),
              let body = html[table.upperBound...].range(of: "<tbody>"),
              let end = html[body.upperBound...].range(of: "</tbody>") else { return [] }
        func text(_ cell: Substring) -> String {
            var out = "", inTag = false
            for ch in cell.drop(while: { $0 != ">" }).dropFirst() {
                if ch == "<" { inTag = true } else if ch == ">" { inTag = false } else if !inTag { out.append(ch) }
            }
            return out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return html[body.upperBound..<end.lowerBound].components(separatedBy: "<tr>").dropFirst().map { row in
            row.components(separatedBy: "<td").dropFirst().map { text(Substring($0)) }
        }
    }

    /// Issue 16: a unit with cases never signed and replies overdue used to score 100 and rank first. Unit 8 does
    /// nothing — three cases dispatched to it are never signed, two it accepted are never answered — while unit 4
    /// does its work and unit 5 receives nothing. Read on 2026-12-10: 8 ranks last of the ranked, 5 is not ranked.
    @Test func aUnitThatDoesNothingRanksLastThroughTheAPIAndOnThePage() async throws {
        try await withAPI(units: dashUnits) { h in
            let p = h.platform
            var n = 0
            func reg() async throws -> CaseID {
                n += 1
                let draft = CaseDraft(channel: .phone, kind: .complaint, title: "诉求 \(n)", content: "内容",
                                      citizen: Citizen(name: "群众", phone: "1390000\(String(format: "%04d", n))"))
                return try await p.register(draft, by: Self.admin, at: at("2026-11-02T09:00:00+08:00")).case.id
            }
            func go(_ id: CaseID, _ s: Step, _ t: String) async throws {
                _ = try await p.perform(s, on: id, by: Self.admin, at: at(t))
            }
            // Unit 4 signs, accepts and answers on time; the citizens are satisfied.
            for _ in 0..<2 {
                let id = try await reg()
                try await go(id, .dispatch(to: 4, mode: .assign, coHandlers: []), "2026-11-02T10:00:00+08:00")
                try await go(id, .sign, "2026-11-02T11:00:00+08:00")
                try await go(id, .accept(caseClass: nil), "2026-11-02T14:00:00+08:00")
                try await go(id, .reply(result: .support, text: "已办结"), "2026-11-10T10:00:00+08:00")
                try await go(id, .evaluate(.satisfied), "2026-11-11T10:00:00+08:00")
            }
            // Unit 8: three cases never signed (sign limit 11-05 00:00, accept limit 11-06 00:00) …
            for _ in 0..<3 {
                try await go(try await reg(), .dispatch(to: 8, mode: .assign, coHandlers: []), "2026-11-02T10:00:00+08:00")
            }
            // … and two signed and accepted on time, then never answered (reply limit 20 working days: 12-01 00:00).
            for _ in 0..<2 {
                let id = try await reg()
                try await go(id, .dispatch(to: 8, mode: .assign, coHandlers: []), "2026-11-02T10:00:00+08:00")
                try await go(id, .sign, "2026-11-02T11:00:00+08:00")
                try await go(id, .accept(caseClass: nil), "2026-11-02T14:00:00+08:00")
            }
            h.clock.set(at("2026-12-10T09:00:00+08:00"))

            let r = try await h.get("/api/v1/stats/units?level=district&kind=department&from=2026-11-02&to=2026-12-10")
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["items"].array.map { $0["unit"]["id"].int } == [4, 8, 5])
            #expect(r["items"].array.map { $0["rank"].int } == [1, 2, nil])
            // 4: everything on time, all due answered, all satisfied.
            Self.expectFigures(r["items"][0], received: 2, repeats: 0, repeatRate: 0, signed: 2, signedOnTime: 2, signRate: 1,
                               decided: 2, decidedOnTime: 2, acceptRate: 1, replied: 2, repliedOnTime: 2, replyRate: 1,
                               toComplete: 2, completed: 2, completionRate: 1, evaluated: 2, evaluationRate: 1, satisfied: 2,
                               satisfactionRate: 1, avgDays: 6, score: 100)
            // 8: signs 2 on time + 3 unsigned past the limit = 2/5; decisions likewise 2/5; replies 0 + 2 overdue = 0/2;
            // due 5 (all past a limit), finished 0; nothing rated.
            // score = 100 × (0.15·0.4 + 0.15·0.4 + 0.25·0 + 0.2·0) / (0.15 + 0.15 + 0.25 + 0.2) = 16
            Self.expectFigures(r["items"][1], received: 5, repeats: 0, repeatRate: 0,
                               signed: 2, signedOnTime: 2, signOverdue: 3, signRate: 0.4,
                               decided: 2, decidedOnTime: 2, acceptOverdue: 3, acceptRate: 0.4,
                               replied: 0, repliedOnTime: 0, replyOverdue: 2, replyRate: 0,
                               toComplete: 5, completed: 0, completionRate: 0, evaluated: 0, evaluationRate: nil, satisfied: 0,
                               satisfactionRate: nil, avgDays: nil, score: 16)
            #expect(r["items"][1]["unit"]["name"].string == "江北区人力社保局")
            // 5: no cases at all — no score, no rank, not a perfect 100.
            Self.expectFiguresEmpty(r["items"][2])

            // The page a leader reads: the same order, the silence shown, the empty unit unranked.
            let leader = try await h.accounts.user("city.leader", unit: 1, roles: [.leader]).token
            let page = try await h.get("/console/dashboard?from=2026-11-02&to=2026-12-10&level=district&kind=department", token: leader)
            #expect(page.status == .ok)
            let rows = Self.rankingRows(page.text)
            #expect(rows.count == 3, "\(rows)")
            guard rows.count == 3 else { return }
            // rank, unit, received, overdue, sign, accept, reply, completion, satisfaction, avg, score
            #expect(rows[0][0] == "1" && rows[0][1].hasPrefix("渝中区城市管理局") && rows[0][10] == "100.0", "\(rows[0])")
            #expect(rows[1][0] == "2" && rows[1][1].hasPrefix("江北区人力社保局"), "\(rows[1])")
            #expect(rows[1][3] == "8", "3 unsigned (late on sign and decision) + 2 unanswered: \(rows[1])")
            #expect(Array(rows[1][4...8]) == ["40.0%", "40.0%", "0.0%", "0.0%", "—"], "\(rows[1])")
            #expect(rows[1][10] == "16.0", "\(rows[1])")
            #expect(rows[2][0] == "—" && rows[2][1].hasPrefix("渝中区人力社保局") && rows[2][10] == "—", "\(rows[2])")
            // Each rate's numerator and denominator, and the formula, under the ranking.
            #expect(page.text.contains("综合得分 = 及时签收率×15% + 及时受理率×15% + 按期办结率×25% + 办结率×20% + 满意率×25%"))
            #expect(page.text.contains("期内在时限内签收的件数 ÷（期内签收的件数 + 期末超期未签收的件数）"))
            #expect(page.text.contains("期内在答复时限内答复的件数 ÷（期内答复的件数 + 期末超期未答复的件数）"))
            #expect(page.text.contains("没有任何可计指标的单位不参加排名"))
            #expect(page.text.contains("title=\"2 / (2 + 3)\""), "the sign rate's counts on hover")
        }
    }
}
