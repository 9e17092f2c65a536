import Foundation
import Logging
import MinshengDomain
import MinshengStore
import MinshengText
import Synchronization

/// The system clock, for production.
public struct SystemClock: TimeSource {
    public init() {}
    public func now() -> Instant { Instant(seconds: Int64(Date().timeIntervalSince1970)) }
}

/// A clock that tests and the demo loader set by hand.
public final class ManualClock: TimeSource {
    private let current: Mutex<Instant>
    public init(_ start: Instant) { current = Mutex(start) }
    public func now() -> Instant { current.withLock { $0 } }
    public func set(_ i: Instant) { current.withLock { $0 = i } }
    public func advance(seconds: Int64) { current.withLock { $0 = $0.adding(seconds: seconds) } }
}

/// What a caller supplies to register a case.
public struct CaseDraft: Sendable {
    public var channel: Channel
    public var kind: CaseKind
    public var title: String
    public var content: String
    public var citizen: Citizen
    public var address: String?
    public var locationUnit: UnitID?
    public var category: String?
    public var caseClass: CaseClass?
    public var center: UnitID?
    public var policyID: String?
    /// When the request actually arrived (a letter read the next morning); defaults to now, never later than now.
    public var receivedAt: Instant?
    /// The registrar's note on the registration event.
    public var note: String = ""
    /// Channel fields the case has no column for (an Open311 request's coordinates, media URL, service code), kept
    /// in the registration event's data; they never override the event's own keys.
    public var eventData: [String: String] = [:]
    /// How a channel knows the citizen when there is no phone or ID number (a WeChat subscriber: "wx:" + a keyed
    /// hash of the OpenID, never the OpenID itself). Overrides the key computed from the phone or ID number; the
    /// citizen's earlier cases (repeats, ratings by SMS) are found by it.
    public var citizenKey: String?
    /// Queue an acknowledgement (kind "ack") with the tracking code to the citizen's phone in the registration's
    /// transaction (SMS: GB/T 33358 asks for an answer within 3 minutes). The outbox keeps the phone sealed.
    public var acknowledge = false
    /// Where the acknowledgement goes when not to the citizen's mobile: a sealed "mailto:" address (e-mail).
    public var acknowledgeTo: String?
    /// A visit (来访): how many people came (five or more: a group visit, 集体访).
    public var visitors: Int?
    /// A reception-day booking: the slot's time and the leader who receives (the case is owned by them from the start).
    public var appointment: Instant?
    public var owner: Owner?
    /// The hotline call registered from (linked in the registration's transaction).
    public var callID: String?
    public init(channel: Channel, kind: CaseKind, title: String, content: String, citizen: Citizen = Citizen()) {
        self.channel = channel; self.kind = kind; self.title = title; self.content = content; self.citizen = citizen
    }
}

/// The platform's use cases over the store: register, take steps, read. Units are kept in memory
/// (20,000 rows change rarely and every dispatch checks its target).
public final class Platform: Sendable {
    public let store: any CaseStore
    public let clock: any TimeSource
    /// The calendar in force: the shipped and `--calendar` files (`baseCalendar`) with the admin's changes on top.
    public var calendar: WorkCalendar { calendars.withLock { $0.current } }
    /// The calendar from files, before the admin's changes.
    public var baseCalendar: WorkCalendar { calendars.withLock { $0.base } }
    let calendars: Mutex<(base: WorkCalendar, current: WorkCalendar, changes: [CalendarOverride])>
    public let policies: [String: DeadlinePolicy]
    public let defaultPolicyID: String
    /// Suggests a category at registration (nil: no model loaded).
    public let classifier: TextClassifier?
    /// First-level category → a word in the name of the department that handles it (admins may replace the table:
    /// `setCategoryDepartments`, persisted in the settings and read back by `loadSettings`).
    public var categoryDepartments: [String: String] { unitTree.withLock { $0.categoryDepartments } }
    /// The unit tree and the category table it finds departments by: one value, replaced whole when units or the
    /// table change (registration looks departments up in it, every dispatch checks its target).
    let unitTree: Mutex<UnitTree>
    /// The unit tree now: a snapshot for several questions that must agree with one another.
    public var tree: UnitTree { unitTree.withLock { $0 } }
    /// Changes every time the unit tree is (re)loaded: caches derived from the tree compare it.
    public var unitsVersion: Int { unitTree.withLock { $0.version } }
    /// Seals citizens' personal data and keys their identity (README "Privacy").
    public let sealer: Sealer
    public let accounts: Accounts
    /// Near-duplicates and risk words at registration.
    public let intelligence: Intelligence
    /// Hotspot reports computed in the last few minutes (HotspotService.swift).
    public let hotspotCache = HotspotCache()
    /// Counters and gauges for `/metrics`.
    public let metrics = ServerMetrics()
    /// Matter profiles of earlier cases (repeat detection), by case id: a case's title, content and address never
    /// change, so each is profiled once, not once per later request of the same citizen. Dropped whole past
    /// `matterProfileLimit` entries.
    let matterProfiles = Mutex<[CaseID: MatterProfile]>([:])
    static let matterProfileLimit = 8_192
    let logger: Logger

