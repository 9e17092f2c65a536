import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// /api/v1/cases: register, read, list, and one endpoint per lifecycle action.
struct CasesController {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("cases", use: create)
        group.get("cases", use: list)
        group.get("cases/:id", use: show)
        group.get("cases/:id/contact", use: contact)
        group.post("cases/:id/:action", use: act)
    }

    static let createFields = ["channel", "kind", "title", "content", "citizen", "address", "locationUnit", "category",
                               "caseClass", "center", "policy", "receivedAt", "note", "callId", "visitors"]

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let user = try context.requireRole([.registrar, .dispatcher]).user
        let json = try await request.jsonBody(context: context)
        let key = request.headers[.init("Idempotency-Key")!]
        let (c, created, clear) = try await register(json: json, user: user, idempotencyKey: key)
        // A new case's contact is the one just sealed: masked from the clear copy, not opened again (AES-GCM).
        let body = platform.renderRegistered(c, at: platform.clock.now(), viewer: user, clearCitizen: created ? clear : nil)
        return JSONResponse(status: created ? .created : .ok, json: body, headers: [.location: "/api/v1/cases/\(c.id)"])
    }

    /// Registration by a staff user, from the API or the console's quick-entry form.
    func register(json: JSON, user: User, idempotencyKey: String?) async throws -> (Case, created: Bool, citizen: Citizen) {
        guard !user.roles.isDisjoint(with: [.registrar, .dispatcher]) else {
            throw APIError(.forbidden, "role_not_allowed", "需要角色：登记员、分拨员")
        }
        let f = try Fields(json, allowed: Self.createFields)
        var draft = CaseDraft(
            channel: try f.value("channel", Channel.self, required: true)!,
            kind: try f.value("kind", CaseKind.self, required: true)!,
            title: try f.requiredString("title", max: APILimits.maxTitle),
            content: try f.requiredString("content", max: APILimits.maxContent))
        if let c = try f.object("citizen", allowed: ["name", "phone", "idNumber", "anonymous"]) {
            draft.citizen = Citizen(name: try c.string("name", max: 50), phone: try c.string("phone", max: 20),
                                    idNumber: try c.string("idNumber", max: 18), anonymous: try c.bool("anonymous") ?? false)
        }
        draft.address = try f.string("address", max: 200)
        draft.locationUnit = try f.int("locationUnit")
        draft.category = try f.string("category", max: 50)
        draft.caseClass = try f.value("caseClass", CaseClass.self)
        draft.center = try f.int("center")
        draft.policyID = try f.string("policy", max: 40)
        draft.note = try f.string("note", max: APILimits.maxNote) ?? ""
        if let r = try f.string("receivedAt", max: 40) {
            guard let i = Instant.parse(r) else { throw APIError.invalid("receivedAt", "应为 ISO 8601 时间，如 2026-10-09T08:30:00+08:00") }
            draft.receivedAt = i
        }
        draft.center = try registeringCenter(draft.center, for: user)
        // 来访: the number of people who came (a group visit from five); a visit without the number is one person.
        if let n = try f.int("visitors") {
            guard draft.channel == .visit else { throw APIError.invalid("visitors", "来访人数只用于来访（channel 为 visit）") }
            guard (1...10_000).contains(n) else { throw APIError.invalid("visitors", "来访人数应为 1 到 10000") }
            draft.visitors = Int(n)
        } else if draft.channel == .visit {
            draft.visitors = 1
        }
        // A letter's writer is not there to be told the tracking code: it goes by SMS to a mobile number, through the
        // outbox (its delivery is the letter's acknowledgement).
        if draft.channel == .letter { draft.acknowledge = true }
        // A hotline call: the case keeps the call id and the recording; the caller's number if none was typed.
        var call: Call?
        if let callID = try f.string("callId", max: 100) {
            // Only the call's own agent registers from it (and so gets its number into the case).
            guard let c = try await platform.store.call(callID), c.userID == user.id else {
                throw APIError.invalid("callId", "来电记录 \(callID) 不存在或不是您的来电")
            }
            call = c
            draft.eventData["callId"] = callID
            if let r = c.recording { draft.eventData["recording"] = r }
            if draft.citizen.phone == nil, let sealed = c.callerSealed { draft.citizen.phone = platform.sealer.open(sealed) }
        }
        let actor = try platform.actor(user, for: .register, on: nil)
        let key = idempotencyKey.flatMap { k -> String? in
            let t = k.trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : "u\(user.id):" + String(t.prefix(100))
        }
        let outcome = try await platform.register(draft, by: actor, clientKey: key)
        try Self.checkReplay(outcome, draft)
        if let call { try await platform.store.linkCall(call.id, to: outcome.case.id) }
        return (outcome.case, outcome.created, try Platform.validated(draft.citizen))
    }

    /// The Idempotency-Key, scoped to its client so that two clients' keys never meet.
    static func clientKey(_ request: Request, scope: String) -> String? {
        guard let k = request.headers[.init("Idempotency-Key")!]?.trimmingCharacters(in: .whitespaces), !k.isEmpty else { return nil }
        return scope + ":" + String(k.prefix(100))
    }

    /// A retry must be the same request: a key reused for different content is refused, not answered with
    /// somebody else's case.
    static func checkReplay(_ outcome: RegisterOutcome, _ draft: CaseDraft) throws {
        guard !outcome.created else { return }
        if outcome.case.title != draft.title || outcome.case.content != draft.content || outcome.case.channel != draft.channel {
            throw APIError(.unprocessableContent, "idempotency_key_reused", "Idempotency-Key 已用于另一份不同的诉求，请为新诉求使用新的键")
        }
    }

    /// Staff register at their own center; a registrar elsewhere names a center within their scope.
    private func registeringCenter(_ asked: UnitID?, for user: User) throws -> UnitID {
        let own = platform.unit(user.unit)
        if let asked, asked != user.unit {
            guard let u = platform.unit(asked), u.kind == .center else { throw APIError.invalid("center", "登记中心单位不存在或不是信访/民生办") }
            guard platform.isWithin(asked, root: platform.scopeRoot(of: user)) else {
                throw APIError(.forbidden, "out_of_scope", "不能在管辖范围以外的信访/民生办登记")
            }
            return asked
        }
        guard let own, own.kind == .center else {
            throw APIError.invalid("center", "您的单位不是信访/民生办，请指定登记中心 center")
        }
        return own.id
    }

    /// The case if `user` has full access; 404 otherwise (existence is not revealed).
    func readable(_ id: CaseID, by user: User) async throws -> Case {
        guard let c = try await platform.store.case(id), platform.access(user, to: c) == .full else {
            throw APIError.notFound("诉求件 \(id) 不存在")
        }
        return c
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireUser().user
        let id = try caseID(context)
        guard let c = try await platform.store.case(id) else { throw APIError.notFound("诉求件 \(id) 不存在") }
        let events = try await platform.store.events(of: id)
        switch platform.access(user, to: c, events: events) {
        case .full:
            return platform.render(c, events: events, at: platform.clock.now(), viewer: user)
        case .former:
            // A unit the case has left keeps its own part of the history, nothing more.
            let root = platform.scopeRoot(of: user)
            return .object([
                ("id", .int(c.id)), ("access", .string("former")),
                ("history", .array(events.filter { $0.unit.map { platform.isWithin($0, root: root) } ?? false }.map(platform.render))),
            ])
        case .none:
            throw APIError.notFound("诉求件 \(id) 不存在")
        }
    }

    /// The unmasked contact, for a user who may see it; every answer is written to the access log.
    @Sendable func contact(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireUser().user
        let id = try caseID(context)
        let c = try await readable(id, by: user)
        let (_, email) = try await platform.revealContact(c, to: user, address: context.clientAddress)
        var out: [(String, JSON)] = [("caseId", .int(c.id)), ("citizen", platform.renderContact(c.citizen)), ("logged", .bool(true))]
        if let email { out.append(("email", .string(email))) }
        return .object(out)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireRole(Platform.caseRoles).user
        let p = request.uri.queryParameters
        var q = CaseQuery(now: platform.clock.now())
        func param(_ k: String) -> String? {
            guard let v = p.get(k), !v.isEmpty else { return nil }
            return v
        }
        func int(_ k: String) throws -> Int64? {
            guard let v = param(k) else { return nil }
            guard let i = Int64(v) else { throw APIError.invalid(k, "应为整数") }
            return i
        }
        func time(_ k: String) throws -> Instant? {
            guard let v = param(k) else { return nil }
            guard let i = Instant.parse(v) else { throw APIError.invalid(k, "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
            return i
        }
        let known: Set<String> = ["unit", "coHandler", "owner", "leaderProposed", "state", "open", "alert", "risk", "kind", "channel", "category", "from", "to", "q", "order", "cursor", "limit"]
        for (k, _) in p where !known.contains(String(k)) {
            throw APIError(.badRequest, "unknown_parameter", "未知查询参数 \(k)；可用：\(known.sorted().joined(separator: ", "))")
        }
        q.unit = try int("unit")
        q.coHandler = try int("coHandler")
        let root = platform.scopeRoot(of: user)
        for (name, u) in [("unit", q.unit), ("coHandler", q.coHandler)] {
            if let u, !platform.isWithin(u, root: root) {
                throw APIError(.forbidden, "out_of_scope", "\(name)：单位 \(u) 不在您的管辖范围内")
            }
        }
        // A co-handled case may be held outside the scope: the co-handler filter is the restriction then.
        q.scope = q.coHandler == nil ? platform.scopeUnits(of: user) : nil
        q.owner = param("owner").map { $0 == "me" ? "user:\(user.id)" : $0 }
        if let l = param("leaderProposed") {
            guard l == "true" || l == "false" else { throw APIError.invalid("leaderProposed", "应为 true 或 false") }
            q.leaderProposed = l == "true"
        }
        if let s = param("state") { q.state = try parseEnum("state", s, CaseState.self) }
        if let o = param("open") {
            guard o == "true" || o == "false" else { throw APIError.invalid("open", "应为 true 或 false") }
            q.openOnly = o == "true"
        }
        if let a = param("alert") { q.alert = try parseEnum("alert", a, AlertLevel.self) }
        if let r = param("risk") {
            guard r == "true" || r == "false" else { throw APIError.invalid("risk", "应为 true 或 false") }
            q.risk = r == "true"
        }
        if let k = param("kind") { q.kind = try parseEnum("kind", k, CaseKind.self) }
        if let c = param("channel") { q.channel = try parseEnum("channel", c, Channel.self) }
        q.category = param("category")
        q.from = try time("from")
        if let to = param("to") {
            // A bare date means "through that day".
            guard let i = Instant.parse(to) else { throw APIError.invalid("to", "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
            q.to = to.count == 10 ? i.adding(seconds: 86_400) : i
        }
        q.text = param("q").map { String($0.prefix(100)) }
        if let o = param("order") {
            guard let order = CaseOrder(rawValue: o) else {
                throw APIError.invalid("order", "可选：\(CaseOrder.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            q.order = order
        } else if q.text != nil {
            q.order = .relevance
        } else if q.unit != nil && q.openOnly {
            q.order = .due
        }
        q.cursor = param("cursor")
        if let l = try int("limit") {
            guard (1...500).contains(l) else { throw APIError.invalid("limit", "应在 1 到 500 之间") }
            q.limit = Int(l)
        }
        let page = try await platform.store.cases(q)
        return .object([
            ("items", .array(page.items.map(platform.render))),
            ("nextCursor", .opt(page.nextCursor)),
        ])
    }

    @Sendable func act(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireUser().user
        let id = try caseID(context)
        let name = context.parameters.get("action") ?? ""
        guard let action = Action(rawValue: name), action.isStep else {
            throw APIError(.notFound, "unknown_action", "未知操作 \(name)；可用：\(Action.steps.map(\.rawValue).joined(separator: ", "))")
        }
        let buffer = try await request.body.collect(upTo: APILimits.maxBodyBytes)
        let json: JSON = buffer.readableBytes == 0 ? .object([]) : try JSON.parse(Array(buffer.readableBytesView))
        let c = try await takeStep(action, on: id, by: user, body: json)
        let events = try await platform.store.events(of: id)
        return platform.render(c, events: events, at: platform.clock.now(), viewer: user)
    }

    /// One step by a signed-in user, from the API or a console form: scope, role, fields, targets, then the
    /// lifecycle in one transaction.
    func takeStep(_ action: Action, on id: CaseID, by user: User, body json: JSON) async throws -> Case {
        let current = try await readable(id, by: user)
        let actor = try platform.actor(user, for: action, on: current)
        let f = try Fields(json, allowed: Self.actionFields[action, default: []] + ["note"])
        let note = try f.string("note", max: APILimits.maxNote) ?? ""
        let step = try await makeStep(action, f, caseID: id)
        try platform.checkTargets(of: step, for: user)
        return try await platform.perform(step, on: id, by: actor, note: note)
    }

    static let actionFields: [Action: [String]] = [
        .dispatch: ["unit", "mode", "coHandlers"],
        .redispatch: ["unit", "mode", "reason"],
        .return: ["reason"], .object: ["reason"], .denyReturn: ["reason"],
        .transfer: ["unit", "reason"],
        .addCoHandler: ["unit"],
        .accept: ["caseClass"],
        .reject: ["route", "reason"],
        .requestExtension: ["amount", "reason"],
        .approveExtension: ["amount"],
        .denyExtension: ["reason"],
        .pause: ["reason"],
        .handOff: ["service"],
        .reply: ["result", "text"],
        .evaluate: ["evaluation"],
        .reopen: ["reason"],
        .review: ["reason", "unit"], .rereview: ["reason", "unit"],
        .decideReview: ["result", "text"], .decideRereview: ["result", "text"],
        .superviseOrder: ["text", "due"], .respondSupervision: ["text"],
        .fieldCheck: ["kind", "finding"], .holdAccountable: ["kind", "unit", "text"],
    ]

    private func makeStep(_ action: Action, _ f: Fields, caseID: CaseID) async throws -> Step {
        func unit() throws -> UnitID { try f.int("unit", required: true)! }
        func reason() throws -> String { try f.requiredString("reason", max: APILimits.maxNote) }
        func text() throws -> String { try f.requiredString("text", max: APILimits.maxContent) }
        switch action {
        case .register, .raiseAlert: throw APIError.notFound("未知操作")
        case .dispatch:
            return .dispatch(to: try unit(), mode: try f.value("mode", DispatchMode.self) ?? .forward, coHandlers: try f.intArray("coHandlers"))
        case .redispatch:
            return .redispatch(to: try unit(), mode: try f.value("mode", DispatchMode.self) ?? .forward, reason: try reason())
        case .sign: return .sign
        case .return: return .return(reason: try reason())
        case .object: return .object(reason: try reason())
        case .approveReturn: return .approveReturn
        case .denyReturn: return .denyReturn(reason: try reason())
        case .transfer: return .transfer(to: try unit(), reason: try reason())
        case .addCoHandler: return .addCoHandler(try unit())
        case .accept: return .accept(caseClass: try f.value("caseClass", CaseClass.self))
        case .reject: return .reject(route: try f.value("route", LegalRoute.self, required: true)!, reason: try reason())
        case .requestExtension:
            guard let n = try f.int("amount", required: true), n > 0, n <= 365 else { throw APIError.invalid("amount", "应为 1–365 的整数") }
            return .requestExtension(amount: Int(n), reason: try reason())
        case .approveExtension:
            let n = try f.int("amount")
            if let n, n <= 0 || n > 365 { throw APIError.invalid("amount", "应为 1–365 的整数") }
            return .approveExtension(amount: n.map(Int.init))
        case .denyExtension: return .denyExtension(reason: try reason())
        case .pause: return .pause(reason: try f.value("reason", PauseReason.self, required: true)!)
        case .resume: return .resume
        case .handOff: return .handOff(to: try f.value("service", EmergencyService.self, required: true)!)
        case .reply: return .reply(result: try f.value("result", ReplyResult.self, required: true)!, text: try text())
        case .evaluate: return .evaluate(try f.value("evaluation", Evaluation.self, required: true)!)
        case .reopen: return .reopen(reason: try reason())
        case .close: return .close
        case .review, .rereview:
            let r = try reason()
            var target = try f.int("unit")
            if target == nil {
                guard let c = try await platform.store.case(caseID) else { throw StoreError.caseNotFound(caseID) }
                guard let up = platform.appealUnit(action, for: c) else {
                    throw APIError.invalid("unit", "找不到上一级机关，请指定 unit")
                }
                target = up
            }
            return action == .review ? .review(reason: r, unit: target!) : .rereview(reason: r, unit: target!)
        case .decideReview: return .decideReview(result: try f.value("result", ReplyResult.self, required: true)!, text: try text())
        case .decideRereview: return .decideRereview(result: try f.value("result", ReplyResult.self, required: true)!, text: try text())
        case .note: return .note
        case .remind: return .remind
        case .superviseOrder:
            let d = try f.requiredString("due", max: 40)
            guard var due = Instant.parse(d) else { throw APIError.invalid("due", "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
            if d.count == 10 { due = due.adding(seconds: 86_400) } // a bare date: through that day
            return .superviseOrder(text: try text(), due: due)
        case .respondSupervision: return .respondSupervision(text: try text())
        case .fieldCheck:
            return .fieldCheck(kind: try f.value("kind", FieldCheckKind.self, required: true)!, finding: try f.requiredString("finding", max: APILimits.maxContent))
        case .holdAccountable:
            return .holdAccountable(kind: try f.value("kind", AccountabilityKind.self, required: true)!, unit: try f.int("unit"), text: try text())
        case .takeOwnership: return .takeOwnership(outranksOwner: false) // resolved against the owner by Platform.perform
        case .releaseOwnership: return .releaseOwnership
        }
    }

    private func caseID(_ context: AppRequestContext) throws -> CaseID {
        guard let s = context.parameters.get("id"), let id = Int64(s), id > 0 else {
            throw APIError.notFound("诉求件不存在")
        }
        return id
    }
}
