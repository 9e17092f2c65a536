/// Which steps are supervision of a unit (督办), defined once: the unit's supervision record (both engines keep
/// it), its counts, and the notices to the unit read these sets.
extension Action {
    /// The steps that supervise the unit they target (`data["targetUnit"]`), in the order a unit's record counts
    /// them. Every open case admits them (`Lifecycle.supervision`); taking ownership (领导领办) is admitted alike but
    /// is a leader's act on the case, not supervision of a unit, and stays off the record.
    public static let supervisionOfUnit: [Action] = Lifecycle.supervision.filter { $0 != .takeOwnership }

    /// Whether the step goes on the supervision record of the unit it targets.
    public var isSupervision: Bool { Action.supervisionOfUnit.contains(self) }

    /// The supervision steps the target unit is told of at once: a reminder, an order, accountability. (A response
    /// comes from the unit itself; a field check is the supervisor's own finding.)
    public var notifiesSupervisedUnit: Bool {
        switch self {
        case .remind, .superviseOrder, .holdAccountable: true
        default: false
        }
    }
}
