import Foundation
import MinshengDomain
import Testing
@testable import MinshengStore

/// Claims are how several nodes share the deadline watch and the outbox: what one node claimed, another does not
/// see until the lease runs out or the work is recorded.
@Suite struct ClaimTests {
    @Test(arguments: Engine.allCases)
    func aClaimedNoticeIsInvisibleUntilItsLeaseEnds(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var r = registration()
            r.notices = (0..<5).map { i in
                Notice(dedupeKey: "{id}:test:\(i)", caseID: 0, kind: "test", recipientUnit: 4, phone: nil, message: "m\(i)", createdAt: t0)
            }
            _ = try await store.register([r])
            let first = try await store.claimNotices(at: t0, limit: 3, lease: 60)
            let second = try await store.claimNotices(at: t0, limit: 10, lease: 60)
            #expect(first.count == 3 && second.count == 2)
            #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
            #expect(first.map(\.message) == ["m0", "m1", "m2"]) // oldest first
            #expect(try await store.claimNotices(at: t0.adding(seconds: 59), limit: 10, lease: 60).isEmpty)
            // One delivered, one failed with a retry in 5 minutes; the other three come back after the lease.
            try await store.markNoticeSent(first[0].id, at: t0.adding(seconds: 1))
            try await store.markNoticeFailed(first[1].id, error: "gateway down", retryAt: t0.adding(seconds: 300))
            let again = try await store.claimNotices(at: t0.adding(seconds: 61), limit: 10, lease: 60)
            #expect(Set(again.map(\.message)) == ["m2", "m3", "m4"])
            for n in again { try await store.markNoticeSent(n.id, at: t0.adding(seconds: 62)) }
            let retried = try await store.claimNotices(at: t0.adding(seconds: 301), limit: 10, lease: 60)
            #expect(retried.map(\.message) == ["m1"] && retried[0].attempts == 1)
            #expect(try await store.noticeBacklog() == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func aClaimedDueCaseIsInvisibleUntilItsLeaseEnds(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var regs: [Registration] = []
            for i in 0..<4 {
                var r = registration(title: "路灯\(i)")
                r.nextNotice = t0.adding(seconds: Int64(i))
                regs.append(r)
            }
            _ = try await store.register(regs)
            let now = t0.adding(seconds: 10)
            let a = try await store.claimDueCases(at: now, limit: 3, lease: 120)
            let b = try await store.claimDueCases(at: now, limit: 3, lease: 120)
            #expect(a.count == 3 && b.count == 1 && Set(a).isDisjoint(with: b))
            #expect(try await store.claimDueCases(at: now.adding(seconds: 119), limit: 10, lease: 120).isEmpty)
            #expect(try await store.claimDueCases(at: now.adding(seconds: 120), limit: 10, lease: 120).count == 4)
        }
    }
}
