import Foundation
import Testing
@testable import MinshengDomain

/// The shipped policies against DESIGN.md's deadline table.
@Suite("Shipped deadline policies")
struct PolicyTests {
    /// | step | local "12320" | statute |, row by row (nil = the statute sets none).
    static let table: [(DeadlineStep, Period, Period?)] = [
        (.dispatch, .workingDays(1), .calendarDays(15)),        // register and forward/assign (Art. 22)
        (.sign, .workingDays(2), nil),                          // sign after dispatch — statute: none
        (.object, .workingDays(2), .workingDays(5)),            // object to a misrouted case (Art. 23)
        (.accept, .workingDays(3), .calendarDays(15)),          // accept/reject with written notice (Art. 23)
        (.reply, .workingDays(20), .calendarDays(60)),          // reply after accept (Art. 34)
        (.reviewRequest, .calendarDays(30), .calendarDays(30)), // citizen asks for review (Art. 35)
        (.rereviewRequest, .calendarDays(30), .calendarDays(30)), // … and re-review (Art. 36)
        (.reviewDecision, .calendarDays(30), .calendarDays(30)),
        (.rereviewDecision, .calendarDays(30), .calendarDays(30)),
    ]

    @Test(arguments: 0..<table.count)
    func designTableRow(_ i: Int) {
        let (step, local, statute) = Self.table[i]
        #expect(DeadlinePolicy.local12320.period(step) == local, "12320 \(step)")
        #expect(DeadlinePolicy.statute.period(step) == statute, "statute \(step)")
    }

    @Test func extensionCaps() {
        // statute: + at most 30 days on approved extension (Art. 34)
        #expect(DeadlinePolicy.statute.period(.extensionCap) == .calendarDays(30))
        // 12320 has a cap too, counted in working days like its reply limit
        let cap = DeadlinePolicy.local12320.period(.extensionCap)
        #expect(cap?.unit == .workingDays)
        #expect((cap?.amount ?? 0) > 0)
    }

    @Test func everyStepIsCovered() {
        #expect(Set(Self.table.map(\.0)).union([.extensionCap]) == Set(DeadlineStep.allCases))
        #expect(Set(DeadlinePolicy.local12320.periods.keys) == Set(DeadlineStep.allCases))
        #expect(Set(DeadlinePolicy.statute.periods.keys) == Set(DeadlineStep.allCases).subtracting([.sign]))
    }

    @Test func alertSettingsAndIdentity() {
        for p in DeadlinePolicy.shipped {
            #expect(p.warnAfterDelivery == .workingDays(2), "warning 2 working days after delivery")
            #expect(p.urgentLead == .workingDays(2), "urgent 2 working days before the limit")
        }
        #expect(DeadlinePolicy.shipped.map(\.id) == ["12320", "statute"], "12320 is the default, listed first")
        #expect(!DeadlinePolicy.local12320.name.isEmpty && !DeadlinePolicy.statute.name.isEmpty)
    }

    @Test func periodDescriptions() {
        #expect(Period.workingDays(20).description == "20个工作日")
        #expect(Period.calendarDays(15).description == "15日")
        #expect(Period.hours(24).description == "24小时")
        #expect(Period(3, .workingDays) == .workingDays(3))
    }

    @Test func policyCodableRoundTrip() throws {
        for p in DeadlinePolicy.shipped {
            let data = try JSONEncoder().encode(p)
            #expect(try JSONDecoder().decode(DeadlinePolicy.self, from: data) == p)
        }
    }

    @Test func rulesWithoutAPeriodSetNoDeadline() {
        let start = at("2026-03-02T10:00:00+08:00")
        #expect(Fixtures.rulesStatute.due(.sign, after: start) == nil)
        #expect(Fixtures.rules12320.due(.sign, after: start) == at("2026-03-05T00:00:00+08:00"))
        var d = Deadlines()
        d[.extensionCap] = start
        #expect(d[.extensionCap] == nil)
        d[.reply] = start
        #expect(d.reply == start && d[.reply] == start)
    }
}
