import MinshengDomain
import MinshengStore

/// What citizens do without an account, whichever door they come through (the API, the portal, the reception
/// pages): submit a request and get its tracking code, find it again with the code and the last four digits of
/// their phone, rate the reply, ask for a review. Created once per node and shared by every door, so that one
/// address meets one set of limits. Wrong code/phone combinations answer exactly like unknown codes, and an address
/// that keeps failing is made to wait, so codes cannot be enumerated.
public struct CitizenDesk: Sendable {
    let platform: Platform
    /// Failed look-ups per address: 10 per 15 minutes.
    let failures: RateLimiter
    /// Submissions per address: 20 an hour (a family or an office behind one address still gets through).
    let submissions: RateLimiter
    /// Reception-day bookings per address: like submissions, 20 an hour.
    let bookings: RateLimiter

    public init(platform: Platform) {
        self.platform = platform
        failures = RateLimiter(limit: 10, window: 15 * 60, clock: platform.clock)
        submissions = RateLimiter(limit: 20, window: 3600, clock: platform.clock)
        bookings = RateLimiter(limit: 20, window: 3600, clock: platform.clock)
    }

    static let actor = Actor(id: "citizen", name: "群众", role: .citizen, unit: nil)
    static let draftFields = ["channel", "kind", "title", "content", "citizen", "address", "locationUnit"]

    /// A citizen's request from its fields (the contact read by the adapter, which knows where it sits).
    static func draft(_ f: some InputFields, citizen: Citizen) throws -> CaseDraft {
        let channel = try f.choice("channel", Channel.self) ?? .web
        guard [.web, .app].contains(channel) else { throw PlatformError.invalid("channel", "群众自行提交只能是 web 或 app") }
        var draft = CaseDraft(channel: channel, kind: try f.requiredChoice("kind", CaseKind.self),
                              title: try f.requiredText("title", max: APILimits.maxTitle),
                              content: try f.requiredText("content", max: APILimits.maxContent), citizen: citizen)
        draft.address = try f.text("address", max: 200)
        draft.locationUnit = try f.integer("locationUnit")
        return draft
    }

    /// Registers a citizen's request at the center nearest its place. A retry with the same key returns the first case.
    func submit(_ draft: CaseDraft, address: String, idempotencyKey: String?) async throws -> (Case, created: Bool) {
        try submissions.check(address)
        var draft = draft
        if draft.citizen.phone == nil && !draft.citizen.anonymous {
            throw PlatformError(.invalid, "missing_field", "请填写手机号码（用于查询和回访），或选择匿名提交", details: [("field", .string("citizen.phone"))])
        }
        draft.center = draft.locationUnit.flatMap(platform.center(near:))
        let key = idempotencyKey.flatMap { k -> String? in
            let t = k.trimmed
            return t.isEmpty ? nil : "pub:\(address):" + String(t.prefix(100))
        }
        let outcome = try await platform.register(draft, by: Self.actor, clientKey: key)
        try Platform.checkReplay(outcome, draft)
        if outcome.created { submissions.record(address) } // refused input and retries do not count
        return (outcome.case, outcome.created)
    }

    /// The case behind a code and phone tail, or the one answer every failure gets.
    func lookUp(code raw: String, phone4: String?, address: String) async throws -> Case {
        try failures.check(address)
        let notFound = PlatformError.notFound("查询码或手机号后四位不正确")
        let code = raw.trimmed.uppercased()
        guard (4...20).contains(code.count), let c = try await platform.store.case(trackingCode: code) else {
            failures.record(address)
            throw notFound
        }
        // A case with a phone needs its last four digits; an anonymous one without a phone, the code alone.
        if let sealed = c.citizen.phone, let phone = platform.sealer.open(sealed), !phone.isEmpty,
           !Secrets.constantTimeEqual(String(phone.suffix(4)), phone4?.trimmed ?? "") {
            failures.record(address)
            throw notFound
        }
        return c
    }

    /// The citizen's rating of the reply.
    func evaluate(_ c: Case, _ evaluation: Evaluation, comment: String) async throws -> Case {
        try await platform.perform(.evaluate(evaluation), on: c.id, by: Self.actor, note: comment)
    }

    /// The citizen's review request: to the government above the unit that answered.
    func review(_ c: Case, reason: String) async throws -> Case {
        let action: Action = c.state == .reviewed ? .rereview : .review
        guard let unit = platform.appealUnit(action, for: c) else {
            throw PlatformError(.conflict, "no_review_unit", "找不到受理复查的上一级机关，请拨打热线咨询")
        }
        let step: Step = action == .review ? .review(reason: reason, unit: unit) : .rereview(reason: reason, unit: unit)
        return try await platform.perform(step, on: c.id, by: Self.actor)
    }

    static let bookingFields = ["schedule", "date", "slot", "citizen", "subject", "content"]

    /// A reception-day booking from its fields (the citizen's name and phone read by the adapter).
    static func bookingDraft(_ f: some InputFields, name: String?, phone: String?) throws -> Platform.BookingDraft {
        Platform.BookingDraft(
            scheduleID: try f.requiredText("schedule", max: 20), day: try f.requiredText("date", max: 10),
            slot: Int(try f.requiredInteger("slot")),
            name: name ?? "", phone: phone ?? "",
            subject: try f.requiredText("subject", max: APILimits.maxTitle), content: try f.text("content", max: APILimits.maxContent))
    }

    /// Books a reception slot: by hotline staff for a caller, or by the citizen (limited per address).
    func book(_ draft: Platform.BookingDraft, staff: User?, address: String) async throws -> (ReceptionBooking, Case) {
        if let staff {
            guard !staff.roles.isDisjoint(with: [.registrar, .dispatcher]) else {
                throw PlatformError(.forbidden, "role_not_allowed", "需要角色：登记员、分拨员")
            }
            return try await platform.book(draft, by: try platform.actor(staff, for: .register, on: nil))
        }
        try bookings.check(address)
        let out = try await platform.book(draft, by: Self.actor)
        bookings.record(address)
        return out
    }
}
