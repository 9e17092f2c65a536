import MinshengDomain
import MinshengStore

/// JSON shapes of the API resources.
extension Platform {
    func unitRef(_ id: UnitID?) -> JSON {
        guard let id else { return .null }
        guard let u = unit(id) else { return .object([("id", .int(id))]) }
        return .object([("id", .int(u.id)), ("name", .string(u.name))])
    }

    /// With a `viewer`, `allowedActions` lists what that user may do now, and `contactRevealable` whether they may
    /// read the unmasked contact (GET …/contact, logged).
    func render(_ c: Case, events: [CaseEvent]? = nil, at now: Instant, viewer: User? = nil) -> JSON {
        let a = alert(of: c, at: now)
        var pairs: [(String, JSON)] = identity(c) + [
            ("caseClass", .value(c.caseClass)),
            ("category", .opt(c.category)),
            ("suggestion", renderSuggestion(c.suggestion)),
            ("repeatOf", .opt(c.repeatOf)),
            ("finalCase", .opt(c.finalCase)),
            ("similar", .array(c.similar.map { .int($0) })),
            ("risks", renderRisks(c)),
            ("visitors", .opt(c.visitors)),
            ("groupVisit", .bool(c.isGroupVisit)),
            ("appointment", .time(c.appointment)),
            ("title", .string(c.title)),
            ("content", .string(c.content)),
            ("citizen", renderCitizen(c.citizen)),
            ("address", .opt(c.address)),
            ("locationUnit", unitRef(c.locationUnit)),
            ("policy", .string(c.policyID)),
            ("registeredAt", .time(c.registeredAt)),
            ("updatedAt", .time(c.updatedAt)),
            ("center", unitRef(c.center)),
            ("holder", unitRef(c.holder)),
            ("leadUnit", unitRef(c.leadUnit)),
            ("coHandlers", .array(c.coHandlers.map { unitRef($0) })),
            ("dispatchMode", .value(c.dispatchMode)),
            ("deliveredAt", .time(c.deliveredAt)),
            ("due", .time(c.currentDue)),
            ("deadlines", renderDeadlines(c.deadlines)),
            ("alert", renderAlert(a)),
            ("paused", c.pause.map { .object([("reason", .string($0.reason.rawValue)), ("since", .time($0.since))]) } ?? .null),
            ("pendingExtension", c.pendingExtension.map {
                .object([("amount", .int($0.amount)), ("reason", .string($0.reason)), ("requestedAt", .time($0.requestedAt))])
            } ?? .null),
            ("extended", .int(c.extended)),
            ("transferCount", .int(c.transferCount)),
            ("reopenCount", .int(c.reopenCount)),
            ("leaderProposed", .bool(c.leaderProposed)),
            ("returnRequest", c.returnRequest.map {
                .object([("objection", .bool($0.isObjection)), ("reason", .string($0.reason)),
                         ("fromState", .string($0.fromState.rawValue)), ("fromUnit", unitRef($0.fromUnit))])
            } ?? .null),
            ("rejection", renderRejection(c)),
            ("reply", c.reply.map(renderReply) ?? .null),
            ("evaluation", .value(c.evaluation)),
            ("reviewDecision", c.reviewDecision.map(renderDecision) ?? .null),
            ("rereviewDecision", c.rereviewDecision.map(renderDecision) ?? .null),
            ("handedOffTo", .value(c.handedOffTo)),
            ("owner", c.owner.map { .object([("id", .string($0.id)), ("name", .string($0.name)), ("unit", unitRef($0.unit)),
                                             ("since", .time($0.since))]) } ?? .null),
            ("supervisionOrders", .array(c.supervisionOrders.map { o in
                .object([("seq", .int(o.seq)), ("unit", unitRef(o.unit)), ("text", .string(o.text)), ("issuedAt", .time(o.issuedAt)),
                         ("due", .time(o.due)), ("response", .opt(o.response)), ("respondedAt", .time(o.respondedAt)),
                         ("overdue", .bool(o.response == nil && o.due <= clock.now()))])
            })),
            ("allowedActions", .array((viewer.map { permittedActions(c, for: $0) } ?? Lifecycle.allowedActions(in: c.state)).map { .string($0.rawValue) })),
        ]
        if let viewer { pairs.append(("contactRevealable", .bool(mayReveal(c, to: viewer)))) }
        if let events {
            pairs.append(("history", .array(events.map(render))))
        }
        return .object(pairs)
    }

    /// The answer to a registration: what the caller needs now (id, tracking code, state, deadlines, alert,
    /// suggestion, next steps), not the text it just sent; the whole case is at the Location.
    func renderRegistered(_ c: Case, at now: Instant, viewer: User? = nil, clearCitizen: Citizen? = nil) -> JSON {
        let a = alert(of: c, at: now)
        return .object(identity(c) + [
            ("category", .opt(c.category)),
            ("suggestion", renderSuggestion(c.suggestion)),
            ("repeatOf", .opt(c.repeatOf)),
            ("finalCase", .opt(c.finalCase)),
            ("risks", renderRisks(c)),
            ("rejection", renderRejection(c)),
            ("notAccepted", c.finalCase.map { f in .object([
                ("reason", .string(Lifecycle.matterFinalReason)), ("basis", .string(Lifecycle.matterFinalBasis)), ("finalCase", .int(f)),
                ("message", .string("已登记。该事项\(Lifecycle.matterFinalNotice)：本件已按不予受理办结（终结件 #\(f)），请告知群众。")),
            ]) } ?? .null),
            ("title", .string(c.title)),
            ("citizen", renderCitizen(c.citizen, clear: clearCitizen)),
            ("policy", .string(c.policyID)),
            ("registeredAt", .time(c.registeredAt)),
            ("center", unitRef(c.center)),
            ("holder", unitRef(c.holder)),
            ("due", .time(c.currentDue)),
            ("deadlines", renderDeadlines(c.deadlines)),
            ("alert", renderAlert(a)),
            ("allowedActions", .array((viewer.map { permittedActions(c, for: $0) } ?? Lifecycle.allowedActions(in: c.state)).map { .string($0.rawValue) })),
        ])
    }

