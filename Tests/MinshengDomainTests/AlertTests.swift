import Testing
@testable import MinshengDomain

/// Lifecycle.alert: DESIGN.md "Alerts" — warning when a dispatched case is not accepted 2 working days after delivery,
/// urgent when the reply deadline is 2 working days away, alarm once it has passed.
@Suite("Alerts")
struct AlertTests {
    let rules = Fixtures.rules12320

    func alert(_ c: Case, _ time: String, rules: DeadlineRules = Fixtures.rules12320) -> AlertAssessment {
        Lifecycle.alert(of: c, at: at(time), rules: rules)
    }
    func assess(_ level: AlertLevel, _ next: String?) -> AlertAssessment {
        AlertAssessment(level: level, nextChange: next.map { at($0) })
    }

    @Test func dispatchedCaseWarnsThenAlarms() throws {
        // delivered Mon 03-02 10:00; warning after 2 working days (end of Wed 03-04); alarm after the accept limit (end of Thu 03-05)
        let c = try driver(in: .dispatched).c
        #expect(c.deliveredAt == at("2026-03-02T10:00:00+08:00"))
        #expect(alert(c, "2026-03-02T10:00:00+08:00") == assess(.normal, "2026-03-05T00:00:00+08:00"))
        #expect(alert(c, "2026-03-04T23:59:59+08:00") == assess(.normal, "2026-03-05T00:00:00+08:00"))
        #expect(alert(c, "2026-03-05T00:00:00+08:00") == assess(.warning, "2026-03-06T00:00:00+08:00"))
        #expect(alert(c, "2026-03-05T23:59:59+08:00") == assess(.warning, "2026-03-06T00:00:00+08:00"))
        #expect(alert(c, "2026-03-06T00:00:00+08:00") == assess(.alarm, nil))
        #expect(alert(c, "2026-04-30T00:00:00+08:00") == assess(.alarm, nil))
    }

    @Test func signedCaseKeepsTheDeliveryThresholds() throws {
        let c = try driver(in: .signed).c
        #expect(alert(c, "2026-03-03T10:00:00+08:00") == assess(.normal, "2026-03-05T00:00:00+08:00"))
        #expect(alert(c, "2026-03-05T09:00:00+08:00") == assess(.warning, "2026-03-06T00:00:00+08:00"))
        #expect(alert(c, "2026-03-06T09:00:00+08:00") == assess(.alarm, nil))
    }

    @Test func reopenedCaseCountsFromTheReopening() throws {
        // reopened Mon 03-02 15:00: warning end of Wed 03-04, alarm end of Thu 03-05 (new accept limit)
        let c = try driver(in: .reopened).c
        #expect(c.deliveredAt == at("2026-03-02T15:00:00+08:00"))
        #expect(alert(c, "2026-03-02T16:00:00+08:00") == assess(.normal, "2026-03-05T00:00:00+08:00"))
        #expect(alert(c, "2026-03-05T00:00:00+08:00") == assess(.warning, "2026-03-06T00:00:00+08:00"))
        #expect(alert(c, "2026-03-06T00:00:00+08:00") == assess(.alarm, nil))
    }

    @Test func statuteDispatchedCaseAlarmsAfterFifteenDays() throws {
        // warning still 2 working days (end of Wed 03-04); alarm after 15 days → Tue 03-17
        let c = try driver(in: .dispatched, rules: Fixtures.rulesStatute).c
        #expect(alert(c, "2026-03-03T10:00:00+08:00", rules: Fixtures.rulesStatute) == assess(.normal, "2026-03-05T00:00:00+08:00"))
        #expect(alert(c, "2026-03-10T10:00:00+08:00", rules: Fixtures.rulesStatute) == assess(.warning, "2026-03-18T00:00:00+08:00"))
        #expect(alert(c, "2026-03-18T00:00:00+08:00", rules: Fixtures.rulesStatute) == assess(.alarm, nil))
    }

