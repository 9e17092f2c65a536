import MinshengDomain

/// What a citizen reads about their own case, in their words, wherever they read it: the tracking page, the
/// tracking API, a WeChat 查询. One place decides the state's wording, which unit is named, which deadline is
/// shown and how, and what of the texts is shown (through `PublicText`): staff words (待签收, 退回待审) never
/// reach the citizen, and a value that is not there is absent, not an empty line.
struct CitizenView: Sendable {
    struct Line: Sendable, Equatable {
        var at: Instant
        var step: Action
        var text: String
    }

    struct ReplyView: Sendable, Equatable {
        var kind: ReplyResult
        var unitID: UnitID?
        var result: String
        var text: String
        var at: Instant
        var unit: String?
    }

    var trackingCode: String
    var title: String
    var state: CaseState
    /// The state in the citizen's words (已转交承办单位, not 待签收).
    var stateText: String
    /// One sentence: where the matter stands and what comes next.
    var summary: String
    /// 受理机构 while the center has it, 承办单位 once a unit handles it, 答复单位 once answered.
    var unitLabel: String
    var unitID: UnitID?
    var unit: String?
    var registeredAt: Instant
    /// The deadline the citizen is waiting on, with what it is for (答复时限 …); none once the matter is over.
    var dueLabel: String?
    var due: Instant?
    /// The limit has passed and the step is still not taken.
    var overdue = false
    /// When the matter ended: closed, not accepted, final or handed to an emergency service.
    var endedLabel: String?
    var endedAt: Instant?
    var reply: ReplyView?
    var evaluation: Evaluation?
    /// 不予受理: the procedure the citizen should take, as a sentence.
    var rejectionRoute: LegalRoute?
    var rejectionText: String?
    var canEvaluate: Bool
    var canReview: Bool
    var timeline: [Line]

    static let citizen = CitizenDesk.actor

    static func stateText(_ s: CaseState) -> String {
        switch s {
        case .registered: "已登记"
        case .returnRequested: "正在重新分办"
        case .dispatched: "已转交承办单位"
        case .signed: "承办单位已接收"
        case .accepted: "已受理，正在办理"
        case .reopened: "重新办理中"
        case .rejected: "不予受理"
        case .replied: "已答复"
        case .closed: "已办结"
        case .reviewing: "复查中"
        case .reviewed: "已复查"
        case .rereviewing: "复核中"
        case .final: "已终结"
        case .handedOff: "已转应急部门处理"
        }
    }

    /// The sentence a citizen reads for a rejection: the procedure, not a code word.
    static func rejectionText(_ r: LegalRoute) -> String {
        switch r {
        case .litigation: "本事项应通过诉讼途径解决，请依法向人民法院提起诉讼。"
        case .arbitration: "本事项应通过仲裁途径解决，请依法申请仲裁。"
        case .administrativeReview: "本事项应通过行政复议途径解决，请依法申请行政复议。"
        case .disciplineInspection: "本事项属于纪检监察机关受理范围，请向纪检监察机关反映。"
        case .laborArbitration: "本事项应通过劳动人事争议仲裁解决，请向劳动人事争议仲裁委员会申请仲裁。"
        case .otherAuthority: "本事项请依法向其他有权处理的机关提出。"
        case .alreadyHandled: "本事项已按信访程序处理终结，不再重复受理。"
        case .notPetition: "本事项不属于信访事项受理范围。"
        }
    }

