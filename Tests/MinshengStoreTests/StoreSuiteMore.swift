import Foundation
import MinshengDomain
import Testing
@testable import MinshengStore

/// The rest of the store protocol, on every engine: accounts, credentials and logs, units edited by admins, settings,
/// the outbox, calls, attachments, disclosures, dashboard counts.
@Suite("Store, the rest of the protocol, on every engine")
struct StoreSuiteMore {
    @Test(arguments: Engine.allCases)
    func schemaVersionIsTheExpectedOne(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            try #expect(await store.schemaVersion() == store.expectedSchemaVersion)
            #expect(store.expectedSchemaVersion == SQLiteSchema.migrations.last!.0)
        }
    }

    @Test(arguments: Engine.allCases)
    func usersTokensAndLogs(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let u = try await store.createUser(User(login: "wang", name: "王芳", unit: 4, roles: [.handler, .registrar], passwordHash: "h1", createdAt: t0))
            #expect(u.id > 0)
            _ = try await store.createUser(User(login: "li", name: "李明", unit: 5, roles: [.dispatcher], passwordHash: "h2", createdAt: t0))
            await #expect(throws: StoreError.self) {
                _ = try await store.createUser(User(login: "wang", name: "又一个", unit: 4, roles: [], passwordHash: "x", createdAt: t0))
            }
            try #expect(await store.user(id: u.id) == u)
            try #expect(await store.user(login: "wang")?.roles == [.handler, .registrar])
            try #expect(await store.user(login: "nobody") == nil)
            try #expect(await store.users(units: nil, limit: 10).map(\.login) == ["li", "wang"])
            try #expect(await store.users(units: [4], limit: 10).map(\.login) == ["wang"])
            try #expect(await store.users(units: [], limit: 10).isEmpty)
            try #expect(await store.userCount() == 2)

            let changed = try await store.updateUser(id: u.id) { $0.disabled = true; $0.failedLogins = 3; $0.lockedUntil = t0.adding(hours: 1); $0.mustChangePassword = true }
            try #expect(await store.user(id: u.id) == changed)
            #expect(changed.disabled && changed.failedLogins == 3 && changed.mustChangePassword)
            await #expect(throws: StoreError.self) { _ = try await store.updateUser(id: u.id) { $0.login = "li" } }
            await #expect(throws: StoreError.self) { _ = try await store.updateUser(id: 999) { $0.name = "x" } }
            try #expect(await store.user(id: u.id)?.login == "wang")

            let t1 = try await store.insertToken(TokenRecord(hash: "hash-1", userID: u.id, kind: .session, label: "web", createdAt: t0,
                                                              expiresAt: t0.adding(hours: 8), idleSeconds: 1800, csrf: "c1"))
            let t2 = try await store.insertToken(TokenRecord(hash: "hash-2", userID: u.id, kind: .api, label: "gateway", createdAt: t0,
                                                              expiresAt: t0.adding(hours: 24 * 365), idleSeconds: nil, csrf: "c2"))
            let found = try #require(try await store.token(hash: "hash-1"))
            #expect(found.0 == t1 && found.1.id == u.id)
            try #expect(await store.token(hash: "nope") == nil)
            try await store.touchToken(id: t1.id, at: t0.adding(hours: 2))
            try await store.touchToken(id: t1.id, at: t0.adding(hours: 1)) // never moves back
            try #expect(await store.token(hash: "hash-1")?.0.lastUsedAt == t0.adding(hours: 2))
            try await store.revokeToken(id: t2.id, at: t0.adding(hours: 3))
            try #expect(await store.tokens(userID: u.id).map(\.id) == [t2.id, t1.id])
            try #expect(await store.revokeTokens(userID: u.id, at: t0.adding(hours: 4)) == 1)
            try #expect(await store.tokens(userID: u.id).allSatisfy { $0.revokedAt != nil })
            try #expect(await store.token(hash: "hash-2")?.0.revokedAt == t0.adding(hours: 3))

            try await store.logAuth(AuthEvent(at: t0, login: "wang", userID: u.id, outcome: "bad_password", address: "10.0.0.1"))
            try await store.logAuth(AuthEvent(at: t0.adding(hours: 1), login: "wang", userID: u.id, outcome: "success", address: "10.0.0.1"))
            try await store.logAuth(AuthEvent(at: t0.adding(hours: 2), login: "ghost", userID: nil, outcome: "unknown_user", address: "10.0.0.2"))
            var q = LogQuery()
            try #expect(await store.authLog(q).map(\.outcome) == ["unknown_user", "success", "bad_password"])
            q.userID = u.id
            try #expect(await store.authLog(q).map(\.outcome) == ["success", "bad_password"])
            q = LogQuery(); q.login = "ghost"
            try #expect(await store.authLog(q).map(\.userID) == [nil])
            q = LogQuery(); q.from = t0.adding(hours: 1); q.to = t0.adding(hours: 2)
            try #expect(await store.authLog(q).map(\.outcome) == ["success"])

            try await store.logAccess(AccessRecord(at: t0, userID: u.id, login: "wang", unit: 4, caseID: 7, fields: ["name", "phone"], address: "10.0.0.1"))
            try await store.logAccess(AccessRecord(at: t0, userID: u.id, login: "wang", unit: 4, caseID: 8, fields: ["idNumber"], address: "10.0.0.1"))
            q = LogQuery(); q.caseID = 7
            let access = try await store.accessLog(q)
            #expect(access.map(\.fields) == [["name", "phone"]])
            q = LogQuery(); q.limit = 1
            let newest = try await store.accessLog(q)
            #expect(newest.map(\.caseID) == [8])
            q.before = newest[0].id
            try #expect(await store.accessLog(q).map(\.caseID) == [7])
        }
    }

    @Test(arguments: Engine.allCases)
    func unitsCreatedAndMovedByAdmins(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let town = try await store.createUnit(parentID: 3, name: "七星岗街道", level: .town, kind: .government, phone: "023-1")
            #expect(town.id == 8)
            let village = try await store.createUnit(parentID: town.id, name: "金汤社区", level: .village, kind: .government, phone: nil)
            #expect(village.id == 9)
            let root = try await store.createUnit(parentID: nil, name: "成都市", level: .city, kind: .government, phone: nil)
            #expect(root.id == 10)
            await #expect(throws: StoreError.self) {
                _ = try await store.createUnit(parentID: 99, name: "无", level: .town, kind: .government, phone: nil)
            }
            try #expect(await store.unit(8)?.phone == "023-1")
            try #expect(await store.units(parent: 3, query: "社区", limit: 10).map(\.id) == [9, 7]) // shorter names first
            // Move the town (with its village) under the new city: the subtree follows.
            var moved = town
            moved.parentID = 10
            moved.name = "七星岗"
            try await store.updateUnit(moved)
            try #expect(await store.units(parent: 3, query: "社区", limit: 10).map(\.id) == [7])
            try #expect(await store.units(parent: 10, query: "社区", limit: 10).map(\.id) == [9])
            try #expect(await store.units(parent: 10, query: nil, limit: 10).map(\.id) == [8])
            try #expect(await store.unit(8)?.name == "七星岗")
            // Not below itself.
            var loop = moved
            loop.parentID = 9
            await #expect(throws: StoreError.self) { try await store.updateUnit(loop) }
            try #expect(await store.allUnits().map(\.id) == Array(1...10))
            try #expect(await store.unitCount() == 10)
        }
    }

    @Test(arguments: Engine.allCases)
    func settingsAreSetReplacedAndRemoved(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            try #expect(await store.setting("calendar") == nil)
            try await store.setSetting("calendar", #"{"2026":[]}"#)
            try await store.setSetting("calendar", #"{"2027":["01-01"]}"#)
            try #expect(await store.setting("calendar") == #"{"2027":["01-01"]}"#)
            try await store.setSetting("calendar", nil)
            try #expect(await store.setting("calendar") == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func outboxQueuesEachNoticeOnceAndTracksDelivery(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var r = registration()
            r.nextNotice = t0.adding(hours: 5)
            r.notices = [Notice(dedupeKey: "{id}:risk", caseID: 0, kind: "risk", recipientUnit: 2, phone: "023-0", message: "诉求件 {id} 含风险词", createdAt: t0)]
            let id = try await store.register([r])[0].case.id
            try #expect(await store.claimDueCases(at: t0.adding(hours: 4), limit: 10, lease: 0) == [])
            try #expect(await store.claimDueCases(at: t0.adding(hours: 5), limit: 10, lease: 0) == [id])
            @Sendable func notify(_ key: String, at: Instant) -> @Sendable (Case) throws -> CaseChange {
                { old in
                    var c = old
                    c.version += 1
                    return CaseChange(case: c, event: nil, alert: Lifecycle.alertThresholds(of: c, rules: rules), nextNotice: nil,
                                      notices: [Notice(dedupeKey: key, caseID: old.id, kind: "warning", recipientUnit: 4, phone: nil, message: "预警", createdAt: at)])
                }
            }
            _ = try await store.update(id, notify("\(id):warning", at: t0.adding(hours: 1)))
            _ = try await store.update(id, notify("\(id):warning", at: t0.adding(hours: 2))) // the same key: not queued again
            try #expect(await store.claimDueCases(at: t0.adding(hours: 5), limit: 10, lease: 0) == [])
            let queued = try await store.notices(of: id)
            #expect(queued.map(\.dedupeKey) == ["\(id):risk", "\(id):warning"])
            #expect(queued[0].message == "诉求件 \(id) 含风险词" && queued[0].recipientUnit == 2 && queued[0].phone == "023-0")
            #expect(queued[1].createdAt == t0.adding(hours: 1))
            try #expect(await store.noticeBacklog() == 2)
            try #expect(await store.claimNotices(at: t0, limit: 10, lease: 0).map(\.kind) == ["risk"])
            try #expect(await store.claimNotices(at: t0.adding(hours: 1), limit: 10, lease: 0).map(\.kind) == ["risk", "warning"])

            try await store.markNoticeFailed(queued[0].id, error: "gateway down", retryAt: t0.adding(hours: 3))
            try await store.markNoticeSent(queued[1].id, at: t0.adding(hours: 1))
            try #expect(await store.claimNotices(at: t0.adding(hours: 2), limit: 10, lease: 0).isEmpty)
            let retry = try await store.claimNotices(at: t0.adding(hours: 3), limit: 10, lease: 0)
            #expect(retry.map(\.id) == [queued[0].id])
            #expect(retry[0].attempts == 1 && retry[0].lastError == "gateway down" && retry[0].sentAt == nil)
            try #expect(await store.noticeBacklog() == 1)
            let sent = try await store.notices(of: id)[1]
            #expect(sent.sentAt == t0.adding(hours: 1) && sent.attempts == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func callsAttachmentsAndDisclosures(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let id = try await store.register([registration()])[0].case.id
            let call = Call(id: "call-1", callerKey: "ck", callerSealed: "sealed", recording: "r.wav", startedAt: t0, userID: nil)
            try #expect(await store.recordCall(call) == call)
            // A repeated report returns the first record.
            try #expect(await store.recordCall(Call(id: "call-1", callerKey: "other", callerSealed: nil, recording: nil, startedAt: t0, userID: 5)) == call)
            try await store.linkCall("call-1", to: id)
            try await store.linkCall("call-1", to: 999) // already linked: unchanged
            try #expect(await store.call("call-1")?.caseID == id)
            try #expect(await store.call("call-2") == nil)

            let a = try await store.addAttachment(Attachment(caseID: id, sha256: "abc", name: "照片.jpg", type: "image/jpeg", size: 1234, at: t0))
            let b = try await store.addAttachment(Attachment(caseID: id, sha256: "def", name: "信.pdf", type: "application/pdf", size: 99, at: t0))
            #expect(a.id > 0 && b.id > a.id)
            try #expect(await store.attachments(of: id) == [a, b])
            try #expect(await store.attachments(of: 999).isEmpty)

            let d = Disclosure(caseID: id, at: t0.adding(hours: 10), userID: 1, title: "路灯不亮", content: "某小区路灯", reply: "已修复",
                               unitName: "渝中区城市管理局", category: "城乡建设", registeredAt: t0, repliedAt: t0.adding(hours: 9), evaluation: "satisfied")
            try await store.disclose(d)
            var replaced = d
            replaced.reply = "已修复并巡查"
            replaced.at = t0.adding(hours: 11)
            try await store.disclose(replaced)
            try #expect(await store.disclosures(limit: 10, before: nil) == [replaced])
            try #expect(await store.disclosures(limit: 10, before: t0.adding(hours: 11)).isEmpty)

            let texts = try await store.caseTexts(after: 0, limit: 10)
            #expect(texts.map(\.id) == [id] && texts[0].title == "小区门口路灯不亮" && texts[0].content == "路灯坏了两周，晚上很黑。")
            try #expect(await store.caseTexts(after: id, limit: 10).isEmpty)
        }
    }

    @Test(arguments: Engine.allCases)
    func aCitizensEarlierMattersForTheRepeatCheck(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var regs = [registration(category: "城乡建设", at: t0),
                        registration(title: "燃气费计费异常", content: "本月燃气费比平时多了三倍。", category: nil, at: t0.adding(hours: 1)),
                        registration(category: "环境保护", at: t0.adding(hours: 2)),
                        registration(category: "城乡建设", at: t0.adding(hours: 3)),
                        // 终结 long ago: still read, first.
                        registration(title: "拆迁补偿", content: "拆迁补偿标准过低。", category: nil, at: t0.adding(seconds: -400 * 86_400))]
            regs[1].case.suggestion = Suggestion(category: "交通运输", confidence: 870, unit: 4)
            regs[1].case.address = "渝中区解放碑丽发新城3栋"
            regs[2].case.repeatOf = 7
            regs[4].case.state = .final
            for i in [0, 1, 2, 4] { regs[i].citizenKey = "k1" }
            regs[3].citizenKey = "k2"
            let ids = try await store.register(regs).map(\.case.id)
            let m = try await store.matters(citizenKey: "k1", since: t0, limit: 10)
            let lamp = (title: "小区门口路灯不亮", content: "路灯坏了两周，晚上很黑。")
            #expect(m == [CitizenMatter(id: ids[4], category: nil, suggestedCategory: nil, repeatOf: nil, title: "拆迁补偿", content: "拆迁补偿标准过低。", state: .final),
                          CitizenMatter(id: ids[2], category: "环境保护", suggestedCategory: nil, repeatOf: 7, title: lamp.title, content: lamp.content, state: .registered),
                          CitizenMatter(id: ids[1], category: nil, suggestedCategory: "交通运输", repeatOf: nil, title: "燃气费计费异常",
                                        content: "本月燃气费比平时多了三倍。", address: "渝中区解放碑丽发新城3栋", state: .registered),
                          CitizenMatter(id: ids[0], category: "城乡建设", suggestedCategory: nil, repeatOf: nil, title: lamp.title, content: lamp.content, state: .registered)])
            #expect(m.map(\.matter) == [nil, "环境保护", "交通运输", "城乡建设"])
            // The same cases within the window, in the same order, as the whole-case read.
            try #expect(await store.cases(citizenKey: "k1", since: t0, limit: 10).map(\.id) == Array(m.map(\.id).dropFirst()))
            try #expect(await store.matters(citizenKey: "k1", since: t0.adding(hours: 1), limit: 2).map(\.id) == [ids[4], ids[2]])
            try #expect(await store.matters(citizenKey: "nobody", since: t0, limit: 10).isEmpty)
        }
    }

    @Test(arguments: Engine.allCases)
    func dashboardCountsWithinAScope(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var regs = [registration(channel: .phone, category: "城乡建设", at: t0),
                        registration(channel: .web, category: nil, at: t0.adding(hours: 20)),
                        registration(channel: .web, category: "环境保护", at: t0.adding(hours: 30))]
            regs[0].citizenKey = "c1"
            regs[2].citizenKey = "c1"
            let ids = try await store.register(regs).map(\.case.id)
            _ = try await store.update(ids[0], step(.dispatch(to: 4, mode: .forward, coHandlers: []), at: t0))
            let v = try await store.caseVolume(from: t0, to: t0.adding(hours: 48), scope: nil)
            #expect(v.total == 3)
            let day = ChinaTime.day(of: t0)
            #expect(v.byDayChannel[.init(day: day, channel: "phone")] == 1)
            #expect(v.byDayChannel[.init(day: day.adding(days: 1), channel: "web")] == 2) // 05:00 and 15:00 China time
            #expect(v.byCategory == ["城乡建设": 1, "环境保护": 1, "": 1])
            #expect(v.byPlace[4] == 1 && v.byPlace[2] == 2)
            let scoped = try await store.caseVolume(from: t0, to: t0.adding(hours: 48), scope: [4])
            #expect(scoped.total == 1)
            try #expect(await store.caseVolume(from: t0, to: t0.adding(hours: 48), scope: []).total == 0)

            let levels = try await store.openCasesByAlert(scope: nil, now: t0.adding(hours: 24 * 30))
            #expect(levels.values.reduce(0, +) == 3)
            try #expect(await store.openCasesByAlert(scope: [4], now: t0).values.reduce(0, +) == 1)

            let rows = try await store.hotspotCases(from: t0, to: t0.adding(hours: 48), scope: nil, limit: 10)
            #expect(rows.map(\.id) == ids)
            #expect(rows[0].holder == 4 && rows[0].category == "城乡建设" && rows[0].content == "路灯坏了两周，晚上很黑。" && rows[0].citizenKey == "c1")
            try #expect(await store.hotspotCases(from: t0, to: t0.adding(hours: 48), scope: [4], limit: 10).map(\.id) == [ids[0]])

            let mine = try await store.cases(citizenKey: "c1", since: t0, limit: 10)
            #expect(mine.map(\.id) == [ids[2], ids[0]])
            var q = CaseQuery(now: t0)
            q.scope = [4]
            try #expect(await store.cases(q).items.map(\.id) == [ids[0]])
            q.scope = [2]
            try #expect(await store.cases(q).items.map(\.id) == ids.reversed())
        }
    }

    @Test(arguments: Engine.allCases)
    func supervisionRecordOfAUnit(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let id = try await store.register([registration()])[0].case.id
            _ = try await store.update(id, step(.dispatch(to: 4, mode: .forward, coHandlers: []), at: t0))
            let supervisor = Actor(id: "s1", name: "督查员", role: .supervisor, unit: 2)
            _ = try await store.update(id, step(.remind, at: t0.adding(hours: 2), by: supervisor, note: "请尽快签收"))
            let record = try await store.supervisionRecord(unit: 4, limit: 10)
            #expect(record.map(\.action) == [.remind])
            try #expect(await store.supervisionRecord(unit: 5, limit: 10).isEmpty)
        }
    }
}

