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
    /// Failed look-ups per address: 10 per 15 minutes.
    let failures: RateLimiter
    /// Submissions per address: 20 an hour (a family or an office behind one address still gets through).
    let submissions: RateLimiter
    /// Reception-day bookings per address: like submissions, 20 an hour.
    let bookings: RateLimiter

    init(platform: Platform) {
        self.platform = platform
        failures = RateLimiter(limit: 10, window: 15 * 60, clock: platform.clock)
        submissions = RateLimiter(limit: 20, window: 3600, clock: platform.clock)
        bookings = RateLimiter(limit: 20, window: 3600, clock: platform.clock)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("public/cases", use: submit)
        group.get("track/:code", use: show)
        group.post("track/:code/evaluate", use: evaluate)
        group.post("track/:code/review", use: review)
    }

    static let citizenActor = Actor(id: "citizen", name: "群众", role: .citizen, unit: nil)
    static let submitFields = ["channel", "kind", "title", "content", "citizen", "address", "locationUnit"]

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let (c0, created) = try await submit(json: try await request.jsonBody(context: context), address: context.clientAddress,
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

    /// A citizen's submission, from the API or the portal's form.
    func submit(json: JSON, address: String, idempotencyKey: String?) async throws -> (Case, created: Bool) {
        try submissions.check(address)
        let f = try Fields(json, allowed: Self.submitFields)
        let channel = try f.value("channel", Channel.self) ?? .web
        guard [.web, .app].contains(channel) else { throw APIError.invalid("channel", "群众自行提交只能是 web 或 app") }
        var draft = CaseDraft(channel: channel, kind: try f.value("kind", CaseKind.self, required: true)!,
                              title: try f.requiredString("title", max: APILimits.maxTitle),
                              content: try f.requiredString("content", max: APILimits.maxContent))
        guard let c = try f.object("citizen", allowed: ["name", "phone", "idNumber", "anonymous"]) else { throw APIError.missing("citizen") }
        draft.citizen = Citizen(name: try c.string("name", max: 50), phone: try c.string("phone", max: 20),
                                idNumber: try c.string("idNumber", max: 18), anonymous: try c.bool("anonymous") ?? false)
        if draft.citizen.phone == nil && !draft.citizen.anonymous {
            throw APIError(.badRequest, "missing_field", "请填写手机号码（用于查询和回访），或选择匿名提交", details: [("field", .string("citizen.phone"))])
        }
        draft.address = try f.string("address", max: 200)
        draft.locationUnit = try f.int("locationUnit")
        draft.center = draft.locationUnit.flatMap(platform.center(near:))
        let key = idempotencyKey.flatMap { k -> String? in
            let t = k.trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : "pub:\(address):" + String(t.prefix(100))
        }
        let outcome = try await platform.register(draft, by: Self.citizenActor, clientKey: key)
        try Platform.checkReplay(outcome, draft)
        if outcome.created { submissions.record(address) } // refused input and retries do not count
        return (outcome.case, outcome.created)
    }

    /// The case behind a code and phone tail, or the one answer every failure gets.
    private func lookUp(_ context: AppRequestContext, phone4: String?) async throws -> Case {
        try await lookUp(code: context.parameters.get("code") ?? "", phone4: phone4, address: context.clientAddress)
    }

    func lookUp(code raw: String, phone4: String?, address: String) async throws -> Case {
        try failures.check(address)
        let notFound = APIError.notFound("查询码或手机号后四位不正确")
        let code = raw.trimmingCharacters(in: .whitespaces).uppercased()
        guard (4...20).contains(code.count), let c = try await platform.store.case(trackingCode: code) else {
            failures.record(address)
            throw notFound
        }
        // A case with a phone needs its last four digits; an anonymous one without a phone, the code alone.
        if let sealed = c.citizen.phone, let phone = platform.sealer.open(sealed), !phone.isEmpty,
           !Secrets.constantTimeEqual(String(phone.suffix(4)), phone4?.trimmingCharacters(in: .whitespaces) ?? "") {
            failures.record(address)
            throw notFound
        }
        return c
    }

    /// The citizen's review request: to the government above the unit that answered.
    func review(_ c: Case, reason: String) async throws -> Case {
        let action: Action = c.state == .reviewed ? .rereview : .review
        guard let unit = platform.appealUnit(action, for: c) else {
            throw APIError(.conflict, "no_review_unit", "找不到受理复查的上一级机关，请拨打热线咨询")
        }
        let step: Step = action == .review ? .review(reason: reason, unit: unit) : .rereview(reason: reason, unit: unit)
        return try await platform.perform(step, on: c.id, by: Self.citizenActor)
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
        let updated = try await platform.perform(.evaluate(evaluation), on: c.id, by: Self.citizenActor, note: note)
        return try await render(updated)
    }

    @Sendable func review(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["phone4", "reason"])
        let c = try await lookUp(context, phone4: try f.string("phone4", max: 4))
        let reason = try f.requiredString("reason", max: APILimits.maxNote)
        return try await render(try await review(c, reason: reason))
    }

    /// Only what the citizen should see (CitizenView): state in their words, unit, deadline, the reply and a public
    /// timeline; nothing about staff, notes or other people.
    private func render(_ c: Case) async throws -> JSON {
        let view = CitizenView(c, events: try await platform.store.events(of: c.id), platform: platform, now: platform.clock.now())
        guard case .object(var pairs) = view.json(unitRef: platform.unitRef) else { return .null }
        pairs.append(("appointment", .time(c.appointment)))
        pairs.append(("receptionLeader", c.appointment == nil ? .null : .opt(c.owner?.name)))
        return .object(pairs)
    }
}