    public init(store: any CaseStore, clock: any TimeSource, calendar: WorkCalendar,
                policies: [DeadlinePolicy] = DeadlinePolicy.shipped, defaultPolicyID: String = DeadlinePolicy.local12320.id,
                classifier: TextClassifier? = nil, categoryDepartments: [String: String] = Platform.defaultCategoryDepartments,
                sealer: Sealer = .ephemeral(), auth: AuthSettings = AuthSettings(), intelligence: Intelligence = Intelligence(),
                logger: Logger = Logger(label: "minsheng")) {
        self.sealer = sealer
        self.intelligence = intelligence
        self.accounts = Accounts(store: store, clock: clock, settings: auth)
        self.classifier = classifier
        self.unitTree = Mutex(UnitTree(categoryDepartments: categoryDepartments))
        self.store = store
        self.clock = clock
        self.calendars = Mutex((calendar, calendar, []))
        self.policies = Dictionary(uniqueKeysWithValues: policies.map { ($0.id, $0) })
        self.defaultPolicyID = defaultPolicyID
        self.logger = logger
    }

    // MARK: Units

    public func loadUnits() async throws {
        let all = try await store.allUnits()
        unitTree.withLock { $0 = $0.adding(all) }
    }

    public func addUnits(_ units: [Unit]) async throws {
        try await store.insertUnits(units)
        unitTree.withLock { $0 = $0.adding(units) }
    }

    public func unit(_ id: UnitID) -> Unit? { unitTree.withLock { $0.unit(id) } }

    /// The units directly below `id`, by id.
    public func children(of id: UnitID) -> [Unit] { unitTree.withLock { $0.children(of: id) } }

    /// The top of the tree.
    public var rootUnit: UnitID? { unitTree.withLock { $0.root } }

    /// Every unit, by id.
    public func allUnits() -> [Unit] { tree.allUnits }

    /// `root` and every unit below it.
    public func subtree(of root: UnitID) -> Set<UnitID> { unitTree.withLock { $0.subtree(of: root) } }

    /// The city-level center (信访办): where cases are registered unless another center is named.
    public var defaultCenter: Unit? { unitTree.withLock { $0.defaultCenter } }

    /// The level above a unit for review: its parent government (`UnitTree.reviewUnit`).
    public func reviewUnit(above id: UnitID) -> Unit? { unitTree.withLock { $0.reviewUnit(above: id) } }

    /// Where a citizen's review or re-review goes by default (`UnitTree.appealUnit`).
    public func appealUnit(_ action: Action, for c: Case) -> UnitID? { unitTree.withLock { $0.appealUnit(action, for: c) } }

    /// The center serving a place (`UnitTree.center(near:)`).
    public func center(near location: UnitID) -> UnitID? { unitTree.withLock { $0.center(near: location) } }

    public static let defaultCategoryDepartments: [String: String] = [
        "城乡建设": "住房城乡建", "环境保护": "生态环境", "交通运输": "交通", "教育文体": "教委",
        "劳动和社会保障": "人力社保", "商贸旅游": "商务", "卫生计生": "卫生健康",
    ]

    /// The department for a category at the level of the case's place (`UnitTree.suggestedUnit`).
    public func suggestedUnit(for category: String, near location: UnitID?) -> UnitID? {
        unitTree.withLock { $0.suggestedUnit(for: category, near: location) }
    }

    // MARK: Rules