    @Test func acceptedCaseTurnsUrgentThenAlarms() throws {
        // accepted Mon 03-02 12:00: reply limit end of Mon 03-30; 2 working days before: 03-27, 03-26 → urgent from 03-27 00:00
        let c = try driver(in: .accepted).c
        #expect(c.deadlines.reply == at("2026-03-31T00:00:00+08:00"))
        #expect(alert(c, "2026-03-02T12:00:00+08:00") == assess(.normal, "2026-03-27T00:00:00+08:00"))
        #expect(alert(c, "2026-03-20T12:00:00+08:00") == assess(.normal, "2026-03-27T00:00:00+08:00"), "no warning once accepted")
        #expect(alert(c, "2026-03-26T23:59:59+08:00") == assess(.normal, "2026-03-27T00:00:00+08:00"))
        #expect(alert(c, "2026-03-27T00:00:00+08:00") == assess(.urgent, "2026-03-31T00:00:00+08:00"))
        #expect(alert(c, "2026-03-28T12:00:00+08:00") == assess(.urgent, "2026-03-31T00:00:00+08:00"))
        #expect(alert(c, "2026-03-31T00:00:00+08:00") == assess(.alarm, nil))
    }

    @Test func holidaysPushTheThresholds() throws {
        // dispatched on the National Day eve, Wed 09-30 10:00: warning end of Fri 10-09 (10-08, 10-09),
        // alarm end of Sat 10-10 (make-up day, 3rd working day)
        var d = Driver(registeredAt: at("2026-09-30T09:00:00+08:00"))
        try d.apply(validStep(for: .dispatch), at: at("2026-09-30T10:00:00+08:00"))
        #expect(alert(d.c, "2026-10-05T12:00:00+08:00") == assess(.normal, "2026-10-10T00:00:00+08:00"))
        #expect(alert(d.c, "2026-10-09T12:00:00+08:00") == assess(.normal, "2026-10-10T00:00:00+08:00"))
        #expect(alert(d.c, "2026-10-10T08:00:00+08:00") == assess(.warning, "2026-10-11T00:00:00+08:00"))
        #expect(alert(d.c, "2026-10-11T00:00:00+08:00") == assess(.alarm, nil))

        // dispatched Fri 02-13 before the Spring Festival: 02-14 (make-up), 02-24 → warning from 02-25; alarm from 02-26
        var s = Driver(registeredAt: at("2026-02-13T09:00:00+08:00"))
        try s.apply(validStep(for: .dispatch), at: at("2026-02-13T10:00:00+08:00"))
        #expect(alert(s.c, "2026-02-20T12:00:00+08:00") == assess(.normal, "2026-02-25T00:00:00+08:00"))
        #expect(alert(s.c, "2026-02-25T09:00:00+08:00") == assess(.warning, "2026-02-26T00:00:00+08:00"))

        // accepted Fri 09-04: 20 working days → Fri 10-09 (09-07..11, 14..18, Sun 09-20, 21..24, 28..30, 10-08, 10-09);
        // 2 working days before: 10-08, then 09-30 → urgent from 10-01 00:00, through the whole holiday
        var a = Driver(registeredAt: at("2026-09-04T07:00:00+08:00"))
        try a.apply(validStep(for: .dispatch), at: at("2026-09-04T08:00:00+08:00"))
        try a.apply(.sign, at: at("2026-09-04T09:00:00+08:00"))
        try a.apply(validStep(for: .accept), at: at("2026-09-04T10:00:00+08:00"))
        #expect(a.c.deadlines.reply == at("2026-10-10T00:00:00+08:00"))
        #expect(alert(a.c, "2026-09-30T12:00:00+08:00") == assess(.normal, "2026-10-01T00:00:00+08:00"))
        #expect(alert(a.c, "2026-10-05T12:00:00+08:00") == assess(.urgent, "2026-10-10T00:00:00+08:00"))
        #expect(alert(a.c, "2026-10-10T00:00:00+08:00") == assess(.alarm, nil))
    }

