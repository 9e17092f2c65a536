import Testing
@testable import MinshengDomain

/// The rules of single steps: events, deadlines, windows, pauses, extensions, who may act.
/// `driver(in:)` registers a case Mon 2026-03-02 09:00 (China time) and takes each step of `path(to:)` an hour later:
/// dispatch 10:00, sign 11:00, accept 12:00, reply 13:00, …
@Suite("Lifecycle steps")
struct LifecycleStepTests {
    let rules = Fixtures.rules12320

    /// The error `body` throws, or nil.
    func error(_ body: () throws(LifecycleError) -> Void) -> LifecycleError? {
        do { try body(); return nil } catch { return error }
    }

    // MARK: register

    @Test func registerSetsTheDispatchDeadline() {
        // received on the National Day eve, Wed 2026-09-30: 1 working day → Thu 10-08
        let c0 = Case(id: 7, trackingCode: "T7", channel: .wechat, kind: .help, title: "t", content: "c",
                      citizen: Citizen(anonymous: true), center: centerID, policyID: "12320", registeredAt: at("2026-09-30T10:00:00+08:00"))
        let (c, e) = Lifecycle.register(c0, by: registrar, rules: rules)
        #expect(c.state == .registered)
        #expect(c.holder == centerID)
        #expect(c.deadlines.dispatch == at("2026-10-09T00:00:00+08:00"))
        #expect(c.currentDue == at("2026-10-09T00:00:00+08:00"))
        #expect(c.version == 1)
        #expect(e.seq == 1 && e.action == .register && e.fromState == nil && e.toState == .registered)
        #expect(e.at == at("2026-09-30T10:00:00+08:00"))
        #expect(e.actorID == registrar.id && e.actorName == registrar.name && e.role == .registrar && e.unit == centerID)
        #expect(e.data == ["channel": "wechat", "kind": "help"])

        // statute: 15 days → Thu 10-15, a working day
        let (s, _) = Lifecycle.register(c0, by: admin, rules: Fixtures.rulesStatute)
        #expect(s.deadlines.dispatch == at("2026-10-16T00:00:00+08:00"))
        // received on the holiday itself (Sat 10-03): still 10-08
        var c1 = c0
        c1.registeredAt = at("2026-10-03T15:00:00+08:00")
        #expect(Lifecycle.register(c1, by: registrar, rules: rules).0.deadlines.dispatch == at("2026-10-09T00:00:00+08:00"))
    }

    // MARK: a whole case with real roles

