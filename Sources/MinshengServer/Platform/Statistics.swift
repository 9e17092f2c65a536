import MinshengDomain
import MinshengStore

/// The raw counts of one unit (or of a subtree: the sum of its units) over a period. Every count comes from the
/// case events; rates are derived from the counts, never stored. README "Statistics" defines each one.
public struct UnitTally: Sendable, Equatable {
    /// Deliveries to the unit in the period (dispatch, redispatch, transfer, reopen). 收件数
    public var received = 0
    /// Received deliveries whose case repeats the citizen phone of an earlier case of the period. 重复件
    public var repeats = 0
    /// Sign steps in the period, and those within their limit. 签收 / 及时签收
    public var signed = 0
    public var signedOnTime = 0
    /// Accept and reject steps in the period, and those within their limit. 受理（含不予受理）/ 及时受理
    public var decided = 0
    public var decidedOnTime = 0
    /// Replies in the period, and those within their limit. 答复 / 按期答复
    public var replied = 0
    public var repliedOnTime = 0
    /// Received deliveries the unit had to finish (received minus those passed on by transfer, redispatch or an
    /// approved return), and those it finished by a reply or a rejection before the period's end. 应办结 / 办结
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
        s.signed += b.signed; s.signedOnTime += b.signedOnTime
        s.decided += b.decided; s.decidedOnTime += b.decidedOnTime
        s.replied += b.replied; s.repliedOnTime += b.repliedOnTime
        s.toComplete += b.toComplete; s.completed += b.completed
        s.evaluated += b.evaluated; s.satisfied += b.satisfied
        s.replyWorkingDays += b.replyWorkingDays
        return s
    }

    static func rate(_ n: Int, _ d: Int) -> Double? { d == 0 ? nil : Double(n) / Double(d) }

    /// 及时签收率
    public var signOnTimeRate: Double? { Self.rate(signedOnTime, signed) }
    /// 及时受理率 (accept and reject are both the decision the limit asks for)
    public var acceptOnTimeRate: Double? { Self.rate(decidedOnTime, decided) }
    /// 按期办结率
    public var replyOnTimeRate: Double? { Self.rate(repliedOnTime, replied) }
    /// 办结率
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
    /// remaining weights are scaled up to 1; with none left the unit has no score.
    public static let weights: [(name: String, weight: Double, rate: @Sendable (UnitTally) -> Double?)] = [
        ("signOnTimeRate", 0.2, { $0.signOnTimeRate }),
        ("acceptOnTimeRate", 0.2, { $0.acceptOnTimeRate }),
        ("replyOnTimeRate", 0.3, { $0.replyOnTimeRate }),
        ("satisfactionRate", 0.3, { $0.satisfactionRate }),
    ]

    /// The score, 0–100: 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates that have a denominator; nil when none has.
    public static func score(_ t: UnitTally) -> Double? {
        var sum = 0.0, weight = 0.0
        for w in weights {
            if let r = w.rate(t) { sum += w.weight * r; weight += w.weight }
        }
        return weight == 0 ? nil : 100 * sum / weight
    }

    /// Counts, per unit, the period [from, to) from each case's counted steps (all before `to`, in order).
    ///
    /// Each delivery opens the receiving unit's *stint*; unit-side steps (sign, accept, reject, reply) belong to
    /// the unit of the open stint, whoever recorded them. A stint ends by a reply or a rejection (finished), or by a
    /// transfer, a redispatch or an approved return (passed on); a return or objection still pending leaves it open.
    public static func tally(_ cases: [StatsCase], from: Instant, to: Instant, calendar: WorkCalendar) -> [UnitID: UnitTally] {
        var out: [UnitID: UnitTally] = [:]
        for c in cases { tally(c, from: from, to: to, calendar: calendar, into: &out) }
        return out
    }

    struct Stint {
        var unit: UnitID
        var start: Instant
        /// Delivered in the period: it counts as received and for completion.
        var counted: Bool
    }

    struct PendingReply {
        var unit: UnitID
        var evaluation: Evaluation?
    }

    static func tally(_ c: StatsCase, from: Instant, to: Instant, calendar: WorkCalendar, into out: inout [UnitID: UnitTally]) {
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

        for e in c.events where e.at < to {
            switch e.action {
            case .dispatch, .redispatch, .transfer, .reopen:
                endStint(finished: false)
                // A reopen goes back to the lead unit, which is the unit that answered: only an accept makes a unit
                // the lead and a reply needs the accepted case, so the two never differ at a reply.
                guard let unit = e.toUnit ?? (e.action == .reopen ? lastReplyUnit : nil) else { continue }
                if e.action == .reopen { flushReply() }
                let counted = inPeriod(e)
                stint = Stint(unit: unit, start: e.at, counted: counted)
                if counted {
                    out[unit, default: UnitTally()].received += 1
                    if c.isRepeat { out[unit, default: UnitTally()].repeats += 1 }
                }
            case .sign:
                guard let s = stint, inPeriod(e) else { continue }
                out[s.unit, default: UnitTally()].signed += 1
                if e.onTime == true { out[s.unit, default: UnitTally()].signedOnTime += 1 }
            case .accept, .reject:
                guard let s = stint else { continue }
                if inPeriod(e) {
                    out[s.unit, default: UnitTally()].decided += 1
                    if e.onTime == true { out[s.unit, default: UnitTally()].decidedOnTime += 1 }
                }
                if e.action == .reject { endStint(finished: true) }
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
            default:
                break // return, object, denyReturn: the stint stays open while the center decides
            }
        }
        flushReply()
        // A stint of the period still open at its end was due and is not finished.
        if let s = stint, s.counted { out[s.unit, default: UnitTally()].toComplete += 1 }
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
    /// Place in the ranking (1 = best); nil for units that received nothing in the period.
    public var rank: Int?
    /// For a subtree report: how many units were summed.
    public var units: Int
}

