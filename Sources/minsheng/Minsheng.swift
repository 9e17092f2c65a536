import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MinshengDomain
import MinshengServer
import MinshengStore
import MinshengText
import ServiceLifecycle

@main
struct Minsheng: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minsheng",
        abstract: "民生 Minsheng: one window for citizens' requests to the government.",
        subcommands: [Serve.self, UserCommand.self, Verify.self, Bench.self, Simulate.self, CalendarCheck.self, Train.self, Classify.self,
                      DupEval.self, BenchDup.self, RiskScan.self, IngestMail.self, HotspotsCommand.self,
                      ReplyQualityCommand.self, Migrate.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the platform (embedded SQLite by default, PostgreSQL with --database).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on.")
    var host: String = ProcessInfo.processInfo.environment["MINSHENG_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int = Int(ProcessInfo.processInfo.environment["MINSHENG_PORT"] ?? "") ?? 8080

    @Flag(help: "Load the demo world (Chongqing-like unit tree, a few hundred cases) into an empty database.")
    var demo = false

    @Option(help: "Extra work-calendar file(s); each replaces the years it covers (see README).")
    var calendar: [String] = []

    @Option(help: "Default deadline policy: 12320 (local standard) or statute.")
    var policy: String = "12320"

    @Option(help: "Category model file (default: the shipped model; `none` turns suggestions off).")
    var model: String?

    @Option(help: "SQLite commit durability: full (fsync every commit) or normal.")
    var durability: String = "full"

    @Option(help: "Seconds between deadline-watch ticks (0 turns the watcher off).")
    var watchInterval: Int = 30

    @Option(help: "SMS gateway URL for notices (env MINSHENG_SMS_URL); without it notices go to --notice-log.")
    var smsGateway: String? = ProcessInfo.processInfo.environment["MINSHENG_SMS_URL"]

    @Option(help: "File that receives notices when no SMS gateway is configured (default: next to the database).")
    var noticeLog: String?

    @Option(help: "WeChat official account Token (env MINSHENG_WECHAT_TOKEN); with --wechat-appid it turns /channels/wechat on.")
    var wechatToken: String? = ProcessInfo.processInfo.environment["MINSHENG_WECHAT_TOKEN"]

    @Option(help: "WeChat official account AppID (env MINSHENG_WECHAT_APPID).")
    var wechatAppid: String? = ProcessInfo.processInfo.environment["MINSHENG_WECHAT_APPID"]

    @Option(help: "WeChat EncodingAESKey, 43 characters (env MINSHENG_WECHAT_AES_KEY): the safe (encrypted) mode.")
    var wechatAesKey: String? = ProcessInfo.processInfo.environment["MINSHENG_WECHAT_AES_KEY"]

    @Flag(help: "Behind a reverse proxy: client address from X-Forwarded-For, TLS from X-Forwarded-Proto.")
    var trustProxy = false

    @Flag(help: "Mark session cookies Secure (the site is served over HTTPS).")
    var secureCookies = false

    @Option(help: "Log level: trace, debug (adds one line per request), info, notice, warning, error (env MINSHENG_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["MINSHENG_LOG_LEVEL"] ?? "info"

    @Option(help: "Log format: text, or json (one object per line on stderr, for a log shipper).")
    var logFormat: String = ProcessInfo.processInfo.environment["MINSHENG_LOG_FORMAT"] ?? "text"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown --log-level \(logLevel)") }
        switch logFormat {
        case "text": break
        case "json": LoggingSystem.bootstrap { label in var h = JSONLogHandler(label: label); h.logLevel = level; return h }
        default: throw ValidationError("--log-format must be text or json")
        }
        var logger = Logger(label: "minsheng")
        logger.logLevel = level
        guard let dur = SQLiteStore.Durability(rawValue: durability) else { throw ValidationError("durability must be full or normal") }
        let env = ProcessInfo.processInfo.environment
        var s = ServeSettings(calendar: try loadCalendar(extra: calendar))
        s.host = host
        s.port = port
        s.demo = demo
        s.demoPassword = env["MINSHENG_DEMO_PASSWORD"]
        s.policy = policy
        s.model = model.map { $0 == "none" ? .none : .file($0) } ?? .shipped
        s.watchInterval = watchInterval
        s.smsGateway = smsGateway
        s.smsToken = env["MINSHENG_SMS_TOKEN"]
        s.noticeLog = noticeLog
        s.wechatToken = wechatToken
        s.wechatAppID = wechatAppid
        s.wechatAESKey = wechatAesKey
        s.trustProxy = trustProxy
        s.secureCookies = secureCookies
        s.smsSecret = env["MINSHENG_SMS_SECRET"]
        s.metricsToken = env["MINSHENG_METRICS_TOKEN"]
        s.dataKey = env["MINSHENG_DATA_KEY"]
        let opened = try await database.open(durability: dur, logger: logger)
        let node: Node
        do {
            node = try await Node.prepare(s, store: opened.store, filesAnchor: opened.filesAnchor, label: opened.label,
                                          engine: opened.engine, commandLine: database.commandLine, logger: logger)
        } catch let e as ServeSettingsError {
            try? await opened.store.close()
            throw ValidationError(e.description)
        }
        // A year without its holiday schedule counts deadlines Monday–Friday: say so loudly (the log, and a banner
        // on stderr for a person at the terminal; JSON logs stay one object per line).
        if let w = node.calendarWarning, logFormat == "text" {
            FileHandle.standardError.write(Data("""

                !!! 工作日历警告 / WORK CALENDAR WARNING
                !!! \(w.text)
                !!! Years \(w.years.map { String($0.year) }.joined(separator: ", ")) lack statutory holidays: deadlines there count Monday–Friday only.

                """.utf8))
        }
        print(node.banner)
        fflush(nil) // flush every stream: stdout is a pipe under a supervisor
        try await node.run()
    }
}

func loadCalendar(extra: [String]) throws -> WorkCalendar {
    var cal = try shippedCalendar()
    for file in extra {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        do {
            cal = cal.replacingYears(with: try WorkCalendar.parse(text))
        } catch {
            throw ValidationError("\(file): \(error)")
        }
    }
    return cal
}

struct CalendarCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "calendar", abstract: "Check a work-calendar file and print the working days it gives a year.")

    @Argument(help: "Calendar file(s) to check (none: the shipped calendar).")
    var files: [String] = []

    @Option(help: "Year to summarise.")
    var year: Int?

    func run() async throws {
        let cal = try loadCalendar(extra: files)
        for y in year.map({ [$0] }) ?? cal.describedYears.sorted() {
            guard let first = Day(year: y, month: 1, day: 1) else { continue }
            var working = 0, d = first
            while d.year == y { if cal.isWorkingDay(d) { working += 1 }; d = d.adding(days: 1) }
            let missing = cal.missingHolidays(in: y)
            let coverage = missing.isEmpty ? "" : " (NOT covered: no \(missing.joined(separator: "、")); deadlines would count Monday–Friday on those days)"
            print("\(y): \(working) working days, \(cal.entries.filter { $0.day.year == y }.count) special days\(coverage)")
        }
    }
}