    public func rules(for c: Case) -> DeadlineRules {
        DeadlineRules(policy: policies[c.policyID] ?? policies[defaultPolicyID]!, calendar: calendar)
    }

    public func alert(of c: Case, at now: Instant? = nil) -> AlertAssessment {
        Lifecycle.alert(of: c, at: now ?? clock.now(), rules: rules(for: c))
    }

    // MARK: Registration

    public func register(_ draft: CaseDraft, by actor: Actor, clientKey: String? = nil, at: Instant? = nil) async throws -> RegisterOutcome {
        let (reg, signature) = try await prepare(draft, by: actor, clientKey: clientKey, at: at)
        let outcome = try await store.register([reg])[0]
        if outcome.created { intelligence.indexed(outcome.case.id, signature: signature) }
        return outcome
    }

    /// Everything registration decides before the store writes: checks, classification, repeats, risks, notices.
    func prepare(_ draft: CaseDraft, by actor: Actor, clientKey: String? = nil, at: Instant? = nil) async throws
        -> (Registration, signature: NearDuplicateSignature) {
        let now = at ?? clock.now()
        let centerID = draft.center ?? defaultCenter?.id
        guard let centerID, let center = unit(centerID), center.kind == .center else {
            throw PlatformError.invalid("center", "登记中心单位不存在或不是信访/民生办")
        }
        if let loc = draft.locationUnit, unit(loc) == nil { throw PlatformError.invalid("locationUnit", "单位 \(loc) 不存在") }
        let policyID = draft.policyID ?? defaultPolicyID
        guard let policy = policies[policyID] else {
            throw PlatformError.invalid("policy", "未知的时限标准 \(policyID)；可选：\(policies.keys.sorted().joined(separator: ", "))")
        }
        var received = draft.receivedAt ?? now
        if received > now { received = now }
        let citizen = try Self.validated(draft.citizen)
        var c = Case(id: 0, trackingCode: Self.newTrackingCode(), channel: draft.channel, kind: draft.kind,
                     title: draft.title, content: draft.content, citizen: sealer.sealCitizen(citizen), center: centerID,
                     policyID: policyID, registeredAt: received)
        c.address = draft.address
        c.locationUnit = draft.locationUnit
        c.category = draft.category
        c.caseClass = draft.caseClass
        c.visitors = draft.visitors
        c.appointment = draft.appointment
        c.owner = draft.owner
        if let classifier {
            let (label, confidence) = classifier.classify(title: draft.title, text: draft.content)
            c.suggestion = Suggestion(category: label, confidence: Int((confidence * 1000).rounded()),
                                      unit: suggestedUnit(for: label, near: draft.locationUnit))
        }
        // 重复件 and 终结 (`RepeatRule`): the same matter is the same words and the same site (`sameMatter`), whatever
        // category was given or suggested.
        let citizenKey = draft.citizenKey ?? (citizen.phone ?? citizen.idNumber).map(sealer.citizenKey)
        if let key = citizenKey {
            // Final cases first (rare), then the newest first: compared one by one until the newest repeat is found.
            let earlier = try await store.matters(citizenKey: key, since: received.adding(seconds: -RepeatRule.windowSeconds),
                                                  limit: RepeatRule.candidateLimit)
            if !earlier.isEmpty {
                let mine = MatterSimilarity.profile(title: draft.title, text: draft.content, address: draft.address)
                let tree = self.tree
                let decision = RepeatRule.decide(earlier.map { RepeatRule.Earlier(id: $0.id, repeatOf: $0.repeatOf, isFinal: $0.state == .final) }) {
                    sameMatter(mine, at: draft.locationUnit, as: earlier[$0], in: tree)
                }
                c.repeatOf = decision.repeatOf
                c.finalCase = decision.finalCase
                c.leaderProposed = decision.leaderProposed
            }
        }
        let finalCase = c.finalCase
        // Near-duplicates from anyone (the same text reposted or copied), and risk words (self-harm, threats,
        // gatherings, extreme acts): linked and flagged on the case, the risk announced to the center at once.
        let signature = intelligence.duplicates.signature(title: draft.title, text: draft.content)
        c.similar = intelligence.duplicates.query(signature, limit: Intelligence.maxLinks).map(\.id)
        let matcher = intelligence.riskMatcher
        let riskMatches = matcher.matches(in: draft.title + "。" + draft.content)
        c.risks = matcher.lexicon.categories.map(\.id).filter { id in riskMatches.contains { $0.category == id } }
        var notices: [Notice] = []
        if !c.risks.isEmpty {
            let names = riskMatches.map(\.categoryName).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let phrases = riskMatches.map(\.phrase).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            notices.append(Notice(dedupeKey: "{id}:risk:\(centerID)", caseID: 0, kind: "risk", recipientUnit: centerID, phone: center.phone,
                                  message: "【民生诉求】风险提示：新登记诉求《\(draft.title.prefix(30))》涉及\(names.joined(separator: "、"))（\(phrases.prefix(3).joined(separator: "、"))），请立即研判处置。",
                                  createdAt: now))
            logger.warning("risk words at registration", metadata: ["categories": "\(c.risks)", "phrases": "\(phrases)"])
        }
        if c.isGroupVisit {
            // 集体访: flagged like a risk word and announced at once to the leaders the center serves.
            c.risks.append(Self.groupVisitFlag)
            notices += try await groupVisitNotices(c, center: center, at: now)
        }
        if draft.acknowledge, let to = draft.acknowledgeTo ?? citizen.phone.flatMap({ Contact.isMobile($0) ? c.citizen.phone : nil }) {
            // The address stays sealed in the outbox; the dispatcher opens it at send time.
            notices.append(Notice(dedupeKey: "{id}:ack:citizen", caseID: 0, kind: "ack", recipientUnit: nil, phone: to,
                                  message: Self.acknowledgementText(c, center: center), createdAt: now))
        }
        let rules = DeadlineRules(policy: policy, calendar: calendar)
        var (registered, event) = Lifecycle.register(c, by: actor, rules: rules, note: draft.note)
        if !c.risks.isEmpty { event.data["risks"] = c.risks.joined(separator: ",") }
        if !c.similar.isEmpty { event.data["similar"] = c.similar.map(String.init).joined(separator: ",") }
        if let r = registered.repeatOf { event.data["repeatOf"] = String(r) }
        for (k, v) in draft.eventData where event.data[k] == nil { event.data[k] = v }
        var events = [event]
        if let finalCase {
            // 《信访工作条例》第三十六条: after re-review the same matter is not accepted again. Registered (nothing
            // received is lost), then at once 不予受理 with the legal reason, linked to the final case.
            let (refused, refusal) = Lifecycle.refuseFinalMatter(registered, finalCase: finalCase, by: actor, at: max(now, registered.registeredAt))
            registered = refused
            events.append(refusal)
        }
        (registered, events) = chained(registered, events)
        var reg = Registration(case: registered, events: events, alert: Lifecycle.alertThresholds(of: registered, rules: rules),
                               clientKey: clientKey, nextNotice: Lifecycle.nextNotice(of: registered, rules: rules),
                               citizenKey: citizenKey, notices: notices,
                               acknowledgedAt: AcknowledgementTarget.atRegistration(draft.channel) ? now : nil)
        reg.callID = draft.callID
        return (reg, signature)
    }

