/// Unit statistics (README "Statistics"): the steps they read, the counts per unit, the rates, the score and the
/// ranking, as plain values and pure functions. The stores read the steps (SQL); everything counted from them is here.

/// One step of a case as statistics read it: only the fields the figures need, straight from the event row.
/// Statistics are counted from events (痕迹), never from counters that could drift.
public struct StatsEvent: Sendable, Equatable {
    public var seq: Int
    public var action: Action
    public var at: Instant
    /// The unit recorded on the event (the actor's unit, or the center when the platform admin acted).
    public var unit: UnitID?
    /// `data["toUnit"]`: where a dispatch, redispatch, transfer, review or re-review sent the case (a reopen goes back
    /// to the unit that answered).
    public var toUnit: UnitID?
    /// `data["onTime"]`: whether a timed step met the limit that governed it (nil when no limit was recorded).
    public var onTime: Bool?
    /// `data["evaluation"]` of an evaluate step.
    public var evaluation: Evaluation?
    /// `data["signDue"]`, `data["acceptDue"]`, `data["replyDue"]`: the limits the step set or moved (a delivery sets
    /// sign and accept, an accept the reply, an approved extension moves the reply, a resume all that run). They
    /// tell when a step the unit has *not* taken became overdue. Nil on events written before they were recorded.
    public var signDue: Instant?
    public var acceptDue: Instant?
    public var replyDue: Instant?

    public init(seq: Int, action: Action, at: Instant, unit: UnitID? = nil, toUnit: UnitID? = nil, onTime: Bool? = nil,
                evaluation: Evaluation? = nil, signDue: Instant? = nil, acceptDue: Instant? = nil, replyDue: Instant? = nil) {
        self.seq = seq; self.action = action; self.at = at; self.unit = unit; self.toUnit = toUnit
        self.onTime = onTime; self.evaluation = evaluation
        self.signDue = signDue; self.acceptDue = acceptDue; self.replyDue = replyDue
    }
}

/// A case that statistics for a period must look at, with its counted steps before the period's end, in order.
public struct StatsCase: Sendable, Equatable {
    public var id: CaseID
    public var registeredAt: Instant
    /// Another case with the same citizen phone was registered earlier in the same period (重复件).
    public var isRepeat: Bool
    public var events: [StatsEvent]

    public init(id: CaseID, registeredAt: Instant, isRepeat: Bool, events: [StatsEvent]) {
        self.id = id; self.registeredAt = registeredAt; self.isRepeat = isRepeat; self.events = events
    }

    /// The steps statistics read: deliveries, the unit's timed steps, how a unit's handling ends, evaluations, and
    /// what moves or stops a running limit (pause, resume, approved extension).
    public static let countedActions: [Action] = [
        .dispatch, .redispatch, .transfer, .reopen, .sign, .accept, .reject, .reply, .evaluate,
        .return, .object, .approveReturn, .denyReturn, .pause, .resume, .approveExtension,
    ]
}

