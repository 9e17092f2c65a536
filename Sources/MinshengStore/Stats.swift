import MinshengDomain

/// How many cases were registered in a period, grouped three ways (the leader's dashboard).
public struct CaseVolume: Sendable, Equatable {
    public struct DayChannel: Sendable, Equatable, Hashable {
        public var day: Day
        public var channel: String
        public init(day: Day, channel: String) { self.day = day; self.channel = channel }
    }
    public var total: Int
    public var byDayChannel: [DayChannel: Int]
    /// Category → count; "" for cases with neither a category nor a suggestion.
    public var byCategory: [String: Int]
    /// The case's location unit, else its holder → count.
    public var byPlace: [UnitID: Int]
    public init(total: Int = 0, byDayChannel: [DayChannel: Int] = [:], byCategory: [String: Int] = [:], byPlace: [UnitID: Int] = [:]) {
        self.total = total; self.byDayChannel = byDayChannel; self.byCategory = byCategory; self.byPlace = byPlace
    }
}

/// What hotspot analysis reads of a case (`CaseStore.hotspotCases`).
public struct HotspotCaseRow: Sendable, Equatable {
    public var id: CaseID
    public var title: String
    public var content: String
    /// The category set on the case, else the suggested one; nil when neither.
    public var category: String?
    public var holder: UnitID
    public var location: UnitID?
    public var registeredAt: Instant
    /// The keyed hash that recognises a citizen (nil for anonymous cases).
    public var citizenKey: String?
    public init(id: CaseID, title: String, content: String, category: String?, holder: UnitID, location: UnitID?,
                registeredAt: Instant, citizenKey: String?) {
        self.id = id; self.title = title; self.content = content; self.category = category; self.holder = holder
        self.location = location; self.registeredAt = registeredAt; self.citizenKey = citizenKey
    }
}
