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

    public init(seq: Int, action: Action, at: Instant, unit: UnitID? = nil, toUnit: UnitID? = nil, onTime: Bool? = nil,
                evaluation: Evaluation? = nil) {
        self.seq = seq; self.action = action; self.at = at; self.unit = unit; self.toUnit = toUnit
        self.onTime = onTime; self.evaluation = evaluation
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

    /// The steps statistics read: deliveries, the unit's timed steps, how a unit's handling ends, evaluations.
    public static let countedActions: [Action] = [
        .dispatch, .redispatch, .transfer, .reopen, .sign, .accept, .reject, .reply, .evaluate,
        .return, .object, .approveReturn, .denyReturn,
    ]
}
