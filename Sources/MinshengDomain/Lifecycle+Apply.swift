/// What the lifecycle needs to know besides the case: the policy in force and the calendar.
public struct DeadlineRules: Sendable {
    public var policy: DeadlinePolicy
    public var calendar: WorkCalendar
    public init(policy: DeadlinePolicy, calendar: WorkCalendar) { self.policy = policy; self.calendar = calendar }

    public func due(_ step: DeadlineStep, after start: Instant) -> Instant? {
        policy.period(step).map { calendar.deadline(after: start, $0) }
    }
}

extension Lifecycle {
    /// Applies one step: returns the new case and the event to append, or throws and changes nothing.
    public static func apply(_ step: Step, to old: Case, by actor: Actor, at now: Instant, note: String = "",
                             rules: DeadlineRules) throws(LifecycleError) -> (Case, CaseEvent) {
        let action = step.action
        let allowed = allowedActions(in: old.state)
        guard allowed.contains(action) else {
            throw .illegalStep(action: action, state: old.state, allowed: allowed)
        }
        guard actor.role == .admin || action.roles.contains(actor.role) else {
            throw .roleNotAllowed(action: action, role: actor.role)
        }
        if old.pause != nil && !allowedWhilePaused.contains(action) { throw .paused(action: action) }
        try checkUnit(action, old, actor)
        try checkConditions(action, old, actor, at: now)

        var c = old
        var data: [String: String] = [:]
        let cal = rules.calendar

        func requireText(_ field: String, _ text: String) throws(LifecycleError) {
            if text.trimmingSpaces.isEmpty { throw .invalidField(field: field, message: "必须填写") }
        }
        func deliver(to unit: UnitID, mode: DispatchMode) {
            c.holder = unit
            c.dispatchMode = mode
            c.deliveredAt = now
            c.state = .dispatched
            c.deadlines.sign = rules.due(.sign, after: now)
            c.deadlines.object = rules.due(.object, after: now)
            c.deadlines.accept = rules.due(.accept, after: now)
            c.deadlines.warning = cal.deadline(after: now, rules.policy.warnAfterDelivery)
            c.deadlines.reply = nil
            c.returnRequest = nil
            c.objectionDenied = nil
            data["toUnit"] = String(unit)
            data["mode"] = mode.rawValue
        }

        /// Review and re-review: the citizen appeals within the window to the level above, which decides in its own limit.
        /// (The window was checked with the other conditions: `checkConditions`.)
        func appeal(_ reason: String, to unit: UnitID, becomes state: CaseState, decision: DeadlineStep) throws(LifecycleError) {
            try requireText("reason", reason)
            c.state = state
            c.holder = unit
            c.deadlines[decision] = rules.due(decision, after: now)
            data["reason"] = reason
            data["toUnit"] = String(unit)
        }

        switch step {
        case let .dispatch(to, mode, coHandlers):
            guard to != old.center else { throw .invalidField(field: "unit", message: "不能转交给登记中心自己") }
            deliver(to: to, mode: mode)
            c.coHandlers = coHandlers.filter { $0 != to }
            if !c.coHandlers.isEmpty { data["coHandlers"] = c.coHandlers.map(String.init).joined(separator: ",") }

        case let .redispatch(to, mode, reason):
            try requireText("reason", reason)
            guard to != old.holder || old.state == .returnRequested else {
                throw .invalidField(field: "unit", message: "改派的单位与当前承办单位相同")
            }
            if let r = old.returnRequest, r.fromUnit == to {
                throw .invalidField(field: "unit", message: "不能改派回退回本件的单位")
            }
            deliver(to: to, mode: mode)
            data["reason"] = reason

        case .sign:
            c.state = .signed
            c.leadUnit = old.holder

        case let .return(reason), let .object(reason):
            // Both within the objection window, once per delivery (`checkConditions`).
            try requireText("reason", reason)
            let isObjection = action == .object
            c.returnRequest = ReturnRequest(isObjection: isObjection, reason: reason, fromState: old.state, fromUnit: old.holder)
            c.state = .returnRequested
            c.holder = old.center
            c.deadlines.dispatch = rules.due(.dispatch, after: now)
            data["reason"] = reason
            data["fromUnit"] = String(old.holder)

        case .approveReturn:
            guard old.returnRequest != nil else { throw .noPendingRequest(action: action) }
            c.state = .registered
            c.holder = old.center
            c.leadUnit = nil
            c.returnRequest = nil
            c.deadlines.dispatch = rules.due(.dispatch, after: now)
            c.deadlines.sign = nil; c.deadlines.accept = nil; c.deadlines.object = nil

        case let .denyReturn(reason):
            try requireText("reason", reason)
            guard let r = old.returnRequest else { throw .noPendingRequest(action: action) }
            c.state = r.fromState
            c.holder = r.fromUnit
            c.returnRequest = nil
            if r.isObjection { c.objectionDenied = r } // 退单 once: a denied objection is not raised again, nor as a return
            data["reason"] = reason

        case let .transfer(to, reason):
            try requireText("reason", reason)
            guard to != old.holder else { throw .invalidField(field: "unit", message: "转办单位与当前承办单位相同") }
            data["fromUnit"] = String(old.holder)
            deliver(to: to, mode: old.dispatchMode ?? .forward)
            c.leadUnit = nil
            c.transferCount += 1
            data["reason"] = reason
            if c.transferCount >= 2 && !c.leaderProposed {
                c.leaderProposed = true
                data["leaderProposed"] = "transferred \(c.transferCount) times"
            }

        case let .addCoHandler(unit):
            guard unit != old.holder, !old.coHandlers.contains(unit) else {
                throw .invalidField(field: "unit", message: "该单位已是本件的承办或协办单位")
            }
            c.coHandlers.append(unit)
            data["unit"] = String(unit)

        case let .accept(caseClass):
            c.state = .accepted
            if let caseClass { c.caseClass = caseClass; data["caseClass"] = caseClass.rawValue }
            c.leadUnit = old.holder
            c.deadlines.reply = rules.due(.reply, after: now)

        case let .reject(route, reason):
            try requireText("reason", reason)
            c.state = .rejected
            c.rejection = route
            data["route"] = route.rawValue
            data["reason"] = reason

        case let .requestExtension(amount, reason):
            try requireText("reason", reason)
            guard old.pendingExtension == nil else { throw .invalidField(field: "amount", message: "已有待审批的延期申请") }
            let cap = rules.policy.period(.extensionCap)?.amount ?? 0
            guard amount > 0 else { throw .invalidField(field: "amount", message: "延期天数必须大于 0") }
            guard old.extended + amount <= cap else {
                throw .invalidField(field: "amount", message: "延期总计不能超过\(rules.policy.period(.extensionCap)?.description ?? "0")，已延期 \(old.extended)")
            }
            c.pendingExtension = ExtensionRequest(amount: amount, reason: reason, requestedAt: now)
            data["amount"] = String(amount)
            data["reason"] = reason

        case let .approveExtension(amount):
            guard let req = old.pendingExtension else { throw .noPendingRequest(action: action) }
            let granted = amount ?? req.amount
            guard let cap = rules.policy.period(.extensionCap), granted > 0, old.extended + granted <= cap.amount else {
                throw .invalidField(field: "amount", message: "批准的延期超出上限")
            }
            if let due = old.deadlines.reply {
                c.deadlines.reply = cal.extending(due, by: Period(granted, cap.unit))
            }
            c.extended += granted
            c.pendingExtension = nil
            data["amount"] = String(granted)

        case let .denyExtension(reason):
            try requireText("reason", reason)
            guard old.pendingExtension != nil else { throw .noPendingRequest(action: action) }
            c.pendingExtension = nil
            data["reason"] = reason

        case let .pause(reason):
            guard old.pause == nil else { throw .invalidField(field: "reason", message: "本件已暂停计时") }
            c.pause = Pause(reason: reason, since: now)
            data["reason"] = reason.rawValue

        case .resume:
            guard let p = old.pause else { throw .notPaused }
            c.pause = nil
            // Only the limits still running move; a step already taken keeps the limit it was measured against.
            for step in pendingDeadlines(in: old.state) {
                if let due = old.deadlines[step], let unit = rules.policy.period(step)?.unit {
                    c.deadlines[step] = cal.resuming(due, unit: unit, pausedAt: p.since, resumedAt: now)
                }
            }
            if [.dispatched, .signed, .reopened].contains(old.state), let w = old.deadlines.warning {
                c.deadlines.warning = cal.resuming(w, unit: rules.policy.warnAfterDelivery.unit, pausedAt: p.since, resumedAt: now)
            }
            data["pausedSeconds"] = String(now.seconds - p.since.seconds)

        case let .handOff(service):
            c.state = .handedOff
            c.handedOffTo = service
            data["service"] = service.rawValue

        case let .reply(result, text):
            try requireText("text", text)
            c.reply = Reply(result: result, text: text, at: now, unit: old.state == .registered ? old.center : old.holder)
            if old.state == .registered { c.leadUnit = old.center }
            c.state = .replied
            c.holder = old.center
            c.evaluation = nil
            c.deadlines.reviewRequest = rules.due(.reviewRequest, after: now)
            data["result"] = result.rawValue

        case let .evaluate(evaluation):
            c.evaluation = evaluation
            if evaluation != .dissatisfied { c.state = .closed }
            data["evaluation"] = evaluation.rawValue

        case let .reopen(reason):
            try requireText("reason", reason)
            guard let lead = old.leadUnit ?? old.reply?.unit, lead != old.center else {
                throw .invalidField(field: "state", message: "本件由登记中心直接答复，没有可重办的承办单位")
            }
            c.state = .reopened
            c.holder = lead
            c.reopenCount += 1
            c.deliveredAt = now
            c.deadlines.accept = rules.due(.accept, after: now)
            c.deadlines.warning = cal.deadline(after: now, rules.policy.warnAfterDelivery)
            c.deadlines.reply = nil
            data["reason"] = reason
            if c.reopenCount >= 2 && !c.leaderProposed {
                c.leaderProposed = true
                data["leaderProposed"] = "reopened \(c.reopenCount) times"
            }

        case .close:
            c.state = .closed

        case let .review(reason, unit):
            try appeal(reason, to: unit, becomes: .reviewing, decision: .reviewDecision)

        case let .decideReview(result, text):
            try requireText("text", text)
            c.reviewDecision = Decision(result: result, text: text, at: now, unit: old.holder)
            c.state = .reviewed
            c.deadlines.rereviewRequest = rules.due(.rereviewRequest, after: now)
            data["result"] = result.rawValue

        case let .rereview(reason, unit):
            try appeal(reason, to: unit, becomes: .rereviewing, decision: .rereviewDecision)

        case let .decideRereview(result, text):
            try requireText("text", text)
            c.rereviewDecision = Decision(result: result, text: text, at: now, unit: old.holder)
            c.state = .final
            data["result"] = result.rawValue

        case .note, .remind:
            try requireText("note", note)
            if action == .remind { data["targetUnit"] = String(old.holder) }

        case let .superviseOrder(text, due):
            try requireText("text", text)
            guard due > now else { throw .invalidField(field: "due", message: "督办期限必须晚于现在") }
            c.supervisionOrders.append(SupervisionOrder(seq: old.version + 1, unit: old.holder, text: text, issuedAt: now, due: due))
            data["targetUnit"] = String(old.holder)
            data["due"] = String(due.seconds)

        case let .respondSupervision(text):
            try requireText("text", text)
            guard let i = old.supervisionOrders.lastIndex(where: { $0.response == nil }) else { throw .noPendingRequest(action: action) }
            c.supervisionOrders[i].response = text
            c.supervisionOrders[i].respondedAt = now
            data["order"] = String(old.supervisionOrders[i].seq)
            data["targetUnit"] = String(old.supervisionOrders[i].unit)
            data["onTime"] = now < old.supervisionOrders[i].due ? "1" : "0"

        case let .fieldCheck(kind, finding):
            try requireText("finding", finding)
            data["kind"] = kind.rawValue
            data["finding"] = finding
            data["targetUnit"] = String(old.holder)

        case let .holdAccountable(kind, unit, text):
            try requireText("text", text)
            data["kind"] = kind.rawValue
            data["text"] = text
            data["targetUnit"] = String(unit ?? old.holder)

        case let .takeOwnership(outranksOwner):
            if let o = old.owner {
                guard outranksOwner else { throw .ownedByOther(action: action, owner: o) }
                data["previousOwner"] = o.id
                data["previousOwnerName"] = o.name
            }
            c.owner = Owner(id: actor.id, name: actor.name, unit: actor.unit, since: now)
            data["owner"] = actor.id
            data["ownerName"] = actor.name

        case .releaseOwnership:
            if let o = old.owner {
                data["owner"] = o.id
                data["ownerName"] = o.name
            }
            c.owner = nil
        }

        // Steps that set or move a unit's running limits keep them, so that statistics can tell from the events
        // alone when a step the unit has not taken became overdue (an unsigned case past its sign limit).
        for (key, step) in limitsRecorded(action, state: c.state) {
            if let due = c.deadlines[step] { data[key] = String(due.seconds) }
        }
        // Steps a unit is timed on keep the limit that governed them and whether they met it: statistics are
        // counted from events, never from counters that could drift.
        if timedActions.contains(action), let due = old.currentDue {
            data["due"] = String(due.seconds)
            data["onTime"] = now < due ? "1" : "0"
        }
        c.version = old.version + 1
        c.updatedAt = now
        let event = CaseEvent(caseID: old.id, seq: c.version, action: action, at: now, actorID: actor.id,
                              actorName: actor.name, role: actor.role, unit: actor.unit ?? old.center,
                              fromState: old.state, toState: c.state, note: note, data: data)
        return (c, event)
    }

