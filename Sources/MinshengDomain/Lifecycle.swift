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
