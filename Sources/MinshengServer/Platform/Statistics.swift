import MinshengDomain
import MinshengStore

extension Platform {
    /// Per-unit counts for [from, to), read from the events, as seen now (the platform clock).
    public func unitTallies(from: Instant, to: Instant) async throws -> [UnitID: UnitTally] {
        let now = clock.now()
        let cases = try await store.statsCases(from: from, to: to, asOf: min(to, now))
        // Cases whose open stint began before the limits were recorded on the events: their policy decides.
        var legacy: [CaseID: DeadlineRules] = [:]
        for id in Statistics.casesWithUnrecordedLimits(cases, to: to, now: now) {
            if let c = try await store.case(id) { legacy[id] = rules(for: c) }
        }
        return Statistics.tally(cases, from: from, to: to, now: now, calendar: calendar, legacyRules: legacy)
    }

    /// Units of `level` (and of `kinds`) ranked by score (`Statistics.rank`).
    public func unitRanking(level: UnitLevel, kinds: Set<UnitKind>, from: Instant, to: Instant) async throws -> [UnitStatsRow] {
        let tallies = try await unitTallies(from: from, to: to)
        return Statistics.ranking(tree.units(level: level, kinds: kinds), tallies: tallies)
    }

    /// One unit's figures, or with `subtree` the sum over the unit and every unit below it.
    public func unitStats(_ id: UnitID, subtree: Bool, from: Instant, to: Instant) async throws -> UnitStatsRow? {
        guard let u = unit(id) else { return nil }
        let tallies = try await unitTallies(from: from, to: to)
        guard subtree else {
            return UnitStatsRow(unit: u, tally: tallies[id] ?? UnitTally())
        }
        let members = tree.subtree(of: id)
        let t = members.reduce(UnitTally()) { $0 + (tallies[$1] ?? UnitTally()) }
        return UnitStatsRow(unit: u, tally: t, units: members.count)
    }
}
