import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// The case page: the case, its history, and exactly the steps the user may take; revealing a contact, files, disclosure.
extension ConsoleController {
    @Sendable func casePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let id = try caseID(context)
        let params = request.uri.queryParameters
        var flash: [String: Any]?
        if params.get("done") == "disclose" { flash = ["kind": "ok", "text": "已完成：选登公开（已隐去个人信息）"] }
        else if let done = params.get("done"), let a = Action(rawValue: String(done)) { flash = ["kind": "ok", "text": "已完成：\(a.label)"] }
        if params.get("done") == "matterFinal" {
            // Registered, and at once not accepted: the registrar is told plainly, to tell the citizen.
            flash = ["kind": "bad", "text": "已登记，但该事项\(Lifecycle.matterFinalNotice)：本件已按不予受理办结，请告知群众。"]
        }
        return try await renderCase(p, id: id, flash: flash, unitQuery: params.get("unitq").map { String($0) }, openAction: params.get("for").map { String($0) })
    }

    func renderCase(_ p: Principal, id: CaseID, flash: [String: Any]? = nil, contact: Citizen? = nil, email: String? = nil, failed: (action: String, message: String, field: String?, values: [String: String])? = nil,
                    unitQuery: String? = nil, openAction: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let u = p.user
        let c0 = try await platform.readableCase(id, by: u)
        let events = try await platform.events(of: id)
        let now = platform.clock.now()
        let alert = platform.alert(of: c0, at: now)
        var c = base(p, nav: "inbox", title: c0.title)
        c["flash"] = flash
        let citizen = platform.sealer.openCitizen(c0.citizen)
        c["case"] = Web.compact([
            "id": c0.id, "title": c0.title, "content": c0.content, "code": c0.trackingCode,
            "state": c0.state.label, "kind": c0.kind.label, "channel": c0.channel.label,
            "caseClass": c0.caseClass?.label ?? "", "category": c0.category ?? "",
            "suggestion": c0.suggestion.map { s in ["category": s.category, "confidence": String(format: "%.0f%%", Double(s.confidence) / 10),
                                                    "unit": s.unit.flatMap(platform.unit)?.name ?? "", "unitId": s.unit ?? 0] as [String: Any] } as Any,
            "address": c0.address ?? "", "location": c0.locationUnit.flatMap(platform.unit)?.name ?? "",
            "center": platform.unit(c0.center)?.name ?? "", "holder": platform.unit(c0.holder)?.name ?? "",
            "lead": c0.leadUnit.flatMap(platform.unit)?.name ?? "",
            "coHandlers": c0.coHandlers.compactMap(platform.unit).map(\.name).joined(separator: "、"),
            "owner": c0.owner.map { "\($0.name)（\(Web.time($0.since))起）" } ?? "",
            "registered": Web.time(c0.registeredAt), "due": Web.deadline(c0.currentDue),
            "alert": alert.level.rawValue, "alertLabel": alert.level == .normal ? "正常" : alert.level.label,
            "nextChange": Web.time(alert.nextChange),
            "paused": c0.pause != nil, "repeatOf": c0.repeatOf ?? 0, "isRepeat": c0.repeatOf != nil,
            "finalCase": c0.finalCase, "finalNotice": c0.finalCase == nil ? "" : Lifecycle.matterFinalNotice,
            "risks": c0.risks.map(platform.riskName).joined(separator: "、"),
            "visitors": c0.visitors.map(String.init) ?? "", "groupVisit": c0.isGroupVisit, "isLetter": c0.channel == .letter,
            "appointment": Web.time(c0.appointment),
            "similar": c0.similar.isEmpty ? nil : c0.similar.map { ["id": $0] },
            "reply": c0.reply.map { r in ["result": r.result.label, "text": r.text, "at": Web.time(r.at), "unit": r.unit.flatMap(platform.unit)?.name ?? ""] as [String: Any] } as Any,
            "evaluation": c0.evaluation?.label ?? "",
            "deadlines": [("分拨", c0.deadlines.dispatch), ("签收", c0.deadlines.sign), ("退单", c0.deadlines.object), ("受理", c0.deadlines.accept),
                          ("答复", c0.deadlines.reply)].compactMap { name, t in t.map { ["name": name, "at": Web.deadline($0), "past": $0 < now] as [String: Any] } },
        ])
        c["citizen"] = Web.compact([
            "name": citizen.anonymous ? (citizen.name == nil ? "" : "匿名") : citizen.name.map(Contact.maskName) ?? "",
            "phone": citizen.phone.map(Contact.maskPhone) ?? "", "idNumber": citizen.idNumber.map(Contact.maskIDNumber) ?? "",
            "revealable": platform.mayReveal(c0, to: u),
        ])
        if let contact {
            c["contact"] = ["name": contact.name ?? "", "phone": contact.phone ?? "", "idNumber": contact.idNumber ?? "", "email": email ?? ""]
        }
        c["history"] = events.reversed().map { e -> [String: Any] in
            var data = Self.describe(e.data, platform: platform)
            if e.action == .raiseAlert { data = [] }
            return Web.compact(["at": Web.time(e.at), "label": e.action.label, "actor": e.actorName, "role": e.role.label,
                                "unit": e.unit.flatMap(platform.unit)?.name ?? "", "note": e.note, "data": data.joined(separator: "；"),
                                "isAlert": e.action == .raiseAlert, "state": e.toState.label])
        }
        // Exactly the steps this user may take now, each with its own form.
        let permitted = platform.permittedActions(c0, for: u)
        let pickerHits = unitQuery.map { units.search($0, within: platform.scopeRoot(of: u), limit: 30) } ?? []
        // The first main step is open; the others unfold on demand (or when a refusal or a unit search concerns them).
        let firstPrimary = permitted.first(where: ActionForms.primary.contains)
        let focus = openAction ?? failed?.action
        c["actions"] = permitted.map { a -> [String: Any] in
            var form = ActionForms.form(for: a, case: c0, platform: platform)
            form["open"] = focus.map { $0 == a.rawValue } ?? (a == firstPrimary)
            if let failed, failed.action == a.rawValue {
                form["error"] = failed.message
                form["values"] = failed.values
                form = ActionForms.fill(form, values: failed.values, errorField: failed.field)
            }
            if a.rawValue == openAction, unitQuery != nil {
                form = ActionForms.withUnitChoices(form, hits: pickerHits, query: unitQuery ?? "")
            }
            return form
        }
        c["noActions"] = permitted.isEmpty
        c["hasSimilar"] = !c0.similar.isEmpty
        let attachments = try await platform.attachments(of: id)
        c["hasAttachments"] = !attachments.isEmpty
        c["attachmentCount"] = attachments.count
        c["attachments"] = attachments.map { a in
            ["id": a.id, "name": a.name, "size": a.size >= 1_048_576 ? String(format: "%.1f MB", Double(a.size) / 1_048_576)
                : a.size >= 1024 ? "\(a.size / 1024) KB" : "\(a.size) 字节"]
        }
        // Closed cases may be published, redacted, by the center that registered them.
        c["canDisclose"] = [.closed, .final].contains(c0.state) && c0.reply != nil && u.unit == c0.center
            && !u.roles.isDisjoint(with: [.dispatcher, .registrar])
        return pages.html("case", c, status: status)
    }

    @Sendable func reveal(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let id = try caseID(context)
        let c0 = try await platform.readableCase(id, by: p.user)
        let (open, email) = try await platform.revealContact(c0, to: p.user, address: context.clientAddress)
        return try await renderCase(p, id: id, flash: ["kind": "ok", "text": "已显示完整联系方式（本次查看已记录）"], contact: open, email: email)
    }

    @Sendable func act(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let id = try caseID(context)
        let name = context.parameters.get("action") ?? ""
        guard let action = Action(rawValue: name), action.isStep else { throw APIError.notFound("未知操作") }
        let form = try await Web.form(request)
        // "搜索单位" in a form without JavaScript: show the matches, keep what was typed.
        if form["searchUnits"] != nil {
            return try await renderCase(p, id: id, failed: (name, "", nil, form), unitQuery: form["unitq"] ?? "", openAction: name)
        }
        do {
            let fields = FormFields(form, allowed: ActionForms.fields(action).map(\.name) + ["note"])
            _ = try await platform.takeStep(action, on: id, by: p.user, input: fields)
        } catch {
            let e = APIError.from(error)
            if e.status == .notFound || e.status == .internalServerError { throw error }
            return try await renderCase(p, id: id, failed: (name, e.message, e.field, form), status: e.status)
        }
        // After a step that moves the case out of reach (a transfer), the case page would be a 404: go to the inbox.
        if (try? await platform.readableCase(id, by: p.user)) == nil { return Web.redirect("/console?done=\(name)") }
        return Web.redirect("/console/cases/\(id)?done=\(name)")
    }

    /// A file of the case, to users who may read the case; never a path from the client.
    @Sendable func file(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let id = try caseID(context)
        _ = try await platform.readableCase(id, by: p.user)
        guard let aid = context.parameters.get("aid").flatMap(Int64.init),
              let a = try await platform.attachments(of: id).first(where: { $0.id == aid }),
              let bytes = files?.read(a.sha256) else { throw APIError.notFound("附件不存在") }
        return Response(status: .ok, headers: [.contentType: a.type, .cacheControl: "private, max-age=3600",
                                               .init("X-Content-Type-Options")!: "nosniff",
                                               .contentDisposition: "inline; filename=\"attachment-\(a.id)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Publishes a closed case on the disclosure page (留言选登), with phone and ID numbers and the citizen's name
    /// removed from the text.
    @Sendable func disclose(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let id = try caseID(context)
        let c0 = try await platform.readableCase(id, by: p.user)
        guard [.closed, .final].contains(c0.state), let reply = c0.reply, p.user.unit == c0.center,
              !p.user.roles.isDisjoint(with: [.dispatcher, .registrar]) else {
            throw APIError(.forbidden, "role_not_allowed", "只有登记中心可以选登已办结并已答复的诉求")
        }
        let redact = platform.publicRedaction(of: c0)
        try await platform.disclose(Disclosure(
            caseID: id, at: platform.clock.now(), userID: p.user.id, title: redact(c0.title),
            content: redact(c0.content), reply: redact(reply.text),
            unitName: reply.unit.flatMap(platform.unit)?.name ?? "", category: c0.category, registeredAt: c0.registeredAt,
            repliedAt: reply.at, evaluation: c0.evaluation?.label))
        _ = try await platform.perform(.note, on: id, by: try platform.actor(p.user, for: .note, on: c0), note: "选登公开（已隐去个人信息）")
        return Web.redirect("/console/cases/\(id)?done=disclose")
    }
}
