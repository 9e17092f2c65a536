import MinshengDomain
import SQLKit

/// The `cases` row, described once: every column with the value it takes from a case, in the order of the INSERT, and
/// whether a step rewrites it. All five places that turn a case into columns read this list: both engines'
/// registration inserts (each with its own bind type, `SQLiteData` or `PostgresBindings`), PostgreSQL's COPY loader, and
/// the shared step update (`SQLStore.applyUpdate`).
enum CaseRow {
    /// Feeds each column to `sink`, in order. Generic, so each sink is specialised and inlined: the hot insert paths
    /// bind exactly what they bound by hand before, with no value in between.
    @inline(__always)
    static func columns<S: ColumnSink>(into s: inout S, id: CaseID, _ c: Case, doc: String, alert a: AlertThresholds,
                                           nextNotice: Instant?, clientKey: String?, citizenKey: String?, acknowledgedAt: Instant?) {
        s.int("id", id, .insert)
        s.text("tracking_code", c.trackingCode, .insert)
        s.text("client_key", clientKey, .insert)
        s.text("state", c.state.rawValue, .both)
        s.text("channel", c.channel.rawValue, .insert)
        s.text("kind", c.kind.rawValue, .insert)
        s.text("category", c.category, .both)
        s.int("center_unit", c.center, .insert)
        s.int("holder_unit", c.holder, .both)
        s.int("location_unit", c.locationUnit, .insert)
        s.int("registered_at", c.registeredAt.seconds, .insert)
        s.int("updated_at", c.updatedAt.seconds, .both)
        s.int("due_at", c.currentDue?.seconds ?? noDue, .both)
        s.text("alert_base", a.base.rawValue, .both)
        s.int("warn_at", a.warning?.seconds, .both)
        s.int("urgent_at", a.urgent?.seconds, .both)
        s.int("alarm_at", a.alarm?.seconds, .both)
        s.flag("is_open", c.state.isOpen, .both)
        s.int("version", Int64(c.version), .both)
        s.text("title", c.title, .both)
        s.text("doc", doc, .both)
        s.int("next_notice_at", nextNotice?.seconds, .both)
        s.text("citizen_key", citizenKey, .insert)
        s.flag("leader_proposed", c.leaderProposed, .both)
        s.int("acknowledged_at", acknowledgedAt?.seconds, .insert)
        // Kept out of `doc` for the covering inbox index (migration 12); risk leads that index (migration 13) and is
        // known at registration.
        s.int("visitors", c.storedVisitors.map(Int64.init), .both)
        s.flag("risk", c.isRisk, .insert)
        // Taken by a step (领导领办); a booked reception sets it right after the insert.
        s.text("owner_id", c.owner?.id, .update)
    }

    /// A registration's row (the insert columns), for `id`.
    @inline(__always)
    static func insert<S: ColumnSink>(_ p: PreparedRegistration, id: CaseID, into s: inout S) {
        let r = p.registration
        columns(into: &s, id: id, r.case, doc: p.doc, alert: r.alert, nextNotice: r.nextNotice, clientKey: r.clientKey,
                citizenKey: r.citizenKey, acknowledgedAt: r.acknowledgedAt)
    }

    /// The insert's column names, in order.
    static let insertColumns: [String] = {
        var names = ColumnNames()
        let c = Case(id: 0, trackingCode: "", channel: .web, kind: .complaint, title: "", content: "", citizen: Citizen(), center: 0,
                     policyID: "", registeredAt: Instant(seconds: 0))
        columns(into: &names, id: 0, c, doc: "", alert: AlertThresholds(), nextNotice: nil, clientKey: nil, citizenKey: nil,
                acknowledgedAt: nil)
        return names.names
    }()

    /// `INSERT INTO cases (…) VALUES` (the rows' placeholders follow).
    static let insertHead = "INSERT INTO cases (" + insertColumns.joined(separator: ", ") + ") VALUES"

    /// `column = value, …` of what a step rewrites.
    static func assignments(_ change: CaseChange, doc: String) -> SQLQueryString {
        var s = Assignments()
        columns(into: &s, id: change.case.id, change.case, doc: doc, alert: change.alert, nextNotice: change.nextNotice, clientKey: nil,
                citizenKey: nil, acknowledgedAt: nil)
        return s.parts.joined(separator: ", ")
    }

