import Foundation
import MinshengDomain
import Testing
@testable import MinshengStore

/// Issue 16 item 3: a second process writing the same database (`ingest-mail`, `migrate`, a second node) must not
/// break the first one's registrations. Each store here stands for one process: no state is shared but the database.
@Suite("Several writers on one database")
struct WritersTests {
    /// Two stores opened on one database: A registers, B registers, then A again, each answering a fresh id.
    static func twoStores(_ engine: Engine) async throws -> (any CaseStore, any CaseStore, @Sendable () async -> Void) {
        switch engine {
        case .sqliteFile:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minsheng-writers-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let path = dir.appendingPathComponent("t.sqlite").path
            let a = try await SQLiteStore.open(.file(path)), b = try await SQLiteStore.open(.file(path))
            return (a, b, { try? await a.close(); try? await b.close(); try? FileManager.default.removeItem(at: dir) })
        case .postgres:
            let (config, drop) = try await TestPostgres.freshSchema()
            let a = try await PostgresStore.open(config), b = try await PostgresStore.open(config)
            return (a, b, { try? await a.close(); try? await b.close(); await drop() })
        case .sqliteMemory:
            preconditionFailure("an in-memory database has one connection")
        }
    }

    @Test(arguments: Engine.allCases.filter { $0 != .sqliteMemory })
    func registrationsInterleaveAcrossProcesses(_ engine: Engine) async throws {
        let (a, b, cleanup) = try await Self.twoStores(engine)
        do {
            try await a.insertUnits(testUnits)
            let first = try await a.register([registration(title: "第一件")])[0].case.id
            let second = try await b.register([registration(title: "第二件（另一进程）")])[0].case.id
            // The first process, after the other one wrote: this failed with "UNIQUE constraint failed: cases.id".
            let third = try await a.register([registration(title: "第三件"), registration(title: "第四件")]).map(\.case.id)
            let fifth = try await b.register([registration(title: "第五件")])[0].case.id
            let ids = [first, second] + third + [fifth]
            #expect(Set(ids).count == 5, "every registration got its own id: \(ids)")
            #expect(ids == ids.sorted(), "ids grow in the order of the commits: \(ids)")
            for (id, title) in zip(ids, ["第一件", "第二件（另一进程）", "第三件", "第四件", "第五件"]) {
                try #expect(await a.case(id)?.title == title)
                try #expect(await b.case(id)?.title == title)
            }
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }
}
