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