/// The raw counts of one unit (or of a subtree: the sum of its units) over a period. Every count comes from the
/// case events; rates are derived from the counts, never stored. README "Statistics" defines each one.
///
/// A step the unit owed and has not taken counts too: a case it held at the period's end past its sign, accept or
/// reply limit is one late step (`signOverdue`, `acceptOverdue`, `replyOverdue`), in the rate's denominator and
/// never in its numerator. Without them a unit that does nothing would have no late step at all.
public struct UnitTally: Sendable, Equatable {
    /// Deliveries to the unit in the period (dispatch, redispatch, transfer, reopen). 收件数
    public var received = 0
    /// Received deliveries whose case repeats the citizen phone of an earlier case of the period. 重复件
    public var repeats = 0
    /// Sign steps in the period, and those within their limit. 签收 / 及时签收
    public var signed = 0
    public var signedOnTime = 0
    /// Cases the unit held unsigned at the period's end, past their sign limit. 超期未签收
    public var signOverdue = 0
    /// Accept and reject steps in the period, and those within their limit. 受理（含不予受理）/ 及时受理
    public var decided = 0
    public var decidedOnTime = 0
    /// Cases the unit held undecided (neither accepted nor rejected) at the period's end, past their accept limit. 超期未受理
    public var acceptOverdue = 0
    /// Replies in the period, and those within their limit. 答复 / 按期答复
    public var replied = 0
    public var repliedOnTime = 0
    /// Accepted cases the unit held unanswered at the period's end, past their reply limit. 超期未答复
    public var replyOverdue = 0
    /// Deliveries of the period that fell due by its end (应办结): those the unit finished by a reply or a rejection
    /// before the end (`completed`, 办结), and those still open at the end past a limit (sign, accept or reply).
    /// Deliveries passed on (transfer, redispatch, approved return) and those still within every limit are not due.
    public var toComplete = 0
    public var completed = 0
    /// Replies of the period the citizen rated, and rated 满意 or 基本满意. 参评 / 满意
    public var evaluated = 0
    public var satisfied = 0
    /// Sum over the period's replies of the working days from delivery to reply.
    public var replyWorkingDays = 0

    public init() {}

    public static func + (a: UnitTally, b: UnitTally) -> UnitTally {
        var s = a
        s.received += b.received; s.repeats += b.repeats
        s.signed += b.signed; s.signedOnTime += b.signedOnTime; s.signOverdue += b.signOverdue
        s.decided += b.decided; s.decidedOnTime += b.decidedOnTime; s.acceptOverdue += b.acceptOverdue
        s.replied += b.replied; s.repliedOnTime += b.repliedOnTime; s.replyOverdue += b.replyOverdue
        s.toComplete += b.toComplete; s.completed += b.completed
        s.evaluated += b.evaluated; s.satisfied += b.satisfied
        s.replyWorkingDays += b.replyWorkingDays
        return s
    }

    static func rate(_ n: Int, _ d: Int) -> Double? { d == 0 ? nil : Double(n) / Double(d) }

    /// 及时签收率 = signedOnTime / (signed + signOverdue)
    public var signOnTimeRate: Double? { Self.rate(signedOnTime, signed + signOverdue) }
    /// 及时受理率 = decidedOnTime / (decided + acceptOverdue) (accept and reject are both the decision the limit asks for)
    public var acceptOnTimeRate: Double? { Self.rate(decidedOnTime, decided + acceptOverdue) }
    /// 按期办结率 = repliedOnTime / (replied + replyOverdue)
    public var replyOnTimeRate: Double? { Self.rate(repliedOnTime, replied + replyOverdue) }
    /// 办结率 = completed / toComplete
    public var completionRate: Double? { Self.rate(completed, toComplete) }
    /// 参评率
    public var evaluationRate: Double? { Self.rate(evaluated, replied) }
    /// 满意率 (满意 + 基本满意 over rated)
    public var satisfactionRate: Double? { Self.rate(satisfied, evaluated) }
    /// 重复件率
    public var repeatRate: Double? { Self.rate(repeats, received) }
    /// 平均答复用时（工作日）
    public var averageReplyWorkingDays: Double? { replied == 0 ? nil : Double(replyWorkingDays) / Double(replied) }
}

/// Unit statistics as pure functions of the events: no I/O, so every figure can be checked by hand.
public enum Statistics {
    /// The ranking score's weights. A rate without a denominator (no such step in the period) drops out and the
    /// remaining weights are scaled up to 1; with none left the unit has no score (and no rank).
    public static let weights: [(name: String, weight: Double, rate: @Sendable (UnitTally) -> Double?)] = [
        ("signOnTimeRate", 0.15, { $0.signOnTimeRate }),
        ("acceptOnTimeRate", 0.15, { $0.acceptOnTimeRate }),
        ("replyOnTimeRate", 0.25, { $0.replyOnTimeRate }),
        ("completionRate", 0.2, { $0.completionRate }),
        ("satisfactionRate", 0.25, { $0.satisfactionRate }),
    ]

