/// The alert level of a case at an instant, and when it will next change.
public struct AlertAssessment: Sendable, Equatable {
    public var level: AlertLevel
    /// The next instant the level rises, if the case is left as it is; nil when it never will (closed, paused, at alarm).
    public var nextChange: Instant?
}

/// The instants at which a case's level rises, as stored with the case so that the level at any instant
/// is a comparison (the store evaluates it in SQL, the watcher indexes the next one).
public struct AlertThresholds: Sendable, Equatable, Codable {
    /// The level while no threshold has passed: normal, or the level frozen when the clock was paused.
    public var base: AlertLevel
    public var warning: Instant?
    public var urgent: Instant?
    public var alarm: Instant?

    public init(base: AlertLevel = .normal, warning: Instant? = nil, urgent: Instant? = nil, alarm: Instant? = nil) {
        self.base = base; self.warning = warning; self.urgent = urgent; self.alarm = alarm
    }

    public func level(at now: Instant) -> AlertLevel {
        if let a = alarm, now >= a { return max(base, .alarm) }
        if let u = urgent, now >= u { return max(base, .urgent) }
        if let w = warning, now >= w { return max(base, .warning) }
        return base
    }

    public func nextChange(after now: Instant) -> Instant? {
        let current = level(at: now)
        return [(warning, AlertLevel.warning), (urgent, .urgent), (alarm, .alarm)]
            .compactMap { pair -> Instant? in
                guard let at = pair.0, at > now, pair.1 > current else { return nil }
                return at
            }
            .min()
    }
}

extension Lifecycle {
    /// DESIGN.md "Alerts", as the Chongqing platform runs them:
    /// - not yet accepted: `warning` once `warnAfterDelivery` has passed since delivery, `alarm` once the accept limit passed;
    /// - being handled or reviewed: `urgent` when the decision limit is `urgentLead` away, `alarm` once it passed;
    /// - at the center (registered, returned): `alarm` once the dispatch limit passed.
    /// A paused case keeps the level it had when the clock stopped.
    public static func alertThresholds(of c: Case, rules: DeadlineRules) -> AlertThresholds {
        var t = AlertThresholds()
        if let (step, due) = alertDeadline(of: c) {
            t.alarm = due
            switch step {
            case .accept:
                if let w = c.deadlines.warning {
                    t.warning = w
                } else if let delivered = c.deliveredAt {
                    t.warning = rules.calendar.deadline(after: delivered, rules.policy.warnAfterDelivery)
                }
            case .reply, .reviewDecision, .rereviewDecision:
                if let d = due { t.urgent = rules.calendar.instant(rules.policy.urgentLead, before: d) }
            default:
                break
            }
        }
        if let p = c.pause {
            t = AlertThresholds(base: t.level(at: p.since))
        }
        // A risk case is urgent from the start while the government has to act on it (not while the citizen is
        // asked to rate or appeal): its colour, the alert filters and the dashboard all say so.
        if c.isRisk, Self.governmentActs(c.state) { t.base = max(t.base, .urgent) }
        return t
    }

    /// The level from the deadlines alone, without a risk case's floor.
    public static func timeLevel(of c: Case, at now: Instant, rules: DeadlineRules) -> AlertLevel {
        var plain = c
        plain.risks = []
        return alertThresholds(of: plain, rules: rules).level(at: now)
    }

    /// States in which a government unit, not the citizen, must act next.
    public static func governmentActs(_ s: CaseState) -> Bool {
        switch s {
        case .registered, .returnRequested, .dispatched, .signed, .accepted, .reopened, .reviewing, .rereviewing: true
        default: false
        }
    }

    /// The level at `now` and its next rise: a pure function of the case, the rules and the instant.
    public static func alert(of c: Case, at now: Instant, rules: DeadlineRules) -> AlertAssessment {
        let t = alertThresholds(of: c, rules: rules)
        return AlertAssessment(level: t.level(at: now), nextChange: t.nextChange(after: now))
    }
}

// MARK: - Notices

