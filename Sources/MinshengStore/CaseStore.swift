import MinshengDomain

/// What the platform asks of storage. Engines (SQLite embedded, PostgreSQL for a city or province) implement it;
/// nothing here names an engine, a connection or SQL.
public protocol CaseStore: AccountStore {
    /// Creates or upgrades the schema; safe to call on every start.
    func migrate() async throws
    func close() async throws
    /// The schema version in the database, and the one this build expects (`/readyz` compares them).
    func schemaVersion() async throws -> Int
    var expectedSchemaVersion: Int { get }
    /// Why the store cannot take writes now (its database is down or unreachable), or nil: `/readyz` answers 503
    /// while it is set. Engines that cannot lose their database (SQLite) leave it nil.
    var unavailability: String? { get }

    // MARK: Units
    func insertUnits(_ units: [Unit]) async throws
    func unit(_ id: UnitID) async throws -> Unit?
    /// Children of `parent` (roots when nil), or, with `query`, units anywhere whose name contains it.
    func units(parent: UnitID?, query: String?, limit: Int) async throws -> [Unit]
    func unitCount() async throws -> Int
    /// Every unit, parents before children (the platform keeps the tree in memory).
    func allUnits() async throws -> [Unit]
    /// A new unit under `parent` with the next free id (assigned inside the write transaction).
    func createUnit(parentID: UnitID?, name: String, level: UnitLevel, kind: UnitKind, phone: String?) async throws -> Unit
    /// Rewrites a unit's name, level, kind, phone and parent; a new parent moves the whole subtree (the materialised
    /// paths of the unit and every unit below it are rewritten in the same transaction). Moving a unit below itself
    /// is refused (`StoreError.conflict`).
    func updateUnit(_ unit: Unit) async throws

    // MARK: Settings
    /// An admin-editable setting (a JSON text), or nil when never set.
    func setting(_ key: String) async throws -> String?
    /// Stores a setting; nil removes it.
    func setSetting(_ key: String, _ value: String?) async throws
    /// Reads a setting and writes what `change` makes of it (nil removes it) in one write transaction, so that two
    /// admins editing one list (reception schedules) never lose each other's change; returns the new value.
    func updateSetting(_ key: String, _ change: @escaping @Sendable (String?) throws -> String?) async throws -> String?

