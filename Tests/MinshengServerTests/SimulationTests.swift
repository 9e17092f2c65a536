import Foundation
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

@Suite("Simulation")
struct SimulationTests {
    func run(seed: UInt64) async throws -> Simulation.Report {
        let store = try await SQLiteStore.open(.memory)
        let platform = Platform(store: store, clock: ManualClock(Instant.parse("2026-09-01T00:00:00+08:00")!), calendar: try shippedCalendar())
        try await platform.addUnits(DemoUnits.all())
        var sim = Simulation()
        sim.days = 45 // crosses National Day (10-01..07) and its make-up Saturdays
        sim.casesPerDay = 4
        sim.seed = seed
        do {
            let r = try await sim.run(on: platform)
            try await store.close()
            return r
        } catch {
            try? await store.close()
            throw error
        }
    }

    @Test func everyMissedDeadlineRaisesExactlyOneAlarm() async throws {
        let r = try await run(seed: 7)
        #expect(r.registered > 100)
        #expect(r.overdue > 0, "slow units must miss some deadlines: \(r)")
        #expect(r.alarmsRaised == r.overdue, "\(r)")
        #expect(r.replied > 0 && r.closed > 0)
        // The same seed gives the same run.
        #expect(try await run(seed: 7) == r)
    }
}
