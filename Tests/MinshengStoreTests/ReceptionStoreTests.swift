import Foundation
import MinshengDomain
import Testing
@testable import MinshengStore

/// Reception bookings and acknowledgement times: what every engine must do (the PostgreSQL port runs these too).
@Suite("Store: reception bookings and acknowledgements, on every engine")
struct ReceptionStoreTests {
    static let day = Day("2026-11-03")!

    static func booking(slot: Int) -> ReceptionBooking {
        ReceptionBooking(scheduleID: "r1", day: day, slot: slot, startsAt: t0.adding(seconds: 86_400 + Int64(slot) * 1500), createdAt: t0)
    }

    static func owned(_ title: String) -> Registration {
        var r = registration(title: title, channel: .visit)
        r.case.owner = Owner(id: "user:7", name: "王市长", unit: 1, since: t0)
        r.case.appointment = booking(slot: 0).startsAt
        return r
    }

    @Test(arguments: Engine.allCases)
    func oneBookingPerSlot(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let (b, c) = try await store.bookReception(Self.booking(slot: 0), registration: Self.owned("预约一"))
            #expect(b.caseID == c.id && b.id > 0 && b.cancelledAt == nil)
            #expect(try await store.case(c.id)?.owner?.id == "user:7")
            var q = CaseQuery(now: t0)
            q.owner = "user:7"
            #expect(try await store.cases(q).items.map(\.id) == [c.id])
            // Concurrent bookings of one free slot: exactly one wins; ordinary registrations in the same batches keep their ids.
            let results = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<6 {
                    group.addTask { (try? await store.bookReception(Self.booking(slot: 1), registration: Self.owned("并发\(i)"))) != nil }
                    group.addTask { (try? await store.register([registration(title: "普通\(i)")])) != nil }
                }
                var wins: [Bool] = []
                for await r in group { wins.append(r) }
                return wins
            }
            #expect(results.filter { $0 }.count == 1 + 6)
            #expect(try await store.caseCount() == 1 + 1 + 6)
            do {
                _ = try await store.bookReception(Self.booking(slot: 0), registration: Self.owned("重复"))
                Issue.record("a taken slot was booked again")
            } catch let e as StoreError {
                #expect(e == .conflict("slot_taken"))
            }
            #expect(try await store.caseCount() == 8)
            let live = try await store.receptionBookings(scheduleID: "r1", from: Self.day, through: Self.day)
            #expect(live.map(\.slot) == [0, 1])
        }
    }

    @Test(arguments: Engine.allCases)
    func cancelFreesTheSlot(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let (_, c) = try await store.bookReception(Self.booking(slot: 2), registration: Self.owned("预约"))
            let after = try await store.cancelReception(caseID: c.id, at: t0.adding(hours: 1)) { old in
                var x = old
                x.appointment = nil
                let (n, e) = try Lifecycle.apply(.note, to: x, by: admin, at: t0.adding(hours: 1), note: "取消", rules: rules)
                return CaseChange(case: n, event: e, alert: Lifecycle.alertThresholds(of: n, rules: rules))
            }
            #expect(after.appointment == nil && after.version == 2)
            #expect(try await store.receptionBooking(caseID: c.id)?.cancelledAt == t0.adding(hours: 1))
            #expect(try await store.receptionBookings(scheduleID: nil, from: Self.day, through: Self.day).isEmpty)
            do {
                _ = try await store.cancelReception(caseID: c.id, at: t0) { old in CaseChange(case: old, event: nil, alert: Lifecycle.alertThresholds(of: old, rules: rules)) }
                Issue.record("cancelled twice")
            } catch let e as StoreError {
                #expect(e == .conflict("no_booking"))
            }
            // The slot is free again.
            _ = try await store.bookReception(Self.booking(slot: 2), registration: Self.owned("再约"))
        }
    }

    @Test(arguments: Engine.allCases)
    func updateSettingIsAtomic(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask { _ = try? await store.updateSetting("counter") { old in String((old.flatMap { Int($0) } ?? 0) + 1) } }
                }
            }
            #expect(try await store.setting("counter") == "20")
            // A change that throws writes nothing; nil removes the setting.
            struct No: Error {}
            _ = try? await store.updateSetting("counter") { _ in throw No() }
            #expect(try await store.setting("counter") == "20")
            let removed = try await store.updateSetting("counter") { _ in nil }
            #expect(removed == nil)
            #expect(try await store.setting("counter") == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func acknowledgementTimes(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var atOnce = registration(title: "网站", channel: .web)
            atOnce.acknowledgedAt = t0
            var bySMS = registration(title: "短信", channel: .sms)
            bySMS.notices = [Notice(dedupeKey: "{id}:ack:citizen", caseID: 0, kind: "ack", recipientUnit: nil, phone: "sealed", message: "回执", createdAt: t0),
                             Notice(dedupeKey: "{id}:risk:2", caseID: 0, kind: "risk", recipientUnit: 2, phone: nil, message: "风险", createdAt: t0)]
            let web = try await store.register([atOnce])[0].case
            let sms = try await store.register([bySMS])[0].case
            let notices = try await store.notices(of: sms.id)
            // Delivering another kind acknowledges nothing; the ack's first delivery does, and only the first.
            try await store.markNoticeSent(notices.first { $0.kind == "risk" }!.id, at: t0.adding(seconds: 10))
            try await store.markNoticeSent(notices.first { $0.kind == "ack" }!.id, at: t0.adding(seconds: 95))
            try await store.markNoticeSent(notices.first { $0.kind == "ack" }!.id, at: t0.adding(seconds: 500))
            let rows = try await store.acknowledgements(from: t0.adding(hours: -1), to: t0.adding(hours: 1), scope: nil)
            #expect(rows.count == 2)
            #expect(rows.first { $0.channel == "web" }?.acknowledgedAt == t0)
            #expect(rows.first { $0.channel == "sms" }?.acknowledgedAt == t0.adding(seconds: 95))
            #expect(web.id != sms.id)
            #expect(try await store.acknowledgements(from: t0.adding(hours: 1), to: t0.adding(hours: 2), scope: nil).isEmpty)
            #expect(try await store.acknowledgements(from: t0.adding(hours: -1), to: t0.adding(hours: 1), scope: [5]).isEmpty)
        }
    }
}