    @Test func fullCaseWithRealActors() throws {
        var d = Driver(registeredAt: at("2026-03-02T09:00:00+08:00"))

        var e = try d.apply(.dispatch(to: handlerUnit, mode: .assign, coHandlers: [coHandlerUnit, handlerUnit]),
                            by: dispatcher, at: at("2026-03-02T09:30:00+08:00"), note: "请按期办理")
        #expect(d.c.state == .dispatched && d.c.holder == handlerUnit && d.c.dispatchMode == .assign)
        #expect(d.c.coHandlers == [coHandlerUnit], "the lead unit is not its own co-handler")
        #expect(d.c.deliveredAt == at("2026-03-02T09:30:00+08:00"))
        // 12320 from Mon 03-02: sign and object 2 working days (Wed 03-04), accept 3 (Thu 03-05)
        #expect(d.c.deadlines.sign == at("2026-03-05T00:00:00+08:00"))
        #expect(d.c.deadlines.object == at("2026-03-05T00:00:00+08:00"))
        #expect(d.c.deadlines.accept == at("2026-03-06T00:00:00+08:00"))
        #expect(d.c.currentDue == d.c.deadlines.sign)
        #expect(e.seq == 2 && e.fromState == .registered && e.toState == .dispatched)
        #expect(e.actorID == dispatcher.id && e.role == .dispatcher && e.unit == centerID && e.note == "请按期办理")
        // Timed steps keep the limit that governed them: dispatch within 1 working day (end of Tue 03-03); a delivery
        // also keeps the sign and accept limits it starts (statistics read when an untaken step became overdue).
        #expect(e.data == ["toUnit": "10", "mode": "assign", "coHandlers": "13", "due": secs("2026-03-04T00:00:00+08:00"), "onTime": "1",
                           "signDue": secs("2026-03-05T00:00:00+08:00"), "acceptDue": secs("2026-03-06T00:00:00+08:00")])

        e = try d.apply(.sign, by: handler(handlerUnit), at: at("2026-03-02T14:00:00+08:00"))
        #expect(d.c.state == .signed && d.c.leadUnit == handlerUnit)
        #expect(e.seq == 3 && e.unit == handlerUnit && e.role == .handler)
        #expect(e.data == ["due": secs("2026-03-05T00:00:00+08:00"), "onTime": "1"]) // sign within 2 working days

        e = try d.apply(.accept(caseClass: .claim), by: handler(handlerUnit), at: at("2026-03-03T10:00:00+08:00"))
        #expect(d.c.state == .accepted && d.c.caseClass == .claim)
        // 20 working days after Tue 03-03: 03-04..06 (3), 09..13 (8), 16..20 (13), 23..27 (18), 30, 31 (20)
        #expect(d.c.deadlines.reply == at("2026-04-01T00:00:00+08:00"))
        #expect(d.c.currentDue == d.c.deadlines.reply)
        #expect(e.data == ["caseClass": "claim", "due": secs("2026-03-06T00:00:00+08:00"), "onTime": "1",
                           "replyDue": secs("2026-04-01T00:00:00+08:00")])

        e = try d.apply(.reply(result: .support, text: "已处理"), by: handler(handlerUnit), at: at("2026-03-20T10:00:00+08:00"))
        #expect(d.c.state == .replied && d.c.holder == centerID)
        #expect(d.c.reply == Reply(result: .support, text: "已处理", at: at("2026-03-20T10:00:00+08:00"), unit: handlerUnit))
        // 30 days after 03-20 = Sun 04-19 → Mon 04-20
        #expect(d.c.deadlines.reviewRequest == at("2026-04-21T00:00:00+08:00"))
        #expect(e.data == ["result": "support", "due": secs("2026-04-01T00:00:00+08:00"), "onTime": "1"])

        e = try d.apply(.evaluate(.dissatisfied), by: citizen, at: at("2026-03-21T10:00:00+08:00"))
        #expect(e.unit == centerID && e.role == .citizen && e.actorID == citizen.id)

        e = try d.apply(.review(reason: "不服", unit: reviewUnit), by: citizen, at: at("2026-03-25T10:00:00+08:00"))
        #expect(d.c.state == .reviewing && d.c.holder == reviewUnit)
        // 30 days after Wed 03-25 = Fri 04-24
        #expect(d.c.deadlines.reviewDecision == at("2026-04-25T00:00:00+08:00"))
        #expect(e.data == ["reason": "不服", "toUnit": "2"])

        e = try d.apply(.decideReview(result: .explain, text: "维持"), by: handler(reviewUnit), at: at("2026-04-10T10:00:00+08:00"))
        #expect(d.c.state == .reviewed)
        #expect(d.c.reviewDecision == Decision(result: .explain, text: "维持", at: at("2026-04-10T10:00:00+08:00"), unit: reviewUnit))
        // 30 days after 04-10 = Sun 05-10 (05-09 is the make-up Saturday, 05-10 rests) → Mon 05-11
        #expect(d.c.deadlines.rereviewRequest == at("2026-05-12T00:00:00+08:00"))

        try d.apply(.rereview(reason: "仍不服", unit: rereviewUnit), by: citizen, at: at("2026-04-20T10:00:00+08:00"))
        #expect(d.c.state == .rereviewing && d.c.holder == rereviewUnit)
        // 30 days after 04-20 = Wed 05-20
        #expect(d.c.deadlines.rereviewDecision == at("2026-05-21T00:00:00+08:00"))

        e = try d.apply(.decideRereview(result: .notSupported, text: "复核维持"), by: leader(rereviewUnit), at: at("2026-05-15T10:00:00+08:00"))
        #expect(d.c.state == .final && d.c.currentDue == nil && !d.c.state.isOpen)
        #expect(d.c.rereviewDecision?.unit == rereviewUnit)
        #expect(e.role == .leader && e.unit == rereviewUnit)

        try d.apply(.note, by: Actor(id: "s", name: "督查员", role: .supervisor, unit: 99), at: at("2026-05-16T10:00:00+08:00"), note: "已回访")
        #expect(d.c.state == .final)
        #expect(d.events.map(\.seq) == Array(2...11))
        #expect(d.events.map(\.action) == [.dispatch, .sign, .accept, .reply, .evaluate, .review, .decideReview, .rereview, .decideRereview, .note])
        #expect(zip(d.events.dropLast(), d.events.dropFirst()).allSatisfy { $0.toState == $1.fromState }, "events chain states")
        #expect(d.c.version == 11 && d.c.updatedAt == at("2026-05-16T10:00:00+08:00"))
    }

    // MARK: refused steps

    @Test func illegalStepMessageNamesStateAndAllowedSteps() throws {
        let d = try driver(in: .dispatched)
        let err = try #require(d.refusal(validStep(for: .reply)))
        let allowed = Lifecycle.allowedActions(in: .dispatched)
        #expect(err == .illegalStep(action: .reply, state: .dispatched, allowed: allowed))
        #expect(err.code == "illegal_step")
        let m = err.message
        #expect(m.contains("待签收") && m.contains("(dispatched)"))
        #expect(m.contains("答复") && m.contains("(reply)"))
        for a in allowed { #expect(m.contains("\(a.rawValue)（\(a.label)）")) }
        #expect(!m.contains("accept（"), "a step that is not allowed is not offered")
    }

    @Test func refusalsLeaveTheCaseAsItWas() throws {
        let d = try driver(in: .accepted)
        let before = d.c
        #expect(d.refusal(.sign) != nil)
        #expect(d.refusal(.reply(result: .support, text: "x"), by: citizen) == .roleNotAllowed(action: .reply, role: .citizen))
        #expect(d.c == before)
        #expect(d.events.count == path(to: .accepted).count)
    }

    @Test func errorMessagesAndCodes() {
        let deadline = at("2026-03-05T00:00:00+08:00")
        let cases: [(LifecycleError, String, [String])] = [
            (.roleNotAllowed(action: .dispatch, role: .citizen), "role_not_allowed", ["群众", "转交"]),
            (.notHoldingUnit(action: .sign, unit: 11, holder: 10), "not_holding_unit", ["11", "10", "签收"]),
            (.paused(action: .reply), "case_paused", ["暂停", "答复"]),
            (.notPaused, "case_not_paused", ["没有暂停"]),
            (.windowClosed(action: .object, deadline: deadline), "window_closed", ["退单", "2026-03-05T00:00:00+08:00"]),
            (.noPendingRequest(action: .approveExtension), "no_pending_request", ["批准延期"]),
            (.invalidField(field: "reason", message: "必须填写"), "invalid_field", ["reason: 必须填写"]),
        ]
        for (err, code, parts) in cases {
            #expect(err.code == code)
            for p in parts { #expect(err.message.contains(p), "\(err.message) should contain \(p)") }
        }
    }

    // MARK: roles and units

    /// Every legal step, by every role (with no unit, so only the role matters): admin and the roles listed in
    /// `Action.roles` are never refused for their role; every other role is refused with roleNotAllowed.
    @Test(arguments: CaseState.allCases)
    func roleChecks(_ state: CaseState) throws {
        let d = try driver(in: state)
        for action in Lifecycle.allowedActions(in: state) {
            for role in Role.allCases {
                let actor = Actor(id: "r", name: "r", role: role, unit: nil)
                let err = d.refusal(validStep(for: action), by: actor, note: "n")
                if role == .admin || action.roles.contains(role) {
                    if case .roleNotAllowed = err { Issue.record("\(role) refused \(action) in \(state)") }
                } else {
                    #expect(err == .roleNotAllowed(action: action, role: role), "\(role) \(action) in \(state)")
                }
            }
        }
    }

    @Test func citizenCannotDispatch() throws {
        let d = try driver(in: .registered)
        #expect(d.refusal(validStep(for: .dispatch), by: citizen) == .roleNotAllowed(action: .dispatch, role: .citizen))
        #expect(d.refusal(validStep(for: .dispatch), by: handler(handlerUnit)) == .roleNotAllowed(action: .dispatch, role: .handler))
        #expect(d.refusal(validStep(for: .dispatch), by: dispatcher) == nil)
        // the legality of the step is checked before the role
        #expect(d.refusal(.sign, by: citizen) == .illegalStep(action: .sign, state: .registered, allowed: Lifecycle.allowedActions(in: .registered)))
    }

    @Test func onlyTheHoldingUnitActs() throws {
        let dispatched = try driver(in: .dispatched)
        #expect(dispatched.refusal(.sign, by: handler(transferUnit)) == .notHoldingUnit(action: .sign, unit: transferUnit, holder: handlerUnit))
        #expect(dispatched.refusal(.sign, by: handler(centerID)) == .notHoldingUnit(action: .sign, unit: centerID, holder: handlerUnit))
        #expect(dispatched.refusal(.sign, by: handler(handlerUnit)) == nil)
        #expect(dispatched.refusal(.return(reason: "r"), by: handler(99)) == .notHoldingUnit(action: .return, unit: 99, holder: handlerUnit))

        let signed = try driver(in: .signed)
        #expect(signed.refusal(.accept(caseClass: nil), by: handler(99)) == .notHoldingUnit(action: .accept, unit: 99, holder: handlerUnit))
        #expect(signed.refusal(.transfer(to: 11, reason: "r"), by: handler(99)) == .notHoldingUnit(action: .transfer, unit: 99, holder: handlerUnit))

        let accepted = try driver(in: .accepted)
        #expect(accepted.refusal(.reply(result: .support, text: "t"), by: handler(99)) == .notHoldingUnit(action: .reply, unit: 99, holder: handlerUnit))
        #expect(accepted.refusal(.reply(result: .support, text: "t"), by: dispatcher) == .notHoldingUnit(action: .reply, unit: centerID, holder: handlerUnit))
        #expect(accepted.refusal(.requestExtension(amount: 1, reason: "r"), by: handler(99)) == .notHoldingUnit(action: .requestExtension, unit: 99, holder: handlerUnit))
        // a co-handler may add a note but not reply
        var withCo = accepted
        try withCo.apply(.addCoHandler(coHandlerUnit), by: handler(handlerUnit))
        #expect(withCo.refusal(.note, by: handler(coHandlerUnit), note: "协办意见") == nil)
        #expect(withCo.refusal(.reply(result: .support, text: "t"), by: handler(coHandlerUnit)) == .notHoldingUnit(action: .reply, unit: coHandlerUnit, holder: handlerUnit))

        // center-only steps: a dispatcher of another unit cannot dispatch or approve
        let registered = try driver(in: .registered)
        #expect(registered.refusal(validStep(for: .dispatch), by: Actor(id: "x", name: "x", role: .dispatcher, unit: 5))
                == .notHoldingUnit(action: .dispatch, unit: 5, holder: centerID))
        // the center replies to a registered case itself; another unit may not
        #expect(registered.refusal(.reply(result: .explain, text: "t"), by: dispatcher) == nil)
        #expect(registered.refusal(.reply(result: .explain, text: "t"), by: handler(handlerUnit)) == .notHoldingUnit(action: .reply, unit: handlerUnit, holder: centerID))

        // decisions belong to the unit the review went to
        let reviewing = try driver(in: .reviewing)
        #expect(reviewing.refusal(validStep(for: .decideReview), by: handler(handlerUnit)) == .notHoldingUnit(action: .decideReview, unit: handlerUnit, holder: reviewUnit))
        #expect(reviewing.refusal(validStep(for: .decideReview), by: leader(reviewUnit)) == nil)
    }

    // MARK: dispatch, redispatch, returns

    @Test func dispatchAndRedispatchFieldRules() throws {
        let registered = try driver(in: .registered)
        #expect(registered.refusal(.dispatch(to: centerID, mode: .forward, coHandlers: []))?.code == "invalid_field")

        let dispatched = try driver(in: .dispatched)
        #expect(dispatched.refusal(.redispatch(to: 12, mode: .forward, reason: " ")) == .invalidField(field: "reason", message: "必须填写"))
        if case let .invalidField(field, _)? = dispatched.refusal(.redispatch(to: handlerUnit, mode: .forward, reason: "r")) {
            #expect(field == "unit")
        } else { Issue.record("redispatch to the same unit must be refused") }

        var returned = try driver(in: .returnRequested)
        if case let .invalidField(field, message)? = returned.refusal(.redispatch(to: handlerUnit, mode: .forward, reason: "r")) {
            #expect(field == "unit" && message.contains("退回"))
        } else { Issue.record("redispatch back to the unit that returned the case must be refused") }
        let e = try returned.apply(.redispatch(to: redispatchUnit, mode: .forward, reason: "改派"))
        #expect(returned.c.state == .dispatched && returned.c.holder == redispatchUnit && returned.c.returnRequest == nil)
        #expect(e.data == ["toUnit": "12", "mode": "forward", "reason": "改派",
                           "signDue": String(returned.c.deadlines.sign!.seconds), "acceptDue": String(returned.c.deadlines.accept!.seconds)])
        #expect(returned.c.deliveredAt == returned.now)
    }

    @Test func returnAndApproval() throws {
        var d = try driver(in: .signed)
        #expect(d.refusal(.return(reason: "")) == .invalidField(field: "reason", message: "必须填写"))
        let e = try d.apply(.return(reason: "不属本单位"), at: at("2026-03-02T15:00:00+08:00"))
        #expect(d.c.state == .returnRequested && d.c.holder == centerID)
        #expect(d.c.returnRequest == ReturnRequest(isObjection: false, reason: "不属本单位", fromState: .signed, fromUnit: handlerUnit))
        #expect(d.c.deadlines.dispatch == at("2026-03-04T00:00:00+08:00"), "the center has 1 working day again (Tue 03-03)")
        #expect(d.c.currentDue == d.c.deadlines.dispatch)
        #expect(e.data == ["reason": "不属本单位", "fromUnit": "10"])

        try d.apply(.approveReturn, by: dispatcher, at: at("2026-03-03T09:00:00+08:00"))
        #expect(d.c.state == .registered && d.c.holder == centerID && d.c.leadUnit == nil)
        #expect(d.c.deadlines.dispatch == at("2026-03-05T00:00:00+08:00"), "1 working day after Tue 03-03")
        #expect(d.c.deadlines.sign == nil && d.c.deadlines.accept == nil && d.c.deadlines.object == nil)
    }

    @Test func objectionWindow() throws {
        // delivered Mon 03-02 10:00: the 12320 objection window is 2 working days, to the end of Wed 03-04
        let d = try driver(in: .dispatched)
        #expect(d.c.deliveredAt == at("2026-03-02T10:00:00+08:00"))
        let due = at("2026-03-05T00:00:00+08:00")
        #expect(d.c.deadlines.object == due)
        #expect(d.refusal(validStep(for: .object), at: at("2026-03-04T23:59:59+08:00")) == nil)
        #expect(d.refusal(validStep(for: .object), at: due) == .windowClosed(action: .object, deadline: due))
        #expect(d.refusal(validStep(for: .object), at: at("2026-03-20T10:00:00+08:00")) == .windowClosed(action: .object, deadline: due))
        // a plain return has the same window (LifecycleHolesTests)
        #expect(d.refusal(validStep(for: .return), at: at("2026-03-20T10:00:00+08:00")) == .windowClosed(action: .return, deadline: due))
        // statute: 5 working days → 03-03, 04, 05, 06, Mon 03-09
        let s = try driver(in: .dispatched, rules: Fixtures.rulesStatute)
        let sDue = at("2026-03-10T00:00:00+08:00")
        #expect(s.c.deadlines.object == sDue)
        #expect(s.c.deadlines.sign == nil, "the statute sets no signing limit")
        #expect(s.c.currentDue == s.c.deadlines.accept)
        #expect(s.refusal(validStep(for: .object), at: at("2026-03-09T12:00:00+08:00")) == nil)
        #expect(s.refusal(validStep(for: .object), at: sDue) == .windowClosed(action: .object, deadline: sDue))
    }

    // MARK: transfer and reopen

    @Test func transferNeedsAReasonAndTwoTransfersProposeALeader() throws {
        var d = try driver(in: .signed)
        #expect(d.refusal(.transfer(to: transferUnit, reason: "   ")) == .invalidField(field: "reason", message: "必须填写"))
        if case let .invalidField(field, _)? = d.refusal(.transfer(to: handlerUnit, reason: "r")) {
            #expect(field == "unit")
        } else { Issue.record("transfer to the holder itself must be refused") }

        var e = try d.apply(.transfer(to: transferUnit, reason: "属燃气公司"), by: handler(handlerUnit))
        #expect(d.c.transferCount == 1 && !d.c.leaderProposed && e.data["leaderProposed"] == nil)
        #expect(d.c.state == .dispatched && d.c.holder == transferUnit)
        #expect(e.unit == handlerUnit, "the unit that transferred is recorded")
        try d.apply(.sign, by: handler(transferUnit))
        e = try d.apply(.transfer(to: 12, reason: "属供水公司"), by: handler(transferUnit))
        #expect(d.c.transferCount == 2 && d.c.leaderProposed)
        #expect(e.data["leaderProposed"] == "transferred 2 times")
        #expect(e.data["fromUnit"] == "11" && e.data["toUnit"] == "12")
        try d.apply(.sign, by: handler(12))
        e = try d.apply(.transfer(to: 14, reason: "again"), by: handler(12))
        #expect(d.c.transferCount == 3 && d.c.leaderProposed && e.data["leaderProposed"] == nil, "proposed once")
    }

    @Test func reopeningTwiceProposesALeader() throws {
        var d = try driver(in: .replied)
        try d.apply(.evaluate(.dissatisfied))
        var e = try d.apply(.reopen(reason: "未解决"), by: dispatcher, at: at("2026-03-03T10:00:00+08:00"))
        #expect(d.c.state == .reopened && d.c.holder == handlerUnit && d.c.reopenCount == 1 && !d.c.leaderProposed)
        #expect(d.c.deliveredAt == at("2026-03-03T10:00:00+08:00"))
        // accept again within 3 working days after Tue 03-03 → Fri 03-06
        #expect(d.c.deadlines.accept == at("2026-03-07T00:00:00+08:00"))
        #expect(d.c.deadlines.reply == nil)
        #expect(e.data == ["reason": "未解决", "acceptDue": secs("2026-03-07T00:00:00+08:00")])
        try d.apply(.accept(caseClass: nil), by: handler(handlerUnit))
        try d.apply(.reply(result: .explain, text: "再次答复"), by: handler(handlerUnit))
        e = try d.apply(.reopen(reason: "仍未解决"), by: dispatcher)
        #expect(d.c.reopenCount == 2 && d.c.leaderProposed)
        #expect(e.data["leaderProposed"] == "reopened 2 times")
    }

    @Test func caseAnsweredByTheCenterCannotBeReopened() throws {
        var d = try driver(in: .registered)
        try d.apply(.reply(result: .explain, text: "政策咨询已解答"), by: registrar)
        #expect(d.c.state == .replied && d.c.reply?.unit == centerID)
        if case let .invalidField(field, _)? = d.refusal(.reopen(reason: "不满意")) {
            #expect(field == "state")
        } else { Issue.record("reopen without a handling unit must be refused") }
        #expect(d.refusal(.reopen(reason: " ")) == .invalidField(field: "reason", message: "必须填写"))
    }

    // MARK: review windows

    @Test func reviewWindowIsThirtyDays() throws {
        // replied Mon 03-02 13:00: 30 days → Wed 04-01, so the window closes at 04-02 00:00
        let d = try driver(in: .replied)
        #expect(d.c.reply?.at == at("2026-03-02T13:00:00+08:00"))
        let due = at("2026-04-02T00:00:00+08:00")
        #expect(d.c.deadlines.reviewRequest == due)
        #expect(d.c.currentDue == due)
        #expect(d.refusal(validStep(for: .review), at: at("2026-04-01T23:59:59+08:00")) == nil)
        #expect(d.refusal(validStep(for: .review), at: due) == .windowClosed(action: .review, deadline: due))
        // after a satisfied evaluation the case is closed but the window still applies
        var closed = d
        try closed.apply(.evaluate(.satisfied))
        #expect(closed.refusal(validStep(for: .review), at: at("2026-03-31T10:00:00+08:00")) == nil)
        #expect(closed.refusal(validStep(for: .review), at: at("2026-05-01T10:00:00+08:00")) == .windowClosed(action: .review, deadline: due))
        #expect(d.refusal(.review(reason: "", unit: reviewUnit)) == .invalidField(field: "reason", message: "必须填写"))
    }

    @Test func reviewWindowEndingInAHolidayMovesToTheNextWorkingDay() throws {
        var d = Driver(registeredAt: at("2026-09-01T09:00:00+08:00"))
        for s in path(to: .accepted) { try d.apply(s) }
        try d.apply(validStep(for: .reply), at: at("2026-09-02T10:00:00+08:00"))
        // 09-02 + 30 = 10-02 (National Day) → 10-08
        #expect(d.c.deadlines.reviewRequest == at("2026-10-09T00:00:00+08:00"))
        #expect(d.refusal(validStep(for: .review), at: at("2026-10-08T16:00:00+08:00")) == nil)
        #expect(d.refusal(validStep(for: .review), at: at("2026-10-09T00:00:00+08:00"))
                == .windowClosed(action: .review, deadline: at("2026-10-09T00:00:00+08:00")))
    }

    @Test func rereviewWindowAndNoSecondReview() throws {
        var d = try driver(in: .reviewed) // decided Mon 03-02 15:00 → 30 days → Wed 04-01
        let due = at("2026-04-02T00:00:00+08:00")
        #expect(d.c.deadlines.rereviewRequest == due)
        #expect(d.refusal(validStep(for: .rereview), at: due) == .windowClosed(action: .rereview, deadline: due))
        #expect(d.refusal(validStep(for: .rereview), at: at("2026-04-01T12:00:00+08:00")) == nil)
        // closing a reviewed case does not reopen the review route
        try d.apply(.close, by: dispatcher)
        #expect(d.c.state == .closed)
        if case let .invalidField(field, _)? = d.refusal(validStep(for: .review)) {
            #expect(field == "state")
        } else { Issue.record("a second review must be refused") }
    }

    // MARK: extensions

    @Test func extensionsUnder12320() throws {
        var d = try driver(in: .accepted)
        // accepted Mon 03-02: 20 working days → Mon 03-30
        #expect(d.c.deadlines.reply == at("2026-03-31T00:00:00+08:00"))
        #expect(d.refusal(.requestExtension(amount: 11, reason: "r"))?.code == "invalid_field", "over the 10-working-day cap")
        if case let .invalidField(field, _)? = d.refusal(.requestExtension(amount: 11, reason: "r")) { #expect(field == "amount") }
        if case let .invalidField(field, _)? = d.refusal(.requestExtension(amount: 0, reason: "r")) { #expect(field == "amount") }
        #expect(d.refusal(.requestExtension(amount: 5, reason: "")) == .invalidField(field: "reason", message: "必须填写"))
        #expect(d.refusal(.requestExtension(amount: 10, reason: "r")) == nil, "exactly the cap is fine")

        var e = try d.apply(.requestExtension(amount: 5, reason: "需勘验"), by: handler(handlerUnit))
        #expect(d.c.pendingExtension == ExtensionRequest(amount: 5, reason: "需勘验", requestedAt: d.now))
        #expect(e.data == ["amount": "5", "reason": "需勘验"])
        if case let .invalidField(field, _)? = d.refusal(.requestExtension(amount: 1, reason: "r")) {
            #expect(field == "amount")
        } else { Issue.record("a second pending request must be refused") }
        // a handler cannot approve; a dispatcher of another unit cannot either
        #expect(d.refusal(.approveExtension(amount: nil), by: handler(handlerUnit)) == .roleNotAllowed(action: .approveExtension, role: .handler))
        #expect(d.refusal(.approveExtension(amount: nil), by: leader(5)) == .notHoldingUnit(action: .approveExtension, unit: 5, holder: centerID))

        e = try d.apply(.approveExtension(amount: nil), by: leader(centerID))
        // last day Mon 03-30 + 5 working days: 03-31, 04-01, 04-02, 04-03, (04-04..06 Qingming) 04-07
        #expect(d.c.deadlines.reply == at("2026-04-08T00:00:00+08:00"))
        #expect(d.c.extended == 5 && d.c.pendingExtension == nil)
        #expect(e.data == ["amount": "5", "replyDue": secs("2026-04-08T00:00:00+08:00")])
        #expect(d.refusal(.approveExtension(amount: nil)) == .noPendingRequest(action: .approveExtension))

        // 5 + 6 > 10
        if case let .invalidField(field, _)? = d.refusal(.requestExtension(amount: 6, reason: "r")) { #expect(field == "amount") }
        else { Issue.record("total over the cap must be refused") }
        try d.apply(.requestExtension(amount: 5, reason: "再延"), by: handler(handlerUnit))
        try d.apply(.approveExtension(amount: 3), by: dispatcher)  // grant less than asked
        // last day Tue 04-07 + 3: 04-08, 04-09, 04-10
        #expect(d.c.deadlines.reply == at("2026-04-11T00:00:00+08:00"))
        #expect(d.c.extended == 8)

        try d.apply(.requestExtension(amount: 2, reason: "r"), by: handler(handlerUnit))
        #expect(d.refusal(.approveExtension(amount: 3)) == .invalidField(field: "amount", message: "批准的延期超出上限"))
        #expect(d.refusal(.denyExtension(reason: "")) == .invalidField(field: "reason", message: "必须填写"))
        e = try d.apply(.denyExtension(reason: "不予延期"), by: dispatcher)
        #expect(d.c.pendingExtension == nil && d.c.extended == 8)
        #expect(d.c.deadlines.reply == at("2026-04-11T00:00:00+08:00"))
        #expect(e.data == ["reason": "不予延期"])
        #expect(d.refusal(.denyExtension(reason: "x")) == .noPendingRequest(action: .denyExtension))
    }

    @Test func extensionsUnderTheStatute() throws {
        var d = try driver(in: .accepted, rules: Fixtures.rulesStatute)
        // accepted Mon 03-02: 60 days → Fri 05-01, Labour Day (05-01..05 off) → Wed 05-06
        #expect(d.c.deadlines.reply == at("2026-05-07T00:00:00+08:00"))
        if case let .invalidField(field, _)? = d.refusal(.requestExtension(amount: 31, reason: "r")) { #expect(field == "amount") }
        else { Issue.record("more than 30 days must be refused under the statute") }
        try d.apply(.requestExtension(amount: 30, reason: "听证"))
        try d.apply(.approveExtension(amount: 20))
        // calendar days from the last day: 05-06 + 20 = Tue 05-26
        #expect(d.c.deadlines.reply == at("2026-05-27T00:00:00+08:00"))
        #expect(d.c.extended == 20)
        try d.apply(.requestExtension(amount: 10, reason: "再延"))
        try d.apply(.approveExtension(amount: nil))
        // 05-26 + 10 = Fri 06-05
        #expect(d.c.deadlines.reply == at("2026-06-06T00:00:00+08:00"))
        #expect(d.c.extended == 30)
        if case let .invalidField(field, _)? = d.refusal(.requestExtension(amount: 1, reason: "r")) { #expect(field == "amount") }
        else { Issue.record("the cap is reached") }
    }

    // MARK: pause and resume

    @Test func pauseStopsOtherStepsAndResumeMovesDeadlines() throws {
        var d = try driver(in: .accepted)
        #expect(d.refusal(.resume) == .notPaused)
        let e = try d.apply(.pause(reason: .appraisal), by: handler(handlerUnit), at: at("2026-03-09T10:00:00+08:00"))
        #expect(d.c.pause == Pause(reason: .appraisal, since: at("2026-03-09T10:00:00+08:00")))
        #expect(d.c.state == .accepted)
        #expect(e.data == ["reason": "appraisal"])
        // everything but resume, note and addCoHandler is refused while paused
        #expect(d.refusal(validStep(for: .reply)) == .paused(action: .reply))
        #expect(d.refusal(validStep(for: .transfer)) == .paused(action: .transfer))
        #expect(d.refusal(validStep(for: .requestExtension)) == .paused(action: .requestExtension))
        #expect(d.refusal(validStep(for: .pause)) == .paused(action: .pause))
        #expect(d.refusal(.note, note: "等待鉴定结果") == nil)
        #expect(d.refusal(.addCoHandler(coHandlerUnit)) == nil)
        // the center may resume although another unit holds the case; a third unit may not
        #expect(d.refusal(.resume, by: handler(99)) == .notHoldingUnit(action: .resume, unit: 99, holder: handlerUnit))
        let r = try d.apply(.resume, by: dispatcher, at: at("2026-03-11T15:00:00+08:00"))
        #expect(d.c.pause == nil)
        #expect(r.data == ["pausedSeconds": String(2 * 86_400 + 5 * 3600), "replyDue": secs("2026-04-02T00:00:00+08:00")])
        // 03-10 and 03-11 are given back: last day Mon 03-30 → Wed 04-01
        #expect(d.c.deadlines.reply == at("2026-04-02T00:00:00+08:00"))
        #expect(d.refusal(validStep(for: .reply)) == nil)
    }

    @Test func resumeUnderTheStatuteMovesByCalendarDays() throws {
        var d = try driver(in: .accepted, rules: Fixtures.rulesStatute)
        try d.apply(.pause(reason: .hearing), at: at("2026-03-09T10:00:00+08:00"))
        try d.apply(.resume, at: at("2026-03-11T15:00:00+08:00"))
        // 2 calendar days: last day Wed 05-06 → Fri 05-08
        #expect(d.c.deadlines.reply == at("2026-05-09T00:00:00+08:00"))
    }

    @Test func hearingTimeIsNotCountedInAReview() throws {
        var d = try driver(in: .reviewing) // review asked Mon 03-02 14:00: decision within 30 days → Wed 04-01
        #expect(d.c.deadlines.reviewDecision == at("2026-04-02T00:00:00+08:00"))
        try d.apply(.pause(reason: .hearing), by: handler(reviewUnit), at: at("2026-03-10T10:00:00+08:00"))
        #expect(d.refusal(validStep(for: .decideReview)) == .paused(action: .decideReview))
        try d.apply(.resume, by: handler(reviewUnit), at: at("2026-03-20T10:00:00+08:00"))
        // 10 calendar days: 04-01 + 10 = Sat 04-11 → Mon 04-13
        #expect(d.c.deadlines.reviewDecision == at("2026-04-14T00:00:00+08:00"))
    }

    @Test func pauseIsPossibleExactlyWhereTheClockRuns() {
        for state in CaseState.allCases {
            #expect(Lifecycle.allowedActions(in: state).contains(.pause) == state.clockRuns, "\(state)")
            #expect(Lifecycle.allowedActions(in: state).contains(.resume) == state.clockRuns, "\(state)")
        }
    }

    // MARK: other fields

    @Test func stepFieldRules() throws {
        let registered = try driver(in: .registered)
        #expect(registered.refusal(.note, note: "") == .invalidField(field: "note", message: "必须填写"))
        #expect(registered.refusal(.note, note: " \n ") == .invalidField(field: "note", message: "必须填写"))
        #expect(registered.refusal(.reply(result: .explain, text: "")) == .invalidField(field: "text", message: "必须填写"))

        var ho = registered
        let e = try ho.apply(.handOff(to: .ambulance), by: registrar)
        #expect(ho.c.state == .handedOff && ho.c.handedOffTo == .ambulance && !ho.c.state.isOpen)
        #expect(e.data == ["service": "120"])

        var signed = try driver(in: .signed)
        #expect(signed.refusal(.reject(route: .arbitration, reason: "")) == .invalidField(field: "reason", message: "必须填写"))
        let r = try signed.apply(.reject(route: .laborArbitration, reason: "劳动争议"), by: handler(handlerUnit))
        #expect(signed.c.state == .rejected && signed.c.rejection == .laborArbitration)
        #expect(r.data == ["route": "laborArbitration", "reason": "劳动争议", "due": secs("2026-03-06T00:00:00+08:00"), "onTime": "1"])
        #expect(signed.c.currentDue == nil)

        var accepted = try driver(in: .accepted)
        try accepted.apply(.addCoHandler(coHandlerUnit))
        #expect(accepted.c.coHandlers == [coHandlerUnit])
        #expect(accepted.refusal(.addCoHandler(coHandlerUnit))?.code == "invalid_field")
        #expect(accepted.refusal(.addCoHandler(handlerUnit))?.code == "invalid_field")

        let reviewing = try driver(in: .reviewing)
        #expect(reviewing.refusal(.decideReview(result: .support, text: "")) == .invalidField(field: "text", message: "必须填写"))
    }
}

/// Unix seconds of an ISO instant, as event data keeps them.
func secs(_ iso: String) -> String { String(Instant.parse(iso)!.seconds) }
