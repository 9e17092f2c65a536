public typealias CaseID = Int64
public typealias UnitID = Int64

/// A closed set of string values, decoded strictly: an unknown value is an error that lists the allowed ones.
public protocol DomainEnum: RawRepresentable, CaseIterable, Sendable, Codable, Hashable where RawValue == String {
    /// Chinese label shown to people.
    var label: String { get }
}

extension DomainEnum {
    public static var allowedValues: [String] { allCases.map(\.rawValue) }
}

public enum Channel: String, DomainEnum {
    case phone, web, app, wechat, sms, email, letter, visit, video, open311
    public var label: String {
        switch self {
        case .phone: "电话"; case .web: "网站"; case .app: "客户端"; case .wechat: "微信"; case .sms: "短信"
        case .email: "电子邮件"; case .letter: "来信"; case .visit: "来访"; case .video: "视频"; case .open311: "Open311"
        }
    }
}

public enum CaseKind: String, DomainEnum {
    case complaint, report, suggestion, consultation, help, praise
    public var label: String {
        switch self {
        case .complaint: "投诉"; case .report: "举报"; case .suggestion: "建议"
        case .consultation: "咨询"; case .help: "求助"; case .praise: "表扬"
        }
    }
}

public enum CaseClass: String, DomainEnum {
    case suggestion, accusation, claim
    public var label: String {
        switch self {
        case .suggestion: "建议意见类"; case .accusation: "检举控告类"; case .claim: "申诉求决类"
        }
    }
}

public enum DispatchMode: String, DomainEnum {
    case forward  // 转送: the unit handles it
    case assign   // 交办: the unit handles it and reports the result back
    public var label: String { self == .forward ? "转送" : "交办" }
}

/// The procedure a rejected matter belongs to (不予受理 must name it).
public enum LegalRoute: String, DomainEnum {
    case litigation, arbitration, administrativeReview, disciplineInspection, laborArbitration, otherAuthority, alreadyHandled, notPetition
    public var label: String {
        switch self {
        case .litigation: "诉讼"; case .arbitration: "仲裁"; case .administrativeReview: "行政复议"
        case .disciplineInspection: "纪检监察"; case .laborArbitration: "劳动人事争议仲裁"
        case .otherAuthority: "依法向其他有权机关提出"; case .alreadyHandled: "已按信访程序处理终结"
        case .notPetition: "不属于信访事项"
        }
    }
}

public enum ReplyResult: String, DomainEnum {
    case support, explain, notSupported
    public var label: String {
        switch self { case .support: "支持"; case .explain: "解释"; case .notSupported: "不予支持" }
    }
}

public enum Evaluation: String, DomainEnum {
    case satisfied, basicallySatisfied, dissatisfied
    public var label: String {
        switch self { case .satisfied: "满意"; case .basicallySatisfied: "基本满意"; case .dissatisfied: "不满意" }
    }
}

public enum PauseReason: String, DomainEnum {
    case hearing, waitingForCitizen, appraisal, other
    public var label: String {
        switch self { case .hearing: "听证"; case .waitingForCitizen: "等待群众补充材料"; case .appraisal: "鉴定"; case .other: "其他" }
    }
}

/// Emergency services a hotline hands a call to at once.
public enum EmergencyService: String, DomainEnum {
    case police = "110", fire = "119", ambulance = "120", traffic = "122"
    public var label: String {
        switch self { case .police: "110 报警"; case .fire: "119 火警"; case .ambulance: "120 急救"; case .traffic: "122 交通事故" }
    }
}

public enum Role: String, DomainEnum {
    case citizen, registrar, dispatcher, handler, supervisor, leader, admin
    public var label: String {
        switch self {
        case .citizen: "群众"; case .registrar: "登记员"; case .dispatcher: "分拨员"; case .handler: "承办人"
        case .supervisor: "督查员"; case .leader: "领导"; case .admin: "管理员"
        }
    }
}