    /// The score, 0–100: 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates that have a denominator; nil when none has.
    public static func score(_ t: UnitTally) -> Double? {
        var sum = 0.0, weight = 0.0
        for w in weights {
            if let r = w.rate(t) { sum += w.weight * r; weight += w.weight }
        }
        return weight == 0 ? nil : 100 * sum / weight
    }

    /// Counts, per unit, the period [from, to) from each case's counted steps (all before `to`, in order), as seen
    /// at `now`: the overdue steps are those whose limit passed by the period's end or by `now`, whichever is
    /// earlier (a limit still in the future is not late yet).
    ///
    /// Each delivery opens the receiving unit's *stint*; unit-side steps (sign, accept, reject, reply) belong to
    /// the unit of the open stint, whoever recorded them. A stint ends by a reply or a rejection (finished), or by a
    /// transfer, a redispatch or an approved return (passed on); a return or objection still pending leaves it open
    /// (and the center, not the unit, has to act). `legacyRules` gives the deadline rules of cases whose events
    /// predate the recorded limits (`StatsEvent.signDue`…): their limits are computed from the step's instant.
    public static func tally(_ cases: [StatsCase], from: Instant, to: Instant, now: Instant, calendar: WorkCalendar,
                             legacyRules: [CaseID: DeadlineRules] = [:]) -> [UnitID: UnitTally] {
        var out: [UnitID: UnitTally] = [:]
        for c in cases { tally(c, from: from, to: to, end: min(to, now), calendar: calendar, rules: legacyRules[c.id], into: &out) }
        return out
    }

    /// The cases whose stint open at the end (min(to, now)) has a limit that no event recorded: their deadline rules
    /// are needed (`tally(…, legacyRules:)`). Empty for events written since the limits are recorded.
    public static func casesWithUnrecordedLimits(_ cases: [StatsCase], to: Instant, now: Instant) -> [CaseID] {
        cases.filter { c in
            var scratch: [UnitID: UnitTally] = [:]
            return tally(c, from: to, to: to, end: min(to, now), calendar: WorkCalendar(), rules: nil, into: &scratch)
        }.map(\.id)
    }

    /// Where the unit of a stint stands: what it owes next.
    enum Phase: Equatable {
        case delivered  // owes the sign (and the decision)
        case signed     // owes the decision (accept or reject); a reopened case too
        case accepted   // owes the reply
    }

    struct Stint {
        var unit: UnitID
        var start: Instant
        /// Delivered in the period: it counts as received and for completion.
        var counted: Bool
        var phase: Phase
        /// The running limits (sign: the limit the sign step is measured by, the accept limit when the policy sets
        /// none for signing).
        var signDue: Instant?
        var acceptDue: Instant?
        var replyDue: Instant?
        /// A return or objection waits for the center: the unit owes nothing meanwhile.
        var awaitingCenter = false
        /// The clock stopped at this instant: a limit not passed by then is not passed while the pause lasts.
        var pausedAt: Instant?
        /// Some limit of this stint was neither recorded nor computable.
        var unrecorded = false
    }

    struct PendingReply {
        var unit: UnitID
        var evaluation: Evaluation?
    }