    /// 不予受理: the route, and what the citizen is told (`Case.rejectionNotice`).
    func renderRejection(_ c: Case) -> JSON {
        guard let r = c.rejection else { return .null }
        return .object([("route", .string(r.rawValue)), ("label", .string(r.label)), ("notice", .opt(c.rejectionNotice))])
    }

    /// The risk words found (自伤自杀, 集体访…): why a case is urgent from its registration on.
    func renderRisks(_ c: Case) -> JSON {
        .array(c.risks.map { r in .object([("id", .string(r)), ("name", .string(riskName(r)))]) })
    }

    func riskName(_ id: String) -> String {
        if id == Platform.groupVisitFlag { return "集体访" }
        return intelligence.riskMatcher.lexicon.categories.first { $0.id == id }?.name ?? id
    }

    /// The fields that name a case, first in every shape of it.
    func identity(_ c: Case) -> [(String, JSON)] {
        [("id", .int(c.id)), ("trackingCode", .string(c.trackingCode)), ("state", .string(c.state.rawValue)),
         ("stateLabel", .string(c.state.label)), ("channel", .string(c.channel.rawValue)), ("kind", .string(c.kind.rawValue))]
    }

    func renderSuggestion(_ g: Suggestion?) -> JSON {
        guard let g else { return .null }
        return .object([("category", .string(g.category)), ("confidence", .number(Double(g.confidence) / 1000)), ("unit", unitRef(g.unit))])
    }

    /// Always masked (张*, 138****1234); the clear contact is read through GET /cases/{id}/contact, which logs it.
    func renderCitizen(_ sealed: Citizen, clear: Citizen? = nil) -> JSON {
        let p = clear ?? sealer.openCitizen(sealed)
        return .object([("name", .opt(p.anonymous ? (p.name == nil ? nil : "匿名") : p.name.map(Contact.maskName))),
                        ("phone", .opt(p.phone.map(Contact.maskPhone))), ("idNumber", .opt(p.idNumber.map(Contact.maskIDNumber))),
                        ("anonymous", .bool(p.anonymous)), ("masked", .bool(true))])
    }

    /// The unmasked contact, for GET /cases/{id}/contact.
    func renderContact(_ sealed: Citizen) -> JSON {
        let p = sealer.openCitizen(sealed)
        return .object([("name", .opt(p.name)), ("phone", .opt(p.phone)), ("idNumber", .opt(p.idNumber)), ("anonymous", .bool(p.anonymous))])
    }

    func renderDeadlines(_ d: Deadlines) -> JSON {
        .object(DeadlineStep.allCases.compactMap { step in d[step].map { (step.rawValue, JSON.time($0)) } })
    }

    func renderAlert(_ a: AlertAssessment) -> JSON {
        .object([("level", .string(a.level.rawValue)), ("label", .string(a.level.label)), ("nextChange", .time(a.nextChange))])
    }

    func renderReply(_ r: Reply) -> JSON {
        .object([("result", .string(r.result.rawValue)), ("resultLabel", .string(r.result.label)), ("text", .string(r.text)),
                 ("at", .time(r.at)), ("unit", unitRef(r.unit))])
    }

    func renderDecision(_ d: Decision) -> JSON {
        .object([("result", .string(d.result.rawValue)), ("text", .string(d.text)), ("at", .time(d.at)), ("unit", unitRef(d.unit))])
    }

    func render(_ e: CaseEvent) -> JSON {
        .object([
            ("seq", .int(e.seq)),
            ("action", .string(e.action.rawValue)),
            ("label", .string(e.action.label)),
            ("at", .time(e.at)),
            ("actor", .object([("id", .string(e.actorID)), ("name", .string(e.actorName)), ("role", .string(e.role.rawValue))])),
            ("unit", unitRef(e.unit)),
            ("fromState", .value(e.fromState)),
            ("toState", .string(e.toState.rawValue)),
            ("note", .string(e.note)),
            ("data", .object(e.data.filter { $0.key != EventChain.field }.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }

    func render(_ s: CaseSummary) -> JSON {
        .object([
            ("id", .int(s.id)), ("trackingCode", .string(s.trackingCode)), ("title", .string(s.title)),
            ("state", .string(s.state.rawValue)), ("kind", .string(s.kind.rawValue)), ("channel", .string(s.channel.rawValue)),
            ("category", .opt(s.category)), ("holder", unitRef(s.holder)), ("registeredAt", .time(s.registeredAt)),
            ("due", .time(s.due)), ("alert", .string(s.alert.rawValue)),
            ("visitors", .opt(s.visitors)), ("groupVisit", .bool((s.visitors ?? 0) >= Case.groupVisitSize)), ("attachments", .int(Int64(s.attachments))), ("risk", .bool(s.risk)),
        ])
    }

    func render(_ u: Unit) -> JSON {
        .object([
            ("id", .int(u.id)), ("parentId", .opt(u.parentID)), ("name", .string(u.name)),
            ("level", .string(u.level.rawValue)), ("kind", .string(u.kind.rawValue)), ("phone", .opt(u.phone)),
        ])
    }
}