public enum AlertLevel: String, DomainEnum, Comparable {
    case normal, warning, urgent, alarm
    public var label: String {
        switch self { case .normal: "正常"; case .warning: "预警"; case .urgent: "紧急"; case .alarm: "警报" }
    }
    public var rank: Int { switch self { case .normal: 0; case .warning: 1; case .urgent: 2; case .alarm: 3 } }
    public static func < (a: AlertLevel, b: AlertLevel) -> Bool { a.rank < b.rank }
}

// MARK: - Units

public enum UnitLevel: String, DomainEnum, Comparable {
    case city, district, town, village
    public var label: String { switch self { case .city: "市"; case .district: "区县"; case .town: "镇街"; case .village: "村社" } }
    public var depth: Int { switch self { case .city: 0; case .district: 1; case .town: 2; case .village: 3 } }
    public static func < (a: UnitLevel, b: UnitLevel) -> Bool { a.depth < b.depth }
}

public enum UnitKind: String, DomainEnum {
    case government  // 市/区县政府, 镇政府/街道办事处, 村委会/社区居委会
    case center      // 信访办 / 民生办: registers and dispatches
    case department  // 人社局, 住建委 …
    case utility     // 供电公司, 燃气公司 …
    public var label: String { switch self { case .government: "政府"; case .center: "信访/民生办"; case .department: "部门"; case .utility: "公用事业单位" } }
}

public struct Unit: Sendable, Equatable, Codable, Identifiable {
    public var id: UnitID
    public var parentID: UnitID?
    public var name: String
    public var level: UnitLevel
    public var kind: UnitKind
    public var phone: String?
    public init(id: UnitID, parentID: UnitID?, name: String, level: UnitLevel, kind: UnitKind, phone: String? = nil) {
        self.id = id; self.parentID = parentID; self.name = name; self.level = level; self.kind = kind; self.phone = phone
    }
}

// MARK: - Case

public struct Citizen: Sendable, Equatable, Codable {
    public var name: String?
    public var phone: String?
    public var idNumber: String?
    public var anonymous: Bool
    public init(name: String? = nil, phone: String? = nil, idNumber: String? = nil, anonymous: Bool = false) {
        self.name = name; self.phone = phone; self.idNumber = idNumber; self.anonymous = anonymous
    }
}

public enum CaseState: String, DomainEnum {
    case registered       // 已登记: at the center, to be dispatched
    case dispatched       // 已转交: delivered to a unit, not signed
    case signed           // 已签收
    case returnRequested  // 退回待审: the unit returned or objected; the center decides
    case accepted         // 已受理: being handled
    case rejected         // 不予受理 (legal route named)
    case replied          // 已答复: awaiting the citizen's evaluation
    case reopened         // 重办: dissatisfied answer sent back to the unit
    case closed           // 已办结
    case reviewing        // 复查中
    case reviewed         // 已复查
    case rereviewing      // 复核中
    case final            // 终结: not accepted again
    case handedOff        // 已移交应急 (110/119/120/122)

    public var label: String {
        switch self {
        case .registered: "已登记"; case .dispatched: "待签收"; case .signed: "已签收"; case .returnRequested: "退回待审"
        case .accepted: "办理中"; case .rejected: "不予受理"; case .replied: "已答复"; case .reopened: "重办"
        case .closed: "已办结"; case .reviewing: "复查中"; case .reviewed: "已复查"; case .rereviewing: "复核中"
        case .final: "终结"; case .handedOff: "已移交应急"
        }
    }

    /// Someone still has to act on the case.
    public var isOpen: Bool {
        switch self {
        case .closed, .rejected, .final, .handedOff: false
        default: true
        }
    }

    /// States in which a deadline clock runs and may be paused.
    public var clockRuns: Bool {
        switch self {
        case .dispatched, .signed, .accepted, .reopened, .reviewing, .rereviewing: true
        default: false
        }
    }
}