    init(_ c: Case, events: [CaseEvent], platform: Platform, now: Instant) {
        let unitName = { (id: UnitID?) -> String? in id.flatMap(platform.unit)?.name }
        var shown: UnitID?
        let redact = platform.publicRedaction(of: c)
        trackingCode = c.trackingCode
        title = redact(c.title)
        state = c.state
        stateText = Self.stateText(c.state)
        registeredAt = c.registeredAt
        evaluation = c.evaluation
        canEvaluate = Lifecycle.permits(.evaluate, on: c, by: Self.citizen, at: now)
        canReview = Lifecycle.permits(.review, on: c, by: Self.citizen, at: now) || Lifecycle.permits(.rereview, on: c, by: Self.citizen, at: now)
        // The unit that answered (or decided), not the center the case returned to.
        let answering = c.reply?.unit ?? c.leadUnit
        let rejecter = events.last { $0.action == .reject }?.unit ?? c.leadUnit
        switch c.state {
        case .registered, .returnRequested:
            unitLabel = "受理机构"; shown = c.center
        case .dispatched, .signed, .accepted, .reopened:
            unitLabel = "承办单位"; shown = c.holder
        case .rejected:
            unitLabel = "承办单位"; shown = rejecter ?? c.holder
        case .reviewing, .reviewed, .rereviewing, .final:
            unitLabel = "复查（复核）机关"; shown = c.holder
        case .replied, .closed:
            unitLabel = "答复单位"; shown = answering ?? c.holder
        case .handedOff:
            unitLabel = "移交"
        }
        unitID = shown
        unit = c.state == .handedOff ? c.handedOffTo?.label : unitName(shown)
        switch c.state {
        case .registered, .returnRequested: dueLabel = "转交承办单位时限"; due = c.deadlines.dispatch
        case .dispatched, .signed, .reopened: dueLabel = "受理时限"; due = c.deadlines.accept
        case .accepted: dueLabel = "答复时限"; due = c.deadlines.reply
        case .replied: dueLabel = canReview ? "申请复查截止" : nil; due = canReview ? c.deadlines.reviewRequest : nil
        case .reviewing: dueLabel = "复查决定时限"; due = c.deadlines.reviewDecision
        case .reviewed: dueLabel = canReview ? "申请复核截止" : nil; due = canReview ? c.deadlines.rereviewRequest : nil
        case .rereviewing: dueLabel = "复核决定时限"; due = c.deadlines.rereviewDecision
        case .closed: dueLabel = canReview ? "申请复查截止" : nil; due = canReview ? c.deadlines.reviewRequest : nil
        case .rejected, .final, .handedOff: dueLabel = nil; due = nil
        }
        if due == nil { dueLabel = nil }
        // A limit the government let pass reads as passed, not as a date still ahead.
        overdue = due.map { $0 <= now } ?? false
        // A paused clock has no deadline to read: say so instead of a date that will move.
        if c.pause != nil, due != nil { dueLabel = (dueLabel ?? "时限") + "（暂停计时中）" }
        if !c.state.isOpen {
            endedLabel = [.rejected: "决定时间", .handedOff: "移交时间", .final: "终结时间"][c.state] ?? "办结时间"
            endedAt = events.last { $0.toState == c.state && $0.fromState != c.state }?.at ?? c.updatedAt
        }
        reply = c.reply.map { ReplyView(kind: $0.result, unitID: $0.unit, result: $0.result.label, text: redact($0.text), at: $0.at, unit: unitName($0.unit)) }
        if let r = c.rejection, c.state == .rejected {
            rejectionRoute = r
            // 终结: the same matter registered again is not accepted, and the citizen is told why (the statute).
            rejectionText = c.finalCase != nil ? (c.rejectionNotice ?? Self.rejectionText(r)) : Self.rejectionText(r)
        }
        let holderName = unit ?? "承办单位"
        switch c.state {
        case .registered: summary = "您的诉求已登记，正在转交承办单位。"
        case .returnRequested: summary = "正在重新确定承办单位，确定后即转交办理。"
        case .dispatched: summary = "已转交\(holderName)，等待其签收办理。"
        case .signed: summary = "\(holderName)已接收，将决定是否受理。"
        case .accepted: summary = "\(holderName)已受理，正在办理，办结后将答复您。"
        case .reopened: summary = "已按您的意见要求\(holderName)重新办理。"
        case .rejected: summary = "\(holderName)决定不予受理。"
        case .replied: summary = canEvaluate ? "\(holderName)已答复，请对答复进行评价。" : "\(holderName)已答复。"
        case .closed: summary = "本件已办结。感谢您的反映。"
        case .reviewing: summary = "您的复查申请已受理，正在复查。"
        case .reviewed: summary = "复查决定已作出。" + (canReview ? "如不服，可申请复核。" : "")
        case .rereviewing: summary = "您的复核申请已受理，正在复核。"
        case .final: summary = "复核决定已作出，本事项终结，同一事项不再受理。"
        case .handedOff: summary = "已转\(c.handedOffTo?.label ?? "应急部门")处理。"
        }
        timeline = events.compactMap { e in
            Self.line(e, unitName: { unitName($0) }).map { Line(at: e.at, step: e.action, text: $0) }
        }
    }