    @Test func pausedCaseKeepsItsLevelAndNeverChanges() throws {
        var d = try driver(in: .accepted)
        // paused while urgent: stays urgent, even long after the limit
        var urgent = d
        try urgent.apply(.pause(reason: .appraisal), at: at("2026-03-27T10:00:00+08:00"))
        #expect(alert(urgent.c, "2026-03-27T10:00:00+08:00") == assess(.urgent, nil))
        #expect(alert(urgent.c, "2026-04-30T10:00:00+08:00") == assess(.urgent, nil))
        // paused while normal
        try d.apply(.pause(reason: .waitingForCitizen), at: at("2026-03-10T10:00:00+08:00"))
        #expect(alert(d.c, "2026-04-30T10:00:00+08:00") == assess(.normal, nil))
        // resumed Thu 03-12 10:00: 03-11 and 03-12 given back → limit end of Wed 04-01, urgent from 03-31 00:00
        try d.apply(.resume, at: at("2026-03-12T10:00:00+08:00"))
        #expect(d.c.deadlines.reply == at("2026-04-02T00:00:00+08:00"))
        #expect(alert(d.c, "2026-03-12T10:00:00+08:00") == assess(.normal, "2026-03-31T00:00:00+08:00"))
        #expect(alert(d.c, "2026-03-31T00:00:00+08:00") == assess(.urgent, "2026-04-02T00:00:00+08:00"))

        // a dispatched case paused at warning
        var w = try driver(in: .dispatched)
        try w.apply(.pause(reason: .other), at: at("2026-03-05T10:00:00+08:00"))
        #expect(alert(w.c, "2026-03-20T10:00:00+08:00") == assess(.warning, nil))
    }

    /// DESIGN.md: the clock "resumes with the time left". The accept/sign limits move on resume, but the warning
    /// threshold is computed from `deliveredAt`, which `resume` does not move — so a case paused on its delivery day
    /// for a week comes back already at `warning` although it has all its time left.
    @Test func resumedDispatchedCaseGetsItsWarningTimeBack() throws {
        var d = try driver(in: .dispatched) // delivered Mon 03-02 10:00
        try d.apply(.pause(reason: .waitingForCitizen), at: at("2026-03-02T11:00:00+08:00"))
        try d.apply(.resume, at: at("2026-03-06T10:00:00+08:00"))
        // 4 working days given back (03-03..06): sign end of Wed 03-04 → Tue 03-10, accept end of Thu 03-05 → Wed 03-11
        #expect(d.c.deadlines.sign == at("2026-03-11T00:00:00+08:00"))
        #expect(d.c.deadlines.accept == at("2026-03-12T00:00:00+08:00"))
        // the warning should move the same 4 working days: end of Wed 03-04 → end of Tue 03-10
        // The warning instant moves with the pause like the limits do.
        #expect(alert(d.c, "2026-03-06T10:00:00+08:00") == assess(.normal, "2026-03-11T00:00:00+08:00"))
    }

    @Test(arguments: [CaseState.closed, .rejected, .final, .handedOff, .replied, .reviewed])
    func statesWithoutARunningLimitAreNormal(_ state: CaseState) throws {
        let c = try driver(in: state).c
        for t in ["2026-03-02T20:00:00+08:00", "2026-06-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"] {
            #expect(alert(c, t) == assess(.normal, nil), "\(state) at \(t)")
        }
    }

    @Test(arguments: [CaseState.registered, .returnRequested])
    func caseAtTheCenterAlarmsAfterTheDispatchLimit(_ state: CaseState) throws {
        // registered Mon 03-02 09:00 (returned 11:00 the same day): 1 working day → end of Tue 03-03
        let c = try driver(in: state).c
        #expect(c.deadlines.dispatch == at("2026-03-04T00:00:00+08:00"))
        #expect(alert(c, "2026-03-03T23:00:00+08:00") == assess(.normal, "2026-03-04T00:00:00+08:00"))
        #expect(alert(c, "2026-03-04T00:00:00+08:00") == assess(.alarm, nil))
    }

    @Test func reviewsTurnUrgentBeforeTheDecisionLimit() throws {
        // review asked Mon 03-02 14:00: decision within 30 days → end of Wed 04-01; 2 working days before: 03-31, 03-30
        let c = try driver(in: .reviewing).c
        #expect(c.deadlines.reviewDecision == at("2026-04-02T00:00:00+08:00"))
        #expect(alert(c, "2026-03-20T00:00:00+08:00") == assess(.normal, "2026-03-31T00:00:00+08:00"))
        #expect(alert(c, "2026-03-31T00:00:00+08:00") == assess(.urgent, "2026-04-02T00:00:00+08:00"))
        #expect(alert(c, "2026-04-02T00:00:00+08:00") == assess(.alarm, nil))
        let r = try driver(in: .rereviewing).c // asked 03-02 16:00 → same limits
        #expect(alert(r, "2026-03-31T00:00:00+08:00") == assess(.urgent, "2026-04-02T00:00:00+08:00"))
    }