/// Every limit that has been set on a case, stored when the step that starts it happens.
public struct Deadlines: Sendable, Equatable, Codable {
    public var dispatch: Instant?
    public var sign: Instant?
    public var object: Instant?
    public var accept: Instant?
    public var reply: Instant?
    public var reviewRequest: Instant?
    public var reviewDecision: Instant?
    public var rereviewRequest: Instant?
    public var rereviewDecision: Instant?
    /// When a delivered case not yet accepted turns `warning` (moves with pauses like the limits do).
    public var warning: Instant?
    public init() {}

    public subscript(step: DeadlineStep) -> Instant? {
        get {
            switch step {
            case .dispatch: dispatch; case .sign: sign; case .object: object; case .accept: accept; case .reply: reply
            case .reviewRequest: reviewRequest; case .reviewDecision: reviewDecision
            case .rereviewRequest: rereviewRequest; case .rereviewDecision: rereviewDecision
            case .extensionCap: nil
            }
        }
        set {
            switch step {
            case .dispatch: dispatch = newValue; case .sign: sign = newValue; case .object: object = newValue
            case .accept: accept = newValue; case .reply: reply = newValue
            case .reviewRequest: reviewRequest = newValue; case .reviewDecision: reviewDecision = newValue
            case .rereviewRequest: rereviewRequest = newValue; case .rereviewDecision: rereviewDecision = newValue
            case .extensionCap: break
            }
        }
    }
}

/// 查程序 / 查实体 / 查责任: what a supervisor's field check looked at.
public enum FieldCheckKind: String, DomainEnum {
    case procedure, substance, responsibility
    public var label: String { switch self { case .procedure: "查程序"; case .substance: "查实体"; case .responsibility: "查责任" } }
}

/// Accountability actions against a unit.
public enum AccountabilityKind: String, DomainEnum {
    case criticism, interview
    public var label: String { switch self { case .criticism: "通报批评"; case .interview: "约谈" } }
}

/// A supervision order 督办单: its own due date and a written response from the unit.
public struct SupervisionOrder: Sendable, Equatable, Codable {
    public var seq: Int
    public var unit: UnitID
    public var text: String
    public var issuedAt: Instant
    public var due: Instant
    public var response: String?
    public var respondedAt: Instant?
    public init(seq: Int, unit: UnitID, text: String, issuedAt: Instant, due: Instant, response: String? = nil, respondedAt: Instant? = nil) {
        self.seq = seq; self.unit = unit; self.text = text; self.issuedAt = issuedAt; self.due = due
        self.response = response; self.respondedAt = respondedAt
    }
}

/// What the text classifier suggests at registration: a first-level category, its confidence, and the unit that
/// usually handles it where the case is.
public struct Suggestion: Sendable, Equatable, Codable {
    public var category: String
    /// 0–1000 (‰): integers keep the stored document exact.
    public var confidence: Int
    public var unit: UnitID?
    public init(category: String, confidence: Int, unit: UnitID?) { self.category = category; self.confidence = confidence; self.unit = unit }
}

/// The leader who owns a case (领导领办 / 包案).
public struct Owner: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var unit: UnitID?
    public var since: Instant
    public init(id: String, name: String, unit: UnitID?, since: Instant) { self.id = id; self.name = name; self.unit = unit; self.since = since }
}

/// An alert level that was announced, and for which deadline ("phase") it was.
public struct AlertNotice: Sendable, Equatable, Codable {
    public var level: AlertLevel
    public var phase: String
    public init(level: AlertLevel, phase: String) { self.level = level; self.phase = phase }
}

public struct ReturnRequest: Sendable, Equatable, Codable {
    public var isObjection: Bool  // 退单 (misrouted) rather than a plain return 退回
    public var reason: String
    public var fromState: CaseState
    public var fromUnit: UnitID
    public init(isObjection: Bool, reason: String, fromState: CaseState, fromUnit: UnitID) {
        self.isObjection = isObjection; self.reason = reason; self.fromState = fromState; self.fromUnit = fromUnit
    }
}

public struct ExtensionRequest: Sendable, Equatable, Codable {
    public var amount: Int
    public var reason: String
    public var requestedAt: Instant
    public init(amount: Int, reason: String, requestedAt: Instant) { self.amount = amount; self.reason = reason; self.requestedAt = requestedAt }
}