/// What only PostgreSQL has to show: a restart keeps everything, several stores (nodes) share one database, and
/// the history is append-only in the database itself.
@Suite("PostgreSQL engine")
struct PostgresEngineTests {
    static var configured: Bool { TestPostgres.url != nil }

    @Test(.enabled(if: configured))
    func restartAndTwoNodesOnOneDatabase() async throws {
        let (config, drop) = try await TestPostgres.freshSchema()
        defer { Task { await drop() } }
        do {
            let store = try await PostgresStore.open(config)
            try await store.insertUnits(testUnits)
            _ = try await store.register([registration(), registration()])
            _ = try await store.update(1, step(.dispatch(to: 4, mode: .forward, coHandlers: [])))
            try await store.close()
        }
        // Two nodes start together: one migrates, the other waits on the advisory lock and finds nothing to do.
        async let a = PostgresStore.open(config)
        async let b = PostgresStore.open(config)
        let (n1, n2) = try await (a, b)
        try #expect(await n1.caseCount() == 2)
        try #expect(await n2.case(1)?.state == .dispatched)
        try #expect(await n1.schemaVersion() == n1.expectedSchemaVersion)
        // Both nodes register and step at once: ids stay unique, the same client key gives one case, steps serialise.
        let ids = try await withThrowingTaskGroup(of: [CaseID].self) { g in
            for node in [n1, n2] {
                g.addTask { try await node.register((0..<50).map { registration(title: "诉求 \($0)") }).map(\.case.id) }
                for _ in 0..<5 { g.addTask { try await node.register([registration(key: "retry-1")]).map(\.case.id) } }
                g.addTask { for i in 0..<10 { _ = try await node.update(2, step(.note, note: "备注 \(i)")) }; return [] }
            }
            var all: [CaseID] = []
            for try await part in g { all += part }
            return all
        }
        #expect(ids.count == 110)
        #expect(Set(ids).count == 101) // 100 new, and the key retried ten times on two nodes gives one case
        try #expect(await n1.caseCount() == 103)
        try #expect(await n2.case(2)?.version == 21)
        try #expect(await n1.events(of: 2).map(\.seq) == Array(1...21))
        try await n1.close()
        try await n2.close()
    }

