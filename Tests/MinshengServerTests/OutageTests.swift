import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MinshengDomain
@testable import MinshengServer
@testable import MinshengStore
import Testing

/// Issue 22 item 1: while the database is down the node answers quickly and truly — /readyz is not ready, the API
/// answers 503 with a JSON body — instead of hanging.
@Suite("Database outage at the edge")
struct DatabaseOutageTests {
    @Test
    func readinessAndAnswersWhileTheDatabaseIsDown() async throws {
        // A PostgreSQL store on a port where nothing listens: the server has just died.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        close(fd)
        var quiet = Logger(label: "minsheng.test")
        quiet.logLevel = .critical
        let store = PostgresStore(configuration: .init(port: Int(UInt16(bigEndian: addr.sin_port)), username: "nobody", database: "none"),
                                  logger: quiet)
        let platform = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar())
        let app = buildApplication(config: AppConfig(calendar: platform.calendar), platform: platform)
        try await app.test(.router) { client in
            let started = ContinuousClock.now
            let first = try await client.execute(uri: "/readyz", method: .get)
            #expect(first.status == .serviceUnavailable)
            // About a second (a probe decides); generous bounds: the test runs beside hundreds of others on two cores.
            // Before, it waited for the pool's circuit breaker (60 s) or for the server to come back.
            #expect(ContinuousClock.now - started < .seconds(20), "the first /readyz took \(ContinuousClock.now - started)")
            // Known down now: every answer at once.
            let t = ContinuousClock.now
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(String(buffer: ready.body).contains("\"database_unreachable\""), "\(String(buffer: ready.body))")
            let create = try await client.execute(uri: "/api/v1/cases", method: .post,
                                                  headers: [.authorization: "Bearer some-token", .contentType: "application/json"],
                                                  body: ByteBuffer(string: #"{"channel":"phone","kind":"complaint","title":"停电","content":"停电了"}"#))
            #expect(create.status == .serviceUnavailable)
            #expect(String(buffer: create.body).contains("\"database_unavailable\""), "\(String(buffer: create.body))")
            #expect(create.headers[.retryAfter] != nil)
            #expect(ContinuousClock.now - t < .seconds(2), "took \(ContinuousClock.now - t)")
        }
        try await store.close()
    }
}
