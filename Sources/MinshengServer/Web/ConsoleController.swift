import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// The staff console (issue 5 item 2): login, the inbox, the case page with exactly the steps the user may take,
/// the registrar's quick entry. Server-rendered; every page works without JavaScript.
struct ConsoleController {
    let platform: Platform
    let pages: Pages
    let cases: CasesController
    let units: UnitSearch
    let files: FileVault?

    init(platform: Platform, pages: Pages, files: FileVault? = nil) {
        self.platform = platform
        self.pages = pages
        self.files = files
        cases = CasesController(platform: platform)
        units = UnitSearch(platform: platform)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("login", use: loginForm)
        group.post("login", use: login)
        group.post("logout", use: logout)
        group.get("console", use: inbox)
        group.get("console/cases/:id", use: casePage)
        group.post("console/cases/:id/contact", use: reveal)
        group.post("console/cases/:id/act/:action", use: act)
        group.get("console/cases/:id/files/:aid", use: file)
        group.post("console/cases/:id/disclose", use: disclose)
        group.get("console/new", use: newForm)
        group.post("console/new", use: register)
        group.get("console/units", use: unitSearch)
        group.get("console/calls/:callId", use: callScreen)
        group.post("console/calls/:callId/reveal", use: revealCaller)
        group.get("console/password", use: passwordForm)
        group.post("console/password", use: changePassword)
        group.get("static/:file") { _, context in
            guard let name = context.parameters.get("file"), let f = pages.statics[name] else { throw APIError.notFound("文件不存在") }
            return Response(status: .ok, headers: [.contentType: f.type, .cacheControl: "public, max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: f.body)))
        }
    }

    // MARK: Common page context

    func base(_ p: Principal, nav: String, title: String) -> [String: Any] {
        let u = p.user
        return [
            "me": [
                "name": u.name, "login": u.login, "unitName": platform.unit(u.unit)?.name ?? "",
                "roleLabels": u.roles.map(\.label).sorted().joined(separator: "、"),
                "canRegister": !u.roles.isDisjoint(with: [.registrar, .dispatcher]),
                "canDashboard": !u.roles.isDisjoint(with: [.leader, .supervisor, .dispatcher]),
                "isAdmin": u.roles.contains(.admin),
            ] as [String: Any],
            "csrf": p.token.csrf,
            "nav": [nav: true],
            "pageTitle": title,
        ]
    }

    /// The signed-in user, or a redirect to the login form.
    func user(_ context: AppRequestContext) throws -> Principal {
        guard let p = context.principal else { throw APIError(.unauthorized, "unauthorized", "请先登录") }
        return p
    }

    static func options<E: DomainEnum>(_ type: E.Type, selected: String? = nil, blank: String? = nil) -> [[String: Any]] {
        var out: [[String: Any]] = []
        if let blank { out.append(["value": "", "label": blank, "selected": selected == nil || selected == ""]) }
        for e in E.allCases { out.append(["value": e.rawValue, "label": e.label, "selected": e.rawValue == selected]) }
        return out
    }

    // MARK: Login

    @Sendable func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.principal != nil { return Web.redirect("/console") }
        return pages.html("login", ["next": Web.safeNext(request.uri.queryParameters.get("next").map { String($0) })])
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let f = try await Web.form(request)
        let login = (f["login"] ?? "").trimmingCharacters(in: .whitespaces)
        let next = Web.safeNext(f["next"])
        func again(_ message: String, _ status: HTTPResponse.Status) -> Response {
            pages.html("login", ["error": message, "login": login, "next": next], status: status)
        }
        guard !login.isEmpty, let pw = f["password"], !pw.isEmpty else { return again("请输入登录名和密码", .badRequest) }
        do {
            let (p, secret) = try await platform.accounts.login(login, password: pw, address: context.clientAddress)
            let cookie = AuthController.sessionCookie(secret, maxAge: platform.accounts.settings.sessionMaxSeconds,
                                                      secure: platform.accounts.settings.secureCookies || context.secure)
            return Web.redirect(p.user.mustChangePassword ? "/console/password" : next, cookie: cookie)
        } catch let e as Accounts.LoginFailure {
            switch e {
            case .invalid: return again("登录名或密码错误", .unauthorized)
            case .disabled: return again("账号已停用，请联系管理员", .forbidden)
            case let .locked(until): return again("连续登录失败次数过多，账号已锁定至 \(Web.time(until))", .init(code: 423, reasonPhrase: "Locked"))
            }
        }
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let p = context.principal {
            try await platform.accounts.revoke(tokenID: p.token.id)
            try await platform.store.logAuth(AuthEvent(at: platform.clock.now(), login: p.user.login, userID: p.user.id, outcome: "logout", address: context.clientAddress))
        }
        return Web.redirect("/login", cookie: AuthController.clearedCookie(secure: platform.accounts.settings.secureCookies || context.secure))
    }

    @Sendable func passwordForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        var c = base(p, nav: "", title: "修改密码")
        c["must"] = p.user.mustChangePassword
        return pages.html("password", c)
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let f = try await Web.form(request)
        var c = base(p, nav: "", title: "修改密码")
        c["must"] = p.user.mustChangePassword
        let current = f["current"] ?? "", new = f["new"] ?? ""
        let secret: String
        do {
            guard new == f["confirm"] else { throw APIError.invalid("confirm", "两次输入的新密码不一致") }
            (_, secret) = try await platform.accounts.changePassword(of: p.user, current: current, new: new, address: context.clientAddress)
        } catch let e as APIError {
            c["errors"] = [e.field ?? "new": e.message]
            return pages.html("password", c, status: e.status)
        }
        return Web.redirect("/console?flash=password", cookie: AuthController.sessionCookie(
            secret, maxAge: platform.accounts.settings.sessionMaxSeconds, secure: platform.accounts.settings.secureCookies || context.secure))
    }