    @Test(.enabled(if: configured))
    func historyIsAppendOnlyInTheDatabaseItself() async throws {
        try await withStore(.postgres) { store in
            let pg = try #require(store as? PostgresStore)
            _ = try await pg.register([registration()])
            await #expect(throws: (any Error).self) {
                try await pg.transaction { _, db in try await db.raw("UPDATE case_events SET note = 'x'").run() }
            }
            await #expect(throws: (any Error).self) {
                try await pg.transaction { _, db in try await db.raw("DELETE FROM case_events").run() }
            }
            try #expect(await pg.events(of: 1).count == 1)
        }
    }

    @Test func databaseURLsAreParsed() throws {
        let c = try PostgresStore.Configuration(url: "postgres://min%40sheng:p%3Ass@db.example:6543/hotline?sslmode=require&pool=5")
        #expect(c.username == "min@sheng" && c.password == "p:ss" && c.host == "db.example" && c.port == 6543)
        #expect(c.database == "hotline" && c.tls == .require && c.maxConnections == 5 && c.schema == nil)
        let d = try PostgresStore.Configuration(url: "postgresql://u@localhost/db")
        #expect(d.port == 5432 && d.password == nil && d.tls == .disable)
        #expect(throws: PostgresStore.ConfigurationError.self) { try PostgresStore.Configuration(url: "mysql://u@h/db") }
        #expect(throws: PostgresStore.ConfigurationError.self) { try PostgresStore.Configuration(url: "postgres://u@h/") }
        #expect(throws: PostgresStore.ConfigurationError.self) { try PostgresStore.Configuration(url: "postgres://u@h/db?sslmode=maybe") }
        #expect(PostgresStore.Configuration.redacted("postgres://u:secret@h/db") == "postgres://u:***@h/db")
    }

    @Test func searchVectorsAndQueriesQuoteEveryToken() {
        #expect(PostgresStore.searchVector(title: "路灯 灯不", body: "o'neil") == "'路灯':1A '灯不':2A 'o''neil':4B")
        #expect(PostgresStore.searchQuery("路灯不亮 wifi") == "('路灯' <-> '灯不' <-> '不亮') & ('wifi')")
        #expect(PostgresStore.searchQuery("灯") == nil)
    }
}