public struct Pause: Sendable, Equatable, Codable {
    public var reason: PauseReason
    public var since: Instant
    public init(reason: PauseReason, since: Instant) { self.reason = reason; self.since = since }
}

public struct Reply: Sendable, Equatable, Codable {
    public var result: ReplyResult
    public var text: String
    public var at: Instant
    public var unit: UnitID?
    public init(result: ReplyResult, text: String, at: Instant, unit: UnitID?) { self.result = result; self.text = text; self.at = at; self.unit = unit }
}

public struct Decision: Sendable, Equatable, Codable {
    public var result: ReplyResult
    public var text: String
    public var at: Instant
    public var unit: UnitID?
    public init(result: ReplyResult, text: String, at: Instant, unit: UnitID?) { self.result = result; self.text = text; self.at = at; self.unit = unit }
}

public struct Case: Sendable, Equatable, Codable, Identifiable {
    public var id: CaseID
    public var trackingCode: String
    public var channel: Channel
    public var kind: CaseKind
    public var caseClass: CaseClass?
    public var category: String?
    public var title: String
    public var content: String
    public var citizen: Citizen
    public var address: String?
    /// The district/town the matter is about, when known.
    public var locationUnit: UnitID?
    public var policyID: String
    public var state: CaseState
    public var registeredAt: Instant
    /// The center (信访办/民生办) that registered the case and dispatches it.
    public var center: UnitID
    /// The unit that must act now (the center while registered, returned or replied).
    public var holder: UnitID
    /// The lead unit (主办) that signed for the case; reopen sends the case back to it.
    public var leadUnit: UnitID?
    public var coHandlers: [UnitID]
    public var dispatchMode: DispatchMode?
    public var deliveredAt: Instant?
    public var deadlines: Deadlines
    public var pause: Pause?
    public var pendingExtension: ExtensionRequest?
    /// Total approved extension, in the unit of the policy's `extensionCap`.
    public var extended: Int
    public var transferCount: Int
    public var reopenCount: Int
    public var leaderProposed: Bool
    public var returnRequest: ReturnRequest?
    /// The objection (退单) the center denied for the current delivery: the unit may not object or return again
    /// (cleared when the case is delivered anew).
    public var objectionDenied: ReturnRequest?
    public var rejection: LegalRoute?
    public var reply: Reply?
    public var evaluation: Evaluation?
    public var reviewDecision: Decision?
    public var rereviewDecision: Decision?
    public var handedOffTo: EmergencyService?
    public var suggestion: Suggestion?
    /// An earlier case of the same citizen about the same matter (重复件).
    public var repeatOf: CaseID?
    /// The case whose re-review ended this matter (终结): this request was registered and at once not accepted
    /// (不予受理, 《信访工作条例》第三十六条).
    public var finalCase: CaseID?
    /// Earlier cases from anyone with nearly the same text (near-duplicates found at registration).
    public var similar: [CaseID] = []
    /// Risk categories the text matched at registration (self-harm, threats, gathering, extreme acts).
    public var risks: [String] = []
    public var supervisionOrders: [SupervisionOrder] = []
    public var owner: Owner?
    /// A visit (来访): how many people came; five or more is a group visit (集体访).
    public var visitors: Int?
    /// A reception-day booking (领导接访日): when the citizen is to meet the leader.
    public var appointment: Instant?
    /// The last alert level announced for the running deadline (the watcher's memory: never the same notice twice).
    public var alertNotice: AlertNotice?
    /// The link of the case's last event in its chain of keyed hashes (痕迹管理); nil before chaining.
    public var chainHead: String?
    /// Number of events; the next event's sequence number is `version + 1`.
    public var version: Int
    public var updatedAt: Instant

