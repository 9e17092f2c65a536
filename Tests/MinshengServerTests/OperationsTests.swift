import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MinshengDomain
import MinshengServer
import MinshengStore
import Testing

/// `/metrics`, request ids: what an operations team and its Prometheus rely on.
@Suite struct OperationsTests {
    /// The value of one sample line (`name{labels} value`) in the exposition text, or nil.
    static func sample(_ text: String, _ prefix: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    @Test func metricsCountRequestsByRouteTemplateAndCasesByStateAndAlert() async throws {
        try await withAPI { h in
            for i in 0..<3 {
                let r = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "路灯不亮\(i)", "content": "小区路灯坏了"])
                #expect(r.status == .created)
            }
            let missing = try await h.get("/api/v1/cases/999999")
            #expect(missing.status == .notFound)
            let m = try await h.get("/metrics", token: nil)
            #expect(m.status == .ok)
            #expect(m.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = m.text
            // Route templates, never raw ids: the number of series stays bounded.
            #expect(Self.sample(text, #"minsheng_http_requests_total{method="POST",route="/api/v1/cases",status="201"}"#) == 3, "\(text)")
            #expect(Self.sample(text, #"minsheng_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="404"}"#) == 1)
            #expect(!text.contains("999999"))
            #expect(Self.sample(text, #"minsheng_http_request_duration_seconds_count{method="POST",route="/api/v1/cases"}"#) == 3)
            #expect(Self.sample(text, #"minsheng_cases{state="registered"}"#) == 3)
            #expect(Self.sample(text, #"minsheng_cases{state="closed"}"#) == 0)
            #expect(Self.sample(text, #"minsheng_open_cases{alert="normal"}"#) == 3)
            #expect(Self.sample(text, "minsheng_outbox_backlog") != nil)
        }
    }

    @Test func watchTicksAndDeliveriesAreCounted() async throws {
        try await withAPI { h in
            _ = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "路灯不亮", "content": "小区路灯坏了"])
            h.clock.advance(seconds: 30 * 86_400)
            let watcher = DeadlineWatcher(platform: h.platform, interval: .seconds(3600))
            let r = try await watcher.tick(at: h.clock.now())
            #expect(r.raised >= 1)
            let text = try await h.get("/metrics", token: nil).text
            #expect(Self.sample(text, "minsheng_watch_ticks_total") == 1)
            #expect(Self.sample(text, "minsheng_watch_alerts_raised_total") == Double(r.raised))
            #expect(Self.sample(text, "minsheng_watch_last_tick_timestamp_seconds") == Double(h.clock.now().seconds))
        }
    }

    @Test func aConfiguredTokenGuardsMetrics() async throws {
        try await withAPI(metricsToken: "scrape-secret") { h in
            expectError(try await h.get("/metrics", token: nil), .unauthorized, "unauthorized")
            expectError(try await h.get("/metrics", token: "wrong"), .unauthorized, "unauthorized")
            let ok = try await h.get("/metrics", token: "scrape-secret")
            #expect(ok.status == .ok && ok.text.contains("minsheng_cases"))
        }
    }

    @Test func everyResponseCarriesARequestId() async throws {
        try await withAPI { h in
            let a = try await h.get("/healthz", token: nil)
            let b = try await h.get("/api/v1/cases/424242")
            let ida = a.headers[HTTPField.Name("X-Request-Id")!], idb = b.headers[HTTPField.Name("X-Request-Id")!]
            #expect(ida != nil && idb != nil && ida != idb)
            // Without --trust-proxy a client cannot choose the id written in the logs.
            var extra = HTTPFields()
            extra[HTTPField.Name("X-Request-Id")!] = "forged-id"
            let c = try await h.send(.get, "/healthz", token: nil, headers: extra)
            #expect(c.headers[HTTPField.Name("X-Request-Id")!] != "forged-id")
        }
    }
}
