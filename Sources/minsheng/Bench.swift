import ArgumentParser
import Foundation
import Logging
import MinshengDomain
import MinshengServer
import MinshengStore
import Synchronization

/// Benchmarks on a release build; figures go to BENCHMARKS.md with the command that produced them.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the store: bulk registration throughput and inbox latency at scale.",
        subcommands: [Inbox.self, Register.self, Watch.self])

    struct Inbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load N cases, then time a unit's inbox query (p50/p99).")
        @Option(help: "Cases to load (skipped if the database already has at least this many).") var cases = 1_000_000
        @Option(help: "Database file (default: in the temporary folder).") var db = NSTemporaryDirectory() + "minsheng-bench.sqlite"
        @Option(help: "PostgreSQL URL instead of the file (loads into its current schema if it has fewer cases).")
        var database: String?
        @Option(help: "Inbox queries to time.") var queries = 5_000
        @Option(help: "Full-text searches to time after the inbox (two-character words, relevance order).") var searches = 500

        func run() async throws {
            let store: any CaseStore = try await {
                if let database { return try await PostgresStore.open(PostgresStore.Configuration(url: database)) }
                return try await SQLiteStore.open(.file(db), durability: .normal)
            }()
            let platform = Platform(store: store, clock: SystemClock(), calendar: try shippedCalendar())
            if try await store.unitCount() == 0 { try await platform.addUnits(DemoUnits.all()) }
            try await platform.loadUnits()
            let have = try await store.caseCount()
            if have < cases {
                try await bulkLoad(platform, count: cases - have)
                if let database {
                    // As autovacuum would after a bulk insert: statistics, and the visibility map that lets the inbox
                    // be read from its covering index alone.
                    let t0 = ContinuousClock.now
                    try await PostgresStore.execute("VACUUM (ANALYZE) cases", on: try PostgresStore.Configuration(url: database))
                    print("VACUUM (ANALYZE) cases: \(ContinuousClock.now - t0)")
                }
            }
            let units = DemoUnits.all().filter { $0.kind == .department || $0.level == .town }
            var rng = SystemRandomNumberGenerator()
            let now = platform.clock.now()
            var timings: [Double] = []
            var rows = 0
            for _ in 0..<200 { // warm-up
                var q = CaseQuery(now: now); q.unit = units.randomElement(using: &rng)!.id; q.openOnly = true; q.order = .due
                _ = try await store.cases(q)
            }
            for _ in 0..<queries {
                var q = CaseQuery(now: now)
                q.unit = units.randomElement(using: &rng)!.id
                q.openOnly = true
                q.order = .due
                q.limit = 50
                let t0 = ContinuousClock.now
                let page = try await store.cases(q)
                let dt = ContinuousClock.now - t0
                rows += page.items.count
                timings.append(Double(dt.components.attoseconds) / 1e15 + Double(dt.components.seconds) * 1000)
            }
            timings.sort()
            func pct(_ p: Double) -> String { String(format: "%.3f", timings[min(timings.count - 1, Int(Double(timings.count) * p))]) }
            if !timings.isEmpty {
                let total = try await store.caseCount()
                print("inbox query over \(total) cases, \(queries) queries, \(String(format: "%.1f", Double(rows) / Double(queries))) rows/page avg")
                print("  p50 \(pct(0.50)) ms   p90 \(pct(0.90)) ms   p99 \(pct(0.99)) ms   max \(String(format: "%.3f", timings.last!)) ms")
            }
            if searches > 0 { try await timeSearches(store, count: searches) }
            try await store.close()
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register N cases through the platform (no HTTP) with durable commits, then time full-text searches.")
        @Option(help: "Cases to register.") var cases = 100_000
        @Option(help: "Concurrent callers.") var concurrency = 256
        @Option(help: "Distinct citizens (phones) the cases cycle over: 1, the default, makes every case the same citizen's repeat; many is a real intake.")
        var citizens = 1
        @Option(help: "Database file, deleted first (default: in the temporary folder).") var db = NSTemporaryDirectory() + "minsheng-bench-register.sqlite"
        @Option(help: "PostgreSQL URL instead of the file: the run uses a fresh schema bench_register (dropped first, kept after for inspection).")
        var database: String?
        @Option(help: "Full-text searches to time after the load (two-character words of the titles, by relevance).") var searches = 500

        func run() async throws {
            let store: any CaseStore
            if let database {
                var config = try PostgresStore.Configuration(url: database)
                try await PostgresStore.execute("DROP SCHEMA IF EXISTS bench_register CASCADE", on: config)
                try await PostgresStore.execute("CREATE SCHEMA bench_register", on: config)
                config.schema = "bench_register"
                store = try await PostgresStore.open(config)
            } else {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
                store = try await SQLiteStore.open(.file(db), durability: .full)
            }
            let platform = Platform(store: store, clock: SystemClock(), calendar: try shippedCalendar())
            try await platform.addUnits(DemoUnits.all())
            let admin = Actor(id: "bench", name: "bench", role: .admin, unit: nil)
            let citizens = max(1, citizens)
            let t0 = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<concurrency {
                    group.addTask {
                        var i = w
                        while i < cases {
                            let t = DemoLoader.templates[i % DemoLoader.templates.count]
                            let phone = citizens == 1 ? "13800138000" : "138" + String(10_000_000 + i % citizens).suffix(8)
                            var d = CaseDraft(channel: .web, kind: t.kind, title: t.title, content: t.content,
                                              citizen: Citizen(name: "张三", phone: phone))
                            d.category = t.category
                            _ = try await platform.register(d, by: admin)
                            i += concurrency
                        }
                    }
                }
                try await group.waitForAll()
            }
            let dt = ContinuousClock.now - t0
            let secs = Double(dt.components.seconds) + Double(dt.components.attoseconds) / 1e18
            print("registered \(cases) cases in \(String(format: "%.2f", secs)) s: \(Int(Double(cases) / secs)) cases/s (durable commits, \(concurrency) callers)")
            if searches > 0 { try await timeSearches(store, count: searches) }
            try await store.close()
        }
    }
}

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time deadline-watch ticks over N open cases: with nothing due, and with K due at once.")
        @Option(help: "Open cases to load (skipped if the database already has them).") var cases = 1_000_000
        @Option(help: "Overdue cases added for the busy tick.") var due = 10_000
        @Option(help: "Database file (default: in the temporary folder).") var db = NSTemporaryDirectory() + "minsheng-bench-watch.sqlite"
        @Option(help: "PostgreSQL URL instead of the file (the run uses the schema bench_watch, created if missing and kept).")
        var database: String?

        func run() async throws {
            // Virtual time: every case is dated relative to this instant, and ticks run at it.
            let t0 = Instant.parse("2026-11-25T10:00:00+08:00")!
            func open(durability: SQLiteStore.Durability) async throws -> any CaseStore {
                guard let database else { return try await SQLiteStore.open(.file(db), durability: durability) }
                var config = try PostgresStore.Configuration(url: database)
                try await PostgresStore.execute("CREATE SCHEMA IF NOT EXISTS bench_watch", on: config)
                config.schema = "bench_watch"
                return try await PostgresStore.open(config)
            }
            var store = try await open(durability: .normal)
            var platform = Platform(store: store, clock: ManualClock(t0), calendar: try shippedCalendar())
            if try await store.unitCount() == 0 { try await platform.addUnits(DemoUnits.all()) }
            try await platform.loadUnits()
            let have = try await store.caseCount()
            if have < cases {
                // Fresh open cases: dispatched or accepted in the last day, so none is due at t0.
                try await bulkLoad(platform, count: cases - have, ageSeconds: 600...86_400, open: true)
            }
            try await store.close()
            store = try await open(durability: .full)
            platform = Platform(store: store, clock: ManualClock(t0), calendar: try shippedCalendar())
            try await platform.loadUnits()
            let watcher = DeadlineWatcher(platform: platform)
            _ = try await watcher.tick(at: t0) // settle anything left due by an earlier run
            var idle: [Double] = []
            for _ in 0..<200 {
                let start = ContinuousClock.now
                let r = try await watcher.tick(at: t0)
                idle.append(ms(ContinuousClock.now - start))
                precondition(r.examined == 0, "expected nothing due at t0")
            }
            idle.sort()
            print("idle tick over \(try await store.caseCount()) cases: p50 \(fmt(idle[idle.count / 2])) ms, max \(fmt(idle.last!)) ms")
            // K cases dispatched two weeks ago: their accept limit has long passed, all due at once.
            try await bulkLoad(platform, count: due, ageSeconds: 14 * 86_400...15 * 86_400, open: true, dispatchedOnly: true)
            let start = ContinuousClock.now
            let r = try await watcher.tick(at: t0)
            let busy = ms(ContinuousClock.now - start)
            print("busy tick: \(r.examined) due, \(r.raised) alerts raised (event + notices each) in \(fmt(busy)) ms = \(fmt(busy * 1000 / Double(max(1, r.raised)))) µs per alert, durable commits")
            let after = ContinuousClock.now
            let again = try await watcher.tick(at: t0)
            print("next tick: \(again.examined) due, \(fmt(ms(ContinuousClock.now - after))) ms; notices queued: \(try await store.noticeBacklog())")
            try await store.close()
        }
    }

