import MinshengDomain
import MinshengStore

/// Registration by a staff user (a registrar's or dispatcher's intake), whichever adapter it came through: the
/// API's JSON and the console's form each read their input into a `CaseDraft`, and everything else is decided here.
extension Platform {
    /// The fields a staff registration reads, in both adapters.
    static let staffDraftFields = ["channel", "kind", "title", "content", "citizen", "address", "locationUnit", "category",
                                   "caseClass", "center", "policy", "receivedAt", "note", "callId", "visitors"]

    /// A draft from its fields (the citizen's contact read by the adapter, which knows where it sits).
    static func staffDraft(_ f: some InputFields, citizen: Citizen) throws -> CaseDraft {
        var draft = CaseDraft(channel: try f.requiredChoice("channel", Channel.self), kind: try f.requiredChoice("kind", CaseKind.self),
                              title: try f.requiredText("title", max: APILimits.maxTitle),
                              content: try f.requiredText("content", max: APILimits.maxContent), citizen: citizen)
        draft.address = try f.text("address", max: 200)
        draft.locationUnit = try f.integer("locationUnit")
        draft.category = try f.text("category", max: 50)
        draft.caseClass = try f.choice("caseClass", CaseClass.self)
        draft.center = try f.integer("center")
        draft.policyID = try f.text("policy", max: 40)
        draft.note = try f.text("note", max: APILimits.maxNote) ?? ""
        if let r = try f.text("receivedAt", max: 40) {
            guard let i = Instant.parse(r) else { throw PlatformError.invalid("receivedAt", "应为 ISO 8601 时间，如 2026-10-09T08:30:00+08:00") }
            draft.receivedAt = i
        }
        draft.callID = try f.text("callId", max: 100)
        if let n = try f.integer("visitors") {
            // 来访: the number of people who came (a group visit from five).
            guard draft.channel == .visit else { throw PlatformError.invalid("visitors", "来访人数只用于来访（channel 为 visit）") }
            guard (1...10_000).contains(n) else { throw PlatformError.invalid("visitors", "来访人数应为 1 到 10000") }
            draft.visitors = Int(n)
        }
        return draft
    }

    /// Registers `draft` for `user`, at their center or one they name within their scope. A retry with the same
    /// idempotency key returns the first case (`created` false); the contact comes back in canonical form.
    public func registerByStaff(_ draft: CaseDraft, by user: User, idempotencyKey: String?) async throws
        -> (case: Case, created: Bool, citizen: Citizen) {
        guard !user.roles.isDisjoint(with: [.registrar, .dispatcher]) else {
            throw PlatformError(.forbidden, "role_not_allowed", "需要角色：登记员、分拨员")
        }
        var draft = draft
        draft.center = try registeringCenter(draft.center, for: user)
        // A visit without the number is one person.
        if draft.channel == .visit && draft.visitors == nil { draft.visitors = 1 }
        // A letter's writer is not there to be told the tracking code: it goes by SMS to a mobile number, through the
        // outbox (its delivery is the letter's acknowledgement).
        if draft.channel == .letter { draft.acknowledge = true }
        // A hotline call: the case keeps the call id and the recording; the caller's number if none was typed.
        // Only the call's own agent registers from it (and so gets its number into the case).
        if let callID = draft.callID {
            guard let call = try await store.call(callID), call.userID == user.id else {
                throw PlatformError.invalid("callId", "来电记录 \(callID) 不存在或不是您的来电")
            }
            draft.eventData["callId"] = callID
            if let r = call.recording { draft.eventData["recording"] = r }
            if draft.citizen.phone == nil, let sealed = call.callerSealed { draft.citizen.phone = sealer.open(sealed) }
        }
        let actor = try actor(user, for: .register, on: nil)
        let key = idempotencyKey.flatMap { k -> String? in
            let t = k.trimmed
            return t.isEmpty ? nil : "u\(user.id):" + String(t.prefix(100))
        }
        let outcome = try await register(draft, by: actor, clientKey: key)
        try Self.checkReplay(outcome, draft)
        return (outcome.case, outcome.created, try Self.validated(draft.citizen))
    }

    /// A retry must be the same request: a key reused for different content is refused, not answered with
    /// somebody else's case.
    static func checkReplay(_ outcome: RegisterOutcome, _ draft: CaseDraft) throws {
        guard !outcome.created else { return }
        if outcome.case.title != draft.title || outcome.case.content != draft.content || outcome.case.channel != draft.channel {
            throw PlatformError(.unprocessable, "idempotency_key_reused", "Idempotency-Key 已用于另一份不同的诉求，请为新诉求使用新的键")
        }
    }

    /// Staff register at their own center; a registrar elsewhere names a center within their scope.
    private func registeringCenter(_ asked: UnitID?, for user: User) throws -> UnitID {
        if let asked, asked != user.unit {
            guard let u = unit(asked), u.kind == .center else { throw PlatformError.invalid("center", "登记中心单位不存在或不是信访/民生办") }
            guard isWithin(asked, root: scopeRoot(of: user)) else {
                throw PlatformError(.forbidden, "out_of_scope", "不能在管辖范围以外的信访/民生办登记")
            }
            return asked
        }
        guard let own = unit(user.unit), own.kind == .center else {
            throw PlatformError.invalid("center", "您的单位不是信访/民生办，请指定登记中心 center")
        }
        return own.id
    }
}