    public init(id: CaseID, trackingCode: String, channel: Channel, kind: CaseKind, title: String, content: String,
                citizen: Citizen, center: UnitID, policyID: String, registeredAt: Instant) {
        self.id = id; self.trackingCode = trackingCode; self.channel = channel; self.kind = kind
        self.title = title; self.content = content; self.citizen = citizen
        self.center = center; self.holder = center; self.policyID = policyID
        self.state = .registered; self.registeredAt = registeredAt
        self.coHandlers = []; self.deadlines = Deadlines(); self.extended = 0
        self.transferCount = 0; self.reopenCount = 0; self.leaderProposed = false
        self.version = 0; self.updatedAt = registeredAt
    }

    /// The limit that governs what must happen next; the inbox is ordered by it.
    /// Five or more people at once (集体访): flagged and announced to the center's leaders at registration.
    public var isGroupVisit: Bool { (visitors ?? 0) >= Case.groupVisitSize }
    /// Risk words (self-harm, threats, gatherings, extreme acts) or a group visit, flagged at registration.
    public var isRisk: Bool { !risks.isEmpty }
    public static let groupVisitSize = 5

    public var currentDue: Instant? {
        switch state {
        case .registered, .returnRequested: deadlines.dispatch
        case .dispatched: deadlines.sign ?? deadlines.accept
        case .signed, .reopened: deadlines.accept
        case .accepted: deadlines.reply
        case .replied: deadlines.reviewRequest
        case .reviewing: deadlines.reviewDecision
        case .reviewed: deadlines.rereviewRequest
        case .rereviewing: deadlines.rereviewDecision
        case .closed, .rejected, .final, .handedOff: nil
        }
    }
}

/// One entry of a case's history (痕迹). Appended, never edited.
public struct CaseEvent: Sendable, Equatable, Codable {
    public var caseID: CaseID
    public var seq: Int
    public var action: Action
    public var at: Instant
    public var actorID: String
    public var actorName: String
    public var role: Role
    /// The unit that acted.
    public var unit: UnitID?
    public var fromState: CaseState?
    public var toState: CaseState
    public var note: String
    /// Step fields worth keeping (target unit, reason, route, result …), as text.
    public var data: [String: String]

    public init(caseID: CaseID, seq: Int, action: Action, at: Instant, actorID: String, actorName: String, role: Role,
                unit: UnitID?, fromState: CaseState?, toState: CaseState, note: String, data: [String: String]) {
        self.caseID = caseID; self.seq = seq; self.action = action; self.at = at; self.actorID = actorID
        self.actorName = actorName; self.role = role; self.unit = unit; self.fromState = fromState
        self.toState = toState; self.note = note; self.data = data
    }
}

/// Who performs a step.
public struct Actor: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var role: Role
    /// The unit the actor acts for; nil for a platform-wide admin acting on the center's behalf.
    public var unit: UnitID?
    public init(id: String, name: String, role: Role, unit: UnitID?) {
        self.id = id; self.name = name; self.role = role; self.unit = unit
    }
}

extension Case {
    enum CodingKeys: String, CodingKey {
        case id, trackingCode, channel, kind, caseClass, category, title, content, citizen, address, locationUnit, policyID
        case state, registeredAt, center, holder, leadUnit, coHandlers, dispatchMode, deliveredAt, deadlines, pause
        case pendingExtension, extended, transferCount, reopenCount, leaderProposed, returnRequest, objectionDenied, rejection, reply
        case evaluation, reviewDecision, rereviewDecision, handedOffTo, suggestion, repeatOf, finalCase, similar, risks, supervisionOrders, owner, alertNotice, chainHead
        case visitors, appointment
        case version, updatedAt
    }

