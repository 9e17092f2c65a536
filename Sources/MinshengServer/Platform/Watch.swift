import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import MinshengDomain
import MinshengStore
import ServiceLifecycle

/// Raises alert levels as time passes. Each tick reads only the index of cases whose next alert instant has come,
/// so a tick with nothing due costs one index probe however many cases are open.
public struct DeadlineWatcher: Service {
    let platform: Platform
    let interval: Duration
    let logger: Logger

    public init(platform: Platform, interval: Duration = .seconds(30), logger: Logger = Logger(label: "minsheng.watch")) {
        self.platform = platform
        self.interval = interval
        self.logger = logger
    }

    /// How long a claimed case stays out of other watchers' sight (a node that dies mid-tick delays it this long).
    static let claimLease: Int64 = 120

    public struct TickReport: Sendable, Equatable {
        public var examined = 0
        public var raised = 0
    }

    /// One pass at `now`: every due case is examined once (in batches, concurrently, so the store commits them in groups).
    @discardableResult
    public func tick(at now: Instant, batch: Int = 1_000) async throws -> TickReport {
        var report = TickReport()
        let start = ContinuousClock.now
        defer { platform.metrics.recordWatchTick(duration: ContinuousClock.now - start, raised: report.raised, at: now) }
        var seen = Set<CaseID>()
        for _ in 0..<10_000 { // bounded: a case is never examined twice in one tick
            let ids = try await platform.store.claimDueCases(at: now, limit: batch, lease: Self.claimLease).filter { !seen.contains($0) }
            if ids.isEmpty { break }
            seen.formUnion(ids)
            let raised = try await withThrowingTaskGroup(of: Bool.self) { group in
                for id in ids { group.addTask { try await platform.raiseAlert(id, at: now) != nil } }
                var n = 0
                for try await r in group where r { n += 1 }
                return n
            }
            report.examined += ids.count
            report.raised += raised
        }
        return report
    }

    public func run() async throws {
        await runUntilShutdown(every: interval) {
            do {
                let r = try await tick(at: platform.clock.now())
                if r.raised > 0 { logger.info("deadline watch: \(r.raised) alerts raised (\(r.examined) cases examined)") }
            } catch is CancellationError {
                return
            } catch {
                logger.error("deadline watch tick failed: \(error)")
            }
        }
    }
}

/// Delivers a notice somewhere. It must be idempotent on `notice.dedupeKey`: after a crash between delivery and
/// its record, the same notice is sent again with the same key.
public protocol NoticeSender: Sendable {
    func send(_ notice: Notice) async throws
}

/// Delivers the outbox: due notices are sent, marked sent, or retried later with exponential back-off.
public struct NoticeDispatcher: Service {
    let platform: Platform
    let sender: any NoticeSender
    let interval: Duration
    let logger: Logger

    public init(platform: Platform, sender: any NoticeSender, interval: Duration = .seconds(2),
                logger: Logger = Logger(label: "minsheng.notices")) {
        self.platform = platform
        self.sender = sender
        self.interval = interval
        self.logger = logger
    }

    /// How long a claimed notice stays with this node's sender before another node may try it.
    static let claimLease: Int64 = 120

    /// 30 s, 1 min, 2 min … capped at 1 hour.
    public static func backoff(afterAttempts n: Int) -> Int64 {
        min(3600, 30 << min(n, 7))
    }

    /// Sends what is due at `now`; returns (sent, failed).
    @discardableResult
    public func deliver(at now: Instant, limit: Int = 200) async throws -> (sent: Int, failed: Int) {
        var sent = 0, failed = 0
        for stored in try await platform.store.claimNotices(at: now, limit: limit, lease: Self.claimLease) {
            // A citizen's phone is kept sealed in the outbox (no clear number in the database): opened only to send.
            var n = stored
            if let p = n.phone, platform.sealer.isSealed(p) { n.phone = platform.sealer.open(p) }
            do {
                try await sender.send(n)
                try await platform.store.markNoticeSent(n.id, at: now)
                sent += 1
            } catch {
                failed += 1
                let retry = now.adding(seconds: Self.backoff(afterAttempts: n.attempts))
                try await platform.store.markNoticeFailed(n.id, error: String(describing: error), retryAt: retry)
                logger.warning("notice \(n.dedupeKey) failed (attempt \(n.attempts + 1)), retry at \(retry): \(error)")
            }
        }
        platform.metrics.recordDelivery(sent: sent, failed: failed)
        return (sent, failed)
    }