/// Times `count` searches for two-character words of the demo titles (the hardest case for an n-gram index),
/// relevance order, first page of 20.
func timeSearches(_ store: any CaseStore, count: Int) async throws {
    let words = Set(DemoLoader.templates.flatMap { t -> [String] in
        let cs = Array(t.title.filter { $0.unicodeScalars.first.map { $0.value >= 0x4E00 && $0.value <= 0x9FFF } ?? false })
        return cs.count >= 2 ? [String(cs[0...1])] : []
    }).sorted()
    var timings: [Double] = []
    var found = 0
    for i in 0..<count {
        var q = CaseQuery(now: SystemClock().now())
        q.text = words[i % words.count]
        q.order = .relevance
        q.limit = 20
        let s0 = ContinuousClock.now
        found += try await store.cases(q).items.count
        timings.append(ms(ContinuousClock.now - s0))
    }
    timings.sort()
    func pct(_ p: Double) -> String { String(format: "%.2f", timings[min(timings.count - 1, Int(Double(timings.count) * p))]) }
    print("search (\(words.count) two-character words, relevance order, first 20): p50 \(pct(0.5)) ms  p99 \(pct(0.99)) ms  (\(found / count) hits/page avg)")
}

func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
func fmt(_ v: Double) -> String { String(format: "%.3f", v) }

