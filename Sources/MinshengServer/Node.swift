import Foundation
import Hummingbird
import Logging
import MinshengDomain
import MinshengStore
import MinshengText
import ServiceLifecycle

/// What `minsheng serve` decides from its options and environment, as plain values: the executable only parses,
/// and a test starts a node exactly as `serve` does (`Node.prepare` then `application()`).
public struct ServeSettings: Sendable {
    public enum Model: Sendable, Equatable {
        case shipped, none
        case file(String)
    }

    public var host = "127.0.0.1"
    public var port = 8080
    /// Load the demo world into an empty database, and create the demo accounts.
    public var demo = false
    /// The demo accounts' password (MINSHENG_DEMO_PASSWORD); nil: a random one, printed in the banner.
    public var demoPassword: String?
    public var calendar: WorkCalendar
    public var policy = DeadlinePolicy.local12320.id
    public var model: Model = .shipped
    /// Seconds between deadline-watch ticks; 0 turns the watcher off.
    public var watchInterval = 30
    public var smsGateway: String?
    public var smsToken: String?
    /// Where notices go without a gateway; nil: notices.log next to the database.
    public var noticeLog: String?
    public var wechatToken: String?
    public var wechatAppID: String?
    public var wechatAESKey: String?
    public var trustProxy = false
    public var secureCookies = false
    /// The SMS gateway's shared secret, from the environment only (a command line shows in `ps`).
    public var smsSecret: String?
    public var metricsToken: String?
    /// The data key itself (MINSHENG_DATA_KEY); nil: the key file next to the database.
    public var dataKey: String?

    public init(calendar: WorkCalendar) { self.calendar = calendar }
}

/// A setting `serve` cannot start with; the executable shows it as a usage error.
public struct ServeSettingsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The data key file sits next to the database (data/minsheng.sqlite → data/minsheng.key); keep it out of the
/// database's backups, or set MINSHENG_DATA_KEY instead.
public func keyFile(dbPath: String) -> String {
    ((dbPath as NSString).deletingPathExtension) + ".key"
}

public func loadSealer(dbPath: String, dataKey: String? = ProcessInfo.processInfo.environment["MINSHENG_DATA_KEY"]) throws -> Sealer {
    try Sealer.load(environment: dataKey, keyFile: keyFile(dbPath: dbPath))
}

/// One serving process over an opened store: the platform loaded, its background services chosen, and the lines
/// of the start-up banner. `run()` serves until SIGTERM and closes the store.
public struct Node: Sendable {
    public let platform: Platform
    public let config: AppConfig
    public let services: [any Service]
    public let store: any CaseStore
    public let logger: Logger
    /// For the person at the terminal: where the data is, how to log in, where notices go.
    public let banner: String
    /// A year without its holiday schedule in the calendar, if any (the executable shows it loudly).
    public let calendarWarning: CalendarWarning?

