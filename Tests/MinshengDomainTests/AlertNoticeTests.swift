import Testing
@testable import MinshengDomain

/// Which deadline an alert is about, and what its notice says of the situation with the policy's periods.
@Suite("Alert deadline and notice situation")
struct AlertNoticeTests {
    /// Every state: the step whose limit an alert is about (nil: no government step runs).
    static let steps: [CaseState: DeadlineStep] = [
        .registered: .dispatch, .returnRequested: .dispatch, .dispatched: .accept, .signed: .accept, .reopened: .accept,
        .accepted: .reply, .reviewing: .reviewDecision, .rereviewing: .rereviewDecision,
    ]

    @Test(arguments: CaseState.allCases)
    func alertDeadline(_ state: CaseState) throws {
        let c = try driver(in: state).c
        let found = Lifecycle.alertDeadline(of: c)
        #expect(found?.step == Self.steps[state])
        guard let found else {
            #expect(Lifecycle.noticePhase(of: c) == nil)
            return
        }
        // The limit is the case's own for that step (a dispatched case: the accept limit, not the sign limit).
        let d = c.deadlines
        let expected: Instant? = switch found.step {
        case .dispatch: d.dispatch
        case .accept: d.accept
        case .reply: d.reply
        case .reviewDecision: d.reviewDecision
        case .rereviewDecision: d.rereviewDecision
        default: nil
        }
        #expect(found.due == expected && found.due != nil)
        #expect(Lifecycle.noticePhase(of: c) == "\(found.step.rawValue)#\(c.reopenCount)")
        // The alarm is the limit the alert is about.
        #expect(Lifecycle.alertThresholds(of: c, rules: Fixtures.rules12320).alarm == found.due)
    }

    static func policy(warn: Period, urgent: Period) -> DeadlineRules {
        var p = DeadlinePolicy.local12320
        p.warnAfterDelivery = warn
        p.urgentLead = urgent
        return DeadlineRules(policy: p, calendar: Fixtures.china)
    }

    @Test(arguments: [
        // (warning period, urgent lead, level, the situation)
        (Period.workingDays(2), Period.workingDays(2), AlertLevel.warning, "转交后已逾2个工作日仍未受理，现予预警"),
        (.workingDays(3), .workingDays(2), .warning, "转交后已逾3个工作日仍未受理，现予预警"),
        (.hours(36), .workingDays(2), .warning, "转交后已逾36小时仍未受理，现予预警"),
        (.workingDays(2), .workingDays(2), .urgent, "距办理期限已不足2个工作日，请抓紧办理"),
        (.workingDays(2), .workingDays(5), .urgent, "距办理期限已不足5个工作日，请抓紧办理"),
        (.workingDays(2), .calendarDays(7), .urgent, "距办理期限已不足7日，请抓紧办理"),
        (.workingDays(4), .workingDays(4), .alarm, "已超过办理期限，现予警报"),
    ] as [(Period, Period, AlertLevel, String)])
    func situationReadsThePolicy(_ warn: Period, _ urgent: Period, _ level: AlertLevel, _ text: String) throws {
        let c = try driver(in: .accepted).c
        let rules = Self.policy(warn: warn, urgent: urgent)
        #expect(Lifecycle.alertSituation(of: c, level: level, at: at("2026-03-03T09:00:00+08:00"), rules: rules) == text)
        #expect(Lifecycle.alertSituation(of: c, level: .normal, at: at("2026-03-03T09:00:00+08:00"), rules: rules) == nil)
    }

    @Test func aRiskCaseIsUrgentBeforeItsDeadlineSaysSo() throws {
        var c = try driver(in: .accepted).c
        c.risks = ["selfHarm"]
        let rules = Fixtures.rules12320
        // Urgent from the start because of the risk, not the deadline (reply limit end of 03-30, lead 2 working days).
        #expect(Lifecycle.alertSituation(of: c, level: .urgent, at: at("2026-03-03T09:00:00+08:00"), rules: rules) == "涉及风险，须优先处置")
        #expect(Lifecycle.alertSituation(of: c, level: .urgent, at: at("2026-03-27T00:00:00+08:00"), rules: rules)
            == "距办理期限已不足2个工作日，请抓紧办理")
    }
}
