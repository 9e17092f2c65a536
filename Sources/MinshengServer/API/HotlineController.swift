import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// The hotline (issue 8 item 1): the telephony system reports a call, the agent's screen shows the caller's earlier
/// cases and open matters (来电弹屏), the quick registration links the call and its recording to the case, and callback
/// calls (回访) are recorded with their outcome and, when reached, the citizen's rating.
struct HotlineController {
    let platform: Platform
    static let agents: Set<Role> = [.registrar, .dispatcher]

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("calls", use: report)
        group.get("calls/:callId", use: show)
        group.post("calls/:callId/reveal", use: reveal)
        group.post("cases/:id/callback", use: callback)
    }

    /// POST /api/v1/calls {callId, caller, recording?, startedAt?, agent?}: called by the telephony system (an API token of a
    /// registrar account) or the agent's softphone when a call comes in; reporting the same call again is harmless.
    /// The call belongs to the agent it was routed to (`agent`, a login within the reporter's scope; else the
    /// reporter): only that agent opens its screen, its number and registers from it.
    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let reporter = try context.requireRole(Self.agents).user
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["callId", "caller", "recording", "startedAt", "agent"])
        var user = reporter
        if let login = try f.string("agent", max: 100) {
            guard let a = try await platform.user(login: login), !a.disabled, !a.roles.isDisjoint(with: Self.agents),
                  platform.isWithin(a.unit, root: platform.scopeRoot(of: reporter)) else {
                throw APIError.invalid("agent", "坐席 \(login) 不存在、已停用、不是登记员或分拨员，或不在您的管辖范围内")
            }
            user = a
        }
        let id = try f.requiredString("callId", max: 100)
        var caller: String?
        if let raw = try f.string("caller", max: 30) {
            do { caller = try Contact.normalizedPhone(raw) } catch { throw APIError.invalid("caller", error.message) }
        }
        var started = platform.clock.now()
        if let s = try f.string("startedAt", max: 40) {
            guard let i = Instant.parse(s) else { throw APIError.invalid("startedAt", "应为 ISO 8601 时间") }
            started = i
        }
        let call = try await platform.recordCall(Call(id: id, callerKey: caller.map(platform.sealer.citizenKey),
                                                            callerSealed: caller.map(platform.sealer.seal),
                                                            recording: try f.string("recording", max: 500), startedAt: started, userID: user.id))
        return JSONResponse(status: .created, json: try await screen(call, for: user), headers: [.location: "/api/v1/calls/\(id)"])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireRole(Self.agents).user
        return try await screen(try await platform.ownCall(context.parameters.get("callId"), for: user), for: user)
    }

    /// POST /api/v1/calls/{callId}/reveal: the caller's full number, for the call's agent, written to the access log.
    @Sendable func reveal(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireRole(Self.agents).user
        let call = try await platform.ownCall(context.parameters.get("callId"), for: user)
        return .object([("callId", .string(call.id)),
                        ("caller", .opt(try await platform.revealCaller(call, to: user, address: context.clientAddress)))])
    }

    func screen(_ call: Call, for user: User) async throws -> JSON {
        let earlier = try await platform.earlierCases(call, for: user)
        let now = platform.clock.now()
        return .object([
            ("callId", .string(call.id)),
            ("caller", .opt(call.callerSealed.flatMap(platform.sealer.open).map(Contact.maskPhone))),
            ("recording", .opt(call.recording)), ("startedAt", .time(call.startedAt)), ("caseId", .opt(call.caseID)),
            ("agent", .opt(call.userID)),
            ("openCount", .int(Int64(earlier.filter { $0.state.isOpen }.count))),
            ("earlier", .array(earlier.map { c in
                .object([("id", .int(c.id)), ("trackingCode", .string(c.trackingCode)), ("title", .string(c.title)),
                         ("state", .string(c.state.rawValue)), ("stateLabel", .string(c.state.label)), ("open", .bool(c.state.isOpen)),
                         ("registeredAt", .time(c.registeredAt)), ("holder", platform.unitRef(c.holder)), ("due", .time(c.currentDue)),
                         ("alert", .string(platform.alert(of: c, at: now).level.rawValue))])
            })),
        ])
    }

    /// POST /api/v1/cases/{id}/callback {reached, evaluation?, note?}: a callback call (回访). Reached with a rating:
    /// the citizen's evaluation, taken by the agent; otherwise a note that the call did not get through.
    @Sendable func callback(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireRole(Self.agents).user
        guard let s = context.parameters.get("id"), let id = Int64(s), id > 0 else { throw APIError.notFound("诉求件不存在") }
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["reached", "evaluation", "note", "callId"])
        guard let reached = try f.bool("reached") else { throw APIError.missing("reached") }
        let note = try f.string("note", max: APILimits.maxNote) ?? ""
        // The telephony system's id of the outbound call: kept in the history, so the recording can be found.
        let callID = try f.string("callId", max: 100)
        let evaluation = try f.value("evaluation", Evaluation.self)
        if evaluation != nil && !reached { throw APIError.invalid("evaluation", "未接通的回访不能记录评价") }
        let c0 = try await platform.readableCase(id, by: user)
        let text = "回访" + (reached ? "已接通" : "未接通") + (callID.map { "（通话 \($0)）" } ?? "") + (note.isEmpty ? "" : "：" + note)
        let updated: Case
        if let evaluation {
            updated = try await platform.perform(.evaluate(evaluation), on: id, by: try platform.actor(user, for: .evaluate, on: c0), note: text)
        } else {
            updated = try await platform.perform(.note, on: id, by: try platform.actor(user, for: .note, on: c0), note: text)
        }
        let events = try await platform.events(of: id)
        return platform.render(updated, events: events, at: platform.clock.now(), viewer: user)
    }
}