    /// - Parameters:
    ///   - filesAnchor: the path the node's own files are named after (the SQLite file, or
    ///     `<data-dir>/minsheng.postgres`): data key, near-duplicate index, attachments, notice log.
    ///   - label, engine: how the banner names the database.
    ///   - commandLine: how another command names this database (`minsheng user add …`).
    public static func prepare(_ s: ServeSettings, store: any CaseStore, filesAnchor path: String, label: String, engine: String,
                               commandLine: String, logger: Logger) async throws -> Node {
        guard DeadlinePolicy.shipped.contains(where: { $0.id == s.policy }) else {
            throw ServeSettingsError("unknown policy \(s.policy); use 12320 or statute")
        }
        let classifier: TextClassifier?
        switch s.model {
        case .shipped: classifier = try shippedClassifier()
        case .none: classifier = nil
        case .file(let file):
            guard let data = FileManager.default.contents(atPath: file) else { throw ServeSettingsError("cannot read model file \(file)") }
            classifier = try TextClassifier(loading: [UInt8](data))
        }
        var config = AppConfig(calendar: s.calendar)
        config.host = s.host
        config.port = s.port
        config.filesDirectory = (path as NSString).deletingLastPathComponent + "/files"
        config.defaultPolicyID = s.policy
        config.trustProxy = s.trustProxy
        if let token = s.wechatToken, !token.isEmpty {
            guard let app = s.wechatAppID, !app.isEmpty else { throw ServeSettingsError("--wechat-token needs --wechat-appid") }
            let wechat = WeChatConfig(token: token, appID: app, encodingAESKey: s.wechatAESKey.flatMap { $0.isEmpty ? nil : $0 })
            if let problem = wechat.problem { throw ServeSettingsError(problem) }
            config.wechat = wechat
        }
        config.smsSecret = s.smsSecret.flatMap { $0.isEmpty ? nil : $0 }
        config.metricsToken = s.metricsToken.flatMap { $0.isEmpty ? nil : $0 }
        let sender: any NoticeSender
        let noticesLine: String
        if let gw = s.smsGateway, !gw.isEmpty {
            guard let url = URL(string: gw), url.scheme == "http" || url.scheme == "https" else {
                throw ServeSettingsError("--sms-gateway must be an http(s) URL")
            }
            sender = HTTPSMSSender(url: url, token: s.smsToken)
            noticesLine = "SMS gateway \(gw)"
        } else {
            let log = s.noticeLog ?? ((path as NSString).deletingLastPathComponent + "/notices.log")
            sender = FileNoticeSender(path: log)
            noticesLine = "\(log)  (no SMS gateway configured)"
        }

        let sealer = try loadSealer(dbPath: path, dataKey: s.dataKey)
        var auth = AuthSettings()
        auth.secureCookies = s.secureCookies
        let platform = Platform(store: store, clock: SystemClock(), calendar: s.calendar, defaultPolicyID: s.policy,
                                classifier: classifier, sealer: sealer, auth: auth, logger: logger)
        var demoPassword: String?
        if s.demo {
            let started = Date()
            if try await DemoLoader.loadIfEmpty(platform) {
                logger.info("demo world loaded in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            } else {
                logger.info("database already has units; demo world not loaded again")
            }
            try await platform.loadUnits()
            if try await store.user(login: "admin") == nil {
                let pw = s.demoPassword.flatMap { $0.isEmpty ? nil : $0 } ?? "demo" + Platform.newTrackingCode().lowercased() + "1"
                try await DemoUsers.create(platform, password: pw)
                demoPassword = pw
            }
        }
        try await platform.loadUnits()
        try await platform.loadSettings() // the admin's category table and calendar changes
        let warning = platform.warnAboutCalendar()
        let indexFile = ((path as NSString).deletingPathExtension) + ".neardup"
        try await platform.intelligence.warmUp(store: store, file: indexFile, logger: logger)

        var services: [any Service] = []
        if s.watchInterval > 0 {
            services.append(DeadlineWatcher(platform: platform, interval: .seconds(s.watchInterval)))
        }
        services.append(NoticeDispatcher(platform: platform, sender: sender))
        services.append(IntelligenceSaver(platform: platform, file: indexFile, logger: logger))

        let units = try await store.unitCount()
        let cases = try await store.caseCount()
        let users = try await store.userCount()
        let base = "http://\(s.host):\(s.port)"
        var banner = """
            民生 Minsheng
              data:        \(label)  (\(engine); \(units) units, \(cases) cases, \(users) accounts)
              data key:    \(s.dataKey != nil ? "MINSHENG_DATA_KEY" : keyFile(dbPath: path))
              API:         \(base)/api/v1   (OpenAPI: \(base)/openapi.yaml)
              channels:    WeChat \(config.wechat.map { "\(base)/channels/wechat (\($0.encodingAESKey == nil ? "plain" : "safe") mode)" } ?? "off"), \
            SMS \(config.smsSecret == nil ? "off" : "\(base)/channels/sms")
            """
        if let demoPassword {
            banner += """

                  demo logins: admin, city.registrar, city.dispatcher, city.supervisor, city.leader, yz.dispatcher,
                               yz.leader, yz.handler, town.handler, city.handler — password: \(demoPassword)
                  try:         curl -s -X POST -H 'Content-Type: application/json' -d '{"login":"city.dispatcher","password":"\(demoPassword)"}' \(base)/api/v1/auth/login
                """
        } else if users == 0 {
            banner += "\n  accounts:    none yet — create the first admin: minsheng user add \(commandLine) --login admin --name 管理员 --unit <id> --role admin"
        }
        banner += "\n  notices:     \(noticesLine)"
        return Node(platform: platform, config: config, services: services, store: store, logger: logger, banner: banner,
                    calendarWarning: warning)
    }

    /// The application `serve` runs: the router over the platform, with the node's background services.
    public func application() -> some ApplicationProtocol {
        buildApplication(config: config, platform: platform, services: services, logger: logger)
    }

    /// Serve until a termination signal; the store is closed either way.
    public func run() async throws {
        do {
            try await application().runService()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
