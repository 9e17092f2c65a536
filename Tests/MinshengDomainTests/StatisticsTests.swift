import Testing
@testable import MinshengDomain

/// The statistics measures (README "Statistics"): rates from counts, the score, the ranking, and the tally of the
/// steps (what counts as on time, late, finished). The API figures over real stores are MinshengServerTests' StatsTests.
/// A tally from its counts, by the names of the fields.
func counts(received: Int = 0, repeats: Int = 0, signed: Int = 0, signedOnTime: Int = 0, signOverdue: Int = 0,
                  decided: Int = 0, decidedOnTime: Int = 0, acceptOverdue: Int = 0, replied: Int = 0, repliedOnTime: Int = 0,
                  replyOverdue: Int = 0, toComplete: Int = 0, completed: Int = 0, evaluated: Int = 0, satisfied: Int = 0,
                  replyWorkingDays: Int = 0) -> UnitTally {
    var t = UnitTally()
    t.received = received; t.repeats = repeats
    t.signed = signed; t.signedOnTime = signedOnTime; t.signOverdue = signOverdue
    t.decided = decided; t.decidedOnTime = decidedOnTime; t.acceptOverdue = acceptOverdue
    t.replied = replied; t.repliedOnTime = repliedOnTime; t.replyOverdue = replyOverdue
    t.toComplete = toComplete; t.completed = completed; t.evaluated = evaluated; t.satisfied = satisfied
    t.replyWorkingDays = replyWorkingDays
    return t
}

@Suite("Statistics measures")
struct StatisticsTests {
    /// Each rate: its numerator over its denominator, nil without a denominator. A step not taken past its limit is
    /// in the denominator only.
    @Test(arguments: [
        ("signOnTimeRate", counts(signed: 4, signedOnTime: 3, signOverdue: 1), 0.6),
        ("signOnTimeRate", counts(signOverdue: 2), 0),
        ("signOnTimeRate", counts(), nil),
        ("acceptOnTimeRate", counts(decided: 3, decidedOnTime: 3, acceptOverdue: 1), 0.75),
        ("acceptOnTimeRate", counts(decided: 0, acceptOverdue: 0), nil),
        ("replyOnTimeRate", counts(replied: 2, repliedOnTime: 1, replyOverdue: 2), 0.25),
        ("replyOnTimeRate", counts(replyOverdue: 1), 0),
        ("completionRate", counts(toComplete: 5, completed: 4), 0.8),
        ("completionRate", counts(completed: 0), nil),
        ("evaluationRate", counts(replied: 4, evaluated: 1), 0.25),
        ("evaluationRate", counts(evaluated: 1), nil),
        ("satisfactionRate", counts(evaluated: 4, satisfied: 3), 0.75),
        ("satisfactionRate", counts(satisfied: 0), nil),
        ("repeatRate", counts(received: 8, repeats: 2), 0.25),
        ("repeatRate", counts(repeats: 0), nil),
        ("averageReplyWorkingDays", counts(replied: 4, replyWorkingDays: 26), 6.5),
        ("averageReplyWorkingDays", counts(replyWorkingDays: 3), nil),
    ] as [(String, UnitTally, Double?)])
    func rate(_ name: String, _ t: UnitTally, _ expected: Double?) {
        let rates: [String: Double?] = [
            "signOnTimeRate": t.signOnTimeRate, "acceptOnTimeRate": t.acceptOnTimeRate, "replyOnTimeRate": t.replyOnTimeRate,
            "completionRate": t.completionRate, "evaluationRate": t.evaluationRate, "satisfactionRate": t.satisfactionRate,
            "repeatRate": t.repeatRate, "averageReplyWorkingDays": t.averageReplyWorkingDays,
        ]
        #expect(rates[name] == .some(expected), "\(name)")
    }

    @Test func weightsAreTheRankingFormula() {
        #expect(Statistics.weights.map(\.name) == ["signOnTimeRate", "acceptOnTimeRate", "replyOnTimeRate", "completionRate", "satisfactionRate"])
        #expect(Statistics.weights.map(\.weight) == [0.15, 0.15, 0.25, 0.2, 0.25])
        let t = counts(signed: 2, signedOnTime: 1, decided: 4, decidedOnTime: 1, replied: 5, repliedOnTime: 5, toComplete: 10,
                      completed: 3, evaluated: 4, satisfied: 2)
        #expect(Statistics.weights.map { $0.rate(t) } == [0.5, 0.25, 1, 0.3, 0.5])
    }

