import Foundation
import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// The database cannot be reached just now (down, restarting, or no connection came within the wait). The request
/// was not carried out — or, if the connection broke during its COMMIT, its outcome is unknown: a client retries with
/// the same Idempotency-Key and is given the case if it was stored. The API answers 503.
public struct DatabaseUnavailable: Error, CustomStringConvertible, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "database unavailable: \(reason)" }
}

/// A query was about to go to a connection that has already closed.
struct ConnectionLost: Error, CustomStringConvertible {
    var description: String { "the connection to PostgreSQL is closed" }
}

// MARK: - Surviving a database outage
//
// What went wrong before (issue 22): with the server killed under a create load, postgres-nio's
// `PostgresConnection.query` writes its request to the channel with no write promise. On a connection that had just
// closed, NIO drops the write (the channel's handlers are gone) and the query's own promise is never completed: the
// await hangs for ever. The registration drainer hung that way inside its transaction, so every later registration
// queued behind it (`POST /api/v1/cases` never answered); reads that hit the same window hung their requests, and
// graceful shutdown waited for them. Meanwhile a lease asked of the pool while the server was down waited until the
// server was back (or 60 s, the pool's circuit breaker), so `/readyz` took tens of seconds, and after a long outage
// the pool's back-off kept it from reconnecting for up to a minute.
//
// Now: (1) every query is written from the connection's event loop after checking the channel is still active (so the
// write reaches the handler, which fails it properly when the connection closes); (2) a lease waits at most
// `leaseTimeout`, and after `suspectAfter` a direct probe decides whether the server is down; (3) while the server is
// known down every operation fails at once with `DatabaseUnavailable` (503), `/readyz` says so, and a prober tries a
// fresh connection every `probeInterval`; (4) when it answers again the node takes a new pool (the old one may sit in
// back-off for a minute) and carries on.

/// The node's view of its database: up, or down since a moment with a reason.
final class DatabaseHealth: Sendable {
    struct Down: Sendable {
        var since: ContinuousClock.Instant
        var reason: String
    }
    private struct State {
        var down: Down?
        var probing = false
        var closed = false
        var waiters: [UInt64: @Sendable (String) -> Void] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Why the database is unavailable now, or nil while it is up.
    var problem: String? { state.withLock { $0.down?.reason } }

    func check() throws(DatabaseUnavailable) {
        if let d = state.withLock({ $0.down }) { throw DatabaseUnavailable(d.reason) }
    }

    /// Marks the database down (once) and fails every lease still waiting; returns true if it was up until now.
    @discardableResult
    func markDown(_ reason: String) -> Bool {
        let (changed, waiters) = state.withLock { s -> (Bool, [@Sendable (String) -> Void]) in
            guard s.down == nil, !s.closed else { return (false, []) }
            s.down = Down(since: .now, reason: reason)
            let w = Array(s.waiters.values)
            s.waiters = [:]
            return (true, w)
        }
        if changed {
            logger.warning("PostgreSQL unreachable: \(reason); requests that need it answer 503 until it is back")
            for w in waiters { w(reason) }
        }
        return changed
    }

    func markUp() {
        let was = state.withLock { s -> Down? in
            defer { s.down = nil }
            return s.down
        }
        if let was {
            logger.notice("PostgreSQL reachable again after \(ContinuousClock.now - was.since) (\(was.reason))")
        }
    }

    /// Only one prober at a time; false if one runs already (or the store is closed).
    func startProbing() -> Bool {
        state.withLock { s in
            if s.probing || s.closed { return false }
            s.probing = true
            return true
        }
    }
    func stopProbing() { state.withLock { $0.probing = false } }
    func close() { state.withLock { $0.closed = true } }
    var isClosed: Bool { state.withLock { $0.closed } }

    /// A lease waiting for a connection: told at once when the database is found down. Nil when it is down already.
    func register(_ fail: @escaping @Sendable (String) -> Void) -> UInt64? {
        state.withLock { s in
            if s.down != nil { return nil }
            s.nextWaiter += 1
            s.waiters[s.nextWaiter] = fail
            return s.nextWaiter
        }
    }
    func unregister(_ id: UInt64) { _ = state.withLock { $0.waiters.removeValue(forKey: id) } }
}

/// Hands a pooled connection from the task that leased it to the task that uses it, and back.
final class LeaseHandoff: Sendable {
    private enum State {
        case waiting(CheckedContinuation<PostgresConnection, any Error>?)
        case lent(PostgresConnection)
        case failed(any Error)
        case handedOver
    }
    private let state = Mutex<State>(.waiting(nil))
    private let back = Mutex<(returned: Bool, cont: CheckedContinuation<Void, Never>?)>((false, nil))

