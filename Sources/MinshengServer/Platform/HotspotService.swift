import Foundation
import MinshengDomain
import MinshengStore
import MinshengText
import Synchronization

/// Hotspots of a scope and period (issue 6 item 3), computed on request from the store and kept a few minutes.
/// The cases registered in the period are clustered together with those of the previous period of equal length
/// (growth); see `Hotspots` (MinshengText) and docs/hotspots.md.
public final class HotspotCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var scope: UnitID
        public var from: Int64
        public var to: Int64
    }

    struct Entry { var at: Instant; var version: Int; var result: HotspotResult }
    private let entries = Mutex<[Key: Entry]>([:])
    /// How long a result is served again (seconds); a registration since makes it stale at once.
    public static let lifetime: Int64 = 300
    static let maxEntries = 64

    public init() {}

    func get(_ key: Key, now: Instant, version: Int) -> HotspotResult? {
        entries.withLock { m in
            guard let e = m[key], e.version == version, now.seconds - e.at.seconds < Self.lifetime, e.at <= now else { return nil }
            return e.result
        }
    }

    func put(_ key: Key, _ result: HotspotResult, now: Instant, version: Int) {
        entries.withLock { m in
            if m.count >= Self.maxEntries {
                // Drop the oldest half.
                let old = m.sorted { $0.value.at < $1.value.at }.prefix(Self.maxEntries / 2).map(\.key)
                for k in old { m[k] = nil }
            }
            m[key] = Entry(at: now, version: version, result: result)
        }
    }
}

/// A hotspot report with the platform's units resolved (districts, the city department of a systemic topic).
public struct HotspotResult: Sendable {
    public var report: HotspotReport
    public var from: Instant
    public var to: Instant
    public var previousFrom: Instant
    /// Topic index → the city department its category goes to (systemic topics only).
    public var departments: [Int: UnitID]
    public var computedAt: Instant
    /// The period held more cases than are read (the newest `maxCases` were clustered).
    public var truncated: Bool
}

extension Platform {
    /// The most cases one request clusters (the current and the previous period together).
    public static let hotspotMaxCases = 120_000

    /// Hotspots of the cases registered in [from, to) whose holder, center or location is below `root`.
    public func hotspots(root: UnitID, from: Instant, to: Instant, options: HotspotOptions = HotspotOptions()) async throws -> HotspotResult {
        let now = clock.now()
        let version = intelligence.duplicates.count
        let key = HotspotCache.Key(scope: root, from: from.seconds, to: to.seconds)
        if let hit = hotspotCache.get(key, now: now, version: version) { return hit }
        let previousFrom = Instant(seconds: from.seconds - (to.seconds - from.seconds))
        let scope = scopeUnits(under: root)
        let rows = try await store.hotspotCases(from: previousFrom, to: to, scope: scope, limit: Self.hotspotMaxCases + 1)
        let truncated = rows.count > Self.hotspotMaxCases
        var current: [HotspotMessage] = [], previous: [HotspotMessage] = []
        for r in rows.suffix(Self.hotspotMaxCases) {
            let m = hotspotMessage(r)
            if r.registeredAt < from { previous.append(m) } else { current.append(m) }
        }
        let report = await Task.detached(priority: .utility) { Hotspots.analyze(current, previous: previous, options: options) }.value
        var departments: [Int: UnitID] = [:]
        for (i, c) in report.topics.enumerated() where c.systemic {
            if let cat = c.category, let d = suggestedUnit(for: cat, near: nil) { departments[i] = d }
        }
        let result = HotspotResult(report: report, from: from, to: to, previousFrom: previousFrom, departments: departments,
                                   computedAt: now, truncated: truncated)
        hotspotCache.put(key, result, now: now, version: version)
        return result
    }

    /// A case as a message: its district (the district-level unit above its place, else above its holder), its
    /// holder, category, and place — the village/community it is located in, else an estate named in the text,
    /// else its town/street, else a road named in the text.
    func hotspotMessage(_ r: HotspotCaseRow) -> HotspotMessage {
        let placeUnit = r.location.flatMap { unit($0) }
        var district: String?
        var cur: UnitID? = r.location ?? r.holder
        var hops = 0
        while let id = cur, let u = unit(id), hops < 16 {
            if u.level == .district { district = u.name; break }
            cur = u.parentID
            hops += 1
        }
        var place: String?
        let fromText = PlaceExtractor.primaryPlace(title: r.title, text: r.content)
        if let p = placeUnit, p.level == .village {
            place = p.name
        } else if let t = fromText, t.kind == .estate {
            place = t.name
        } else if let p = placeUnit, p.level == .town {
            place = p.name
        } else {
            place = fromText?.name ?? ""
        }
        // Towns and estates of the same name lie in different districts: the district is part of the place.
        if let p = place, !p.isEmpty, let d = district, !p.hasPrefix(d) { place = d + "·" + p }
        return HotspotMessage(id: r.id, title: r.title, text: r.content, time: r.registeredAt.seconds, district: district,
                              unit: unit(r.holder)?.name, category: r.category, place: place?.isEmpty == true ? nil : place,
                              author: r.citizenKey)
    }
}
