import MinshengDomain
import MinshengStore

/// One step by a signed-in user, whichever adapter it came through (the API's JSON, a console form): scope, role,
/// fields, targets, then the lifecycle in one transaction. The case is read once here, and once more inside the
/// store's transaction (the version the step applies to).
extension Platform {
    /// The fields each step reads besides `note`.
    static let stepFields: [Action: [String]] = [
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

    /// The case if `user` has full access; not found otherwise (existence is not revealed).
    public func readableCase(_ id: CaseID, by user: User) async throws -> Case {
        guard let c = try await store.case(id), access(user, to: c) == .full else {
            throw PlatformError.notFound("诉求件 \(id) 不存在")
        }
        return c
    }

    func takeStep(_ action: Action, on id: CaseID, by user: User, input f: some InputFields) async throws -> Case {
        let current = try await readableCase(id, by: user)
        let actor = try actor(user, for: action, on: current)
        let note = try f.text("note", max: APILimits.maxNote) ?? ""
        let step = try step(action, f, on: current)
        try checkTargets(of: step, for: user)
        return try await perform(step, on: id, by: actor, note: note)
    }

    /// The step `action` asks for, from its fields.
    func step(_ action: Action, _ f: some InputFields, on current: Case) throws -> Step {
        func unit() throws -> UnitID { try f.requiredInteger("unit") }
        func reason() throws -> String { try f.requiredText("reason", max: APILimits.maxNote) }
        func text() throws -> String { try f.requiredText("text", max: APILimits.maxContent) }
        func days(required: Bool) throws -> Int? {
            guard let n = try f.int("amount", required: required) else { return nil }
            guard n > 0, n <= 365 else { throw PlatformError.invalid("amount", "应为 1–365 的整数") }
            return Int(n)
        }
        switch action {
        case .register, .raiseAlert: throw PlatformError.notFound("未知操作")
        case .dispatch:
            return .dispatch(to: try unit(), mode: try f.choice("mode", DispatchMode.self) ?? .forward, coHandlers: try f.intArray("coHandlers"))
        case .redispatch:
            return .redispatch(to: try unit(), mode: try f.choice("mode", DispatchMode.self) ?? .forward, reason: try reason())
        case .sign: return .sign
        case .return: return .return(reason: try reason())
        case .object: return .object(reason: try reason())
        case .approveReturn: return .approveReturn
        case .denyReturn: return .denyReturn(reason: try reason())
        case .transfer: return .transfer(to: try unit(), reason: try reason())
        case .addCoHandler: return .addCoHandler(try unit())
        case .accept: return .accept(caseClass: try f.choice("caseClass", CaseClass.self))
        case .reject: return .reject(route: try f.requiredChoice("route", LegalRoute.self), reason: try reason())
        case .requestExtension: return .requestExtension(amount: try days(required: true)!, reason: try reason())
        case .approveExtension: return .approveExtension(amount: try days(required: false))
        case .denyExtension: return .denyExtension(reason: try reason())
        case .pause: return .pause(reason: try f.requiredChoice("reason", PauseReason.self))
        case .resume: return .resume
        case .handOff: return .handOff(to: try f.requiredChoice("service", EmergencyService.self))
        case .reply: return .reply(result: try f.requiredChoice("result", ReplyResult.self), text: try text())
        case .evaluate: return .evaluate(try f.requiredChoice("evaluation", Evaluation.self))
        case .reopen: return .reopen(reason: try reason())
        case .close: return .close
        case .review, .rereview:
            let r = try reason()
            // Without a unit, the review goes to the body above the one that decided.
            guard let target = try f.integer("unit") ?? appealUnit(action, for: current) else {
                throw PlatformError.invalid("unit", "找不到上一级机关，请指定 unit")
            }
            return action == .review ? .review(reason: r, unit: target) : .rereview(reason: r, unit: target)
        case .decideReview: return .decideReview(result: try f.requiredChoice("result", ReplyResult.self), text: try text())
        case .decideRereview: return .decideRereview(result: try f.requiredChoice("result", ReplyResult.self), text: try text())
        case .note: return .note
        case .remind: return .remind
        case .superviseOrder:
            let d = try f.requiredText("due", max: 40)
            guard var due = Instant.parse(d) else { throw PlatformError.invalid("due", "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
            if d.count == 10 { due = due.adding(seconds: 86_400) } // a bare date: through that day
            return .superviseOrder(text: try text(), due: due)
        case .respondSupervision: return .respondSupervision(text: try text())
        case .fieldCheck:
            return .fieldCheck(kind: try f.requiredChoice("kind", FieldCheckKind.self), finding: try f.requiredText("finding", max: APILimits.maxContent))
        case .holdAccountable:
            return .holdAccountable(kind: try f.requiredChoice("kind", AccountabilityKind.self), unit: try f.integer("unit"), text: try text())
        case .takeOwnership: return .takeOwnership(outranksOwner: false) // resolved against the owner by Platform.perform
        case .releaseOwnership: return .releaseOwnership
        }
    }
}
