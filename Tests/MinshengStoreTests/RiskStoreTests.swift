import Foundation
import MinshengDomain
import Testing
@testable import MinshengStore

/// Risk cases head the lists ordered by deadline on both engines (issue 16 item 6), page by page.
@Suite("Risk cases first, on every engine")
struct RiskStoreTests {
    @Test(arguments: Engine.allCases)
    func riskCasesHeadTheDeadlineOrder(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var risky = registration(title: "再不解决我就跳楼", at: t0.adding(hours: 2))
            risky.case.risks = ["self-harm"]
            let ids = try await store.register([registration(title: "路灯一", at: t0), registration(title: "路灯二", at: t0.adding(hours: 1)), risky])
                .map(\.case.id)
            var q = CaseQuery(now: t0.adding(hours: 3))
            q.openOnly = true
            q.order = .due
            q.limit = 1
            var seen: [CaseID] = []
            var flags: [Bool] = []
            repeat {
                let page = try await store.cases(q)
                seen += page.items.map(\.id)
                flags += page.items.map(\.risk)
                q.cursor = page.nextCursor
            } while q.cursor != nil && seen.count < 10
            #expect(seen == [ids[2], ids[0], ids[1]], "risk first, then by deadline: \(seen)")
            #expect(flags == [true, false, false])
            q.cursor = nil
            q.limit = 50
            q.risk = true
            try #expect(await store.cases(q).items.map(\.id) == [ids[2]])
            q.risk = false
            try #expect(await store.cases(q).items.map(\.id) == [ids[0], ids[1]])
            try #expect(await store.openRiskCases(scope: nil) == 1)
            try #expect(await store.openRiskCases(scope: [4]) == 0)
        }
    }
}