    /// Whether a new request (its matter profile and place) is about the same matter as an earlier case of the same
    /// citizen: the text module measures, `RepeatRule` decides (a lower bar at the same site or the same town or village).
    func sameMatter(_ mine: MatterProfile, at location: UnitID?, as earlier: CitizenMatter, in tree: UnitTree) -> Bool {
        let theirs: MatterProfile
        if let cached = matterProfiles.withLock({ $0[earlier.id] }) {
            theirs = cached
        } else {
            theirs = MatterSimilarity.profile(title: earlier.title, text: earlier.content, address: earlier.address)
            matterProfiles.withLock { m in
                if m.count >= Self.matterProfileLimit { m.removeAll(keepingCapacity: true) }
                m[earlier.id] = theirs
            }
        }
        let m = MatterSimilarity.compare(mine, theirs)
        let score = MatterScore(sharedTerms: m.sharedTerms, overlap: m.overlap, samePlace: m.samePlace, bothPlaced: m.bothPlaced,
                                sameWords: m.sameWords)
        return RepeatRule.sameMatter(score, sameLocality: RepeatRule.sameLocality(location, earlier.locationUnit, in: tree))
    }

    /// Takes one step on a case: the lifecycle decides, the store writes case and event in one transaction.
    public func perform(_ step: Step, on id: CaseID, by actor: Actor, note: String = "", at: Instant? = nil) async throws -> Case {
        let now = at ?? clock.now()
        try checkUnits(in: step)
        return try await store.update(id) { [self] old in
            let rules = self.rules(for: old)
            var step = step
            if case .takeOwnership = step {
                // Another leader's case is taken over only from above: resolved here, against the owner of this moment.
                step = .takeOwnership(outranksOwner: old.owner.map { self.outranks(actor.unit, $0.unit) } ?? false)
            }
            let (applied, stepEvent) = try Lifecycle.apply(step, to: old, by: actor, at: now, note: note, rules: rules)
            let (c, event) = self.chained(applied, stepEvent)
            return CaseChange(case: c, event: event, alert: Lifecycle.alertThresholds(of: c, rules: rules),
                              nextNotice: Lifecycle.nextNotice(of: c, rules: rules),
                              notices: self.deliveryNotices(old, c, at: now) + self.supervisionNotices(event, c, at: now)
                                  + self.ratingRequestNotices(old, c, at: now))
        }
    }

