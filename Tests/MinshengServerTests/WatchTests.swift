import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Synchronization
import Testing

/// Runs `body` with a platform on an in-memory store (closed afterwards, whatever happens).
func withWatchPlatform(_ body: (Platform) async throws -> Void) async throws {
    let (p, _) = try await watchPlatform()
    do {
        try await body(p)
    } catch {
        try? await p.store.close()
        throw error
    }
    try await p.store.close()
}

/// A platform on an in-memory store with the small unit tree, the real calendar and a hand-set clock.
func watchPlatform() async throws -> (Platform, ManualClock) {
    let store = try await SQLiteStore.open(.memory)
    let clock = ManualClock(monday9)
    let platform = Platform(store: store, clock: clock, calendar: try shippedCalendar())
    var units = apiUnits
    units[3].phone = "023-63000004"
    units[2].phone = "023-63000003"
    try await platform.addUnits(units)
    return (platform, clock)
}

let watchAdmin = Actor(id: "admin", name: "管理员", role: .admin, unit: nil)

func newDispatchedCase(_ p: Platform, at t: Instant) async throws -> CaseID {
    var d = CaseDraft(channel: .phone, kind: .complaint, title: "夜间施工噪音扰民", content: "工地每晚施工。")
    d.receivedAt = t
    let id = try await p.register(d, by: watchAdmin, at: t).case.id
    _ = try await p.perform(.dispatch(to: 4, mode: .assign, coHandlers: []), on: id, by: watchAdmin, at: t)
    return id
}

/// Records what a gateway received; answers 503 to the first `failFirst` requests.
actor GatewayLog {
    var bodies: [[String: Any]] = []
    var failFirst: Int
    init(failFirst: Int = 0) { self.failFirst = failFirst }
    func receive(_ body: [String: Any]) -> Bool {
        if failFirst > 0 { failFirst -= 1; return false }
        // The gateway drops repeats by msgId, as the sender's contract asks.
        if bodies.contains(where: { ($0["msgId"] as? String) == (body["msgId"] as? String) }) { return true }
        bodies.append(body)
        return true
    }
    var count: Int { bodies.count }
    var first: (phone: String?, text: String?) { (bodies.first?["phone"] as? String, bodies.first?["text"] as? String) }
    var ids: [String] { bodies.compactMap { $0["msgId"] as? String } }
}

/// Sends, then "crashes" before the delivery is recorded.
struct CrashAfterSend: NoticeSender {
    let inner: any NoticeSender
    struct Crash: Error {}
    func send(_ n: Notice) async throws {
        try await inner.send(n)
        throw Crash()
    }
}

struct NeverSends: NoticeSender {
    struct Down: Error {}
    func send(_ n: Notice) async throws { throw Down() }
}

@Suite("Deadline watch and notices")
struct WatchTests {
    @Test func alertsAreRaisedOnceEachAsTimePasses() async throws {
        try await withWatchPlatform { p in
        let watcher = DeadlineWatcher(platform: p)
        #expect(try await watcher.tick(at: monday9) == .init(examined: 0, raised: 0))
        let id = try await newDispatchedCase(p, at: monday9)
        // Delivery ("报到") was queued with the dispatch.
        var notices = try await p.store.notices(of: id)
        #expect(notices.map(\.kind) == ["delivery"])
        #expect(notices[0].recipientUnit == 4 && notices[0].phone == "023-63000004")
        #expect(notices[0].message.contains("渝中区城市管理局") && notices[0].message.contains("夜间施工噪音扰民"))
        // 2026-11-02 Monday: warning from Thursday 00:00 (2 working days), alarm from Friday 00:00 (accept limit 3).
        #expect(try await watcher.tick(at: at("2026-11-04T23:59:59+08:00")).raised == 0)
        #expect(try await watcher.tick(at: at("2026-11-05T00:00:00+08:00")).raised == 1)
        #expect(try await watcher.tick(at: at("2026-11-05T09:00:00+08:00")) == .init(examined: 0, raised: 0))
        notices = try await p.store.notices(of: id)
        #expect(notices.map(\.kind) == ["delivery", "warning"])
        #expect(notices[1].message.contains("预警") && notices[1].message.contains("2026年11月5日24时"))
        #expect(try await watcher.tick(at: at("2026-11-06T00:00:00+08:00")).raised == 1)
        notices = try await p.store.notices(of: id)
        // Alarm goes to the unit and to the government above it.
        #expect(notices.map(\.kind) == ["delivery", "warning", "alarm", "alarm"])
        #expect(notices.suffix(2).map(\.recipientUnit) == [4, 3])
        #expect(try await watcher.tick(at: at("2026-12-31T00:00:00+08:00")).raised == 0)
        let events = try await p.store.events(of: id)
        #expect(events.filter { $0.action == .raiseAlert }.map { $0.data["level"] } == ["warning", "alarm"])
        // Accepting starts the reply deadline: urgent 2 working days before it, alarm after; new notices.
        _ = try await p.perform(.sign, on: id, by: watchAdmin, at: at("2026-11-06T09:00:00+08:00"))
        let accepted = try await p.perform(.accept(caseClass: .claim), on: id, by: watchAdmin, at: at("2026-11-06T09:00:00+08:00"))
        let due = try #require(accepted.deadlines.reply)
        #expect(due == at("2026-12-05T00:00:00+08:00")) // 20 working days after Friday 11-06: Thursday 12-04 ends it
        #expect(try await watcher.tick(at: at("2026-12-02T00:00:00+08:00")).raised == 0)
        #expect(try await watcher.tick(at: at("2026-12-03T00:00:00+08:00")).raised == 1) // Wed and Thu left
        #expect(try await watcher.tick(at: at("2026-12-05T00:00:00+08:00")).raised == 1)
        notices = try await p.store.notices(of: id)
        #expect(notices.map(\.kind).suffix(3) == ["urgent", "alarm", "alarm"])
        #expect(Set(notices.map(\.dedupeKey)).count == notices.count)
        }
    }

