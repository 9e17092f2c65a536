import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// Quick registration (来电登记) and the call screen a hotline agent registers from.
extension ConsoleController {
    /// The fields of the registration form that show their own error (new.mustache).
    static let inlineErrorFields: Set<String> = ["phone", "name", "idNumber", "title", "content", "locationUnit", "visitors", "pages"]

    static let newFields = ["phone", "name", "idNumber", "kind", "title", "content", "address", "locationUnit", "category", "channel"]

    @Sendable func newForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        guard !p.user.roles.isDisjoint(with: [.registrar, .dispatcher]) else { throw APIError(.forbidden, "role_not_allowed", "需要登记员或分拨员角色") }
        var values = ["channel": "phone", "kind": "complaint"]
        // From the call screen: the call's id rides along and the case takes the caller's number from the call; the
        // form shows it masked (the full number is a logged reveal). Only the call's own agent gets this far.
        if let callID = request.uri.queryParameters.get("call").map({ String($0) }) {
            let call = try await platform.ownCall(callID, for: p.user)
            values["callId"] = call.id
            values["callerMasked"] = call.callerSealed.flatMap(platform.sealer.open).map(Contact.maskPhone) ?? ""
        }
        return pages.html("new", newContext(p, values: values, errors: [:]))
    }

    /// 来电弹屏: who is calling, their earlier cases and open matters, one click to register the new request. Only the
    /// agent the call was routed to opens it; the number is masked until a logged "显示完整号码".
    @Sendable func callScreen(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        guard !p.user.roles.isDisjoint(with: HotlineController.agents) else { throw APIError(.forbidden, "role_not_allowed", "需要登记员或分拨员角色") }
        let call = try await platform.ownCall(context.parameters.get("callId"), for: p.user)
        return try await callPage(p, call, revealed: nil)
    }

    /// "显示完整号码" on the call screen: the number in clear this once, written to the access log.
    @Sendable func revealCaller(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        guard !p.user.roles.isDisjoint(with: HotlineController.agents) else { throw APIError(.forbidden, "role_not_allowed", "需要登记员或分拨员角色") }
        let call = try await platform.ownCall(context.parameters.get("callId"), for: p.user)
        return try await callPage(p, call, revealed: try await platform.revealCaller(call, to: p.user, address: context.clientAddress))
    }

    func callPage(_ p: Principal, _ call: Call, revealed: String?) async throws -> Response {
        let earlier = try await platform.earlierCases(call, for: p.user)
        let now = platform.clock.now()
        var c = base(p, nav: "new", title: "来电")
        c["call"] = Web.compact(["id": call.id, "caller": call.callerSealed.flatMap(platform.sealer.open).map(Contact.maskPhone) ?? "未知号码",
                                 "hasCaller": call.callerSealed != nil, "revealed": revealed,
                                 "started": Web.time(call.startedAt), "recording": call.recording ?? "", "caseId": call.caseID ?? 0])
        if revealed != nil { c["flash"] = ["kind": "ok", "text": "已显示完整号码（本次查看已记录）"] }
        c["openCount"] = earlier.filter { $0.state.isOpen }.count
        c["earlier"] = earlier.map { e -> [String: Any] in
            let a = platform.alert(of: e, at: now).level
            return ["id": e.id, "title": e.title, "state": e.state.label, "open": e.state.isOpen, "registered": Web.time(e.registeredAt),
                    "holder": platform.unit(e.holder)?.name ?? "", "alert": a.rawValue, "alertLabel": a == .normal ? "正常" : a.label]
        }
        c["none"] = earlier.isEmpty
        return pages.html("call", c)
    }

    func newContext(_ p: Principal, values: [String: String], errors: [String: String], message: String? = nil) -> [String: Any] {
        var c = base(p, nav: "new", title: "来电登记")
        c["v"] = values
        c["e"] = errors
        c["message"] = message
        c["kinds"] = Self.options(CaseKind.self, selected: values["kind"])
        c["channels"] = Self.options(Channel.self, selected: values["channel"])
        c["categories"] = ([["value": "", "label": "（由系统建议）", "selected": (values["category"] ?? "").isEmpty]] as [[String: Any]])
            + platform.categoryDepartments.keys.sorted().map { ["value": $0, "label": $0, "selected": $0 == values["category"]] }
        c["key"] = values["_key"] ?? Secrets.random(bytes: 12)
        if let lu = values["locationUnit"].flatMap(Int64.init), let un = platform.unit(lu) { c["locationName"] = un.name }
        if let q = values["unitq"], !q.isEmpty {
            c["locationHits"] = units.search(q, within: nil, limit: 20).map { ["id": $0.id, "name": $0.path] }
        }
        return c
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        var request = request
        // A letter comes with its scanned pages: then the form is multipart.
        var f: [String: String] = [:]
        var parts: [MultipartPart] = []
        if let boundary = Multipart.boundary(request.headers[.contentType]) {
            let body = try await request.collectBody(upTo: APILimits.maxUploadBytes)
            parts = try Multipart.parse(Array(body.readableBytesView), boundary: boundary)
            for part in parts where part.filename == nil { f[part.name] = String(decoding: part.data, as: UTF8.self) }
        } else {
            f = try await Web.form(request)
        }
        if f["searchUnits"] != nil { return pages.html("new", newContext(p, values: f, errors: [:])) }
        do {
            let scans = parts.contains { $0.filename != nil && !$0.data.isEmpty } ? parts.filter { $0.name == "pages" } : []
            if !scans.isEmpty && files == nil { throw APIError.invalid("pages", "本平台未开启附件存储，无法上传扫描件") }
            let pagesIn = try files?.acceptPages(scans) ?? []
            var values = f
            if values["channel"]?.trimmed.isEmpty ?? true { values["channel"] = Channel.phone.rawValue }
            // The number of visitors counts only for a visit (the field stays on the form for every channel).
            if values["channel"] != Channel.visit.rawValue { values["visitors"] = nil }
            let form = FormFields(values, allowed: Platform.staffDraftFields + ["name", "phone", "idNumber", "anonymous"])
            let citizen = Citizen(name: try form.text("name", max: 50), phone: try form.text("phone", max: 20),
                                  idNumber: try form.text("idNumber", max: 18), anonymous: try form.bool("anonymous") ?? false)
            let (c, _, _) = try await platform.registerByStaff(try Platform.staffDraft(form, citizen: citizen), by: p.user,
                                                               idempotencyKey: f["_key"].map { "web:" + $0 })
            if let files, !pagesIn.isEmpty { _ = try await files.attach(pagesIn, to: c.id, platform: platform, at: platform.clock.now()) }
            return Web.redirect("/console/cases/\(c.id)?done=\(c.finalCase == nil ? "register" : "matterFinal")")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError || e.status == .forbidden { throw error }
            var field = e.field ?? ""
            if field.hasPrefix("citizen.") { field = String(field.dropFirst(8)) }
            if e.code == "too_large" || e.code == "unsupported_type" { field = "pages" }
            // A field the form shows its error beside gets it there; any other refusal (诉求类型, 渠道, the call, the
            // center) is the page's message, so that the registrar always reads why nothing was registered.
            let inline = Self.inlineErrorFields.contains(field)
            return pages.html("new", newContext(p, values: f, errors: inline ? [field: e.message] : [:], message: inline ? nil : e.message),
                              status: e.status)
        }
    }
}
