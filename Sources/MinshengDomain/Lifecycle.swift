/// Every step a case can take after registration; the raw value is the API path segment.
public enum Action: String, DomainEnum {
    case register
    case dispatch, redispatch, sign
    case `return`, object, approveReturn, denyReturn
    case transfer, addCoHandler
    case accept, reject
    case requestExtension, approveExtension, denyExtension
    case pause, resume
    case handOff
    case reply, evaluate, reopen, close
    case review, decideReview, rereview, decideRereview
    case note
    case remind, superviseOrder, respondSupervision, fieldCheck, holdAccountable
    case takeOwnership, releaseOwnership
    /// Raised by the deadline watcher, never through the API.
    case raiseAlert

    public var label: String {
        switch self {
        case .register: "登记"; case .dispatch: "转交"; case .redispatch: "改派"; case .sign: "签收"
        case .return: "退回"; case .object: "退单（异议）"; case .approveReturn: "同意退回"; case .denyReturn: "驳回退回"
        case .transfer: "转办"; case .addCoHandler: "增加协办单位"; case .accept: "受理"; case .reject: "不予受理"
        case .requestExtension: "申请延期"; case .approveExtension: "批准延期"; case .denyExtension: "驳回延期"
        case .pause: "暂停计时"; case .resume: "恢复计时"; case .handOff: "移交应急"
        case .reply: "答复"; case .evaluate: "评价"; case .reopen: "重办"; case .close: "办结"
        case .review: "申请复查"; case .decideReview: "复查决定"; case .rereview: "申请复核"; case .decideRereview: "复核决定"
        case .note: "备注"
        case .remind: "催办"; case .superviseOrder: "督办单"; case .respondSupervision: "督办回复"
        case .fieldCheck: "实地核查"; case .holdAccountable: "问责"; case .takeOwnership: "领导领办"
        case .releaseOwnership: "解除领办"
        case .raiseAlert: "预警升级"
        }
    }

    /// Actions a caller can ask for (registration and alert raises happen otherwise).
    public var isStep: Bool { self != .register && self != .raiseAlert }
    public static var steps: [Action] { allCases.filter(\.isStep) }

    /// Roles that may take the step (admin may take every step).
    public var roles: Set<Role> {
        switch self {
        case .register: [.registrar, .dispatcher]
        // Dispatch is the dispatcher's (分拨员) decision; the hotline agent may still hand an emergency to 110/119.
        case .dispatch, .redispatch, .approveReturn, .denyReturn, .reopen, .close: [.dispatcher]
        case .handOff: [.dispatcher, .registrar]
        case .sign, .return, .object, .transfer, .accept, .reject, .requestExtension: [.handler]
        case .addCoHandler: [.dispatcher, .handler]
        case .approveExtension, .denyExtension: [.dispatcher, .leader]
        case .pause, .resume: [.dispatcher, .handler]
        case .reply: [.handler, .registrar, .dispatcher]
        case .evaluate, .review, .rereview: [.citizen, .registrar, .dispatcher]
        case .decideReview, .decideRereview: [.handler, .leader]
        case .note: [.registrar, .dispatcher, .handler, .supervisor, .leader]
        case .remind, .superviseOrder, .fieldCheck, .holdAccountable: [.supervisor, .leader]
        case .respondSupervision: [.handler]
        case .takeOwnership, .releaseOwnership: [.leader]
        case .raiseAlert: []
        }
    }
}

/// The lifecycle table: which actions each state admits (DESIGN.md, "Lifecycle").
/// Further conditions (a pause, a window, a pending request) are checked by `Lifecycle.apply`.
public enum Lifecycle {
    public static func allowedActions(in state: CaseState) -> [Action] {
        state.isOpen ? stateActions(state) + supervision + [.releaseOwnership] : stateActions(state)
    }

    /// Supervision and leader ownership apply to every open case, whatever its state. (Releasing an ownership,
    /// `releaseOwnership`, does too; it is no supervision of the unit and stays out of the unit's record.)
    public static let supervision: [Action] = [.remind, .superviseOrder, .respondSupervision, .fieldCheck, .holdAccountable, .takeOwnership]