    @Test func aPausedCaseRaisesNothingAndTenThousandDueAreAllHandled() async throws {
        try await withWatchPlatform { p in
        let watcher = DeadlineWatcher(platform: p)
        let paused = try await newDispatchedCase(p, at: monday9)
        _ = try await p.perform(.pause(reason: .hearing), on: paused, by: watchAdmin, at: monday9.adding(hours: 1))
        #expect(try await watcher.tick(at: at("2026-11-20T00:00:00+08:00")).raised == 0)
        var ids: [CaseID] = []
        for _ in 0..<300 { ids.append(try await newDispatchedCase(p, at: monday9)) }
        let r = try await watcher.tick(at: at("2026-11-06T00:00:00+08:00"), batch: 64)
        #expect(r.raised == 300)
        for id in ids.prefix(3) {
            // Jumping straight past both thresholds announces the highest level only.
            #expect(try await p.store.notices(of: id).map(\.kind) == ["delivery", "alarm", "alarm"])
        }
        }
    }

    @Test func deliveryIsRetriedWithBackoffAndNeverLostAcrossCrashes() async throws {
        try await withWatchPlatform { p in
        let id = try await newDispatchedCase(p, at: monday9)
        // The sender is down: the notice stays, with its attempt counted and a later retry time.
        let down = NoticeDispatcher(platform: p, sender: NeverSends())
        #expect(try await down.deliver(at: monday9) == (sent: 0, failed: 1))
        #expect(try await p.store.noticeBacklog() == 1)
        #expect(try await down.deliver(at: monday9.adding(seconds: 10)) == (sent: 0, failed: 0)) // not due yet
        var n = try #require(try await p.store.notices(of: id).first)
        #expect(n.attempts == 1 && n.lastError != nil && n.sentAt == nil)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minsheng-notices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("notices.log").path
        // Crash after sending, before recording it: the next sender sends it again, and the file keeps it once.
        let crashing = NoticeDispatcher(platform: p, sender: CrashAfterSend(inner: FileNoticeSender(path: file)))
        #expect(try await crashing.deliver(at: monday9.adding(seconds: 30)).failed == 1)
        let restarted = NoticeDispatcher(platform: p, sender: FileNoticeSender(path: file))
        #expect(try await restarted.deliver(at: monday9.adding(seconds: 3600)) == (sent: 1, failed: 0))
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines[0].contains("\"msgId\":\"\(id):delivery:v2:4\"") && lines[0].contains("渝中区城市管理局"))
        n = try #require(try await p.store.notices(of: id).first)
        #expect(n.sentAt != nil)
        #expect(try await p.store.noticeBacklog() == 0)
        #expect(NoticeDispatcher.backoff(afterAttempts: 0) == 30 && NoticeDispatcher.backoff(afterAttempts: 3) == 240)
        #expect(NoticeDispatcher.backoff(afterAttempts: 20) == 3600)
        }
    }

    @Test func smsGoesThroughTheHTTPGatewayExactlyOnce() async throws {
        let log = GatewayLog(failFirst: 1)
        let router = Router()
        router.post("/sms") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 65536)
            let obj = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            guard request.headers[.authorization] == "Bearer gw-secret" else { return Response(status: .unauthorized) }
            return Response(status: await log.receive(obj) ? .ok : .serviceUnavailable)
        }
        let gateway = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await gateway.test(.live) { client in
            let port = try #require(client.port)
            try await withWatchPlatform { p in
            let id = try await newDispatchedCase(p, at: monday9)
            _ = try await DeadlineWatcher(platform: p).tick(at: at("2026-11-05T00:00:00+08:00"))
            let sms = HTTPSMSSender(url: URL(string: "http://127.0.0.1:\(port)/sms")!, token: "gw-secret")
            let dispatcher = NoticeDispatcher(platform: p, sender: sms)
            // First attempt: the gateway answers 503 once → one failure, retried later.
            #expect(try await dispatcher.deliver(at: at("2026-11-05T00:00:00+08:00")) == (sent: 1, failed: 1))
            #expect(try await dispatcher.deliver(at: at("2026-11-05T01:00:00+08:00")) == (sent: 1, failed: 0))
            // A crash after the gateway accepted, before the record: resent with the same msgId, dropped there.
            _ = try await DeadlineWatcher(platform: p).tick(at: at("2026-11-06T00:00:00+08:00"))
            let crashing = NoticeDispatcher(platform: p, sender: CrashAfterSend(inner: sms))
            #expect(try await crashing.deliver(at: at("2026-11-06T00:00:00+08:00")).failed == 2)
            #expect(try await dispatcher.deliver(at: at("2026-11-06T02:00:00+08:00")) == (sent: 2, failed: 0))
            let ids = await log.ids
            #expect(ids.count == 4)
            #expect(Set(ids) == ["\(id):delivery:v2:4", "\(id):accept#0:warning:4", "\(id):accept#0:alarm:4", "\(id):accept#0:alarm:3"])
            let first = await log.first
            #expect(first.phone == "023-63000004")
            #expect(first.text?.contains("夜间施工噪音扰民") == true)
            #expect(try await p.store.noticeBacklog() == 0)
            }
        }
    }
}