    /// Reads documents written by any earlier version: a field added later is absent there and takes its
    /// default (empty list, zero, false, nil), so stored cases survive upgrades.
    public init(from decoder: Decoder) throws {
        let k = try decoder.container(keyedBy: CodingKeys.self)
        id = try k.decode(CaseID.self, forKey: .id)
        trackingCode = try k.decode(String.self, forKey: .trackingCode)
        channel = try k.decode(Channel.self, forKey: .channel)
        kind = try k.decode(CaseKind.self, forKey: .kind)
        caseClass = try k.decodeIfPresent(CaseClass.self, forKey: .caseClass)
        category = try k.decodeIfPresent(String.self, forKey: .category)
        title = try k.decode(String.self, forKey: .title)
        content = try k.decode(String.self, forKey: .content)
        citizen = try k.decodeIfPresent(Citizen.self, forKey: .citizen) ?? Citizen()
        address = try k.decodeIfPresent(String.self, forKey: .address)
        locationUnit = try k.decodeIfPresent(UnitID.self, forKey: .locationUnit)
        policyID = try k.decode(String.self, forKey: .policyID)
        state = try k.decode(CaseState.self, forKey: .state)
        registeredAt = try k.decode(Instant.self, forKey: .registeredAt)
        center = try k.decode(UnitID.self, forKey: .center)
        holder = try k.decode(UnitID.self, forKey: .holder)
        leadUnit = try k.decodeIfPresent(UnitID.self, forKey: .leadUnit)
        coHandlers = try k.decodeIfPresent([UnitID].self, forKey: .coHandlers) ?? []
        dispatchMode = try k.decodeIfPresent(DispatchMode.self, forKey: .dispatchMode)
        deliveredAt = try k.decodeIfPresent(Instant.self, forKey: .deliveredAt)
        deadlines = try k.decodeIfPresent(Deadlines.self, forKey: .deadlines) ?? Deadlines()
        pause = try k.decodeIfPresent(Pause.self, forKey: .pause)
        pendingExtension = try k.decodeIfPresent(ExtensionRequest.self, forKey: .pendingExtension)
        extended = try k.decodeIfPresent(Int.self, forKey: .extended) ?? 0
        transferCount = try k.decodeIfPresent(Int.self, forKey: .transferCount) ?? 0
        reopenCount = try k.decodeIfPresent(Int.self, forKey: .reopenCount) ?? 0
        leaderProposed = try k.decodeIfPresent(Bool.self, forKey: .leaderProposed) ?? false
        returnRequest = try k.decodeIfPresent(ReturnRequest.self, forKey: .returnRequest)
        objectionDenied = try k.decodeIfPresent(ReturnRequest.self, forKey: .objectionDenied)
        rejection = try k.decodeIfPresent(LegalRoute.self, forKey: .rejection)
        reply = try k.decodeIfPresent(Reply.self, forKey: .reply)
        evaluation = try k.decodeIfPresent(Evaluation.self, forKey: .evaluation)
        reviewDecision = try k.decodeIfPresent(Decision.self, forKey: .reviewDecision)
        rereviewDecision = try k.decodeIfPresent(Decision.self, forKey: .rereviewDecision)
        handedOffTo = try k.decodeIfPresent(EmergencyService.self, forKey: .handedOffTo)
        suggestion = try k.decodeIfPresent(Suggestion.self, forKey: .suggestion)
        repeatOf = try k.decodeIfPresent(CaseID.self, forKey: .repeatOf)
        finalCase = try k.decodeIfPresent(CaseID.self, forKey: .finalCase)
        similar = try k.decodeIfPresent([CaseID].self, forKey: .similar) ?? []
        risks = try k.decodeIfPresent([String].self, forKey: .risks) ?? []
        supervisionOrders = try k.decodeIfPresent([SupervisionOrder].self, forKey: .supervisionOrders) ?? []
        owner = try k.decodeIfPresent(Owner.self, forKey: .owner)
        alertNotice = try k.decodeIfPresent(AlertNotice.self, forKey: .alertNotice)
        chainHead = try k.decodeIfPresent(String.self, forKey: .chainHead)
        visitors = try k.decodeIfPresent(Int.self, forKey: .visitors)
        appointment = try k.decodeIfPresent(Instant.self, forKey: .appointment)
        version = try k.decode(Int.self, forKey: .version)
        updatedAt = try k.decodeIfPresent(Instant.self, forKey: .updatedAt) ?? registeredAt
    }
}
