import Foundation
import MinshengDomain
import Testing
@testable import MinshengStore

@Suite("Stats store query, on every engine")
struct StatsStoreTests {
    static func reg(_ store: any CaseStore, _ t: String, phone: String?) async throws -> CaseID {
        var r = registration(at: Instant.parse(t)!)
        r.case.citizen.phone = phone
        r.citizenKey = phone // the platform stores a keyed hash; any stable key does here
        return try await store.register([r])[0].case.id
    }

    static func go(_ store: any CaseStore, _ id: CaseID, _ s: Step, _ t: String) async throws {
        _ = try await store.update(id, step(s, at: Instant.parse(t)!))
    }

    @Test(arguments: Engine.allCases)
    func touchedCasesWithTheirStepsBeforeTheEnd(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let x = "13900000001"
            // Registered before the period with phone X, signed in it.
            let c6 = try await Self.reg(store, "2026-10-26T09:00:00", phone: x)
            try await Self.go(store, c6, .dispatch(to: 4, mode: .forward, coHandlers: []), "2026-10-26T10:00:00")
            try await Self.go(store, c6, .sign, "2026-11-02T08:00:00")
            // Delivered and signed in the period; accepted after it.
            let c1 = try await Self.reg(store, "2026-11-02T09:00:00", phone: x)
            try await Self.go(store, c1, .dispatch(to: 4, mode: .forward, coHandlers: []), "2026-11-02T10:00:00")
            _ = try await store.update(c1, step(.note, at: Instant.parse("2026-11-02T10:30:00")!, note: "已电话联系")) // not counted
            try await Self.go(store, c1, .sign, "2026-11-03T10:00:00")
            try await Self.go(store, c1, .accept(caseClass: nil), "2026-11-05T10:00:00")
            // Phone X again, later in the period: a repeat.
            let c2 = try await Self.reg(store, "2026-11-03T09:00:00", phone: x)
            try await Self.go(store, c2, .dispatch(to: 5, mode: .forward, coHandlers: []), "2026-11-03T10:00:00")
            // Nothing in the period, but left unsigned past its sign limit: read all the same (it counts against 4).
            let c3 = try await Self.reg(store, "2026-10-26T09:00:00", phone: "13900000003")
            try await Self.go(store, c3, .dispatch(to: 4, mode: .forward, coHandlers: []), "2026-10-26T10:00:00")
            // Two cases without a phone are not repeats of each other.
            let c4 = try await Self.reg(store, "2026-11-02T09:00:00", phone: nil)
            try await Self.go(store, c4, .dispatch(to: 4, mode: .forward, coHandlers: []), "2026-11-02T10:00:00")
            let c5 = try await Self.reg(store, "2026-11-02T09:10:00", phone: nil)
            try await Self.go(store, c5, .dispatch(to: 4, mode: .forward, coHandlers: []), "2026-11-02T10:00:00")
            // Answered, rated, reopened within the period.
            let c7 = try await Self.reg(store, "2026-11-02T09:20:00", phone: "13900000007")
            try await Self.go(store, c7, .dispatch(to: 4, mode: .forward, coHandlers: []), "2026-11-02T10:00:00")
            try await Self.go(store, c7, .sign, "2026-11-02T11:00:00")
            try await Self.go(store, c7, .accept(caseClass: nil), "2026-11-02T12:00:00")
            try await Self.go(store, c7, .reply(result: .support, text: "已处理"), "2026-11-02T13:00:00")
            try await Self.go(store, c7, .evaluate(.dissatisfied), "2026-11-02T14:00:00")
            try await Self.go(store, c7, .reopen(reason: "不满意"), "2026-11-03T09:00:00")

            let from = Instant.parse("2026-11-02")!, to = Instant.parse("2026-11-04")!
            let cases = try await store.statsCases(from: from, to: to)
            #expect(cases.map(\.id) == [c6, c1, c2, c3, c4, c5, c7])
            #expect(cases.map(\.isRepeat) == [false, false, true, false, false, false, false])
            let byID = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0) })

            let one = try #require(byID[c1])
            #expect(one.registeredAt == Instant.parse("2026-11-02T09:00:00")!)
            #expect(one.events.map(\.action) == [.dispatch, .sign]) // no register, no note, nothing after `to`
            #expect(one.events.map(\.seq) == [2, 4])
            #expect(one.events[0].toUnit == 4)
            #expect(one.events[0].onTime == true)
            #expect(one.events[0].unit == 2) // the admin acts for the center
            // The delivery keeps the limits it starts; the accept after `to` is not read.
            #expect(one.events[0].signDue != nil && one.events[0].acceptDue != nil && one.events[0].replyDue == nil)
            #expect(one.events[0].signDue! < one.events[0].acceptDue!)
            #expect(one.events[1].at == Instant.parse("2026-11-03T10:00:00")!)
            #expect(one.events[1].onTime == true)
            #expect(one.events[1].toUnit == nil)

            // Earlier steps of a touched case come along (who held it, since when).
            #expect(byID[c6]?.events.map(\.action) == [.dispatch, .sign])
            #expect(byID[c6]?.events.first?.at == Instant.parse("2026-10-26T10:00:00")!)
            #expect(byID[c3]?.events.map(\.action) == [.dispatch])
            #expect(byID[c3]?.events.first?.signDue != nil)

            let seven = try #require(byID[c7])
            #expect(seven.events.map(\.action) == [.dispatch, .sign, .accept, .reply, .evaluate, .reopen])
            #expect(seven.events[4].evaluation == .dissatisfied)
            #expect(seven.events[5].at == Instant.parse("2026-11-03T09:00:00")!)
            #expect(seven.events[2].replyDue != nil) // the accept keeps the reply limit it starts
            #expect(seven.events[5].acceptDue != nil && seven.events[5].signDue == nil) // a reopen owes a new decision

            // An empty or inverted period reads nothing.
            try #expect(await store.statsCases(from: to, to: from).isEmpty)
            // A later day with no step: only the open cases whose running limit passed by its end — all but c1,
            // whose reply limit (20 working days after 11-05) is still ahead.
            let dec1 = Instant.parse("2026-12-01")!, dec2 = Instant.parse("2026-12-02")!
            try #expect(await store.statsCases(from: dec1, to: dec2).map(\.id) == [c6, c2, c3, c4, c5, c7])
            // As of an instant before any limit passed, nothing.
            try #expect(await store.statsCases(from: dec1, to: dec2, asOf: Instant.parse("2026-10-26T12:00:00")!).isEmpty)
        }
    }
}