/// The COPY bulk load (PostgreSQL only): what it writes reads back exactly as `register` would have written it, text
/// with COPY's special characters included; what it cannot carry is refused before anything is written.
@Suite("PostgreSQL COPY bulk load")
struct CopyLoadTests {
    @Test(.enabled(if: TestPostgres.url != nil))
    func copiedCasesReadBackAndAreFound() async throws {
        try await withStore(.postgres) { store in
            let pg = try #require(store as? PostgresStore)
            let tricky = "第一行\t制表符\n第二行\\反斜杠\r\n\\N 不是空值"
            let ids = try await pg.copyRegistrations([
                registration(title: "小区门口路灯不亮", content: tricky),
                registration(title: "夜间施工扰民", content: "噪音很大"),
            ])
            #expect(ids.count == 2 && ids[1] == ids[0] + 1)
            let c = try #require(try await store.case(ids[0]))
            #expect(c.content == tricky)
            #expect(c.title == "小区门口路灯不亮")
            try #expect(await store.events(of: ids[1]).map(\.action) == [.register])
            var q = CaseQuery(now: t0)
            q.text = "路灯"
            try #expect(await store.cases(q).items.map(\.id) == [ids[0]])
            q.text = "反斜杠"
            try #expect(await store.cases(q).items.map(\.id) == [ids[0]])
            // A registration with a client key needs the idempotent path: refused, and nothing of the batch written.
            await #expect(throws: StoreError.self) {
                _ = try await pg.copyRegistrations([registration(title: "另一件"), registration(title: "带键", key: "k1")])
            }
            try #expect(await store.caseCount() == 2)
        }
    }
}
