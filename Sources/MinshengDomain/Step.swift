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