    private struct Assignments: ColumnSink {
        var parts: [SQLQueryString] = []
        mutating func int(_ column: StaticString, _ value: Int64?, _ use: ColumnUse) {
            if use != .insert { parts.append("\(unsafeRaw: column.description) = \(bind: value)") }
        }
        mutating func text(_ column: StaticString, _ value: String?, _ use: ColumnUse) {
            if use != .insert { parts.append("\(unsafeRaw: column.description) = \(bind: value)") }
        }
        mutating func flag(_ column: StaticString, _ value: Bool, _ use: ColumnUse) {
            if use != .insert { parts.append("\(unsafeRaw: column.description) = \(bind: value ? 1 : 0)") }
        }
    }
}

/// The `case_events` row, described once: the registration inserts of both engines, the COPY loader and a step's
/// event (`SQLStore.applyUpdate`) read it. Events are never updated: every column is `.insert`.
enum EventRow {
    @inline(__always)
    static func columns<S: ColumnSink>(into s: inout S, _ e: CaseEvent, caseID: CaseID, data: String) {
        s.int("case_id", caseID, .insert)
        s.int("seq", Int64(e.seq), .insert)
        s.text("action", e.action.rawValue, .insert)
        s.int("at", e.at.seconds, .insert)
        s.text("actor_id", e.actorID, .insert)
        s.text("actor_name", e.actorName, .insert)
        s.text("role", e.role.rawValue, .insert)
        s.int("unit_id", e.unit, .insert)
        s.text("from_state", e.fromState?.rawValue, .insert)
        s.text("to_state", e.toState.rawValue, .insert)
        s.text("note", e.note, .insert)
        s.text("data", data, .insert)
    }

    /// The column names, in order.
    static let names: [String] = {
        var names = ColumnNames()
        columns(into: &names, CaseEvent(caseID: 0, seq: 0, action: .note, at: Instant(seconds: 0), actorID: "", actorName: "", role: .admin,
                                        unit: nil, fromState: nil, toState: .registered, note: "", data: [:]), caseID: 0, data: "")
        return names.names
    }()

    static let list = names.joined(separator: ", ")

    /// `INSERT INTO case_events (…) VALUES` (the rows' placeholders follow).
    static let insertHead = "INSERT INTO case_events (" + list + ") VALUES"

    /// `(value, …)`: one event's values, bound, for SQLKit.
    static func values(_ e: CaseEvent, caseID: CaseID, data: String) -> SQLQueryString {
        var s = Values()
        columns(into: &s, e, caseID: caseID, data: data)
        return "(\(binds: s.values))"
    }

    private struct Values: ColumnSink {
        var values: [any Encodable & Sendable] = []
        mutating func int(_ column: StaticString, _ value: Int64?, _ use: ColumnUse) { values.append(value) }
        mutating func text(_ column: StaticString, _ value: String?, _ use: ColumnUse) { values.append(value) }
        mutating func flag(_ column: StaticString, _ value: Bool, _ use: ColumnUse) { values.append(value ? 1 : 0) }
    }
}

/// When a column is written: only with a new row, with a new row and by every step, or only by a step.
enum ColumnUse { case insert, both, update }

/// Where `CaseRow.columns` and `EventRow.columns` put each column's value: an engine's binds, a COPY row, an
/// UPDATE's assignments. Flags are 0/1 integers (SMALLINT on PostgreSQL). A sink for an insert skips `.update` columns,
/// one for an update skips `.insert` columns.
protocol ColumnSink {
    mutating func int(_ column: StaticString, _ value: Int64?, _ use: ColumnUse)
    mutating func text(_ column: StaticString, _ value: String?, _ use: ColumnUse)
    mutating func flag(_ column: StaticString, _ value: Bool, _ use: ColumnUse)
}

/// Collects the names of the columns an insert writes.
struct ColumnNames: ColumnSink {
    var names: [String] = []
    mutating func int(_ column: StaticString, _ value: Int64?, _ use: ColumnUse) { add(column, use) }
    mutating func text(_ column: StaticString, _ value: String?, _ use: ColumnUse) { add(column, use) }
    mutating func flag(_ column: StaticString, _ value: Bool, _ use: ColumnUse) { add(column, use) }
    mutating func add(_ column: StaticString, _ use: ColumnUse) { if use != .update { names.append(column.description) } }
}

extension CaseRow {
    /// A chunk of registrations' case rows and their events' rows, into each engine's own sinks (the hot path of
    /// both engines); returns how many event rows were bound.
    static func bind<C: ColumnSink, E: ColumnSink>(_ chunk: some Sequence<(PreparedRegistration, Int64)>,
                                                   cases: inout C, events: inout E) -> Int {
        var n = 0
        for (p, id) in chunk {
            insert(p, id: id, into: &cases)
            for (e, data) in zip(p.registration.events, p.eventData) {
                EventRow.columns(into: &events, e, caseID: id, data: data)
                n += 1
            }
        }
        return n
    }
}
