import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MinshengDomain
import MinshengStore
import Prometheus
import Synchronization

/// What an operations team scrapes at `/metrics` (Prometheus text format): request rates and latencies by route,
/// cases by state and alert level, the outbox backlog, deadline-watch ticks and notice deliveries.
///
/// One registry per platform (not the process-global MetricsSystem), so tests each see their own numbers.
/// Database figures are read at scrape time, at most every `storeRefresh` (a scrape every 15 s must not become a
/// full count every 15 s on a busy node: they come from indexes, but 10 M rows are still 10 M rows).
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let storeRefresh: Duration
    private let lastStoreRead = Mutex<ContinuousClock.Instant?>(nil)

    let watchTicks: Counter
    let watchTickSeconds: DurationHistogram
    let watchRaised: Counter
    let watchLastTick: Gauge
    let noticesSent: Counter
    let noticesFailed: Counter

    public init(storeRefresh: Duration = .seconds(10)) {
        self.storeRefresh = storeRefresh
        watchTicks = registry.makeCounter(descriptor: .init(metricName: "minsheng_watch_ticks_total", helpText: "Deadline-watch passes"))
        watchTickSeconds = registry.makeDurationHistogram(
            descriptor: .init(metricName: "minsheng_watch_tick_seconds", helpText: "Time one deadline-watch pass took"),
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
                      .seconds(2), .seconds(10), .seconds(60)])
        watchRaised = registry.makeCounter(descriptor: .init(metricName: "minsheng_watch_alerts_raised_total", helpText: "Alert levels raised by the deadline watch"))
        watchLastTick = registry.makeGauge(descriptor: .init(metricName: "minsheng_watch_last_tick_timestamp_seconds", helpText: "When the last deadline-watch pass ended (Unix time)"))
        noticesSent = registry.makeCounter(descriptor: .init(metricName: "minsheng_notices_sent_total", helpText: "Notices delivered by this node"))
        noticesFailed = registry.makeCounter(descriptor: .init(metricName: "minsheng_notices_failed_total", helpText: "Notice deliveries that failed (retried later)"))
    }

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
    ]

    /// One HTTP request: `route` is the matched route template (`/api/v1/cases/{id}`), never the raw path, so the
    /// number of series stays bounded whatever clients send.
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: .init(metricName: "minsheng_http_requests_total", helpText: "HTTP requests by route, method and status"),
                             labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: .init(metricName: "minsheng_http_request_duration_seconds", helpText: "HTTP request latency by route"),
                                       labels: [("method", method), ("route", route)], buckets: Self.latencyBuckets).record(duration)
    }

    func recordWatchTick(duration: Duration, raised: Int, at now: Instant) {
        watchTicks.increment()
        watchTickSeconds.record(duration)
        if raised > 0 { watchRaised.increment(by: Int64(raised)) }
        watchLastTick.set(Double(now.seconds))
    }

    func recordDelivery(sent: Int, failed: Int) {
        if sent > 0 { noticesSent.increment(by: Int64(sent)) }
        if failed > 0 { noticesFailed.increment(by: Int64(failed)) }
    }

    /// Reads the database gauges if the last read is older than `storeRefresh`.
    func refreshStoreGauges(_ store: any CaseStore, now: Instant) async throws {
        let due = lastStoreRead.withLock { last -> Bool in
            let t = ContinuousClock.now
            if let l = last, t - l < storeRefresh { return false }
            last = t
            return true
        }
        guard due else { return }
        let byState = try await store.caseCountsByState()
        for s in CaseState.allCases {
            registry.makeGauge(descriptor: .init(metricName: "minsheng_cases", helpText: "Cases by state"), labels: [("state", s.rawValue)])
                .set(Double(byState[s] ?? 0))
        }
        let byAlert = try await store.openCasesByAlert(scope: nil, now: now)
        for l in AlertLevel.allCases {
            registry.makeGauge(descriptor: .init(metricName: "minsheng_open_cases", helpText: "Open cases by alert level"), labels: [("alert", l.rawValue)])
                .set(Double(byAlert[l] ?? 0))
        }
        registry.makeGauge(descriptor: .init(metricName: "minsheng_outbox_backlog", helpText: "Notices waiting for delivery"))
            .set(Double(try await store.noticeBacklog()))
    }

    /// The exposition text.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Times every request and counts it by route and status (errors included: an APIError thrown below is a 4xx).
struct MetricsRecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.recordRequest(method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                                  status: response.status.code, duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                                  status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}

/// Gives every response an `X-Request-Id` (the id in every log line of the request: `hb.request.id`) and logs the
/// request when it ends — method, route template (never the raw path: it may carry a tracking code), status,
/// milliseconds — at debug level (`--log-level debug` is an access log), server errors and slow requests at warning.
/// Behind a trusted proxy an incoming X-Request-Id (nginx's `$request_id`) is kept, so one id follows the request
/// through both logs. Added outside the error middleware, so it sees the final status of every response.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let trustProxy: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if trustProxy, let incoming = request.headers[Self.header], Self.isSane(incoming) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        let start = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[Self.header] = context.id
            log(request, context, status: response.status.code, since: start)
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    static var header: HTTPTypes.HTTPField.Name { .init("X-Request-Id")! }

    static func isSane(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        let level: Logger.Level = status >= 500 || ms > 1000 ? .warning : .debug
        guard context.logger.logLevel <= level else { return }
        context.logger.log(level: level, "request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(context.endpointPath ?? "unmatched"),
            "status": .stringConvertible(status), "ms": .string(String(format: "%.1f", ms)),
        ])
    }
}
