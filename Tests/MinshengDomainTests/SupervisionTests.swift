import Testing
@testable import MinshengDomain

/// Which steps are supervision of a unit (its record, both engines) and which tell the unit at once.
@Suite("Supervision")
struct SupervisionTests {
    static let onRecord: Set<Action> = [.remind, .superviseOrder, .respondSupervision, .fieldCheck, .holdAccountable]
    static let notified: Set<Action> = [.remind, .superviseOrder, .holdAccountable]

    @Test(arguments: Action.allCases)
    func supervision(_ a: Action) {
        #expect(a.isSupervision == Self.onRecord.contains(a))
        #expect(a.notifiesSupervisedUnit == Self.notified.contains(a))
        // Every supervision step is admitted on every open case; a notice only follows a step on the record.
        if a.isSupervision { #expect(Lifecycle.supervision.contains(a)) }
        if a.notifiesSupervisedUnit { #expect(a.isSupervision) }
    }

    @Test func recordOrder() {
        // The unit's record counts them in this order (the API lists the counts so).
        #expect(Action.supervisionOfUnit == [.remind, .superviseOrder, .respondSupervision, .fieldCheck, .holdAccountable])
        #expect(!Action.takeOwnership.isSupervision && Lifecycle.supervision.contains(.takeOwnership))
    }
}