extension Lifecycle {
    /// The deadline an alert is about in the case's state: the step whose limit runs, and that limit. Nil where no
    /// government step is running (the citizen's turn, or the case is over). Thresholds, notice phases and notice
    /// texts all name the deadline by this one function.
    public static func alertDeadline(of c: Case) -> (step: DeadlineStep, due: Instant?)? {
        switch c.state {
        case .registered, .returnRequested: (.dispatch, c.deadlines.dispatch)
        case .dispatched, .signed, .reopened: (.accept, c.deadlines.accept)
        case .accepted: (.reply, c.deadlines.reply)
        case .reviewing: (.reviewDecision, c.deadlines.reviewDecision)
        case .rereviewing: (.rereviewDecision, c.deadlines.rereviewDecision)
        case .replied, .reviewed, .closed, .rejected, .final, .handedOff: nil
        }
    }

    /// The deadline an alert is about, with the round it belongs to: a reopened case runs its accept and reply
    /// limits again and may be warned again; the same deadline is never announced twice at the same level.
    public static func noticePhase(of c: Case) -> String? {
        alertDeadline(of: c).map { "\($0.step.rawValue)#\(c.reopenCount)" }
    }

    /// What an alert notice says of the case's situation at `level`, with the periods of the case's policy (the
    /// warning's period after delivery, the urgent lead before the limit). Nil at normal: nothing to announce.
    public static func alertSituation(of c: Case, level: AlertLevel, at now: Instant, rules: DeadlineRules) -> String? {
        switch level {
        case .normal: nil
        case .warning: "转交后已逾\(rules.policy.warnAfterDelivery)仍未受理，现予预警"
        case .urgent: c.isRisk && timeLevel(of: c, at: now, rules: rules) < .urgent
            ? "涉及风险，须优先处置" : "距办理期限已不足\(rules.policy.urgentLead)，请抓紧办理"
        case .alarm: "已超过办理期限，现予警报"
        }
    }

    /// The level already announced for the running deadline.
    public static func announcedLevel(of c: Case) -> AlertLevel {
        guard let n = c.alertNotice, n.phase == noticePhase(of: c) else { return .normal }
        return n.level
    }

    /// When the watcher must next look at the case: the first threshold above what was announced (possibly already
    /// past, if a step made the case late at once), or nil when nothing more can be announced.
    public static func nextNotice(of c: Case, rules: DeadlineRules) -> Instant? {
        guard noticePhase(of: c) != nil else { return nil }
        let t = alertThresholds(of: c, rules: rules)
        let announced = announcedLevel(of: c)
        if c.pause != nil {
            return t.base > announced ? c.pause!.since : nil
        }
        return [(t.warning, AlertLevel.warning), (t.urgent, .urgent), (t.alarm, .alarm)]
            .compactMap { pair -> Instant? in
                guard let at = pair.0, pair.1 > announced else { return nil }
                return at
            }
            .min()
    }

    /// Announces the case's level at `now` if it is above what was announced for this deadline: the case remembers it
    /// and an event records it. Nil when there is nothing new to announce.
    public static func raiseAlert(_ old: Case, at now: Instant, rules: DeadlineRules) -> (Case, CaseEvent, AlertLevel)? {
        guard let phase = noticePhase(of: old) else { return nil }
        let level = alertThresholds(of: old, rules: rules).level(at: now)
        guard level > announcedLevel(of: old) else { return nil }
        var c = old
        c.alertNotice = AlertNotice(level: level, phase: phase)
        c.version = old.version + 1
        c.updatedAt = now
        var data = ["level": level.rawValue, "phase": phase]
        if let due = old.currentDue { data["due"] = due.description }
        let event = CaseEvent(caseID: old.id, seq: c.version, action: .raiseAlert, at: now, actorID: "system",
                              actorName: "时限监察", role: .admin, unit: old.holder, fromState: old.state, toState: old.state,
                              note: "\(level.label)：\(old.title)", data: data)
        return (c, event, level)
    }
}