    static func stateActions(_ state: CaseState) -> [Action] {
        switch state {
        case .registered: [.dispatch, .handOff, .reply, .note]
        case .dispatched: [.sign, .object, .return, .redispatch, .addCoHandler, .pause, .resume, .note]
        case .signed: [.accept, .reject, .object, .return, .transfer, .addCoHandler, .pause, .resume, .note]
        case .returnRequested: [.approveReturn, .denyReturn, .redispatch, .note]
        case .accepted: [.reply, .transfer, .addCoHandler, .requestExtension, .approveExtension, .denyExtension, .pause, .resume, .note]
        case .rejected: [.close, .note]
        case .replied: [.evaluate, .reopen, .close, .review, .note]
        case .reopened: [.accept, .transfer, .addCoHandler, .pause, .resume, .note]
        case .closed: [.review, .note]
        case .reviewing: [.decideReview, .pause, .resume, .note]
        case .reviewed: [.rereview, .close, .note]
        case .rereviewing: [.decideRereview, .pause, .resume, .note]
        case .final, .handedOff: [.note]
        }
    }

    /// Steps whose timeliness is measured (against the case's running limit when they are taken).
    public static let timedActions: Set<Action> = [.dispatch, .sign, .accept, .reject, .reply, .decideReview, .decideRereview]

    /// The unit's running limits a step sets or moves, as event data keys (`signDue`, `acceptDue`, `replyDue`, in
    /// seconds): a delivery starts the sign and accept limits, a reopen the accept limit, an accept the reply limit,
    /// an approved extension moves the reply limit, and a resume moves those of the state the case is in.
    public static func limitsRecorded(_ action: Action, state: CaseState) -> [(String, DeadlineStep)] {
        let sign = ("signDue", DeadlineStep.sign), accept = ("acceptDue", DeadlineStep.accept), reply = ("replyDue", DeadlineStep.reply)
        switch action {
        case .dispatch, .redispatch, .transfer: return [sign, accept]
        case .reopen: return [accept]
        case .accept, .approveExtension: return [reply]
        case .resume:
            switch state {
            case .dispatched: return [sign, accept]
            case .signed, .reopened: return [accept]
            case .accepted: return [reply]
            default: return []
            }
        default: return []
        }
    }

    /// Actions still possible while the clock is paused.
    static let allowedWhilePaused: Set<Action> = Set([.resume, .note, .addCoHandler, .releaseOwnership] + supervision)

    /// The limits a running clock still counts towards in `state` (what a resume moves): the steps already done
    /// keep the deadlines they were measured against.
    static func pendingDeadlines(in state: CaseState) -> [DeadlineStep] {
        switch state {
        case .dispatched: [.sign, .object, .accept]
        case .signed: [.object, .accept]
        case .reopened: [.accept]
        case .accepted: [.reply]
        case .reviewing: [.reviewDecision]
        case .rereviewing: [.rereviewDecision]
        default: []
        }
    }

    /// 终结: after re-review the same matter is not accepted again (《信访工作条例》第三十六条).
    public static let matterFinalReason = "已经复核终结，不再受理"
    public static let matterFinalBasis = "《信访工作条例》第三十六条"
}

/// A step with its fields, as a caller asks for it.
public enum Step: Sendable, Equatable {
    case dispatch(to: UnitID, mode: DispatchMode, coHandlers: [UnitID])
    case redispatch(to: UnitID, mode: DispatchMode, reason: String)
    case sign
    case `return`(reason: String)
    case object(reason: String)
    case approveReturn
    case denyReturn(reason: String)
    case transfer(to: UnitID, reason: String)
    case addCoHandler(UnitID)
    case accept(caseClass: CaseClass?)
    case reject(route: LegalRoute, reason: String)
    case requestExtension(amount: Int, reason: String)
    case approveExtension(amount: Int?)
    case denyExtension(reason: String)
    case pause(reason: PauseReason)
    case resume
    case handOff(to: EmergencyService)
    case reply(result: ReplyResult, text: String)
    case evaluate(Evaluation)
    case reopen(reason: String)
    case close
    /// `unit` is the level above the unit that answered; the caller resolves it from the unit tree.
    case review(reason: String, unit: UnitID)
    case decideReview(result: ReplyResult, text: String)
    case rereview(reason: String, unit: UnitID)
    case decideRereview(result: ReplyResult, text: String)
    case note
    /// 催办: the reminder text is the note.
    case remind
    case superviseOrder(text: String, due: Instant)
    case respondSupervision(text: String)
    case fieldCheck(kind: FieldCheckKind, finding: String)
    /// Against `unit`, or the unit holding the case.
    case holdAccountable(kind: AccountabilityKind, unit: UnitID?, text: String)
    /// A leader owns the case (领导领办). Another leader's ownership is taken over only by a leader above them:
    /// `outranksOwner` says whether the actor's unit is an ancestor of the current owner's unit (the caller resolves
    /// it from the unit tree, as it resolves the review unit); otherwise the owner must release it first.
    case takeOwnership(outranksOwner: Bool)
    /// The owner gives the case up (解除领办).
    case releaseOwnership

