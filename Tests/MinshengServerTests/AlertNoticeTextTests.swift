import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// An alert notice names the periods of the case's deadline policy (the policy makes them configurable; the text
/// once said "2个工作日" whatever the policy).
@Suite("Alert notice text")
struct AlertNoticeTextTests {
    @Test func theNoticeReadsThePeriodsFromThePolicy() async throws {
        var policy = DeadlinePolicy.local12320
        policy.id = "quick"
        policy.warnAfterDelivery = .workingDays(1)
        policy.urgentLead = .workingDays(5)
        let store = try await SQLiteStore.open(.memory)
        do {
            let p = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar(),
                             policies: [policy], defaultPolicyID: policy.id)
            try await p.addUnits(apiUnits)
            let watcher = DeadlineWatcher(platform: p)
            let id = try await newDispatchedCase(p, at: monday9)
            // Delivered Monday 11-02: warning after 1 working day, from Wednesday 00:00.
            #expect(try await watcher.tick(at: at("2026-11-03T23:59:59+08:00")).raised == 0)
            #expect(try await watcher.tick(at: at("2026-11-04T00:00:00+08:00")).raised == 1)
            var notices = try await p.store.notices(of: id)
            #expect(notices.last?.kind == "warning")
            #expect(notices.last?.message.contains("转交后已逾1个工作日仍未受理") == true, "\(notices.last?.message ?? "")")
            // Accepted: urgent 5 working days before the reply limit.
            _ = try await p.perform(.sign, on: id, by: watchAdmin, at: at("2026-11-04T09:00:00+08:00"))
            let accepted = try await p.perform(.accept(caseClass: nil), on: id, by: watchAdmin, at: at("2026-11-04T09:00:00+08:00"))
            let urgentAt = p.calendar.instant(.workingDays(5), before: try #require(accepted.deadlines.reply))
            #expect(try await watcher.tick(at: urgentAt.adding(seconds: -1)).raised == 0)
            #expect(try await watcher.tick(at: urgentAt).raised == 1)
            notices = try await p.store.notices(of: id)
            #expect(notices.last?.kind == "urgent")
            #expect(notices.last?.message.contains("距办理期限已不足5个工作日") == true, "\(notices.last?.message ?? "")")
            #expect(!notices.contains { $0.message.contains("2个工作日") })
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