    /// Tallies one case; returns whether its stint open at the end lacks a recorded limit (and no rules were given).
    @discardableResult
    static func tally(_ c: StatsCase, from: Instant, to: Instant, end: Instant, calendar: WorkCalendar, rules: DeadlineRules?,
                      into out: inout [UnitID: UnitTally]) -> Bool {
        var stint: Stint?
        var lastReplyUnit: UnitID?
        var reply: PendingReply? // a reply of the period, waiting for its evaluation
        func inPeriod(_ e: StatsEvent) -> Bool { e.at >= from && e.at < to }
        func flushReply() {
            guard let r = reply else { return }
            if let ev = r.evaluation {
                out[r.unit, default: UnitTally()].evaluated += 1
                if ev != .dissatisfied { out[r.unit, default: UnitTally()].satisfied += 1 }
            }
            reply = nil
        }
        /// The open stint ends: finished (reply, reject) counts toward completion; passed on leaves the base.
        func endStint(finished: Bool) {
            guard let s = stint else { return }
            if s.counted && finished {
                out[s.unit, default: UnitTally()].toComplete += 1
                out[s.unit, default: UnitTally()].completed += 1
            }
            stint = nil
        }
        /// A limit the event recorded, else (events written before limits were recorded) computed from the rules.
        func limit(_ recorded: Instant?, _ step: DeadlineStep, after e: StatsEvent) -> Instant? {
            if let recorded { return recorded }
            guard let rules else { stint?.unrecorded = true; return nil }
            return rules.due(step, after: e.at)
        }

        for e in c.events where e.at < to {
            switch e.action {
            case .dispatch, .redispatch, .transfer, .reopen:
                endStint(finished: false)
                // A reopen goes back to the lead unit, which is the unit that answered: only an accept makes a unit
                // the lead and a reply needs the accepted case, so the two never differ at a reply.
                guard let unit = e.toUnit ?? (e.action == .reopen ? lastReplyUnit : nil) else { continue }
                if e.action == .reopen { flushReply() }
                let counted = inPeriod(e)
                stint = Stint(unit: unit, start: e.at, counted: counted, phase: e.action == .reopen ? .signed : .delivered)
                // (Each limit is computed before it is stored: `limit` itself may mark the stint.)
                let accept = limit(e.acceptDue, .accept, after: e)
                stint?.acceptDue = accept
                if e.action != .reopen {
                    // The sign step is measured by the sign limit, or by the accept limit when the policy sets none.
                    let sign = e.acceptDue != nil ? (e.signDue ?? accept) : (rules?.due(.sign, after: e.at) ?? accept)
                    stint?.signDue = sign
                }
                if counted {
                    out[unit, default: UnitTally()].received += 1
                    if c.isRepeat { out[unit, default: UnitTally()].repeats += 1 }
                }
            case .sign:
                guard let s = stint else { continue }
                stint?.phase = .signed
                guard inPeriod(e) else { continue }
                out[s.unit, default: UnitTally()].signed += 1
                if e.onTime == true { out[s.unit, default: UnitTally()].signedOnTime += 1 }
            case .accept, .reject:
                guard let s = stint else { continue }
                if inPeriod(e) {
                    out[s.unit, default: UnitTally()].decided += 1
                    if e.onTime == true { out[s.unit, default: UnitTally()].decidedOnTime += 1 }
                }
                if e.action == .reject {
                    endStint(finished: true)
                } else {
                    stint?.phase = .accepted
                    let reply = limit(e.replyDue, .reply, after: e)
                    stint?.replyDue = reply
                }
            case .reply:
                flushReply()
                guard let s = stint else { continue } // the center answered at registration: no unit's stint
                lastReplyUnit = s.unit
                if inPeriod(e) {
                    out[s.unit, default: UnitTally()].replied += 1
                    if e.onTime == true { out[s.unit, default: UnitTally()].repliedOnTime += 1 }
                    out[s.unit, default: UnitTally()].replyWorkingDays +=
                        calendar.workingDays(after: ChinaTime.day(of: s.start), through: ChinaTime.day(of: e.at))
                    reply = PendingReply(unit: s.unit, evaluation: nil)
                }
                endStint(finished: true)
            case .evaluate:
                // The citizen's last word on the reply counts (a 不满意 may be followed by a later rating).
                if reply != nil, let ev = e.evaluation { reply!.evaluation = ev }
            case .approveReturn:
                endStint(finished: false)
            case .return, .object:
                stint?.awaitingCenter = true
            case .denyReturn:
                stint?.awaitingCenter = false
            case .pause:
                if stint != nil && stint?.pausedAt == nil { stint?.pausedAt = e.at }
            case .resume:
                guard stint != nil else { continue }
                stint?.pausedAt = nil
                // The resume moved the running limits by the paused time (events before limits were recorded
                // carry none: the limits stay as computed, the pause not given back).
                if let d = e.signDue { stint?.signDue = d }
                if let d = e.acceptDue { stint?.acceptDue = d }
                if let d = e.replyDue { stint?.replyDue = d }
            case .approveExtension:
                if let d = e.replyDue { stint?.replyDue = d }
            default:
                break
            }
        }
        flushReply()
        // The stint still open at the end: each limit passed by then and not met is a late step now, and a delivery
        // of the period past a limit is due and not finished. A paused clock stopped: only a limit that had passed
        // before the pause counts.
        guard let s = stint, !s.awaitingCenter else { return false }
        let at = min(s.pausedAt ?? end, end)
        func passed(_ d: Instant?) -> Bool { d.map { $0 <= at } ?? false }
        var late = false
        switch s.phase {
        case .delivered:
            if passed(s.signDue) { out[s.unit, default: UnitTally()].signOverdue += 1; late = true }
            if passed(s.acceptDue) { out[s.unit, default: UnitTally()].acceptOverdue += 1; late = true }
        case .signed:
            if passed(s.acceptDue) { out[s.unit, default: UnitTally()].acceptOverdue += 1; late = true }
        case .accepted:
            if passed(s.replyDue) { out[s.unit, default: UnitTally()].replyOverdue += 1; late = true }
        }
        if s.counted && late { out[s.unit, default: UnitTally()].toComplete += 1 }
        return s.unrecorded
    }