/// Bulk-loads cases in realistic states (open ones spread over departments and towns) straight through the store:
/// on PostgreSQL by COPY, on SQLite by the writer's batched inserts. Two workers each build a batch and write it, so
/// both cores work (on SQLite the single writer still commits the batches one after the other).
func bulkLoad(_ platform: Platform, count: Int, ageSeconds: ClosedRange<Int64> = 3600...(365 * 86_400),
              open: Bool = false, dispatchedOnly: Bool = false, workers: Int = 2) async throws {
    let handlers = DemoUnits.all().filter { $0.kind == .department || $0.level == .town }.map(\.id)
    let center = platform.defaultCenter!.id
    let now = platform.clock.now()
    let chunk = 5_000
    let t0 = ContinuousClock.now
    let store = platform.store
    let batches = (count + chunk - 1) / chunk
    let loaded = LoadCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0..<max(1, workers) {
            group.addTask {
                var b = w
                while b < batches {
                    let first = b * chunk
                    let regs = try benchRegistrations(platform, first: first, count: min(chunk, count - first), center: center,
                                                      handlers: handlers, now: now, ageSeconds: ageSeconds, open: open,
                                                      dispatchedOnly: dispatchedOnly)
                    if let pg = store as? PostgresStore { _ = try await pg.copyRegistrations(regs) } else { _ = try await store.register(regs) }
                    let done = loaded.add(regs.count)
                    if done % 100_000 < chunk || done == count {
                        let s = Double((ContinuousClock.now - t0).components.seconds)
                        print("  loaded \(done)/\(count) cases (\(s > 0 ? Int(Double(done) / s) : 0)/s)")
                    }
                    b += max(1, workers)
                }
            }
        }
        try await group.waitForAll()
    }
}

