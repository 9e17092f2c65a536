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
        switch c.state {
        case .registered, .returnRequested:
            t.alarm = c.deadlines.dispatch
        case .dispatched, .signed, .reopened:
            if let w = c.deadlines.warning {
                t.warning = w
            } else if let delivered = c.deliveredAt {
                t.warning = rules.calendar.deadline(after: delivered, rules.policy.warnAfterDelivery)
            }
            t.alarm = c.deadlines.accept
        case .accepted, .reviewing, .rereviewing:
            let due = c.state == .accepted ? c.deadlines.reply
                : c.state == .reviewing ? c.deadlines.reviewDecision : c.deadlines.rereviewDecision
            if let d = due {
                t.urgent = rules.calendar.instant(rules.policy.urgentLead, before: d)
                t.alarm = d
            }
        case .replied, .reviewed, .closed, .rejected, .final, .handedOff:
            break
        }
        if let p = c.pause {
            return AlertThresholds(base: t.level(at: p.since))
        }
        return t
    }

    /// The level at `now` and its next rise: a pure function of the case, the rules and the instant.
    public static func alert(of c: Case, at now: Instant, rules: DeadlineRules) -> AlertAssessment {
        let t = alertThresholds(of: c, rules: rules)
        return AlertAssessment(level: t.level(at: now), nextChange: t.nextChange(after: now))
    }
}
