import MinshengDomain
import Synchronization

/// Counts events per key (a client address) in fixed windows; past `limit` in a window the key waits for the
/// window's end. In memory, per node: with several nodes a client gets at most `limit` per node, still far too
/// few to enumerate ten-character tracking codes.
public final class RateLimiter: Sendable {
    public let limit: Int
    public let window: Int64
    let clock: any TimeSource
    private let counts = Mutex<[String: (start: Int64, count: Int)]>([:])

    public init(limit: Int, window: Int64, clock: any TimeSource) {
        self.limit = limit; self.window = window; self.clock = clock
    }

    /// Seconds the key must wait, or nil if it may go on.
    public func retryAfter(_ key: String) -> Int64? {
        let now = clock.now().seconds
        return counts.withLock { c in
            guard let e = c[key], now - e.start < window, e.count >= limit else { return nil }
            return max(1, e.start + window - now)
        }
    }

    public func record(_ key: String) {
        let now = clock.now().seconds
        counts.withLock { c in
            if c.count > 100_000 { c = c.filter { now - $0.value.start < window } }
            if let e = c[key], now - e.start < window { c[key] = (e.start, e.count + 1) } else { c[key] = (now, 1) }
        }
    }

    /// Refuses with 429 and Retry-After while the key is over its limit.
    public func check(_ key: String) throws {
        if let wait = retryAfter(key) {
            throw PlatformError(.rateLimited, "rate_limited", "操作过于频繁，请 \(wait) 秒后再试", details: [("retryAfter", .int(wait))])
        }
    }
}