    /// The lessee's side: false if the user gave up already (the lease is released at once).
    func lend(_ conn: PostgresConnection) -> Bool {
        let cont: CheckedContinuation<PostgresConnection, any Error>?? = state.withLock { s in
            switch s {
            case .waiting(let c?): s = .handedOver; return .some(c)
            case .waiting(nil): s = .lent(conn); return .some(nil)
            default: return nil
            }
        }
        guard let cont else { return false }
        cont?.resume(returning: conn)
        return true
    }

    /// Fails the wait (lease error, timeout, database down, cancellation); false if the connection was lent already.
    @discardableResult
    func fail(_ error: any Error) -> Bool {
        let cont: CheckedContinuation<PostgresConnection, any Error>?? = state.withLock { s in
            switch s {
            case .waiting(let c): s = .failed(error); return .some(c)
            default: return nil
            }
        }
        guard let cont else { return false }
        cont?.resume(throwing: error)
        return true
    }

    /// The user's side: the connection, or the error that ended the wait.
    func connection() async throws -> PostgresConnection {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<PostgresConnection, any Error>) in
            let now: Result<PostgresConnection, any Error>? = state.withLock { s in
                switch s {
                case .waiting: s = .waiting(c); return nil
                case .lent(let conn): s = .handedOver; return .success(conn)
                case .failed(let e): return .failure(e)
                case .handedOver: return .failure(ConnectionLost())
                }
            }
            if let now { c.resume(with: now) }
        }
    }

    /// The lessee waits here until the user is done.
    func waitForReturn() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = back.withLock { b -> Bool in
                if b.returned { return true }
                b.cont = c
                return false
            }
            if done { c.resume() }
        }
    }

    func giveBack() {
        let c = back.withLock { b -> CheckedContinuation<Void, Never>? in
            b.returned = true
            defer { b.cont = nil }
            return b.cont
        }
        c?.resume()
    }
}

/// Runs `op` in its own task and returns its result, or throws `DatabaseUnavailable` after `seconds` (the task is
/// cancelled and left to end by itself: for probes, whose work may hang on a dead server).
func withDeadline<T: Sendable>(_ seconds: Double, _ what: String, _ op: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = Once()
    return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        let work = Task {
            let r: Result<T, any Error>
            do { r = .success(try await op()) } catch { r = .failure(error) }
            if once.take() { c.resume(with: r) }
        }
        Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            if once.take() {
                work.cancel()
                c.resume(throwing: DatabaseUnavailable("\(what): no answer within \(seconds) s"))
            }
        }
    }
}

final class Once: Sendable {
    private let done = Mutex(false)
    /// True the first time only.
    func take() -> Bool { done.withLock { d in defer { d = true }; return !d } }
}

/// Every query of an SQLKit database goes through `PostgresStore.guarded`: see the note above.
struct GuardedSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let conn: PostgresConnection

    init(_ conn: PostgresConnection) {
        self.conn = conn
        base = conn.sql(queryLogLevel: nil)
    }

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let base = self.base, conn = self.conn
        // On the event loop, the base's future chain runs synchronously: the channel is checked and written in one go.
        return conn.eventLoop.flatSubmit {
            guard !conn.isClosed else { return conn.eventLoop.makeFailedFuture(ConnectionLost()) }
            return base.execute(sql: query, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await execute(sql: query, onRow).get()
    }
}

extension PostgresStore {
    /// How long an operation waits for a pooled connection before it answers "unavailable".
    static let leaseTimeout: Duration = .seconds(8)
    /// A wait this long starts a direct probe of the server (a busy pool is not a dead server).
    static let suspectAfter: Duration = .milliseconds(750)
    /// While the server is down, how often a fresh connection is tried.
    static let probeInterval: Duration = .milliseconds(250)