extension Platform {
    /// Per-unit counts for [from, to), read from the events.
    public func unitTallies(from: Instant, to: Instant) async throws -> [UnitID: UnitTally] {
        let cases = try await store.statsCases(from: from, to: to)
        return Statistics.tally(cases, from: from, to: to, calendar: calendar)
    }

    /// Units of `level` (and of `kinds`) ranked by score: units that received cases first, by score (highest first;
    /// no score after every score), then more received, then unit id; units that received nothing come last, by id.
    public func unitRanking(level: UnitLevel, kinds: Set<UnitKind>, from: Instant, to: Instant) async throws -> [UnitStatsRow] {
        let tallies = try await unitTallies(from: from, to: to)
        let units = unitsByID.withLock { m in m.values.filter { $0.level == level && kinds.contains($0.kind) } }
        return Self.rank(units.map { u in
            let t = tallies[u.id] ?? UnitTally()
            return UnitStatsRow(unit: u, tally: t, score: Statistics.score(t), rank: nil, units: 1)
        })
    }

    static func rank(_ rows: [UnitStatsRow]) -> [UnitStatsRow] {
        var sorted = rows.sorted { a, b in
            let ar = a.tally.received > 0, br = b.tally.received > 0
            if ar != br { return ar }
            if !ar { return a.unit.id < b.unit.id }
            switch (a.score, b.score) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            if a.tally.received != b.tally.received { return a.tally.received > b.tally.received }
            return a.unit.id < b.unit.id
        }
        for i in sorted.indices where sorted[i].tally.received > 0 { sorted[i].rank = i + 1 }
        return sorted
    }

    /// One unit's figures, or with `subtree` the sum over the unit and every unit below it.
    public func unitStats(_ id: UnitID, subtree: Bool, from: Instant, to: Instant) async throws -> UnitStatsRow? {
        guard let u = unit(id) else { return nil }
        let tallies = try await unitTallies(from: from, to: to)
        guard subtree else {
            let t = tallies[id] ?? UnitTally()
            return UnitStatsRow(unit: u, tally: t, score: Statistics.score(t), rank: nil, units: 1)
        }
        let members = unitsByID.withLock { m in
            m.values.filter { v in
                var cur: UnitID? = v.id
                while let c = cur {
                    if c == id { return true }
                    cur = m[c]?.parentID
                }
                return false
            }.map(\.id)
        }
        let t = members.reduce(UnitTally()) { $0 + (tallies[$1] ?? UnitTally()) }
        return UnitStatsRow(unit: u, tally: t, score: Statistics.score(t), rank: nil, units: members.count)
    }
}