    /// The score: 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates that have a denominator.
    @Test(arguments: [
        (counts(), nil),
        (counts(received: 9, repeats: 3, evaluated: 0), nil),                                    // nothing measured
        (counts(replied: 2, repliedOnTime: 1), 50),                                               // 按期办结率 alone
        (counts(replied: 2, repliedOnTime: 1, evaluated: 1, satisfied: 1), 75),                   // (0.25·0.5 + 0.25·1) / 0.5
        (counts(signed: 1, signedOnTime: 1, decided: 1, decidedOnTime: 1, replied: 1, repliedOnTime: 1, toComplete: 1,
               completed: 1, evaluated: 1, satisfied: 1), 100),
        (counts(signOverdue: 3, acceptOverdue: 3, replyOverdue: 2, toComplete: 5), 0),           // did nothing: 0, not nil
        (counts(signed: 2, signedOnTime: 2, signOverdue: 3, decided: 2, decidedOnTime: 2, acceptOverdue: 3, replyOverdue: 2,
               toComplete: 5), 16),                                                              // issue 16's unit 8
        (counts(signed: 2, signedOnTime: 1, decided: 4, decidedOnTime: 1, replied: 5, repliedOnTime: 5, toComplete: 10,
               completed: 3, evaluated: 4, satisfied: 2), 54.75),                                // 0.075+0.0375+0.25+0.06+0.125
    ] as [(UnitTally, Double?)])
    func score(_ t: UnitTally, _ expected: Double?) {
        #expect(Statistics.rounded(Statistics.score(t), places: 9) == expected)
    }

    @Test(arguments: [
        (2.0 / 3.0, 4, 0.6667), (2.0 / 3.0, 1, 0.7), (0.12345, 2, 0.12), (1.0, 4, 1.0), (nil, 4, nil),
    ] as [(Double?, Int, Double?)])
    func rounded(_ v: Double?, _ places: Int, _ expected: Double?) {
        #expect(Statistics.rounded(v, places: places) == expected)
    }

    static func unit(_ id: UnitID) -> MinshengDomain.Unit {
        MinshengDomain.Unit(id: id, parentID: 1, name: "单位\(id)", level: .district, kind: .department)
    }

    /// The ranking: scored units first, by score, then by received, then by id, ranked 1, 2, …; units without a
    /// score follow unranked (more received first, then id).
    @Test(arguments: [
        // ((id, score, received)…) → (order, ranks)
        ([(1, 80.0, 5), (2, 90.0, 1), (3, 70.0, 9)], [2, 1, 3], [1, 2, 3]),
        ([(1, 80.0, 5), (2, 80.0, 7), (3, 80.0, 7)], [2, 3, 1], [1, 2, 3]),                   // ties: received, then id
        ([(5, nil, 3), (4, 10.0, 0), (6, nil, 8), (7, 0.0, 1)], [4, 7, 6, 5], [1, 2, nil, nil]), // no score: unranked, last
        ([(1, nil, 0), (2, nil, 0)], [1, 2], [nil, nil]),
        ([], [], []),
    ] as [([(UnitID, Double?, Int)], [UnitID], [Int?])])
    func rank(_ rows: [(UnitID, Double?, Int)], _ order: [UnitID], _ ranks: [Int?]) {
        let ranked = Statistics.rank(rows.map { r in
            UnitStatsRow(unit: Self.unit(r.0), tally: counts(received: r.2), score: r.1)
        })
        #expect(ranked.map(\.unit.id) == order)
        #expect(ranked.map(\.rank) == ranks)
    }

    @Test func rankingScoresEachUnitByItsTally() {
        let tallies: [UnitID: UnitTally] = [1: counts(replied: 2, repliedOnTime: 1), 2: counts(replied: 1, repliedOnTime: 1)]
        let r = Statistics.ranking([Self.unit(1), Self.unit(2), Self.unit(3)], tallies: tallies)
        #expect(r.map(\.unit.id) == [2, 1, 3] && r.map(\.rank) == [1, 2, nil] && r.map(\.score) == [100, 50, nil])
        #expect(r[2].tally == UnitTally() && r.allSatisfy { $0.units == 1 })
    }