    /// Announces the case's alert level if it rose since the last notice: one event, and a notice to the unit
    /// holding the case (and, at alarm, to the government above it). Returns the level announced, if any.
    @discardableResult
    public func raiseAlert(_ id: CaseID, at now: Instant) async throws -> AlertLevel? {
        let raised = ResultBox<AlertLevel?>()
        _ = try await store.update(id) { [self] old in
            let rules = self.rules(for: old)
            guard let (unlinked, raisedEvent, level) = Lifecycle.raiseAlert(old, at: now, rules: rules) else {
                // Nothing new (the case moved on since it was indexed): just set its next instant right.
                var next = Lifecycle.nextNotice(of: old, rules: rules)
                if let n = next, n <= now { next = now.adding(seconds: 60) } // never spin on a case
                return CaseChange(case: old, event: nil, alert: Lifecycle.alertThresholds(of: old, rules: rules), nextNotice: next)
            }
            raised.set(level)
            let (c, event) = self.chained(unlinked, raisedEvent)
            return CaseChange(case: c, event: event, alert: Lifecycle.alertThresholds(of: c, rules: rules),
                              nextNotice: Lifecycle.nextNotice(of: c, rules: rules), notices: self.alertNotices(c, level: level, at: now))
        }
        return raised.get() ?? nil
    }

    /// Whether `unit` is above `other` in the tree (`UnitTree.outranks`).
    func outranks(_ unit: UnitID?, _ other: UnitID?) -> Bool { unitTree.withLock { $0.outranks(unit, other) } }

    private func checkUnits(in step: Step) throws {
        switch tree.targetRefusal(of: step) {
        case let .unknown(t)?: throw PlatformError.invalid("unit", "单位 \(t) 不存在")
        case .center?: throw PlatformError.invalid("unit", "不能转交给信访/民生办，请选择承办单位")
        case nil: break
        }
    }

    /// The citizen's contact, checked and in canonical form (phone digits, ID number with an upper-case X);
    /// empty strings count as absent.
    static func validated(_ c: Citizen) throws -> Citizen {
        func clean(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            return t
        }
        var out = Citizen(name: clean(c.name), anonymous: c.anonymous)
        do {
            out.phone = try clean(c.phone).map(Contact.normalizedPhone)
        } catch { throw PlatformError.invalid("citizen.phone", error.message) }
        do {
            out.idNumber = try clean(c.idNumber).map(Contact.normalizedIDNumber)
        } catch { throw PlatformError.invalid("citizen.idNumber", error.message) }
        return out
    }

    /// 10 characters from an alphabet without 0/O, 1/I/L: read out over the phone without confusion.
    static let codeAlphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    public static func newTrackingCode() -> String {
        // One 64-bit draw, 5 bits a character (31 symbols: the rare 32nd value is redrawn).
        var g = SystemRandomNumberGenerator()
        var chars: [Character] = []
        chars.reserveCapacity(10)
        while chars.count < 10 {
            var bits = g.next()
            for _ in 0..<12 where chars.count < 10 {
                let v = Int(bits & 31)
                bits >>= 5
                if v < codeAlphabet.count { chars.append(codeAlphabet[v]) }
            }
        }
        return String(chars)
    }
}