    /// Whether `actor` may take `action` on `c` at `now`, by the same checks `apply` makes before it reads the
    /// step's fields (state, role, pause, unit, and the conditions of the moment: windows, a denied objection, the
    /// owner): what a console offers as buttons and what the citizen's view calls `canReview`.
    public static func permits(_ action: Action, on c: Case, by actor: Actor, at now: Instant) -> Bool {
        guard allowedActions(in: c.state).contains(action), actor.role == .admin || action.roles.contains(actor.role) else { return false }
        if c.pause != nil && !allowedWhilePaused.contains(action) { return false }
        do {
            try checkUnit(action, c, actor)
            try checkConditions(action, c, actor, at: now)
        } catch { return false }
        return true
    }

    /// What a step needs besides state, role and unit, read from the case and the time alone (never from the
    /// step's fields): windows, a denied objection, the owner.
    private static func checkConditions(_ action: Action, _ c: Case, _ actor: Actor, at now: Instant) throws(LifecycleError) {
        func within(_ window: Instant?) throws(LifecycleError) {
            guard let window else { throw .noPendingRequest(action: action) }
            if now >= window { throw .windowClosed(action: action, deadline: window) }
        }
        switch action {
        case .return, .object:
            // 退回 and 退单 alike: within the objection window the policy sets, and neither once the center denied an objection.
            if let denied = c.objectionDenied { throw .objectionDenied(action: action, denied: denied) }
            if let due = c.deadlines.object, now >= due { throw .windowClosed(action: action, deadline: due) }
        case .review:
            if c.reviewDecision != nil { throw .invalidField(field: "state", message: "本件已复查，请申请复核") }
            try within(c.deadlines.reviewRequest)
        case .rereview:
            try within(c.deadlines.rereviewRequest)
        case .takeOwnership:
            if c.owner?.id == actor.id { throw .invalidField(field: "owner", message: "本件已由您领办") }
        case .releaseOwnership:
            guard let o = c.owner else { throw .noPendingRequest(action: action) }
            if o.id != actor.id && actor.role != .admin { throw .ownedByOther(action: action, owner: o) }
        default:
            break
        }
    }