    // MARK: Cases
    /// Stores new cases with their first events; ids are assigned by the store and returned in order.
    /// A registration whose `clientKey` was seen before returns the earlier case instead (`created == false`).
    func register(_ registrations: [Registration]) async throws -> [RegisterOutcome]
    /// Runs `step` on the current case inside one transaction and stores its result; if `step` throws,
    /// nothing is written and the error is rethrown.
    func update(_ id: CaseID, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case
    func `case`(_ id: CaseID) async throws -> Case?
    func `case`(trackingCode: String) async throws -> Case?
    func events(of id: CaseID) async throws -> [CaseEvent]
    func cases(_ query: CaseQuery) async throws -> CasePage
    func caseCount() async throws -> Int

    // MARK: Deadline watch and notices
    /// Claims the cases whose next alert instant has come (an index range scan: the cost does not grow with open
    /// cases): their instant moves to `now + lease` seconds in the same statement, so a watcher on another node does
    /// not take them too (PostgreSQL: `FOR UPDATE SKIP LOCKED`). Raising the alert sets the real next instant; a node
    /// that dies holding a claim only delays the case by the lease.
    func claimDueCases(at now: Instant, limit: Int, lease: Int64) async throws -> [CaseID]
    /// Claims notices not yet delivered whose next attempt is due, oldest first, for `lease` seconds (the same way):
    /// each notice goes to one node's sender; marked sent or failed afterwards, or retried when the lease runs out.
    func claimNotices(at now: Instant, limit: Int, lease: Int64) async throws -> [Notice]
    func markNoticeSent(_ id: Int64, at: Instant) async throws
    func markNoticeFailed(_ id: Int64, error: String, retryAt: Instant) async throws
    func notices(of caseID: CaseID) async throws -> [Notice]
    /// Notices waiting for delivery.
    func noticeBacklog() async throws -> Int
    /// The citizen's cases registered since `since` (by the citizen key stored at registration), newest first.
    func cases(citizenKey: String, since: Instant, limit: Int) async throws -> [Case]
    /// The same cases as `cases(citizenKey:since:limit:)`, only what the repeat check at registration needs: read
    /// from columns and a few fields of the document, without decoding whole cases on the registration path. The
    /// citizen's final cases (终结) come too, however old (the matter is not accepted again), and first.
    func matters(citizenKey: String, since: Instant, limit: Int) async throws -> [CitizenMatter]
    /// Supervision events against a unit (reminders, orders, responses, field checks, accountability), newest first.
    func supervisionRecord(unit: UnitID, limit: Int) async throws -> [CaseEvent]

    /// Titles and contents of the cases after `id`, in id order (to rebuild text indexes).
    func caseTexts(after id: CaseID, limit: Int) async throws -> [(id: CaseID, title: String, content: String)]

    // MARK: Hotline calls
    /// Records a call (once per call id: a repeated report returns the first record).
    func recordCall(_ call: Call) async throws -> Call
    func call(_ id: String) async throws -> Call?
    func linkCall(_ id: String, to caseID: CaseID) async throws

    // MARK: Attachments and public disclosure
    func addAttachment(_ a: Attachment) async throws -> Attachment
    func attachments(of caseID: CaseID) async throws -> [Attachment]
    /// Publishes (or replaces) a redacted closed case on the disclosure page.
    func disclose(_ d: Disclosure) async throws
    func disclosures(limit: Int, before: Instant?) async throws -> [Disclosure]

    // MARK: Statistics
    /// The cases statistics for [from, to) must read, ordered by case id, each with all its counted steps
    /// (`StatsCase.countedActions`) before `to` in order (earlier steps too: who held the case, when it was
    /// delivered, which limits run). They are the cases with a counted step at or after `from` — in the period, or
    /// later (a unit may have held it, overdue, through the period's end and answered only after it) — and the cases
    /// open now whose running limit (`due_at`) passed by `asOf` (the period's end, or now if earlier): a case left
    /// untouched since before the period still counts against the unit sitting on it.
    func statsCases(from: Instant, to: Instant, asOf: Instant) async throws -> [StatsCase]
    /// Counts of the cases registered in [from, to) — by day (China time) and channel, by category (the set one, else
    /// the suggested one), by place (location unit, else holder) — limited to cases whose holder, center or location
    /// is in `scope` (nil: every case). Read through the index on `registered_at`.
    func caseVolume(from: Instant, to: Instant, scope: Set<UnitID>?) async throws -> CaseVolume
    /// Every case counted by its state (an index-only scan; `/metrics` reads it).
    func caseCountsByState() async throws -> [CaseState: Int]
    /// Open cases by their alert level at `now`, limited like `caseVolume`.
    func openCasesByAlert(scope: Set<UnitID>?, now: Instant) async throws -> [AlertLevel: Int]
    /// Open risk cases (risk words or a group visit at registration), limited like `caseVolume`.
    func openRiskCases(scope: Set<UnitID>?) async throws -> Int
    /// The cases registered in [from, to) (a range scan of the index on `registered_at`), limited like `caseVolume`,
    /// oldest first, at most `limit`: what hotspot clustering reads.
    func hotspotCases(from: Instant, to: Instant, scope: Set<UnitID>?, limit: Int) async throws -> [HotspotCaseRow]

    // MARK: Acknowledgement (GB/T 33358)
    /// Channel, registration (received) time and acknowledgement time of every case registered in [from, to), limited
    /// like `caseVolume`. A case is acknowledged at registration (`Registration.acknowledgedAt`) or when its first
    /// notice of kind "ack" is delivered (`markNoticeSent`).
    func acknowledgements(from: Instant, to: Instant, scope: Set<UnitID>?) async throws -> [AcknowledgementRow]

    // MARK: Leader reception days (领导接访日)
    /// Books a slot and registers its case in one transaction. A slot already booked (not cancelled) is refused with
    /// `StoreError.conflict("slot_taken")` and nothing is written; of two concurrent bookings of one slot exactly one wins.
    func bookReception(_ booking: ReceptionBooking, registration: Registration) async throws -> (ReceptionBooking, Case)
    /// Live (not cancelled) bookings of a schedule (every schedule when nil) on days in [from, through].
    func receptionBookings(scheduleID: String?, from: Day, through: Day) async throws -> [ReceptionBooking]
    /// The booking a case was made by (live or cancelled; the latest).
    func receptionBooking(caseID: CaseID) async throws -> ReceptionBooking?
    /// Cancels the case's live booking (the slot is free again) and takes `step` on the case, in one transaction;
    /// `StoreError.conflict("no_booking")` when the case has no live booking.
    func cancelReception(caseID: CaseID, at: Instant, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case
}

public struct AcknowledgementRow: Sendable, Equatable {
    public var channel: String
    public var registeredAt: Instant
    public var acknowledgedAt: Instant?
    public init(channel: String, registeredAt: Instant, acknowledgedAt: Instant?) {
        self.channel = channel; self.registeredAt = registeredAt; self.acknowledgedAt = acknowledgedAt
    }
}

/// One booked reception slot: schedule, day (China time), slot number (0-based) and its start.
public struct ReceptionBooking: Sendable, Equatable {
    public var id: Int64
    public var scheduleID: String
    public var day: Day
    public var slot: Int
    public var startsAt: Instant
    public var caseID: CaseID
    public var createdAt: Instant
    public var cancelledAt: Instant?
    public init(id: Int64 = 0, scheduleID: String, day: Day, slot: Int, startsAt: Instant, caseID: CaseID = 0, createdAt: Instant,
                cancelledAt: Instant? = nil) {
        self.id = id; self.scheduleID = scheduleID; self.day = day; self.slot = slot; self.startsAt = startsAt; self.caseID = caseID
        self.createdAt = createdAt; self.cancelledAt = cancelledAt
    }
}

/// A message to a unit, kept in the outbox in the same transaction as the event it announces, delivered later.
/// `dedupeKey` makes it exactly-once: the same (case, level, deadline, recipient) is never queued twice, and the
/// gateway receives it as the message id.
public struct Notice: Sendable, Equatable {
    public var id: Int64
    public var dedupeKey: String
    public var caseID: CaseID
    public var kind: String
    public var recipientUnit: UnitID?
    public var phone: String?
    public var message: String
    public var createdAt: Instant
    public var attempts: Int
    public var sentAt: Instant?
    public var lastError: String?
    public init(id: Int64 = 0, dedupeKey: String, caseID: CaseID, kind: String, recipientUnit: UnitID?, phone: String?,
                message: String, createdAt: Instant, attempts: Int = 0, sentAt: Instant? = nil, lastError: String? = nil) {
        self.id = id; self.dedupeKey = dedupeKey; self.caseID = caseID; self.kind = kind; self.recipientUnit = recipientUnit
        self.phone = phone; self.message = message; self.createdAt = createdAt; self.attempts = attempts
        self.sentAt = sentAt; self.lastError = lastError
    }
}

/// A new case as the domain built it (id 0; the store assigns the id).
public struct Registration: Sendable {
    public var `case`: Case
    /// The history so far: the registration event, and any steps already taken (imports, bulk loads).
    public var events: [CaseEvent]
    public var alert: AlertThresholds
    /// Idempotency key sent by the client: a retried request returns the first result.
    public var clientKey: String?
    /// When the deadline watcher must look at the case.
    public var nextNotice: Instant?
    /// Identifies the citizen across cases (repeat detection): a keyed hash of the phone (or ID number).
    public var citizenKey: String?
    /// Notices to queue with the registration (its case id is not known yet: "{id}" in a key or message stands for it).
    public var notices: [Notice] = []
    /// When the citizen got the tracking code, if the registration's own answer carried it (portal, WeChat, in person).
    public var acknowledgedAt: Instant?
    /// The hotline call the case is registered from: linked to the case in the registration's own transaction (a
    /// call is never left unlinked behind a committed case).
    public var callID: String?
    public init(case c: Case, events: [CaseEvent], alert: AlertThresholds, clientKey: String? = nil, nextNotice: Instant? = nil,
                citizenKey: String? = nil, notices: [Notice] = [], acknowledgedAt: Instant? = nil) {
        self.case = c; self.events = events; self.alert = alert; self.clientKey = clientKey; self.nextNotice = nextNotice
        self.citizenKey = citizenKey; self.notices = notices; self.acknowledgedAt = acknowledgedAt
    }
}

public struct RegisterOutcome: Sendable {
    public var `case`: Case
    public var created: Bool
}

/// The result of a step: the new case, the event to append (none when only the index fields move),
/// the new alert thresholds, the watcher's next instant, and the notices to queue with it.
public struct CaseChange: Sendable {
    public var `case`: Case
    public var event: CaseEvent?
    public var alert: AlertThresholds
    public var nextNotice: Instant?
    public var notices: [Notice]
    public init(case c: Case, event: CaseEvent?, alert: AlertThresholds, nextNotice: Instant? = nil, notices: [Notice] = []) {
        self.case = c; self.event = event; self.alert = alert; self.nextNotice = nextNotice; self.notices = notices
    }
}

public enum CaseOrder: String, Sendable, CaseIterable {
    case newest   // registration, newest first
    case due      // next deadline, soonest first (the inbox)
    case relevance // full-text rank (only with a query text), among the newest matches (`RelevanceWindow`)
}

/// Relevance order ranks the newest matches only. A word that is in one case in twenty (路灯 in a city) matches
/// hundreds of thousands of cases at ten million; ranking all of them costs hundreds of milliseconds and a clerk who
/// types 路灯 wants the recent ones. So the ranked set is the matches among the newest case ids: the window starts at
/// `firstSpan` ids and widens tenfold until it holds `matches` matching cases (under every other filter of the query)
/// or covers every case. Rare words end with the whole table, which is cheap because they have few matches. The
/// window's lower bound travels in the cursor, so every page of one search ranks the same set.
public struct RelevanceWindow: Sendable {
    public var matches = 1_000
    public var firstSpan: Int64 = 20_000
    public init() {}
    public init(matches: Int, firstSpan: Int64) { self.matches = matches; self.firstSpan = firstSpan }

    /// Runs `attempt(lo)` (the page with ids > lo, and how many matches that window holds) on windows below `top`
    /// that widen until one holds `needed` matches or covers every case (lo = 0); returns its page and lo. The next
    /// span follows the density just seen (a quarter more than it predicts, at least 1.3× and at most 10× the last),
    /// so a window that fell a few matches short is not redone ten times larger. The same widening serves "newest
    /// first" with a text, where the window must hold one page (`needed` = limit + 1) below the cursor's id, so no
    /// engine sorts every match to show the first twenty.
    public func widening<Page>(top: Int64, needed: Int, _ attempt: (Int64) async throws -> (Page, Int)) async throws -> (Page, Int64) {
        var span = firstSpan
        while true {
            let lo = max(0, top - span)
            let (page, matches) = try await attempt(lo)
            if lo == 0 || matches >= needed { return (page, lo) }
            let factor = matches == 0 ? 10 : min(10, max(1.3, 1.25 * Double(needed) / Double(matches)))
            span = Int64((Double(span) * factor).rounded(.up))
        }
    }

    /// One list query of an engine, windowed where a text makes it worth it: `attempt(lo)` runs the page with ids > lo
    /// (nil: no bound) and says how many matches that window holds. A text search ordered by relevance or by id, on
    /// its first page (relevance) or below a cursor's id (`below`, newest first), widens from the newest id
    /// (`maxID()`); a relevance cursor's bound (`cursorBound`) is reused as it is; anything else runs once, unbounded.
    /// Returns the page and the bound for the next cursor.
    public func page<Page>(text: Bool, order: CaseOrder, cursorBound: Int64?, below: Int64?, limit: Int,
                           maxID: () async throws -> Int64,
                           _ attempt: (Int64?) async throws -> (Page, Int)) async throws -> (Page, Int64?) {
        guard text, cursorBound == nil, order != .due else { return (try await attempt(cursorBound).0, cursorBound) }
        let top: Int64
        if let below { top = below - 1 } else { top = try await maxID() }
        let (page, lo) = try await widening(top: top, needed: order == .relevance ? matches : limit + 1) { try await attempt($0) }
        return (page, lo)
    }

    /// A relevance cursor: "o{offset}_{lo}" (older cursors without the bound, "o{offset}", rank everything).
    static func parseCursor(_ body: Substring) -> (offset: Int, lo: Int64)? {
        let parts = body.split(separator: "_", omittingEmptySubsequences: false)
        guard let o = Int(parts[0]), o >= 0 else { return nil }
        if parts.count == 1 { return (o, 0) }
        guard parts.count == 2, let lo = Int64(parts[1]), lo >= 0 else { return nil }
        return (o, lo)
    }
}

public struct CaseQuery: Sendable {
    /// The unit holding the case.
    public var unit: UnitID?
    /// Only cases held, or registered, by one of these units (the caller's scope); nil: no restriction.
    public var scope: Set<UnitID>?
    /// A unit co-handling the case (协办).
    public var coHandler: UnitID?
    /// The leader who owns the case (领导领办).
    public var owner: String?
    /// Only cases proposed for leader ownership (transferred or reopened twice).
    public var leaderProposed: Bool = false
    public var state: CaseState?
    public var openOnly: Bool = false
    public var alert: AlertLevel?
    /// Only risk cases (true) or only the others (false).
    public var risk: Bool?
    public var kind: CaseKind?
    public var channel: Channel?
    public var category: String?
    public var from: Instant?
    public var to: Instant?
    public var text: String?
    /// Which matches a text search ranks (the newest; tests make it small).
    public var window = RelevanceWindow()
    public var order: CaseOrder = .newest
    public var cursor: String?
    public var limit: Int = 50
    /// The instant alert levels are evaluated at.
    public var now: Instant
    public init(now: Instant) { self.now = now }
}

/// A list row: enough for an inbox line without decoding the whole case.
public struct CaseSummary: Sendable, Equatable, Codable {
    public var id: CaseID
    public var trackingCode: String
    public var title: String
    public var state: CaseState
    public var kind: CaseKind
    public var channel: Channel
    public var category: String?
    public var holder: UnitID
    public var registeredAt: Instant
    public var due: Instant?
    public var alert: AlertLevel
    /// A visit's number of people (a group visit from five), for the inbox's marker.
    public var visitors: Int? = nil
    /// Files on the case (a letter's scanned pages, photos).
    public var attachments: Int = 0
    /// Risk words or a group visit at registration: the case heads every list ordered by deadline.
    public var risk: Bool = false
}

public struct CasePage: Sendable {
    public var items: [CaseSummary]
    /// Pass back as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?
}

extension CaseStore {
    public var unavailability: String? { nil }
}

public enum StoreError: Error, Equatable, Sendable {
    case caseNotFound(CaseID)
    case badCursor(String)
    case conflict(String)
}

/// A file that came with a case: the bytes live on disk under their SHA-256, the row says what and whose.
public struct Attachment: Sendable, Equatable {
    public var id: Int64
    public var caseID: CaseID
    public var sha256: String
    public var name: String
    public var type: String
    public var size: Int
    public var at: Instant
    public init(id: Int64 = 0, caseID: CaseID, sha256: String, name: String, type: String, size: Int, at: Instant) {
        self.id = id; self.caseID = caseID; self.sha256 = sha256; self.name = name; self.type = type; self.size = size; self.at = at
    }
}

/// A closed case published for the public (留言选登), personal data already removed.
public struct Disclosure: Sendable, Equatable {
    public var caseID: CaseID
    public var at: Instant
    public var userID: Int64
    public var title: String
    public var content: String
    public var reply: String
    public var unitName: String
    public var category: String?
    public var registeredAt: Instant
    public var repliedAt: Instant?
    public var evaluation: String?
    public init(caseID: CaseID, at: Instant, userID: Int64, title: String, content: String, reply: String, unitName: String,
                category: String?, registeredAt: Instant, repliedAt: Instant?, evaluation: String?) {
        self.caseID = caseID; self.at = at; self.userID = userID; self.title = title; self.content = content; self.reply = reply
        self.unitName = unitName; self.category = category; self.registeredAt = registeredAt; self.repliedAt = repliedAt; self.evaluation = evaluation
    }
}

/// One hotline call as the telephony system reported it: the caller's number only sealed and as a keyed hash.
public struct Call: Sendable, Equatable {
    public var id: String
    public var callerKey: String?
    public var callerSealed: String?
    public var recording: String?
    public var startedAt: Instant
    public var userID: Int64?
    public var caseID: CaseID?
    public init(id: String, callerKey: String?, callerSealed: String?, recording: String?, startedAt: Instant, userID: Int64?, caseID: CaseID? = nil) {
        self.id = id; self.callerKey = callerKey; self.callerSealed = callerSealed; self.recording = recording
        self.startedAt = startedAt; self.userID = userID; self.caseID = caseID
    }
}

/// One of a citizen's earlier cases as the repeat check sees it (重复件: same citizen, same matter).
public struct CitizenMatter: Sendable, Equatable {
    public var id: CaseID
    public var category: String?
    public var suggestedCategory: String?
    public var repeatOf: CaseID?
    /// What the matter is and where (the repeat check compares words and place, not categories).
    public var title: String
    /// The first `CitizenMatter.contentPrefix` characters of the content.
    public var content: String
    public var address: String?
    public var locationUnit: UnitID?
    public var state: CaseState?
    public init(id: CaseID, category: String?, suggestedCategory: String?, repeatOf: CaseID?, title: String = "", content: String = "",
                address: String? = nil, locationUnit: UnitID? = nil, state: CaseState? = nil) {
        self.id = id
        self.category = category
        self.suggestedCategory = suggestedCategory
        self.repeatOf = repeatOf
        self.title = title
        self.content = content
        self.address = address
        self.locationUnit = locationUnit
        self.state = state
    }
    public static let contentPrefix = 2000
    /// The matter: the category given, else the one the classifier suggested.
    public var matter: String? { category ?? suggestedCategory }
}

extension CaseStore {
    /// `statsCases(from:to:asOf:)` as of the period's end.
    public func statsCases(from: Instant, to: Instant) async throws -> [StatsCase] {
        try await statsCases(from: from, to: to, asOf: to)
    }
}
