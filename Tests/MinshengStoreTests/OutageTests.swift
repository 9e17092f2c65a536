import Foundation
import Logging
import MinshengDomain
import Testing
@testable import MinshengStore

/// Issue 22 item 1: a node outlives its database going away. The whole-server version (the cluster killed under a
/// create load and restarted) is in Tests/nodes/run.sh; these are the store's own parts.
@Suite("PostgreSQL outage")
struct OutageTests {
    /// A port on loopback where nothing listens.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func quiet() -> Logger {
        var l = Logger(label: "minsheng.test")
        l.logLevel = .critical
        return l
    }

    /// A store whose server is gone (as after a crash): the first call learns it within about a second, later calls
    /// fail at once, the store says it is unavailable (for /readyz), and closing it is quick.
    @Test
    func unreachableServerFailsFast() async throws {
        let config = PostgresStore.Configuration(port: Self.closedPort(), username: "nobody", database: "none")
        let store = PostgresStore(configuration: config, logger: Self.quiet())
        #expect(store.unavailability == nil)
        var start = ContinuousClock.now
        await #expect(throws: DatabaseUnavailable.self) { _ = try await store.register([registration()]) }
        // About a second (a probe decides); bounds are generous, the suite runs in parallel on two cores. Before, the
        // call waited for the pool's circuit breaker (60 s).
        #expect(ContinuousClock.now - start < .seconds(20), "the first failure took \(ContinuousClock.now - start)")
        #expect(store.unavailability != nil, "the store says why it cannot take writes")
        start = ContinuousClock.now
        await #expect(throws: DatabaseUnavailable.self) { _ = try await store.caseCount() }
        await #expect(throws: DatabaseUnavailable.self) { _ = try await store.register([registration()]) }
        #expect(ContinuousClock.now - start < .seconds(2), "known down: at once, took \(ContinuousClock.now - start)")
        start = ContinuousClock.now
        try await store.close()
        #expect(ContinuousClock.now - start < .seconds(6), "close took \(ContinuousClock.now - start)")
    }

    /// The server kills every connection of the store (what a restart does to a pool) while registrations run: each
    /// call answers (created, or DatabaseUnavailable) without hanging, the store recovers by itself, and everything
    /// it acknowledged is stored.
    @Test(.enabled(if: TestPostgres.url != nil))
    func connectionsKilledUnderLoad() async throws {
        let (config, drop) = try await TestPostgres.freshSchema()
        let store = try await PostgresStore.open(config, logger: Self.quiet())
        do {
            try await store.insertUnits(testUnits)
            _ = try await store.register([registration(title: "之前")])
            let killer = try PostgresStore.Configuration(url: TestPostgres.url!)
            let app = "minsheng/" + config.schema!
            let acked = try await withThrowingTaskGroup(of: [CaseID].self) { group in
                for w in 0..<4 {
                    group.addTask {
                        var ids: [CaseID] = []
                        let stop = ContinuousClock.now + .seconds(3)
                        var n = 0
                        while ContinuousClock.now < stop {
                            n += 1
                            let t0 = ContinuousClock.now
                            do {
                                ids.append(try await store.register([registration(title: "负载 \(w)-\(n)", key: "k\(w)-\(n)")])[0].case.id)
                            } catch is DatabaseUnavailable {
                                try await Task.sleep(for: .milliseconds(20))
                            }
                            #expect(ContinuousClock.now - t0 < .seconds(9), "a registration took \(ContinuousClock.now - t0)")
                        }
                        return ids
                    }
                }
                group.addTask {
                    for _ in 0..<3 {
                        try await Task.sleep(for: .milliseconds(600))
                        try await PostgresStore.execute("""
                            SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(app)'
                            """, on: killer)
                    }
                    return [-1] // the kills ran
                }
                var all: [CaseID] = []
                for try await ids in group { all += ids }
                #expect(all.contains(-1))
                return all.filter { $0 != -1 }
            }
            // Back by itself: a registration goes through within a few seconds of the last kill.
            var back = false
            for _ in 0..<50 where !back {
                do {
                    _ = try await store.register([registration(title: "之后")])
                    back = true
                } catch is DatabaseUnavailable {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(back, "the store did not recover: \(store.unavailability ?? "?")")
            #expect(store.unavailability == nil)
            #expect(!acked.isEmpty)
            for id in acked {
                let c = try await store.case(id)
                #expect(c?.title.hasPrefix("负载") == true, "acknowledged case \(id) is stored with its content")
                #expect(try await store.events(of: id).first?.action == .register, "case \(id) has its registration event")
            }
        } catch {
            try? await store.close(); await drop()
            throw error
        }
        try? await store.close()
        await drop()
    }
}