    /// An event's fields in words: 方式：交办；承办单位：渝中区生态环境局 (the timeline's second line).
    static func describe(_ data: [String: String], platform: Platform) -> [String] {
        func label<E: DomainEnum>(_ t: E.Type, _ v: String) -> String { E(rawValue: v)?.label ?? v }
        let order = ["toUnit", "unit", "mode", "result", "route", "reason", "amount", "caseClass", "evaluation", "service",
                     "kind", "channel", "repeatOf", "finalCase", "similar", "risks", "ownerName", "level", "due"]
        var out: [String] = []
        for k in order {
            guard let v = data[k], !v.isEmpty else { continue }
            switch k {
            case "toUnit", "unit": out.append("单位：" + (Int64(v).flatMap(platform.unit)?.name ?? v))
            case "mode": out.append("方式：" + label(DispatchMode.self, v))
            case "result": out.append("结果：" + label(ReplyResult.self, v))
            case "route": out.append("途径：" + label(LegalRoute.self, v))
            case "reason": out.append("理由：" + (PauseReason(rawValue: v)?.label ?? v))
            case "amount": out.append("天数：" + v)
            case "caseClass": out.append("类别：" + label(CaseClass.self, v))
            case "evaluation": out.append("评价：" + label(Evaluation.self, v))
            case "service": out.append("移交：" + label(EmergencyService.self, v))
            case "kind": out.append("类型：" + (CaseKind(rawValue: v)?.label ?? FieldCheckKind(rawValue: v)?.label ?? AccountabilityKind(rawValue: v)?.label ?? v))
            case "channel": out.append("渠道：" + label(Channel.self, v))
            case "repeatOf": out.append("重复件，首件 #" + v)
            case "finalCase": out.append("终结件 #" + v)
            case "due": if let s = Int64(v) { out.append("期限：" + Instant(seconds: s).deadlineText) }
            case "similar": out.append("相似诉求 " + v.split(separator: ",").map { "#" + $0 }.joined(separator: " "))
            case "risks": out.append("风险：" + v.split(separator: ",").map { platform.riskName(String($0)) }.joined(separator: "、"))
            case "ownerName": out.append("领办人：" + v)
            case "level": out.append("预警：" + label(AlertLevel.self, v))
            default: break
            }
        }
        return out
    }