    /// The ranking of `units` by their tallies (a unit without one: nothing counted, no score).
    public static func ranking(_ units: [Unit], tallies: [UnitID: UnitTally]) -> [UnitStatsRow] {
        rank(units.map { UnitStatsRow(unit: $0, tally: tallies[$0.id] ?? UnitTally()) })
    }

    /// The ranking order: units with a score first, highest first, then more received, then unit id; they are
    /// ranked 1, 2, …. Units without a score — nothing measured in the period, not even an overdue step — follow
    /// unranked (more received first, then id): having nothing to show is not a perfect score.
    public static func rank(_ rows: [UnitStatsRow]) -> [UnitStatsRow] {
        var sorted = rows.sorted { a, b in
            switch (a.score, b.score) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            if a.tally.received != b.tally.received { return a.tally.received > b.tally.received }
            return a.unit.id < b.unit.id
        }
        for i in sorted.indices where sorted[i].score != nil { sorted[i].rank = i + 1 }
        return sorted
    }

    /// Rounds a rate for display (4 decimals: 0.6667).
    public static func rounded(_ v: Double?, places: Int = 4) -> Double? {
        guard let v else { return nil }
        var m = 1.0
        for _ in 0..<places { m *= 10 }
        return (v * m).rounded() / m
    }
}

/// One line of a ranking or a unit's report: the unit, its counts, its score and its place.
public struct UnitStatsRow: Sendable {
    public var unit: Unit
    public var tally: UnitTally
    public var score: Double?
    /// Place in the ranking (1 = best); nil for units without a score (nothing measured in the period).
    public var rank: Int?
    /// For a subtree report: how many units were summed.
    public var units: Int

    public init(unit: Unit, tally: UnitTally, score: Double?, rank: Int? = nil, units: Int = 1) {
        self.unit = unit; self.tally = tally; self.score = score; self.rank = rank; self.units = units
    }

    /// The row of `tally` (of `units` units summed), scored, not yet ranked.
    public init(unit: Unit, tally: UnitTally, units: Int = 1) {
        self.init(unit: unit, tally: tally, score: Statistics.score(tally), units: units)
    }
}

