import MinshengDomain

/// One step of a case as statistics read it: only the fields the figures need, straight from the event row.
/// Statistics are counted from events (痕迹), never from counters that could drift.
public struct StatsEvent: Sendable, Equatable {
    public var seq: Int
    public var action: Action
    public var at: Instant
    /// The unit recorded on the event (the actor's unit, or the center when the platform admin acted).
    public var unit: UnitID?
    /// `data["toUnit"]`: where a dispatch, redispatch, transfer, review or re-review sent the case (a reopen goes back
    /// to the unit that answered).
    public var toUnit: UnitID?
    /// `data["onTime"]`: whether a timed step met the limit that governed it (nil when no limit was recorded).
    public var onTime: Bool?
    /// `data["evaluation"]` of an evaluate step.
    public var evaluation: Evaluation?
    /// `data["signDue"]`, `data["acceptDue"]`, `data["replyDue"]`: the limits the step set or moved (a delivery sets
    /// sign and accept, an accept the reply, an approved extension moves the reply, a resume all that run). They
    /// tell when a step the unit has *not* taken became overdue. Nil on events written before they were recorded.
    public var signDue: Instant?
    public var acceptDue: Instant?
    public var replyDue: Instant?

    public init(seq: Int, action: Action, at: Instant, unit: UnitID? = nil, toUnit: UnitID? = nil, onTime: Bool? = nil,
                evaluation: Evaluation? = nil, signDue: Instant? = nil, acceptDue: Instant? = nil, replyDue: Instant? = nil) {
        self.seq = seq; self.action = action; self.at = at; self.unit = unit; self.toUnit = toUnit
        self.onTime = onTime; self.evaluation = evaluation
        self.signDue = signDue; self.acceptDue = acceptDue; self.replyDue = replyDue
    }
}

/// A case that statistics for a period must look at, with its counted steps before the period's end, in order.
public struct StatsCase: Sendable, Equatable {
    public var id: CaseID
    public var registeredAt: Instant
    /// Another case with the same citizen phone was registered earlier in the same period (重复件).
    public var isRepeat: Bool
    public var events: [StatsEvent]

    public init(id: CaseID, registeredAt: Instant, isRepeat: Bool, events: [StatsEvent]) {
        self.id = id; self.registeredAt = registeredAt; self.isRepeat = isRepeat; self.events = events
    }

    /// The steps statistics read: deliveries, the unit's timed steps, how a unit's handling ends, evaluations, and
    /// what moves or stops a running limit (pause, resume, approved extension).
    public static let countedActions: [Action] = [
        .dispatch, .redispatch, .transfer, .reopen, .sign, .accept, .reject, .reply, .evaluate,
        .return, .object, .approveReturn, .denyReturn, .pause, .resume, .approveExtension,
    ]
}

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
