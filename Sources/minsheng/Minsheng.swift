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
        let cal = try loadCalendar(extra: calendar)
        guard DeadlinePolicy.shipped.contains(where: { $0.id == policy }) else {
            throw ValidationError("unknown policy \(policy); use 12320 or statute")
        }
        guard let dur = SQLiteStore.Durability(rawValue: durability) else { throw ValidationError("durability must be full or normal") }
        let opened = try await database.open(durability: dur, logger: logger)
        let store = opened.store
        // The node's own files (data key, near-duplicate index, attachments, notice log) are named after this path.
        let path = opened.filesAnchor
        let classifier: TextClassifier?
        switch model {
        case nil: classifier = try shippedClassifier()
        case "none": classifier = nil
        case let file?:
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read model file \(file)") }
            classifier = try TextClassifier(loading: [UInt8](data))
        }
        let sealer = try loadSealer(dbPath: path)
        var auth = AuthSettings()
        auth.secureCookies = secureCookies
        let platform = Platform(store: store, clock: SystemClock(), calendar: cal, defaultPolicyID: policy,
                                classifier: classifier, sealer: sealer, auth: auth, logger: logger)
        let env = ProcessInfo.processInfo.environment
        var demoPassword: String?
        if demo {
            let started = Date()
            if try await DemoLoader.loadIfEmpty(platform) {
                logger.info("demo world loaded in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            } else {
                logger.info("database already has units; demo world not loaded again")
            }
            try await platform.loadUnits()
            if try await store.user(login: "admin") == nil {
                let pw = env["MINSHENG_DEMO_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } ?? "demo" + Platform.newTrackingCode().lowercased() + "1"
                try await DemoUsers.create(platform, password: pw)
                demoPassword = pw
            }
        }
        try await platform.loadUnits()
        try await platform.loadSettings() // the admin's category table and calendar changes
        // A year without its holiday schedule counts deadlines Monday–Friday: say so loudly (the log, and a banner
        // on stderr for a person at the terminal; JSON logs stay one object per line).
        if let w = platform.warnAboutCalendar(), logFormat == "text" {
            FileHandle.standardError.write(Data("""

                !!! 工作日历警告 / WORK CALENDAR WARNING
                !!! \(w.text)
                !!! Years \(w.years.map { String($0.year) }.joined(separator: ", ")) lack statutory holidays: deadlines there count Monday–Friday only.

                """.utf8))
        }
        let indexFile = ((path as NSString).deletingPathExtension) + ".neardup"
        try await platform.intelligence.warmUp(store: store, file: indexFile, logger: logger)
        var config = AppConfig(calendar: cal)
        config.host = host
        config.port = port
        config.filesDirectory = (path as NSString).deletingLastPathComponent + "/files"
        config.defaultPolicyID = policy
        config.trustProxy = trustProxy
        if let token = wechatToken, !token.isEmpty {
            guard let app = wechatAppid, !app.isEmpty else { throw ValidationError("--wechat-token needs --wechat-appid") }
            let wechat = WeChatConfig(token: token, appID: app, encodingAESKey: wechatAesKey.flatMap { $0.isEmpty ? nil : $0 })
            if let problem = wechat.problem { throw ValidationError(problem) }
            config.wechat = wechat
        }
        // The SMS gateway's shared secret: from the environment only (a command line shows in `ps`).
        config.smsSecret = env["MINSHENG_SMS_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        config.metricsToken = env["MINSHENG_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let units = try await store.unitCount()
        let cases = try await store.caseCount()
        let users = try await store.userCount()
        print("""
            民生 Minsheng
              data:        \(opened.label)  (\(opened.engine); \(units) units, \(cases) cases, \(users) accounts)
              data key:    \(env["MINSHENG_DATA_KEY"] != nil ? "MINSHENG_DATA_KEY" : keyFile(dbPath: path))
              API:         http://\(host):\(port)/api/v1   (OpenAPI: http://\(host):\(port)/openapi.yaml)
              channels:    WeChat \(config.wechat == nil ? "off" : "http://\(host):\(port)/channels/wechat (\(config.wechat?.encodingAESKey == nil ? "plain" : "safe") mode)"), \
            SMS \(config.smsSecret == nil ? "off" : "http://\(host):\(port)/channels/sms")
            """)
        if let demoPassword {
            print("""
                  demo logins: admin, city.registrar, city.dispatcher, city.supervisor, city.leader, yz.dispatcher,
                               yz.leader, yz.handler, town.handler, city.handler — password: \(demoPassword)
                  try:         curl -s -X POST -H 'Content-Type: application/json' -d '{"login":"city.dispatcher","password":"\(demoPassword)"}' http://\(host):\(port)/api/v1/auth/login
                """)
        } else if users == 0 {
            print("  accounts:    none yet — create the first admin: minsheng user add \(database.commandLine) --login admin --name 管理员 --unit <id> --role admin")
        }
        fflush(nil) // flush every stream: stdout is a pipe under a supervisor
        var services: [any Service] = []
        if watchInterval > 0 {
            services.append(DeadlineWatcher(platform: platform, interval: .seconds(watchInterval)))
        }
        let sender: any NoticeSender
        if let gw = smsGateway, !gw.isEmpty {
            guard let url = URL(string: gw), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("--sms-gateway must be an http(s) URL")
            }
            sender = HTTPSMSSender(url: url, token: env["MINSHENG_SMS_TOKEN"])
            print("  notices:     SMS gateway \(gw)")
        } else {
            let log = noticeLog ?? ((path as NSString).deletingLastPathComponent + "/notices.log")
            sender = FileNoticeSender(path: log)
            print("  notices:     \(log)  (no SMS gateway configured)")
        }
        services.append(NoticeDispatcher(platform: platform, sender: sender))
        services.append(IntelligenceSaver(platform: platform, file: indexFile, logger: logger))
        fflush(nil)
        let app = buildApplication(config: config, platform: platform, services: services, logger: logger)
        do {
            try await app.runService()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}

/// The data key file sits next to the database (data/minsheng.sqlite → data/minsheng.key); keep it out of the
/// database's backups, or set MINSHENG_DATA_KEY instead.
func keyFile(dbPath: String) -> String {
    ((dbPath as NSString).deletingPathExtension) + ".key"
}

func loadSealer(dbPath: String) throws -> Sealer {
    try Sealer.load(environment: ProcessInfo.processInfo.environment["MINSHENG_DATA_KEY"], keyFile: keyFile(dbPath: dbPath))
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
