import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// What citizens do without an account (README "Citizens"): submit a request and get its tracking code; follow
/// it with the code and the last four digits of their phone; rate the reply; ask for a review.
/// Wrong code/phone combinations answer exactly like unknown codes, and an address that keeps failing is made to
/// wait (429), so codes cannot be enumerated.
struct PublicController {
    let platform: Platform
    let desk: CitizenDesk

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("public/cases", use: submit)
        group.get("track/:code", use: show)
        group.post("track/:code/evaluate", use: evaluate)
        group.post("track/:code/review", use: review)
    }

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let f = try Fields(try await request.jsonBody(context: context), allowed: CitizenDesk.draftFields)
        guard let c = try f.object("citizen", allowed: ["name", "phone", "idNumber", "anonymous"]) else { throw APIError.missing("citizen") }
        let citizen = Citizen(name: try c.string("name", max: 50), phone: try c.string("phone", max: 20),
                              idNumber: try c.string("idNumber", max: 18), anonymous: try c.bool("anonymous") ?? false)
        let (c0, created) = try await desk.submit(try CitizenDesk.draft(f, citizen: citizen), address: context.clientAddress,
                                                  idempotencyKey: request.headers[.init("Idempotency-Key")!])
        return JSONResponse(status: created ? .created : .ok, json: .object([
            ("trackingCode", .string(c0.trackingCode)),
            ("state", .string(c0.state.rawValue)), ("stateLabel", .string(c0.state.label)),
            ("registeredAt", .time(c0.registeredAt)),
            ("track", .string("/api/v1/track/\(c0.trackingCode)")),
            ("message", .string(c0.finalCase != nil ? "已登记您的诉求，查询码 \(c0.trackingCode)。经核查，您反映的事项\(Lifecycle.matterFinalNotice)。"
                                : "已收到您的诉求。请记住查询码 \(c0.trackingCode)，凭查询码和手机号后四位查询办理进度。")),
        ]), headers: [.location: "/api/v1/track/\(c0.trackingCode)"])
    }

    /// The case behind the path's code and a phone tail.
    private func lookUp(_ context: AppRequestContext, phone4: String?) async throws -> Case {
        try await desk.lookUp(code: context.parameters.get("code") ?? "", phone4: phone4, address: context.clientAddress)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let c = try await lookUp(context, phone4: request.uri.queryParameters.get("phone4"))
        return try await render(c)
    }

    @Sendable func evaluate(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["phone4", "evaluation", "comment"])
        let c = try await lookUp(context, phone4: try f.string("phone4", max: 4))
        let evaluation = try f.value("evaluation", Evaluation.self, required: true)!
        let note = try f.string("comment", max: APILimits.maxNote) ?? ""
        let updated = try await desk.evaluate(c, evaluation, comment: note)
        return try await render(updated)
    }

    @Sendable func review(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["phone4", "reason"])
        let c = try await lookUp(context, phone4: try f.string("phone4", max: 4))
        let reason = try f.requiredString("reason", max: APILimits.maxNote)
        return try await render(try await desk.review(c, reason: reason))
    }

    /// Only what the citizen should see (CitizenView): state in their words, unit, deadline, the reply and a public
    /// timeline; nothing about staff, notes or other people.
    private func render(_ c: Case) async throws -> JSON {
        let view = CitizenView(c, events: try await platform.events(of: c.id), platform: platform, now: platform.clock.now())
        guard case .object(var pairs) = view.json(unitRef: platform.unitRef) else { return .null }
        pairs.append(("appointment", .time(c.appointment)))
        pairs.append(("receptionLeader", c.appointment == nil ? .null : .opt(c.owner?.name)))
        return .object(pairs)
    }
}
