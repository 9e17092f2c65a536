import MinshengDomain
import MinshengStore

/// The tamper-evident trail (痕迹管理, DESIGN "Lifecycle"): every event of a case carries, in `data["chain"]`, a keyed
/// hash (Sealer.chainLink) over the previous event's link and its own canonical bytes; the case keeps the last link
/// (`Case.chainHead`). The database refuses to edit events by trigger; the chain is what catches an edit made by
/// someone who dropped the trigger, since a changed event, a removed one or a reordered one breaks every link after it
/// and no link can be recomputed without the data key. `minsheng verify` checks every chain.
enum EventChain {
    static let field = "chain"

    /// The event as bytes, each field length-prefixed (no separator can be forged), its data sorted, the link itself
    /// left out. The tracking code binds the chain to its case (ids are assigned after the first link is made).
    static func canonical(_ e: CaseEvent, trackingCode: String) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ s: String) {
            let b = Array(s.utf8)
            out += Array(String(b.count).utf8); out.append(0x3A); out += b
        }
        put("v1"); put(trackingCode); put(String(e.seq)); put(e.action.rawValue); put(String(e.at.seconds))
        put(e.actorID); put(e.actorName); put(e.role.rawValue); put(e.unit.map(String.init) ?? "")
        put(e.fromState?.rawValue ?? ""); put(e.toState.rawValue); put(e.note)
        for (k, v) in e.data.sorted(by: { $0.key < $1.key }) where k != field { put(k); put(v) }
        return out
    }

    /// Links `event` after `previous` (nil: the first event) and returns the event with its link.
    static func link(_ event: CaseEvent, trackingCode: String, after previous: String?, sealer: Sealer) -> CaseEvent {
        var e = event
        e.data[field] = sealer.chainLink(previous: previous ?? "", canonical(e, trackingCode: trackingCode))
        return e
    }

    /// What `verify` found in one case: nil when the chain holds.
    enum Break: Equatable, Sendable, CustomStringConvertible {
        /// The event's link does not match its content and its predecessor: edited, inserted or reordered.
        case edited(seq: Int)
        /// An event after the first linked one has no link (written around the platform).
        case unlinked(seq: Int)
        /// Events are missing or extra: the case's version or its last link disagrees with its events.
        case truncated(expected: Int, found: Int)
        case headMismatch

        var description: String {
            switch self {
            case let .edited(seq): "event \(seq) was changed (its link does not verify)"
            case let .unlinked(seq): "event \(seq) has no link, though earlier events do"
            case let .truncated(expected, found): "the case has \(expected) events but \(found) are stored"
            case .headMismatch: "the case's last link does not match its last event"
            }
        }
    }

    /// Checks one case's events; `legacy` counts events from before chaining (no link, at the start of the history).
    static func verify(_ c: Case, events: [CaseEvent], sealer: Sealer) -> (break: Break?, legacy: Int) {
        var previous: String?
        var legacy = 0
        for (i, e) in events.enumerated() {
            guard let stored = e.data[field] else {
                if previous == nil { legacy += 1; continue }
                return (.unlinked(seq: e.seq), legacy)
            }
            if e.seq != i + 1 { return (.edited(seq: e.seq), legacy) }
            let expected = sealer.chainLink(previous: previous ?? "", canonical(e, trackingCode: c.trackingCode))
            guard Secrets.constantTimeEqual(expected, stored) else { return (.edited(seq: e.seq), legacy) }
            previous = stored
        }
        if events.count != c.version { return (.truncated(expected: c.version, found: events.count), legacy) }
        if let head = c.chainHead, head != previous { return (.headMismatch, legacy) }
        return (nil, legacy)
    }
}

extension Platform {
    /// The step's event linked after the case's chain head, and the case with its new head. Every event the platform
    /// writes passes here (registration, steps, alerts, reception), after the event is final.
    func chained(_ c: Case, _ event: CaseEvent) -> (Case, CaseEvent) {
        let linked = EventChain.link(event, trackingCode: c.trackingCode, after: c.chainHead, sealer: sealer)
        var out = c
        out.chainHead = linked.data[EventChain.field]
        return (out, linked)
    }

    /// A registration's events (the first, and a refusal of a final matter) linked in order.
    func chained(_ c: Case, _ events: [CaseEvent]) -> (Case, [CaseEvent]) {
        var out = c
        var linked: [CaseEvent] = []
        for e in events { let (c2, e2) = chained(out, e); out = c2; linked.append(e2) }
        return (out, linked)
    }

    public struct ChainReport: Sendable {
        public var cases = 0
        public var events = 0
        public var legacyEvents = 0
        public var brokenCases = 0
        /// The broken cases, first ones first (at most 100 listed).
        public var broken: [(caseID: CaseID, what: String)] = []
    }

    /// Every case's chain, in id order (`minsheng verify`).
    public func verifyChains(progress: (@Sendable (Int) -> Void)? = nil) async throws -> ChainReport {
        var report = ChainReport()
        var after: CaseID = 0
        while true {
            let batch = try await store.caseTexts(after: after, limit: 500)
            guard let last = batch.last else { break }
            after = last.id
            for t in batch {
                guard let c = try await store.case(t.id) else { continue }
                let events = try await store.events(of: t.id)
                let (broken, legacy) = EventChain.verify(c, events: events, sealer: sealer)
                report.cases += 1
                report.events += events.count
                report.legacyEvents += legacy
                if let broken {
                    report.brokenCases += 1
                    if report.broken.count < 100 { report.broken.append((t.id, broken.description)) }
                }
            }
            progress?(report.cases)
        }
        return report
    }
}

/// Times the links of a typical step's event (`minsheng verify --bench-links N`).
public enum EventChainBench {
    public static func run(links n: Int, sealer: Sealer) -> Double {
        let e = CaseEvent(caseID: 1, seq: 3, action: .accept, at: Instant(seconds: 1_700_000_000), actorID: "user:12", actorName: "渝中区生态环境局承办人",
                          role: .handler, unit: 124, fromState: .signed, toState: .accepted, note: "已受理，安排现场核查",
                          data: ["caseClass": "claim", "replyDue": "1701360000"])
        var previous = String(repeating: "0", count: 64)
        let start = ContinuousClock.now
        for _ in 0..<n {
            previous = EventChain.link(e, trackingCode: "ABCDEFGHJK", after: previous, sealer: sealer).data[EventChain.field]!
        }
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
