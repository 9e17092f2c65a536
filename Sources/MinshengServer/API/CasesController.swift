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

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let user = try context.requireRole([.registrar, .dispatcher]).user
        let f = try Fields(try await request.jsonBody(context: context), allowed: Platform.staffDraftFields)
        var citizen = Citizen()
        if let c = try f.object("citizen", allowed: ["name", "phone", "idNumber", "anonymous"]) {
            citizen = Citizen(name: try c.string("name", max: 50), phone: try c.string("phone", max: 20),
                              idNumber: try c.string("idNumber", max: 18), anonymous: try c.bool("anonymous") ?? false)
        }
        let (c, created, clear) = try await platform.registerByStaff(try Platform.staffDraft(f, citizen: citizen), by: user,
                                                                    idempotencyKey: request.headers[.init("Idempotency-Key")!])
        // A new case's contact is the one just sealed: masked from the clear copy, not opened again (AES-GCM).
        let body = platform.renderRegistered(c, at: platform.clock.now(), viewer: user, clearCitizen: created ? clear : nil)
        return JSONResponse(status: created ? .created : .ok, json: body, headers: [.location: "/api/v1/cases/\(c.id)"])
    }

    /// The Idempotency-Key, scoped to its client so that two clients' keys never meet.
    static func clientKey(_ request: Request, scope: String) -> String? {
        guard let k = request.headers[.init("Idempotency-Key")!]?.trimmingCharacters(in: .whitespaces), !k.isEmpty else { return nil }
        return scope + ":" + String(k.prefix(100))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireUser().user
        let id = try caseID(context)
        guard let c = try await platform.case(id) else { throw APIError.notFound("诉求件 \(id) 不存在") }
        let events = try await platform.events(of: id)
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
        let c = try await platform.readableCase(id, by: user)
        let (_, email) = try await platform.revealContact(c, to: user, address: context.clientAddress)
        var out: [(String, JSON)] = [("caseId", .int(c.id)), ("citizen", platform.renderContact(c.citizen)), ("logged", .bool(true))]
        if let email { out.append(("email", .string(email))) }
        return .object(out)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireRole(Platform.caseRoles).user
        let p = try QueryParams(request, known: ["unit", "coHandler", "owner", "leaderProposed", "state", "open", "alert", "risk", "kind",
                                                 "channel", "category", "from", "to", "q", "order", "cursor", "limit"])
        var q = CaseQuery(now: platform.clock.now())
        q.unit = try p.int("unit")
        q.coHandler = try p.int("coHandler")
        let root = platform.scopeRoot(of: user)
        for (name, u) in [("unit", q.unit), ("coHandler", q.coHandler)] {
            if let u, !platform.isWithin(u, root: root) {
                throw APIError(.forbidden, "out_of_scope", "\(name)：单位 \(u) 不在您的管辖范围内")
            }
        }
        // A co-handled case may be held outside the scope: the co-handler filter is the restriction then.
        q.scope = q.coHandler == nil ? platform.scopeUnits(of: user) : nil
        q.owner = p.get("owner").map { $0 == "me" ? "user:\(user.id)" : $0 }
        q.leaderProposed = try p.bool("leaderProposed") ?? false
        q.state = try p.value("state", CaseState.self)
        q.openOnly = try p.bool("open") ?? q.openOnly
        q.alert = try p.value("alert", AlertLevel.self)
        q.risk = try p.bool("risk")
        q.kind = try p.value("kind", CaseKind.self)
        q.channel = try p.value("channel", Channel.self)
        q.category = p.get("category")
        q.from = try p.time("from")
        if let to = p.get("to") {
            // A bare date means "through that day".
            guard let i = Instant.parse(to) else { throw APIError.invalid("to", "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
            q.to = to.count == 10 ? i.adding(seconds: 86_400) : i
        }
        q.text = p.get("q").map { String($0.prefix(100)) }
        if let o = p.get("order") {
            guard let order = CaseOrder(rawValue: o) else {
                throw APIError.invalid("order", "可选：\(CaseOrder.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            q.order = order
        } else if q.text != nil {
            q.order = .relevance
        } else if q.unit != nil && q.openOnly {
            q.order = .due
        }
        q.cursor = p.get("cursor")
        if let l = try p.int("limit") {
            guard (1...500).contains(l) else { throw APIError.invalid("limit", "应在 1 到 500 之间") }
            q.limit = Int(l)
        }
        let page = try await platform.cases(q)
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
        let c = try await platform.takeStep(action, on: id, by: user,
                                            input: try Fields(json, allowed: Platform.stepFields[action, default: []] + ["note"]))
        let events = try await platform.events(of: id)
        return platform.render(c, events: events, at: platform.clock.now(), viewer: user)
    }

    private func caseID(_ context: AppRequestContext) throws -> CaseID {
        guard let s = context.parameters.get("id"), let id = Int64(s), id > 0 else {
            throw APIError.notFound("诉求件不存在")
        }
        return id
    }
}