    // MARK: stored thresholds

    @Test func thresholdsOfCases() throws {
        let dispatched = try driver(in: .dispatched).c
        #expect(Lifecycle.alertThresholds(of: dispatched, rules: rules) == AlertThresholds(
            base: .normal, warning: at("2026-03-05T00:00:00+08:00"), urgent: nil, alarm: at("2026-03-06T00:00:00+08:00")))
        let accepted = try driver(in: .accepted).c
        #expect(Lifecycle.alertThresholds(of: accepted, rules: rules) == AlertThresholds(
            base: .normal, warning: nil, urgent: at("2026-03-27T00:00:00+08:00"), alarm: at("2026-03-31T00:00:00+08:00")))
        let registered = try driver(in: .registered).c
        #expect(Lifecycle.alertThresholds(of: registered, rules: rules) == AlertThresholds(alarm: at("2026-03-04T00:00:00+08:00")))
        #expect(Lifecycle.alertThresholds(of: try driver(in: .closed).c, rules: rules) == AlertThresholds())
        // paused at urgent: only the frozen level is left
        var p = try driver(in: .accepted)
        try p.apply(.pause(reason: .hearing), at: at("2026-03-28T10:00:00+08:00"))
        #expect(Lifecycle.alertThresholds(of: p.c, rules: rules) == AlertThresholds(base: .urgent))
    }

    @Test func thresholdArithmetic() {
        let t = AlertThresholds(base: .normal, warning: at("2026-03-05T00:00:00+08:00"), alarm: at("2026-03-06T00:00:00+08:00"))
        #expect(t.level(at: at("2026-03-04T23:59:59+08:00")) == .normal)
        #expect(t.level(at: at("2026-03-05T00:00:00+08:00")) == .warning)
        #expect(t.level(at: at("2026-03-06T00:00:00+08:00")) == .alarm)
        #expect(t.nextChange(after: at("2026-03-01T00:00:00+08:00")) == at("2026-03-05T00:00:00+08:00"))
        #expect(t.nextChange(after: at("2026-03-05T00:00:00+08:00")) == at("2026-03-06T00:00:00+08:00"))
        #expect(t.nextChange(after: at("2026-03-06T00:00:00+08:00")) == nil)
        // a base above a threshold: that threshold changes nothing
        let b = AlertThresholds(base: .urgent, warning: at("2026-03-05T00:00:00+08:00"), alarm: at("2026-03-06T00:00:00+08:00"))
        #expect(b.level(at: at("2026-03-01T00:00:00+08:00")) == .urgent)
        #expect(b.level(at: at("2026-03-05T12:00:00+08:00")) == .urgent)
        #expect(b.nextChange(after: at("2026-03-01T00:00:00+08:00")) == at("2026-03-06T00:00:00+08:00"))
        #expect(AlertThresholds(base: .warning).nextChange(after: at("2026-03-01T00:00:00+08:00")) == nil)
    }

    /// Walking through time hour by hour, the level never falls, and `nextChange` is exactly the first instant it rises.
    @Test(arguments: [CaseState.registered, .dispatched, .signed, .accepted, .reopened, .reviewing, .rereviewing])
    func nextChangeIsExact(_ state: CaseState) throws {
        let c = try driver(in: state).c
        var t = at("2026-03-02T18:00:00+08:00")
        var last = AlertLevel.normal
        var bad: [String] = []
        while t < at("2026-04-15T00:00:00+08:00") {
            let a = Lifecycle.alert(of: c, at: t, rules: rules)
            if a.level < last { bad.append("level fell at \(t)") }
            last = a.level
            if let next = a.nextChange {
                if next <= t { bad.append("nextChange \(next) not after \(t)") }
                if Lifecycle.alert(of: c, at: next.adding(seconds: -1), rules: rules).level != a.level { bad.append("changes before \(next)") }
                if Lifecycle.alert(of: c, at: next, rules: rules).level <= a.level { bad.append("no rise at \(next)") }
            } else if a.level != .alarm {
                bad.append("no nextChange below alarm at \(t)")
            }
            t = t.adding(hours: 1)
        }
        #expect(last == .alarm)
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }
}