    /// Unit-side steps must come from the unit that holds the case (co-handlers may add notes and co-handlers).
    private static func checkUnit(_ action: Action, _ c: Case, _ actor: Actor) throws(LifecycleError) {
        guard let unit = actor.unit else { return } // platform admin acting for the center
        let holderOnly: Set<Action> = [.sign, .return, .object, .transfer, .accept, .reject, .requestExtension,
                                       .decideReview, .decideRereview, .pause, .resume]
        let centerOnly: Set<Action> = [.dispatch, .redispatch, .approveReturn, .denyReturn, .approveExtension, .denyExtension,
                                       .handOff, .reopen, .close]
        if holderOnly.contains(action), unit != c.holder, !(action == .pause || action == .resume) || unit != c.center {
            throw .notHoldingUnit(action: action, unit: unit, holder: c.holder)
        }
        if centerOnly.contains(action), unit != c.center {
            throw .notHoldingUnit(action: action, unit: unit, holder: c.center)
        }
        if action == .reply, unit != c.holder, !(c.state == .registered && unit == c.center) {
            throw .notHoldingUnit(action: action, unit: unit, holder: c.holder)
        }
    }

    /// The registration event and the case's first deadline.
    public static func register(_ c: Case, by actor: Actor, rules: DeadlineRules, note: String = "") -> (Case, CaseEvent) {
        var c = c
        c.state = .registered
        c.holder = c.center
        c.deadlines.dispatch = rules.due(.dispatch, after: c.registeredAt)
        c.version = 1
        c.updatedAt = c.registeredAt
        let event = CaseEvent(caseID: c.id, seq: 1, action: .register, at: c.registeredAt, actorID: actor.id,
                              actorName: actor.name, role: actor.role, unit: actor.unit ?? c.center,
                              fromState: nil, toState: .registered, note: note,
                              data: ["channel": c.channel.rawValue, "kind": c.kind.rawValue])
        return (c, event)
    }
}

