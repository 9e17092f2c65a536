import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
@testable import MinshengStore
import SQLKit
import Testing

/// Issue 22 item 7: a tamper-evident trail. The trigger stops edits through the database; the chain of keyed hashes
/// catches the edit of someone who dropped the trigger: `verifyChains` (`minsheng verify`) names the case and event.
@Suite("Tamper-evident trail")
struct EventChainTests {
    func journey(_ h: Harness) async throws -> Int {
        let id = try await h.create()
        try await h.step(id, "dispatch", ["unit": 4])
        try await h.step(id, "sign", ["actingUnit": 4])
        try await h.step(id, "accept", ["actingUnit": 4])
        try await h.step(id, "reply", ["actingUnit": 4, "result": "support", "text": "路灯已修复。"])
        return id
    }

    @Test func everyEventIsLinkedAndAnEditIsNamed() async throws {
        try await withAPI { h in
            let id = try await journey(h)
            // Another case, accepted and then late: the watcher's alert event is linked too.
            let other = try await h.create(title: "噪音扰民")
            try await h.step(other, "dispatch", ["unit": 4])
            try await h.step(other, "sign", ["actingUnit": 4])
            try await h.step(other, "accept", ["actingUnit": 4])
            #expect(try await h.platform.raiseAlert(Int64(other), at: h.clock.now().adding(seconds: 40 * 86_400)) == .alarm)
            let events = try await h.platform.store.events(of: Int64(id))
            #expect(events.count == 5 && events.allSatisfy { ($0.data["chain"]?.count ?? 0) == 64 })
            #expect(Set(events.compactMap { $0.data["chain"] }).count == 5, "every link differs")
            #expect(try await h.platform.store.case(Int64(id))?.chainHead == events.last?.data["chain"])
            // The API does not show the links.
            #expect(!(try await h.get("/api/v1/cases/\(id)").text.contains("\"chain\"")))
            var report = try await h.platform.verifyChains()
            #expect(report.cases == 2 && report.events == 10 && report.brokenCases == 0 && report.legacyEvents == 0, "\(report.broken)")

            // Someone with the file drops the trigger and rewrites the reply's text of one event.
            let db = (h.platform.store as! SQLiteStore).writer
            try await db.raw("DROP TRIGGER case_events_no_update").run()
            try await db.raw("UPDATE case_events SET note = '已按群众要求办结' WHERE case_id = \(bind: id) AND seq = 3").run()
            report = try await h.platform.verifyChains()
            #expect(report.brokenCases == 1)
            #expect(report.broken.first?.caseID == Int64(id) && report.broken.first?.what == "event 3 was changed (its link does not verify)",
                    "\(report.broken)")

            // Removing the last event of the other case is caught too.
            try await db.raw("DROP TRIGGER case_events_no_delete").run()
            try await db.raw("DELETE FROM case_events WHERE case_id = \(bind: other) AND seq = 5").run()
            report = try await h.platform.verifyChains()
            #expect(report.brokenCases == 2)
            #expect(report.broken.map(\.what).contains("the case has 5 events but 4 are stored"), "\(report.broken)")
        }
    }

    /// The links bind each event to its content, its place in the chain and its case.
    @Test func aLinkCoversContentOrderAndCase() {
        let sealer = Sealer.ephemeral()
        let e = CaseEvent(caseID: 1, seq: 1, action: .register, at: Instant(seconds: 1_700_000_000), actorID: "u1", actorName: "登记员",
                          role: .registrar, unit: 2, fromState: nil, toState: .registered, note: "", data: ["channel": "phone"])
        let a = EventChain.link(e, trackingCode: "ABC1234567", after: nil, sealer: sealer).data["chain"]
        var changed = e
        changed.note = "x"
        #expect(EventChain.link(changed, trackingCode: "ABC1234567", after: nil, sealer: sealer).data["chain"] != a)
        #expect(EventChain.link(e, trackingCode: "ABC7654321", after: nil, sealer: sealer).data["chain"] != a, "another case")
        #expect(EventChain.link(e, trackingCode: "ABC1234567", after: "00", sealer: sealer).data["chain"] != a, "another place")
        #expect(EventChain.link(e, trackingCode: "ABC1234567", after: nil, sealer: Sealer.ephemeral()).data["chain"] != a, "another key")
        #expect(EventChain.link(e, trackingCode: "ABC1234567", after: nil, sealer: sealer).data["chain"] == a)
    }
}