    public var action: Action {
        switch self {
        case .dispatch: .dispatch; case .redispatch: .redispatch; case .sign: .sign; case .return: .return
        case .object: .object; case .approveReturn: .approveReturn; case .denyReturn: .denyReturn
        case .transfer: .transfer; case .addCoHandler: .addCoHandler; case .accept: .accept; case .reject: .reject
        case .requestExtension: .requestExtension; case .approveExtension: .approveExtension; case .denyExtension: .denyExtension
        case .pause: .pause; case .resume: .resume; case .handOff: .handOff; case .reply: .reply
        case .evaluate: .evaluate; case .reopen: .reopen; case .close: .close; case .review: .review
        case .decideReview: .decideReview; case .rereview: .rereview; case .decideRereview: .decideRereview; case .note: .note
        case .remind: .remind; case .superviseOrder: .superviseOrder; case .respondSupervision: .respondSupervision
        case .fieldCheck: .fieldCheck; case .holdAccountable: .holdAccountable; case .takeOwnership: .takeOwnership
        case .releaseOwnership: .releaseOwnership
        }
    }
}

/// A refused step. Nothing changed.
public enum LifecycleError: Error, Equatable, Sendable {
    case illegalStep(action: Action, state: CaseState, allowed: [Action])
    case roleNotAllowed(action: Action, role: Role)
    case notHoldingUnit(action: Action, unit: UnitID, holder: UnitID)
    case paused(action: Action)
    case notPaused
    case windowClosed(action: Action, deadline: Instant)
    case noPendingRequest(action: Action)
    case invalidField(field: String, message: String)
    /// The center denied this unit's objection (退单) for the current delivery: it may not object or return again.
    case objectionDenied(action: Action, denied: ReturnRequest)
    /// Another leader owns the case.
    case ownedByOther(action: Action, owner: Owner)

    public var code: String {
        switch self {
        case .illegalStep: "illegal_step"; case .roleNotAllowed: "role_not_allowed"; case .notHoldingUnit: "not_holding_unit"
        case .paused: "case_paused"; case .notPaused: "case_not_paused"; case .windowClosed: "window_closed"
        case .noPendingRequest: "no_pending_request"; case .invalidField: "invalid_field"
        case .objectionDenied: "objection_denied"; case .ownedByOther: "owned_by_other"
        }
    }

    public var message: String {
        switch self {
        case let .illegalStep(action, state, allowed):
            let list = allowed.map { "\($0.rawValue)（\($0.label)）" }.joined(separator: "、")
            return "当前状态“\(state.label)”(\(state.rawValue)) 不能执行“\(action.label)”(\(action.rawValue))；可执行：\(list)"
        case let .roleNotAllowed(action, role):
            return "角色“\(role.label)”不能执行“\(action.label)”"
        case let .notHoldingUnit(action, unit, holder):
            return "单位 \(unit) 不是本件的当前承办单位（\(holder)），不能执行“\(action.label)”"
        case let .paused(action):
            return "本件已暂停计时，请先恢复计时再执行“\(action.label)”"
        case .notPaused:
            return "本件没有暂停计时"
        case let .windowClosed(action, deadline):
            return "“\(action.label)”的期限已于 \(deadline) 届满"
        case let .noPendingRequest(action):
            return "没有待审批的申请，不能执行“\(action.label)”"
        case let .invalidField(field, message):
            return "\(field): \(message)"
        case let .objectionDenied(action, _):
            return "本单位对本件的“\(Action.object.label)”已被分拨中心驳回，不能再“\(action.label)”；请签收办理，确需改派请与分拨中心联系"
        case let .ownedByOther(action, owner):
            return action == .releaseOwnership
                ? "本件由\(owner.name)领办，只有\(owner.name)本人可以解除领办"
                : "本件已由\(owner.name)领办：需\(owner.name)先解除领办，或由其上级单位的领导领办"
        }
    }
}

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