extension Lifecycle {
    /// 终结 is final: a new request of the same citizen about a matter whose re-review ended it is registered
    /// (nothing received is lost, the contact is kept) and at once not accepted (不予受理), with the legal reason
    /// and a link to the final case. `c` is the registered case; returns it closed, and the event to append.
    public static func refuseFinalMatter(_ c: Case, finalCase: CaseID, by actor: Actor, at now: Instant) -> (Case, CaseEvent) {
        var r = c
        r.state = .rejected
        r.rejection = .alreadyHandled
        r.finalCase = finalCase
        r.holder = c.center
        r.deadlines.dispatch = nil // nothing is left to dispatch
        r.version = c.version + 1
        r.updatedAt = now
        let event = CaseEvent(caseID: c.id, seq: r.version, action: .reject, at: now, actorID: actor.id, actorName: actor.name,
                              role: actor.role, unit: actor.unit ?? c.center, fromState: c.state, toState: .rejected, note: "",
                              data: ["route": LegalRoute.alreadyHandled.rawValue, "reason": matterFinalNotice,
                                     "finalCase": String(finalCase)])
        return (r, event)
    }

    /// "已经复核终结，不再受理（《信访工作条例》第三十六条）"
    public static var matterFinalNotice: String { "\(matterFinalReason)（\(matterFinalBasis)）" }
}

extension Case {
    /// What the citizen is told about a rejection (不予受理): the procedure to follow, or that the matter is final.
    public var rejectionNotice: String? {
        guard let route = rejection else { return nil }
        if finalCase != nil { return "您反映的事项\(Lifecycle.matterFinalNotice)" }
        return "请通过\(route.label)途径解决"
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}