    /// A query written from the connection's event loop only while its channel is active (see the note above).
    static func guarded(_ conn: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> PostgresQueryResult {
        try await conn.eventLoop.flatSubmit { () -> EventLoopFuture<PostgresQueryResult> in
            guard !conn.isClosed else { return conn.eventLoop.makeFailedFuture(ConnectionLost()) }
            return conn.query(query, logger: logger)
        }.get()
    }

    @discardableResult
    func guarded(_ conn: PostgresConnection, _ sql: String) async throws -> PostgresQueryResult {
        try await Self.guarded(conn, PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Errors that say the server (or the way to it) is gone, rather than that a statement was refused.
    static func connectionProblem(_ error: any Error) -> String? {
        switch error {
        case let e as DatabaseUnavailable: return e.reason
        case is ConnectionLost: return "connection closed"
        case let e as PSQLError:
            switch e.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
                let under = e.underlying.map { String(describing: $0) } ?? "\(e.code)"
                return under.count > 200 ? String(under.prefix(200)) + "…" : under
            case .server:
                // 08…: connection exception; 57P01–57P03: the server is shutting down, crashed, or still starting.
                guard let state = e.serverInfo?[.sqlState], state.hasPrefix("08") || state.hasPrefix("57P") else { return nil }
                return e.serverInfo?[.message] ?? state
            default: return nil
            }
        case let e as ConnectionPoolError:
            return String(describing: e)
        default: return nil
        }
    }

    /// One pooled connection for `body`, released afterwards. Fails at once while the database is known down, and
    /// within `leaseTimeout` when no connection comes; a connection-level failure inside `body` marks the database
    /// down and surfaces as `DatabaseUnavailable` (any other error is rethrown as it was).
    func withPooledConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try health.check()
        let client = self.client
        let handoff = LeaseHandoff()
        let lease = Task {
            do {
                try await client.withConnection { conn in
                    guard handoff.lend(conn) else { return }
                    await handoff.waitForReturn()
                }
            } catch {
                handoff.fail(error)
            }
        }
        guard let waiter = health.register({ reason in if handoff.fail(DatabaseUnavailable(reason)) { lease.cancel() } }) else {
            lease.cancel()
            try health.check()
            throw DatabaseUnavailable("database down")
        }
        let timer = Task { [weak self] in
            try await Task.sleep(for: Self.suspectAfter)
            self?.probeSoon()
            try await Task.sleep(for: Self.leaseTimeout - Self.suspectAfter)
            if handoff.fail(DatabaseUnavailable("no pooled connection within \(Self.leaseTimeout)")) {
                lease.cancel()
                self?.health.markDown("no pooled connection within \(Self.leaseTimeout)")
                self?.probeSoon()
            }
        }
        let conn: PostgresConnection
        do {
            conn = try await withTaskCancellationHandler {
                try await handoff.connection()
            } onCancel: {
                if handoff.fail(CancellationError()) { lease.cancel() }
            }
        } catch {
            timer.cancel()
            health.unregister(waiter)
            throw unavailable(error)
        }
        timer.cancel()
        health.unregister(waiter)
        defer { handoff.giveBack() }
        do {
            return try await body(conn)
        } catch {
            throw unavailable(error)
        }
    }

    /// `error` as the caller should see it: a connection problem marks the database down and becomes
    /// `DatabaseUnavailable`; anything else is left as it was.
    func unavailable(_ error: any Error) -> any Error {
        guard let problem = Self.connectionProblem(error) else { return error }
        if let e = error as? DatabaseUnavailable { return e } // the database was found down, or no lease came (marked then)
        // A retired pool shutting down says nothing about the server.
        if let e = error as? PSQLError, e.code == .poolClosed { return DatabaseUnavailable(problem) }
        health.markDown(problem)
        probeSoon()
        return DatabaseUnavailable(problem)
    }

    /// Why the database cannot take work now (for `/readyz`), or nil.
    public var unavailability: String? { health.problem }

    // MARK: Probing and a fresh pool

    /// Starts the prober unless one runs: it tries a fresh connection until one answers. If the database was marked
    /// down, the node then takes a new pool and marks it up; a probe that fails marks it down.
    func probeSoon() {
        guard health.startProbing() else { return }
        Task { [weak self] in
            while let self, !self.health.isClosed {
                do {
                    try await self.probe()
                    if self.health.problem != nil {
                        self.renewPool()
                        self.health.markUp()
                    }
                    self.health.stopProbing()
                    return
                } catch {
                    self.health.markDown(Self.connectionProblem(error) ?? String(describing: error))
                }
                try? await Task.sleep(for: Self.probeInterval)
            }
            self?.health.stopProbing()
        }
    }

    /// One fresh connection (not from the pool), one `SELECT 1`, closed again; bounded in time.
    func probe() async throws {
        var c = try Self.connectionConfiguration(configuration)
        c.options.connectTimeout = .seconds(1)
        let config = c
        let logger = quietLogger
        try await withDeadline(2, "probe") {
            let conn = try await PostgresConnection.connect(configuration: config, id: 0, logger: logger)
            do {
                _ = try await Self.guarded(conn, "SELECT 1", logger: logger)
            } catch {
                try? await conn.close()
                throw error
            }
            try? await conn.close()
        }
    }

    /// A new pool after an outage (the old one may wait in back-off for up to a minute before it tries the server
    /// again). The old pool ends a little later, so that work still on its connections can finish.
    func renewPool() {
        let fresh = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        let task = Task { await fresh.run() }
        let old = pool.withLock { p -> Task<Void, Never> in
            let old = p.task
            p.client = fresh
            p.task = task
            p.retired.append(old)
            return old
        }
        Task {
            try? await Task.sleep(for: .seconds(30))
            old.cancel()
        }
    }
}