    // MARK: Inbox

    static let tabs: [(String, String)] = [("mine", "本单位待办"), ("all", "辖区全部"), ("co", "协办"), ("owned", "我领办的"), ("proposed", "建议领导领办")]

    @Sendable func inbox(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let u = p.user
        let params = request.uri.queryParameters
        func param(_ k: String) -> String? { params.get(k).flatMap { $0.isEmpty ? nil : String($0) } }
        var c = base(p, nav: "inbox", title: "收件箱")
        guard !u.roles.isDisjoint(with: Platform.caseRoles) else {
            c["noCases"] = true
            return pages.html("inbox", c)
        }
        let isLeader = u.roles.contains(.leader)
        let tab = param("tab") ?? (isLeader && !u.roles.contains(.handler) && !u.roles.contains(.dispatcher) ? "all" : "mine")
        var q = CaseQuery(now: platform.clock.now())
        q.limit = 50
        switch tab {
        case "all": q.scope = platform.scopeUnits(of: u)
        case "co": q.coHandler = u.unit
        case "owned": q.owner = "user:\(u.id)"
        case "proposed": q.leaderProposed = true; q.scope = platform.scopeUnits(of: u)
        default: q.unit = u.unit; q.openOnly = true; q.order = .due
        }
        if let s = param("state") { q.state = CaseState(rawValue: s) }
        if let a = param("alert") { q.alert = AlertLevel(rawValue: a) }
        if param("risk") == "1" { q.risk = true }
        if let k = param("kind") { q.kind = CaseKind(rawValue: k) }
        if let ch = param("channel") { q.channel = Channel(rawValue: ch) }
        if let text = param("q") { q.text = String(text.prefix(100)); q.order = .relevance }
        if param("open") == "1" { q.openOnly = true }
        if let o = param("order"), let order = CaseOrder(rawValue: o) { q.order = order }
        q.cursor = param("cursor")
        let page = try await platform.store.cases(q)
        let now = platform.clock.now()
        c["tabs"] = Self.tabs.filter { t in
            switch t.0 {
            case "owned", "proposed": return isLeader
            case "co": return u.roles.contains(.handler)
            default: return true
            }
        }.map { ["key": $0.0, "label": $0.1, "on": $0.0 == tab] as [String: Any] }
        c["tab"] = tab
        c["filters"] = [
            "q": param("q") ?? "",
            "states": Self.options(CaseState.self, selected: param("state"), blank: "全部状态"),
            "alerts": Self.options(AlertLevel.self, selected: param("alert"), blank: "全部预警"),
            "kinds": Self.options(CaseKind.self, selected: param("kind"), blank: "全部类型"),
            "channels": Self.options(Channel.self, selected: param("channel"), blank: "全部渠道"),
            "risk": param("risk") == "1",
        ] as [String: Any]
        c["rows"] = page.items.map { s -> [String: Any] in
            Web.compact([
                "id": s.id, "title": s.title, "code": s.trackingCode, "state": s.state.label,
                "alert": s.alert.rawValue, "alertLabel": s.alert == .normal ? "正常" : s.alert.label,
                "kind": s.kind.label, "channel": s.channel.label, "holder": platform.unit(s.holder)?.name ?? "",
                "due": Web.deadline(s.due), "overdue": s.due.map { $0 < now } ?? false, "registered": Web.time(s.registeredAt),
                "risk": s.risk,
                "groupVisit": (s.visitors ?? 0) >= Case.groupVisitSize, "visitors": s.visitors.map(String.init) ?? "",
                "scans": s.channel == .letter && s.attachments > 0 ? "\(s.attachments)页" : "",
            ])
        }
        c["empty"] = page.items.isEmpty
        if let next = page.nextCursor {
            var comps = URLComponents()
            comps.queryItems = ["tab", "state", "alert", "risk", "kind", "channel", "q", "open", "order"].compactMap { k in param(k).map { URLQueryItem(name: k, value: $0) } }
                + [URLQueryItem(name: "tab", value: tab), URLQueryItem(name: "cursor", value: next)]
            c["next"] = "/console?" + (comps.percentEncodedQuery ?? "")
        }
        if param("flash") == "password" { c["flash"] = ["kind": "ok", "text": "密码已修改"] }
        return pages.html("inbox", c)
    }