    public func run() async throws {
        await runUntilShutdown(every: interval) {
            do {
                var (sent, _) = try await deliver(at: platform.clock.now())
                while sent == 200, !Task.isCancelled { (sent, _) = try await deliver(at: platform.clock.now()) }
            } catch is CancellationError {
                return // shutting down: what was claimed and not sent goes out when its lease ends
            } catch {
                logger.error("notice delivery failed: \(error)")
            }
        }
    }
}

/// The default sender: one JSON line per notice appended to a file, so a fresh install works with no gateway.
/// Idempotent: keys already in the file are not written again.
public actor FileNoticeSender: NoticeSender {
    let path: String
    private var written: Set<String>?

    public init(path: String) { self.path = path }

    public func send(_ notice: Notice) async throws {
        if written == nil {
            written = []
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                for line in text.split(separator: "\n") {
                    if let r = line.range(of: "\"msgId\":\""), let end = line[r.upperBound...].firstIndex(of: "\"") {
                        written!.insert(String(line[r.upperBound..<end]))
                    }
                }
            }
        }
        guard !written!.contains(notice.dedupeKey) else { return }
        var line = "{"
        JSONText.escape("msgId", into: &line); line += ":"; JSONText.escape(notice.dedupeKey, into: &line); line += ","
        JSONText.escape("at", into: &line); line += ":"; JSONText.escape(notice.createdAt.description, into: &line); line += ","
        JSONText.escape("unit", into: &line); line += ":\(notice.recipientUnit.map(String.init) ?? "null"),"
        JSONText.escape("phone", into: &line); line += ":"
        if let p = notice.phone { JSONText.escape(p, into: &line) } else { line += "null" }
        line += ","
        JSONText.escape("text", into: &line); line += ":"; JSONText.escape(notice.message, into: &line); line += "}\n"
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.synchronize()
        written!.insert(notice.dedupeKey)
    }
}

/// SMS through an HTTP gateway: `POST <url>` with `Content-Type: application/json` and, if configured,
/// `Authorization: Bearer <token>`; body `{"msgId": "...", "phone": "023-...", "text": "...", "unit": 123}`.
/// Any 2xx is delivery; anything else (or no answer in 10 s) is retried later with the same msgId, which the
/// gateway uses to drop repeats.
public struct HTTPSMSSender: NoticeSender {
    let url: URL
    let token: String?
    let session: URLSession

    public init(url: URL, token: String?) {
        self.url = url
        self.token = token
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 10
        session = URLSession(configuration: config)
    }

    public struct GatewayError: Error, CustomStringConvertible {
        public var status: Int
        public var description: String { "gateway answered HTTP \(status)" }
    }

    public func send(_ notice: Notice) async throws {
        guard let phone = notice.phone, !phone.isEmpty else { return } // a unit without a number: nothing to send
        var body = "{"
        JSONText.escape("msgId", into: &body); body += ":"; JSONText.escape(notice.dedupeKey, into: &body); body += ","
        JSONText.escape("phone", into: &body); body += ":"; JSONText.escape(phone, into: &body); body += ","
        JSONText.escape("text", into: &body); body += ":"; JSONText.escape(notice.message, into: &body); body += ","
        JSONText.escape("unit", into: &body); body += ":\(notice.recipientUnit.map(String.init) ?? "null")}"
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(body.utf8)
        let (_, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw GatewayError(status: status) }
    }
}

/// Runs `work` every `interval` until the service group shuts down (gracefully or by cancellation): the sleep is
/// cancelled at shutdown, so the loop ends at once instead of waiting out its interval (or spinning).
func runUntilShutdown(every interval: Duration, _ work: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            await work()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