    /// One step as the citizen reads it; nil for steps that are the staff's own business (notes, reminders, pauses).
    static func line(_ e: CaseEvent, unitName: (UnitID?) -> String?) -> String? {
        let actor = unitName(e.unit) ?? "承办单位"
        let target = e.data["toUnit"].flatMap(Int64.init).flatMap(unitName) ?? "承办单位"
        switch e.action {
        case .register: return "诉求已登记"
        case .dispatch, .redispatch: return "转交\(target)办理"
        case .sign: return "\(actor)已接收"
        case .accept: return "\(actor)已受理"
        case .reject: return "\(actor)决定不予受理"
        case .transfer: return "转由\(target)办理"
        case .approveExtension: return "经批准，办理期限延长"
        case .handOff: return "已转\(e.data["service"].flatMap(EmergencyService.init(rawValue:))?.label ?? "应急部门")处理"
        case .reply: return "\(actor)已答复"
        case .evaluate: return "您的评价：\(e.data["evaluation"].flatMap(Evaluation.init(rawValue:))?.label ?? "已评价")"
        case .reopen: return "要求重新办理"
        case .close: return "办结"
        case .review: return "您申请复查"
        case .decideReview: return "复查决定已作出"
        case .rereview: return "您申请复核"
        case .decideRereview: return "复核决定已作出"
        default: return nil
        }
    }

    /// The tracking API's answer.
    func json(unitRef: (UnitID?) -> JSON) -> JSON {
        .object([
            ("trackingCode", .string(trackingCode)),
            ("title", .string(title)),
            ("state", .string(state.rawValue)),
            ("stateLabel", .string(stateText)),
            ("summary", .string(summary)),
            ("registeredAt", .time(registeredAt)),
            ("unitLabel", .string(unitLabel)),
            ("unit", state == .handedOff ? .null : unitRef(unitID)),
            ("unitName", .opt(unit)),
            ("dueLabel", .opt(dueLabel)),
            ("due", .time(due)),
            ("dueText", .opt(due?.deadlineText)),
            ("overdue", .bool(overdue)),
            ("endedLabel", .opt(endedLabel)),
            ("endedAt", .time(endedAt)),
            ("reply", reply.map { r in .object([("result", .string(r.kind.rawValue)), ("resultLabel", .string(r.result)),
                                                ("text", .string(r.text)), ("at", .time(r.at)), ("unit", unitRef(r.unitID))]) } ?? .null),
            ("evaluation", .opt(evaluation?.rawValue)),
            ("evaluationLabel", .opt(evaluation?.label)),
            ("rejection", rejectionRoute.map { r in .object([("route", .string(r.rawValue)), ("label", .string(r.label)),
                                                             ("text", .opt(rejectionText)), ("notice", .opt(rejectionText))]) } ?? .null),
            ("canEvaluate", .bool(canEvaluate)),
            ("canReview", .bool(canReview)),
            ("timeline", .array(timeline.map { .object([("at", .time($0.at)), ("step", .string($0.step.rawValue)), ("label", .string($0.text))]) })),
        ])
    }

    /// The tracking page's context (absent values are absent: Pages drops empty strings too).
    var page: [String: Any?] {
        [
            "code": trackingCode, "title": title, "state": stateText, "stateKey": state.rawValue, "summary": summary,
            "registered": Web.time(registeredAt), "unitLabel": unitLabel, "unit": unit,
            "dueLabel": dueLabel, "due": due?.deadlineText, "overdue": overdue,
            "endedLabel": endedLabel, "ended": endedAt.map { Web.time($0) },
            "reply": reply.map { r in ["result": r.result, "text": r.text, "at": Web.time(r.at), "unit": r.unit as Any] as [String: Any] },
            "evaluation": evaluation?.label, "rejection": rejectionText,
            "canEvaluate": canEvaluate, "canReview": canReview,
            "timeline": timeline.map { ["at": Web.time($0.at), "text": $0.text] },
        ]
    }

    /// A WeChat or SMS answer: a few lines of plain text.
    var message: String {
        var lines = ["查询码 \(trackingCode)《\(title)》", "状态：\(stateText)。\(summary)"]
        if let u = unit { lines.append("\(unitLabel)：\(u)") }
        if let l = dueLabel, let d = due { lines.append("\(l)：\(d.deadlineText)" + (overdue ? "（已超过时限，已列入督办预警）" : "")) }
        if let r = reply { lines.append("答复（\(r.result)）：" + String(r.text.prefix(300))) }
        if canEvaluate { lines.append("请凭查询码和手机号后四位在网上评价答复；对答复有意见的，可申请复查。") }
        return lines.joined(separator: "\n")
    }
}

extension Platform {
    /// The redaction of a case's texts for every public read (PublicText, with the citizen's own name).
    func publicRedaction(of c: Case) -> @Sendable (String) -> String {
        let names = [sealer.openCitizen(c.citizen).name].compactMap { $0 }
        return { PublicText.redact($0, names: names) }
    }
}