    @Test func talliesAdd() {
        let a = counts(received: 1, repeats: 2, signed: 3, signedOnTime: 4, signOverdue: 5, decided: 6, decidedOnTime: 7,
                      acceptOverdue: 8, replied: 9, repliedOnTime: 10, replyOverdue: 11, toComplete: 12, completed: 13,
                      evaluated: 14, satisfied: 15, replyWorkingDays: 16)
        let doubled = counts(received: 2, repeats: 4, signed: 6, signedOnTime: 8, signOverdue: 10, decided: 12, decidedOnTime: 14,
                            acceptOverdue: 16, replied: 18, repliedOnTime: 20, replyOverdue: 22, toComplete: 24, completed: 26,
                            evaluated: 28, satisfied: 30, replyWorkingDays: 32)
        #expect(a + a == doubled && a + UnitTally() == a)
    }

    /// The steps the stores read for statistics (their SQL IN-lists are built from this one list).
    @Test func countedActions() {
        #expect(Set(StatsCase.countedActions) == [.dispatch, .redispatch, .transfer, .reopen, .sign, .accept, .reject, .reply,
                                                  .evaluate, .return, .object, .approveReturn, .denyReturn, .pause, .resume,
                                                  .approveExtension])
    }

    @Test func scoreDropsRatesWithoutDenominator() {
        var t = UnitTally()
        #expect(Statistics.score(t) == nil)
        t.replied = 2; t.repliedOnTime = 1 // 按期办结率 0.5 alone
        #expect(Statistics.rounded(Statistics.score(t), places: 9) == 50)
        t.evaluated = 1; t.satisfied = 1 // + 满意率 1: (0.25·0.5 + 0.25·1) / 0.5 = 0.75
        #expect(Statistics.rounded(Statistics.score(t), places: 9) == 75)
        let weights = Statistics.weights.map(\.weight).reduce(0, +)
        #expect(abs(weights - 1) < 1e-12)
    }

    @Test func stintsEndByAnswerOrByPassingOn() {
        let d = { (s: String) in at(s) }
        func ev(_ seq: Int, _ a: Action, _ t: String, to: UnitID? = nil, onTime: Bool? = nil, evaluation: Evaluation? = nil) -> StatsEvent {
            StatsEvent(seq: seq, action: a, at: d(t), unit: 2, toUnit: to, onTime: onTime, evaluation: evaluation)
        }
        let from = d("2026-11-02"), to = d("2026-11-09")
        // Returned by 4 and approved: passed on, not due. Redispatched to 5, returned (pending): still due at 5.
        let c1 = StatsCase(id: 1, registeredAt: from, isRepeat: false, events: [
            ev(2, .dispatch, "2026-11-02T10:00:00", to: 4, onTime: true),
            ev(3, .return, "2026-11-02T11:00:00"),
            ev(4, .approveReturn, "2026-11-02T12:00:00"),
            ev(5, .dispatch, "2026-11-03T10:00:00", to: 5, onTime: true),
            ev(6, .sign, "2026-11-03T11:00:00"), // no recorded limit: not on time
            ev(7, .object, "2026-11-03T12:00:00"),
        ])
        // A reopen (the event names no unit) goes back to the unit that answered.
        let c2 = StatsCase(id: 2, registeredAt: from, isRepeat: true, events: [
            ev(2, .dispatch, "2026-10-20T10:00:00", to: 4),
            ev(3, .sign, "2026-10-20T11:00:00", onTime: true),
            ev(4, .accept, "2026-10-20T12:00:00", onTime: true),
            ev(5, .reply, "2026-10-30T12:00:00", onTime: true),
            ev(6, .evaluate, "2026-11-02T09:00:00", evaluation: .dissatisfied),
            ev(7, .reopen, "2026-11-02T10:00:00"),
            ev(8, .accept, "2026-11-03T10:00:00", onTime: false),
            ev(9, .reply, "2026-11-06T10:00:00", onTime: true),
            ev(10, .evaluate, "2026-11-06T12:00:00", evaluation: .dissatisfied),
            ev(11, .evaluate, "2026-11-07T12:00:00", evaluation: .basicallySatisfied),
            ev(12, .reply, "2026-11-10T10:00:00", onTime: true), // after the period: ignored
        ])
        let t = Statistics.tally([c1, c2], from: from, to: to, now: to, calendar: WorkCalendar())
        #expect(t[4]?.received == 2) // c1's first dispatch, c2's reopen
        #expect(t[4]?.repeats == 1)
        #expect(t[4]?.toComplete == 1 && t[4]?.completed == 1) // c1 at 4 was passed on; c2's reopen answered
        #expect(t[4]?.decided == 1 && t[4]?.decidedOnTime == 0)
        #expect(t[4]?.replied == 1 && t[4]?.repliedOnTime == 1)
        #expect(t[4]?.replyWorkingDays == 4) // 11-03 … 11-06
        #expect(t[4]?.evaluated == 1 && t[4]?.satisfied == 1) // the last word on the reply: 基本满意
        // At 5 the objection waits for the center: the unit owes nothing meanwhile, so the delivery is not due.
        #expect(t[5]?.received == 1 && t[5]?.toComplete == 0 && t[5]?.completed == 0)
        #expect(t[5]?.signed == 1 && t[5]?.signedOnTime == 0)
    }

    /// The overdue rule alone: limits recorded on the events, the end of the period or now, pauses, pending returns.
    @Test func stepsNotTakenPastTheirLimitAreLateAtTheEnd() {
        let d = { (s: String) in at(s + "+08:00") }
        func ev(_ seq: Int, _ a: Action, _ t: String, to: UnitID? = nil, onTime: Bool? = nil,
                sign: String? = nil, accept: String? = nil, reply: String? = nil) -> StatsEvent {
            StatsEvent(seq: seq, action: a, at: d(t), unit: 2, toUnit: to, onTime: onTime,
                       signDue: sign.map(d), acceptDue: accept.map(d), replyDue: reply.map(d))
        }
        func one(_ events: [StatsEvent], from: String = "2026-11-02T00:00:00", to: String = "2026-12-01T00:00:00",
                 now: String = "2026-12-10T00:00:00") -> UnitTally {
            let c = StatsCase(id: 1, registeredAt: d(from), isRepeat: false, events: events)
            return Statistics.tally([c], from: d(from), to: d(to), now: d(now), calendar: WorkCalendar())[9] ?? UnitTally()
        }
        let delivered = ev(2, .dispatch, "2026-11-02T10:00:00", to: 9, onTime: true, sign: "2026-11-05T00:00:00", accept: "2026-11-06T00:00:00")
        // Never signed: late on the sign and on the decision; due and not finished.
        var t = one([delivered])
        #expect(t.signOverdue == 1 && t.acceptOverdue == 1 && t.toComplete == 1 && t.completed == 0)
        #expect(t.signOnTimeRate == 0 && t.acceptOnTimeRate == 0 && t.completionRate == 0)
        // Read before the sign limit passed (the period ends now): nothing is late yet, nothing due.
        t = one([delivered], now: "2026-11-04T12:00:00")
        #expect(t.signOverdue == 0 && t.acceptOverdue == 0 && t.toComplete == 0 && t.received == 1)
        #expect(Statistics.score(t) == nil)
        // Between the two limits: late on the sign only.
        t = one([delivered], now: "2026-11-05T12:00:00")
        #expect(t.signOverdue == 1 && t.acceptOverdue == 0)
        // Signed late, then accepted, the reply limit passed unanswered: one late reply (the late sign is the step itself).
        t = one([delivered, ev(3, .sign, "2026-11-05T09:00:00", onTime: false),
                 ev(4, .accept, "2026-11-05T10:00:00", onTime: true, reply: "2026-11-20T00:00:00")])
        #expect(t.signed == 1 && t.signedOnTime == 0 && t.signOverdue == 0 && t.decided == 1 && t.acceptOverdue == 0)
        #expect(t.replyOverdue == 1 && t.replyOnTimeRate == 0 && t.toComplete == 1)
        // An approved extension moved the reply limit past the end: not late.
        t = one([delivered, ev(3, .sign, "2026-11-02T11:00:00", onTime: true),
                 ev(4, .accept, "2026-11-02T12:00:00", onTime: true, reply: "2026-11-20T00:00:00"),
                 ev(5, .approveExtension, "2026-11-18T10:00:00", reply: "2026-12-04T00:00:00")])
        #expect(t.replyOverdue == 0 && t.toComplete == 0)
        // Paused before the limit: the clock stopped, not late. Paused after it: late already.
        let accepted = [delivered, ev(3, .sign, "2026-11-02T11:00:00", onTime: true),
                        ev(4, .accept, "2026-11-02T12:00:00", onTime: true, reply: "2026-11-20T00:00:00")]
        #expect(one(accepted + [ev(5, .pause, "2026-11-19T10:00:00")]).replyOverdue == 0)
        #expect(one(accepted + [ev(5, .pause, "2026-11-21T10:00:00")]).replyOverdue == 1)
        // Resumed: the limit moved by the pause, recorded on the resume.
        #expect(one(accepted + [ev(5, .pause, "2026-11-19T10:00:00"), ev(6, .resume, "2026-11-25T10:00:00", reply: "2026-11-27T00:00:00")]).replyOverdue == 1)
        // A return waiting for the center: the unit owes nothing meanwhile; denied, the case is the unit's again.
        #expect(one([delivered, ev(3, .return, "2026-11-02T12:00:00")]).signOverdue == 0)
        #expect(one([delivered, ev(3, .return, "2026-11-02T12:00:00"), ev(4, .denyReturn, "2026-11-03T10:00:00")]).signOverdue == 1)
        // Delivered before the period and never signed: late now in this period too, but not received nor due here.
        t = one([delivered], from: "2026-11-16T00:00:00")
        #expect(t.signOverdue == 1 && t.acceptOverdue == 1 && t.received == 0 && t.toComplete == 0)
        // The statute sets no sign limit: the sign step is measured by the accept limit.
        t = one([ev(2, .dispatch, "2026-11-02T10:00:00", to: 9, onTime: true, accept: "2026-11-20T00:00:00")], now: "2026-11-10T00:00:00")
        #expect(t.signOverdue == 0)
        t = one([ev(2, .dispatch, "2026-11-02T10:00:00", to: 9, onTime: true, accept: "2026-11-20T00:00:00")])
        #expect(t.signOverdue == 1 && t.acceptOverdue == 1)
        // A reopen owes a new decision within its own limit.
        t = one(accepted + [ev(5, .reply, "2026-11-10T10:00:00", onTime: true), ev(6, .reopen, "2026-11-12T10:00:00", accept: "2026-11-18T00:00:00")])
        #expect(t.replied == 1 && t.acceptOverdue == 1 && t.received == 2 && t.toComplete == 2 && t.completed == 1)
    }

    /// Events written before the limits were recorded carry none: the case's policy computes them from the step.
    @Test func unrecordedLimitsComeFromThePolicy() throws {
        let d = { (s: String) in at(s + "+08:00") }
        let c = StatsCase(id: 7, registeredAt: d("2026-11-02T09:00:00"), isRepeat: false, events: [
            StatsEvent(seq: 2, action: .dispatch, at: d("2026-11-02T10:00:00"), unit: 2, toUnit: 9, onTime: true),
        ])
        let from = d("2026-11-02T00:00:00"), to = d("2026-12-01T00:00:00"), now = d("2026-12-10T00:00:00")
        #expect(Statistics.casesWithUnrecordedLimits([c], to: to, now: now) == [7])
        // Without the rules nothing can be said late.
        #expect(Statistics.tally([c], from: from, to: to, now: now, calendar: WorkCalendar())[9]?.signOverdue == 0)
        let rules = DeadlineRules(policy: .local12320, calendar: Fixtures.china)
        let t = Statistics.tally([c], from: from, to: to, now: now, calendar: rules.calendar, legacyRules: [7: rules])[9]
        #expect(t?.signOverdue == 1 && t?.acceptOverdue == 1)
        // Read on 11-04 (sign limit 2 working days: 11-05 00:00): not yet late.
        let early = Statistics.tally([c], from: from, to: to, now: d("2026-11-04T12:00:00"), calendar: rules.calendar, legacyRules: [7: rules])[9]
        #expect(early?.signOverdue == 0)
        // A recorded limit needs no rules.
        var recorded = c
        recorded.events[0].signDue = d("2026-11-05T00:00:00"); recorded.events[0].acceptDue = d("2026-11-06T00:00:00")
        #expect(Statistics.casesWithUnrecordedLimits([recorded], to: to, now: now).isEmpty)
    }
}
