import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Synchronization
import Testing

/// A year without its holiday schedule must not fail silently (issue 16 item 7): the admin pages show a warning
/// banner and start-up logs it when the next 60 days reach a year that is not covered.
@Suite("Calendar coverage warning")
struct CalendarWarningTests {
    static let banner = "工作日历警告"

    func post(_ h: Harness, _ uri: String, _ fields: [(String, String)], token: String) async throws -> APIResponse {
        try await h.send(.post, uri, body: formBody(fields), token: token, headers: formHeaders)
    }

    /// The 2027 days an admin would enter by hand; the names are what counts, not whether the dates are official.
    static let holidays2027: [(String, String)] = [
        ("2027-01-01", "元旦"), ("2027-02-08", "春节"), ("2027-04-05", "清明节"), ("2027-05-03", "劳动节"),
        ("2027-06-09", "端午节"), ("2027-09-15", "中秋节"), ("2027-10-01", "国庆节"),
    ]

    @Test func theComputedWarning() throws {
        let cal = try shippedCalendar()
        #expect(CalendarWarning.check(cal, today: Day("2026-10-01")!) == nil)
        let w = try #require(CalendarWarning.check(cal, today: Day("2026-11-15")!))
        #expect(w.years == [.init(year: 2027, missing: WorkCalendar.statutoryHolidays)])
        #expect(w.text.contains("2027 年没有放假安排"))
        #expect(w.text.contains("只按周一至周五计算"))
        #expect(w.text.contains("cn-2027.txt"))
    }

    @Test func adminPagesWarnUntilTheYearIsCovered() async throws {
        try await withAPI(start: at("2026-11-15T09:00:00+08:00"), units: dashUnits) { h in
            let admin = try await h.accounts.user("root.admin", unit: 1, roles: [.admin]).token
            // 2026-11-15 + 60 days reaches 2027, which has no schedule: every admin page says so.
            for uri in ["/console/admin/users", "/console/admin/units/1", "/console/admin/calendar", "/console/admin/policies"] {
                let r = try await h.get(uri, token: admin)
                #expect(r.status == .ok, "\(uri)")
                #expect(r.text.contains(Self.banner), "\(uri) shows no warning")
                #expect(r.text.contains("2027 年没有放假安排"), "\(uri)")
                #expect(r.text.contains("节假日会被算作工作日"), "\(uri)")
            }
            let cal2027 = try await h.get("/console/admin/calendar?year=2027", token: admin)
            #expect(cal2027.text.contains("本年还没有国务院放假安排数据"))

            // One holiday added by hand does not cover the year: the Spring Festival and five more are missing.
            let (d0, n0) = Self.holidays2027[0]
            #expect(try await post(h, "/console/admin/calendar", [("day", d0), ("rule", "off"), ("name", n0)], token: admin).status == .seeOther)
            let one = try await h.get("/console/admin/users", token: admin)
            #expect(one.text.contains(Self.banner))
            #expect(one.text.contains("2027 年缺少春节、清明节、劳动节、端午节、中秋节、国庆节"))
            let api = try await h.get("/api/v1/calendar/2027", token: admin)
            #expect(api["covered"].bool == false)
            #expect(api["missingHolidays"].strings == ["春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"])
            let page = try await h.get("/console/admin/calendar?year=2027", token: admin)
            #expect(page.text.contains("本年放假安排不完整，缺少春节、清明节"))

            // All seven: covered, and the banner is gone.
            for (d, n) in Self.holidays2027.dropFirst() {
                #expect(try await post(h, "/console/admin/calendar", [("day", d), ("rule", "off"), ("name", n)], token: admin).status == .seeOther)
            }
            #expect(try await h.get("/api/v1/calendar/2027", token: admin)["covered"].bool == true)
            for uri in ["/console/admin/users", "/console/admin/calendar?year=2027"] {
                let r = try await h.get(uri, token: admin)
                #expect(!r.text.contains(Self.banner), "\(uri) still warns")
            }
            #expect(h.platform.calendarWarning() == nil)
        }
    }

    @Test func noWarningWhenTheNextSixtyDaysAreCovered() async throws {
        try await withAPI(start: at("2026-10-01T09:00:00+08:00"), units: dashUnits) { h in
            let admin = try await h.accounts.user("root.admin", unit: 1, roles: [.admin]).token
            let r = try await h.get("/console/admin/users", token: admin)
            #expect(r.status == .ok)
            #expect(!r.text.contains(Self.banner))
            // The clock moves on: from 2026-11-02, the 60th day is 2027-01-01.
            h.clock.set(at("2026-11-02T09:00:00+08:00"))
            #expect(try await h.get("/console/admin/users", token: admin).text.contains(Self.banner))
        }
    }

    /// What `serve` calls at start-up, after the admin's calendar changes are applied: a warning in the log.
    @Test func startUpLogsTheWarning() async throws {
        let store = try await SQLiteStore.open(.memory)
        let records = RecordedLog()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(records: records) }
        let platform = Platform(store: store, clock: ManualClock(at("2026-11-15T09:00:00+08:00")),
                                calendar: try shippedCalendar(), logger: logger)
        try await platform.loadSettings()
        let w = platform.warnAboutCalendar()
        #expect(w?.years.map(\.year) == [2027])
        let logged = records.all
        #expect(logged.count == 1)
        #expect(logged.first?.level == .warning)
        #expect(logged.first?.message.contains("2027 年没有放假安排") == true)

        let quiet = RecordedLog()
        let covered = Platform(store: store, clock: ManualClock(at("2026-10-01T09:00:00+08:00")), calendar: try shippedCalendar(),
                               logger: Logger(label: "test") { _ in RecordingLogHandler(records: quiet) })
        #expect(covered.warnAboutCalendar() == nil)
        #expect(quiet.all.isEmpty)
        try await store.close()
    }
}

final class RecordedLog: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])
    func append(_ level: Logger.Level, _ message: String) { lines.withLock { $0.append((level, message)) } }
    var all: [(level: Logger.Level, message: String)] { lines.withLock { $0 } }
}

struct RecordingLogHandler: LogHandler {
    let records: RecordedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        records.append(level, message.description)
    }
}