final class LoadCounter: Sendable {
    private let n = Mutex(0)
    func add(_ k: Int) -> Int { n.withLock { $0 += k; return $0 } }
}

/// One batch of benchmark cases: demo templates walked through the real lifecycle to a random state.
func benchRegistrations(_ platform: Platform, first: Int, count n: Int, center: UnitID, handlers: [UnitID], now: Instant,
                        ageSeconds: ClosedRange<Int64>, open: Bool, dispatchedOnly: Bool) throws -> [Registration] {
    let admin = Actor(id: "bench", name: "bench", role: .admin, unit: nil)
    var rng = SystemRandomNumberGenerator()
    var regs: [Registration] = []
    regs.reserveCapacity(n)
    for i in 0..<n {
        let t = DemoLoader.templates[(first + i) % DemoLoader.templates.count]
        let at = now.adding(seconds: -Int64.random(in: ageSeconds, using: &rng))
        var c = Case(id: 0, trackingCode: Platform.newTrackingCode(), channel: .phone, kind: t.kind, title: t.title,
                     content: t.content, citizen: Citizen(name: "李四", phone: "13900139000"), center: center,
                     policyID: "12320", registeredAt: at)
        c.category = t.category
        let rules = platform.rules(for: c)
        var (cur, e0) = Lifecycle.register(c, by: admin, rules: rules)
        var events = [e0]
        let unit = handlers.randomElement(using: &rng)!
        let plan: [Step]
        switch dispatchedOnly ? 0 : Int.random(in: 0..<(open ? 4 : 10), using: &rng) {
        case 0: plan = [.dispatch(to: unit, mode: .forward, coHandlers: [])]
        case 1: plan = [.dispatch(to: unit, mode: .forward, coHandlers: []), .sign]
        case 2, 3: plan = [.dispatch(to: unit, mode: .assign, coHandlers: []), .sign, .accept(caseClass: .claim)]
        default: plan = [.dispatch(to: unit, mode: .forward, coHandlers: []), .sign, .accept(caseClass: .claim),
                         .reply(result: .support, text: "已处理"), .evaluate(.satisfied)]
        }
        var stepAt = at
        for s in plan {
            stepAt = min(now, stepAt.adding(seconds: open ? 60 : 3600 * 5))
            let (next, e) = try Lifecycle.apply(s, to: cur, by: admin, at: stepAt, rules: rules)
            cur = next
            events.append(e)
        }
        regs.append(Registration(case: cur, events: events, alert: Lifecycle.alertThresholds(of: cur, rules: rules),
                                 nextNotice: Lifecycle.nextNotice(of: cur, rules: rules)))
    }
    return regs
}

/// `minsheng simulate`: drives the real lifecycle over the demo world on a virtual clock.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate N days of cases over the demo world on a virtual clock (deterministic for a seed).")
    @Option(help: "Days to simulate.") var days = 30
    @Option(help: "New cases per working day.") var casesPerDay = 50
    @Option(help: "Seed: the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: "First day (YYYY-MM-DD).") var start = "2026-09-01"
    @Option(help: "Database file (created; must not exist).") var db = "data/simulation.sqlite"

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: db) else { throw ValidationError("\(db) exists: simulate into a new file") }
        guard let t0 = Instant.parse(start) else { throw ValidationError("--start must be YYYY-MM-DD") }
        try FileManager.default.createDirectory(atPath: (db as NSString).deletingLastPathComponent.isEmpty ? "." : (db as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let store = try await SQLiteStore.open(.file(db), durability: .normal)
        let clock = ManualClock(t0)
        let platform = Platform(store: store, clock: clock, calendar: try shippedCalendar())
        try await platform.addUnits(DemoUnits.all())
        var sim = Simulation()
        sim.days = days; sim.casesPerDay = casesPerDay; sim.seed = seed; sim.start = t0
        let report = try await sim.run(on: platform)
        print(report)
        print("database: \(db) — serve it with: minsheng serve --db \(db)")
        try await store.close()
    }
}
