import MinshengDomain
import MinshengStore

/// The figures of the leader's dashboard for one scope and period (issue 5 item 3): volume by day and channel, by
/// category, by area; open cases by alert level now; the scope's own rates; the unit ranking inside the scope.
/// The page (`/console/dashboard`) and the API (`/api/v1/stats/overview`) render the same value.
public struct Overview: Sendable {
    public struct Area: Sendable {
        /// The government under the scope's root (a district for the city, a town for a district); nil for "本级":
        /// the root itself and its own departments, centers and utilities.
        public var unit: Unit?
        public var count: Int
    }
    public var scope: Unit
    public var from: Instant
    public var to: Instant
    public var days: [Day]
    public var volume: CaseVolume
    public var areas: [Area]
    public var openByAlert: [AlertLevel: Int]
    /// Open risk cases (风险件) in the scope.
    public var openRisk: Int = 0
    /// The sums over every unit of the scope (README "Statistics", subtree figures).
    public var tally: UnitTally
    public var rankingLevel: UnitLevel
    public var rankingKinds: Set<UnitKind>
    /// Units of `rankingLevel` inside the scope, ranked among themselves.
    public var ranking: [UnitStatsRow]

    public var openTotal: Int { openByAlert.values.reduce(0, +) }
}

extension Platform {
    /// The level a scope's ranking compares by default: the districts (and their departments) for the city; for a
    /// district or below, the scope's own level — its departments, which receive the cases.
    public func defaultRankingLevel(below root: UnitID) -> UnitLevel {
        let level = unit(root)?.level ?? .city
        return level == .city ? .district : level
    }

    public func overview(scopeRoot root: UnitID, from: Instant, to: Instant, rankingLevel: UnitLevel? = nil,
                         rankingKinds: Set<UnitKind> = [.department, .government]) async throws -> Overview {
        guard let scopeUnit = unit(root) else { throw PlatformError.notFound("单位 \(root) 不存在") }
        let scope = scopeUnits(under: root)
        async let volume = store.caseVolume(from: from, to: to, scope: scope)
        async let alerts = store.openCasesByAlert(scope: scope, now: clock.now())
        async let risks = store.openRiskCases(scope: scope)
        let tallies = try await unitTallies(from: from, to: to)
        let members = scope ?? Set(allUnits().map(\.id))
        let tally = members.reduce(UnitTally()) { $0 + (tallies[$1] ?? UnitTally()) }
        let level = rankingLevel ?? defaultRankingLevel(below: root)
        let candidates = members.compactMap(unit).filter { $0.level == level && rankingKinds.contains($0.kind) }
        let ranking = Statistics.ranking(candidates, tallies: tallies)
        let v = try await volume
        // Every government just below the root is listed (a district with no case shows 0), then 本级.
        var byArea: [UnitID?: Int] = [:]
        let tree = self.tree
        for (place, n) in v.byPlace { byArea[tree.area(of: place, under: root)?.id, default: 0] += n }
        var areas = (children(of: root).filter { $0.kind == .government }).map { Overview.Area(unit: $0, count: byArea[$0.id] ?? 0) }
        areas.append(Overview.Area(unit: nil, count: byArea[nil] ?? 0))
        var days: [Day] = []
        var d = ChinaTime.day(of: from)
        let last = ChinaTime.day(of: to.adding(seconds: -1))
        while d <= last && days.count < 400 { days.append(d); d = d.adding(days: 1) }
        return Overview(scope: scopeUnit, from: from, to: to, days: days, volume: v, areas: areas,
                        openByAlert: try await alerts, openRisk: try await risks, tally: tally, rankingLevel: level, rankingKinds: rankingKinds,
                        ranking: ranking)
    }
}
