import MinshengDomain
import MinshengStore
import Synchronization

/// A value set inside a store closure and read after it returns.
final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ v: T) { value.withLock { $0 = v } }
    func get() -> T? { value.withLock { $0 } }
}

/// The texts and recipients of notices (Chinese, naming the case, the unit and the deadline).
extension Platform {
    /// "报到": a unit that receives a case (dispatch, re-dispatch, transfer, reopen) is told at once.
    func deliveryNotices(_ old: Case, _ c: Case, at now: Instant) -> [Notice] {
        guard c.state == .dispatched || c.state == .reopened, c.holder != old.holder || c.state != old.state,
              let unit = unit(c.holder) else { return [] }
        let due = c.state == .dispatched ? (c.deadlines.sign ?? c.deadlines.accept) : c.deadlines.accept
        var what = c.state == .dispatched ? "已转交贵单位，请及时签收办理" : "群众不满意，已退回贵单位重新办理"
        // A risk case (跳楼, 集体上访 …) tells the receiving unit at once that it is one.
        if c.isRisk { what = "涉及\(c.risks.map(riskName).joined(separator: "、"))风险，" + what.replacingOccurrences(of: "及时", with: "立即") + "，优先研判处置" }
        let text = "【民生诉求\(c.isRisk ? "·风险件" : "")】\(unit.name)：诉求件\(c.trackingCode)《\(c.title)》\(what)\(due.map { "，期限\(Self.deadlineText($0))" } ?? "")。"
        return [Notice(dedupeKey: "\(c.id):delivery:v\(c.version):\(unit.id)", caseID: c.id, kind: "delivery",
                       recipientUnit: unit.id, phone: unit.phone, message: text, createdAt: now)]
    }

    /// The citizen's acknowledgement (受理回执) with the tracking code, queued at registration when the channel asks.
    static func acknowledgementText(_ c: Case, center: Unit) -> String {
        if c.finalCase != nil {
            // 终结: registered, and not accepted again; the citizen is told so and why.
            return "【民生诉求】您的诉求《\(PublicText.redact(c.title).prefix(20))》已由\(center.name)登记，查询码\(c.trackingCode)。"
                + "经核查，该事项\(Lifecycle.matterFinalNotice)。"
        }
        return "【民生诉求】您的诉求《\(PublicText.redact(c.title).prefix(20))》已由\(center.name)受理登记，查询码\(c.trackingCode)。"
            + "我们将转交承办单位办理并答复您，凭查询码和手机号后四位可在网上查询办理进度。"
    }

    /// A case that came in by SMS is answered: the citizen is asked to rate the answer by replying 1, 2 or 3
    /// (the SMS webhook records the rating on the citizen's latest answered case).
    func ratingRequestNotices(_ old: Case, _ c: Case, at now: Instant) -> [Notice] {
        guard c.channel == .sms, c.state == .replied, old.state != .replied, let sealedPhone = c.citizen.phone else { return [] }
        return [Notice(dedupeKey: "\(c.id):rate:v\(c.version)", caseID: c.id, kind: "rate", recipientUnit: nil, phone: sealedPhone,
                       message: "【民生诉求】您反映的《\(PublicText.redact(c.title).prefix(20))》（查询码\(c.trackingCode)）已答复。"
                           + "请回复数字评价：1 满意，2 基本满意，3 不满意。",
                       createdAt: now)]
    }

    /// Reminders, supervision orders and accountability reach the unit concerned at once.
    func supervisionNotices(_ event: CaseEvent, _ c: Case, at now: Instant) -> [Notice] {
        guard event.action.notifiesSupervisedUnit,
              let target = event.data["targetUnit"].flatMap(Int64.init), let unit = unit(target) else { return [] }
        let what: String
        switch event.action {
        case .remind: what = "督查催办：\(event.note)"
        case .superviseOrder:
            let due = event.data["due"].flatMap(Int64.init).map { Self.deadlineText(Instant(seconds: $0)) } ?? ""
            what = "已列入督办，请于\(due)前书面回复办理情况"
        default:
            let kind = event.data["kind"].flatMap(AccountabilityKind.init(rawValue:))?.label ?? "问责"
            what = "\(kind)：\(event.data["text"] ?? "")"
        }
        return [Notice(dedupeKey: "\(c.id):\(event.action.rawValue):v\(event.seq):\(unit.id)", caseID: c.id, kind: event.action.rawValue,
                       recipientUnit: unit.id, phone: unit.phone,
                       message: "【民生诉求督办】\(unit.name)：诉求件\(c.trackingCode)《\(c.title)》\(what)。", createdAt: now)]
    }

    /// Warning, urgent, alarm: to the unit holding the case; an alarm also to the government above it.
    func alertNotices(_ c: Case, level: AlertLevel, at now: Instant) -> [Notice] {
        guard let phase = Lifecycle.noticePhase(of: c), let holder = unit(c.holder) else { return [] }
        var recipients = [holder]
        if level == .alarm, let up = reviewUnit(above: holder.id) { recipients.append(up) }
        guard let situation = Lifecycle.alertSituation(of: c, level: level, at: now, rules: self.rules(for: c)) else { return [] }
        let due = Lifecycle.alertDeadline(of: c)?.due.map(Self.deadlineText) ?? "—"
        return recipients.map { r in
            let prefix = r.id == holder.id ? "\(r.name)：" : "\(r.name)：所属单位\(holder.name)承办的"
            return Notice(dedupeKey: "\(c.id):\(phase):\(level.rawValue):\(r.id)", caseID: c.id, kind: level.rawValue,
                          recipientUnit: r.id, phone: r.phone,
                          message: "【民生诉求\(level.label)】\(prefix)诉求件\(c.trackingCode)《\(c.title)》\(situation)，期限\(due)。",
                          createdAt: now)
        }
    }

    /// A deadline as every notice words it ("2026年2月25日24时" for the instant 2026-02-26T00:00): `Instant.deadlineText`,
    /// the domain's one wording of "by the end of day D".
    static func deadlineText(_ due: Instant) -> String { due.deadlineText }

}