    // MARK: Case page

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
        let c0 = try await cases.readable(id, by: u)
        let events = try await platform.store.events(of: id)
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
        let attachments = try await platform.store.attachments(of: id)
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
        let c0 = try await cases.readable(id, by: p.user)
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
            _ = try await cases.takeStep(action, on: id, by: p.user, body: ActionForms.json(from: form, for: action))
        } catch {
            let e = APIError.from(error)
            if e.status == .notFound || e.status == .internalServerError { throw error }
            return try await renderCase(p, id: id, failed: (name, e.message, e.field, form), status: e.status)
        }
        // After a step that moves the case out of reach (a transfer), the case page would be a 404: go to the inbox.
        if (try? await cases.readable(id, by: p.user)) == nil { return Web.redirect("/console?done=\(name)") }
        return Web.redirect("/console/cases/\(id)?done=\(name)")
    }

    /// A file of the case, to users who may read the case; never a path from the client.
    @Sendable func file(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let id = try caseID(context)
        _ = try await cases.readable(id, by: p.user)
        guard let aid = context.parameters.get("aid").flatMap(Int64.init),
              let a = try await platform.store.attachments(of: id).first(where: { $0.id == aid }),
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
        let c0 = try await cases.readable(id, by: p.user)
        guard [.closed, .final].contains(c0.state), let reply = c0.reply, p.user.unit == c0.center,
              !p.user.roles.isDisjoint(with: [.dispatcher, .registrar]) else {
            throw APIError(.forbidden, "role_not_allowed", "只有登记中心可以选登已办结并已答复的诉求")
        }
        let redact = platform.publicRedaction(of: c0)
        try await platform.store.disclose(Disclosure(
            caseID: id, at: platform.clock.now(), userID: p.user.id, title: redact(c0.title),
            content: redact(c0.content), reply: redact(reply.text),
            unitName: reply.unit.flatMap(platform.unit)?.name ?? "", category: c0.category, registeredAt: c0.registeredAt,
            repliedAt: reply.at, evaluation: c0.evaluation?.label))
        _ = try await platform.perform(.note, on: id, by: try platform.actor(p.user, for: .note, on: c0), note: "选登公开（已隐去个人信息）")
        return Web.redirect("/console/cases/\(id)?done=disclose")
    }

    // MARK: Quick registration (来电登记)

    static let newFields = ["phone", "name", "idNumber", "kind", "title", "content", "address", "locationUnit", "category", "channel"]

    @Sendable func newForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        guard !p.user.roles.isDisjoint(with: [.registrar, .dispatcher]) else { throw APIError(.forbidden, "role_not_allowed", "需要登记员或分拨员角色") }
        var values = ["channel": "phone", "kind": "complaint"]
        // From the call screen: the call's id rides along and the case takes the caller's number from the call; the
        // form shows it masked (the full number is a logged reveal). Only the call's own agent gets this far.
        if let callID = request.uri.queryParameters.get("call").map({ String($0) }) {
            let call = try await HotlineController(platform: platform).ownCall(callID, for: p.user)
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
        let call = try await HotlineController(platform: platform).ownCall(context.parameters.get("callId"), for: p.user)
        return try await callPage(p, call, revealed: nil)
    }

    /// "显示完整号码" on the call screen: the number in clear this once, written to the access log.
    @Sendable func revealCaller(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        guard !p.user.roles.isDisjoint(with: HotlineController.agents) else { throw APIError(.forbidden, "role_not_allowed", "需要登记员或分拨员角色") }
        let hotline = HotlineController(platform: platform)
        let call = try await hotline.ownCall(context.parameters.get("callId"), for: p.user)
        return try await callPage(p, call, revealed: try await hotline.revealCaller(call, to: p.user, address: context.clientAddress))
    }

    func callPage(_ p: Principal, _ call: Call, revealed: String?) async throws -> Response {
        let earlier = try await HotlineController(platform: platform).earlierCases(call, for: p.user)
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
        var body: [(String, JSON)] = [("channel", .string(f["channel"] ?? "phone")), ("kind", .string(f["kind"] ?? "")),
                                      ("title", .string(f["title"] ?? "")), ("content", .string(f["content"] ?? ""))]
        var citizen: [(String, JSON)] = []
        for k in ["name", "phone", "idNumber"] { if let v = f[k], !v.trimmed.isEmpty { citizen.append((k, .string(v))) } }
        if f["anonymous"] != nil { citizen.append(("anonymous", .bool(true))) }
        if !citizen.isEmpty { body.append(("citizen", .object(citizen))) }
        if let a = f["address"], !a.trimmed.isEmpty { body.append(("address", .string(a))) }
        if let lu = f["locationUnit"], !lu.isEmpty { body.append(("locationUnit", Int64(lu).map { .int($0) } ?? .string(lu))) }
        if let cat = f["category"], !cat.isEmpty { body.append(("category", .string(cat))) }
        if let call = f["callId"], !call.isEmpty { body.append(("callId", .string(call))) }
        // The number of visitors counts only for a visit (the field stays on the form for every channel).
        if f["channel"] == Channel.visit.rawValue, let n = f["visitors"]?.trimmed, !n.isEmpty {
            body.append(("visitors", Int64(n).map { .int($0) } ?? .string(n)))
        }
        do {
            let scans = parts.contains { $0.filename != nil && !$0.data.isEmpty } ? parts.filter { $0.name == "pages" } : []
            if !scans.isEmpty && files == nil { throw APIError.invalid("pages", "本平台未开启附件存储，无法上传扫描件") }
            let pagesIn = try files?.acceptPages(scans) ?? []
            let (c, _, _) = try await cases.register(json: .object(body), user: p.user, idempotencyKey: f["_key"].map { "web:" + $0 })
            if let files, !pagesIn.isEmpty { _ = try await files.attach(pagesIn, to: c.id, store: platform.store, at: platform.clock.now()) }
            return Web.redirect("/console/cases/\(c.id)?done=\(c.finalCase == nil ? "register" : "matterFinal")")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError || e.status == .forbidden { throw error }
            var field = e.field ?? ""
            if field.hasPrefix("citizen.") { field = String(field.dropFirst(8)) }
            if e.code == "too_large" || e.code == "unsupported_type" { field = "pages" }
            return pages.html("new", newContext(p, values: f, errors: field.isEmpty ? [:] : [field: e.message], message: field.isEmpty ? e.message : nil),
                              status: e.status)
        }
    }

    // MARK: Unit picker

    @Sendable func unitSearch(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let p = try user(context)
        let q = request.uri.queryParameters.get("q").map { String($0) } ?? ""
        let within = request.uri.queryParameters.get("scope") == "all" ? nil : platform.scopeRoot(of: p.user)
        return .object([("items", .array(units.search(q, within: within, limit: 30).map { h in
            .object([("id", .int(h.id)), ("name", .string(h.name)), ("path", .string(h.path))])
        }))])
    }

    private func caseID(_ context: AppRequestContext) throws -> CaseID {
        guard let s = context.parameters.get("id"), let id = Int64(s), id > 0 else { throw APIError.notFound("诉求件不存在") }
        return id
    }
}

extension APIError {
    /// The field a refusal names, if any.
    var field: String? {
        guard let v = details.first(where: { $0.0 == "field" })?.1, case let .string(s) = v else { return nil }
        return s
    }
}
