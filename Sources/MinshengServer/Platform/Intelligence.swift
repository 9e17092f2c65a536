import Foundation
import Logging
import MinshengDomain
import MinshengStore
import MinshengText
import ServiceLifecycle
import Synchronization

/// The text intelligence registration uses (issue 6): the near-duplicate index over every case's text and the
/// risk-word matcher. The index lives in memory, is saved to a file next to the database (at shutdown and every
/// few minutes) and catches up from the store at start, so it survives restarts without rehashing everything.
public final class Intelligence: Sendable {
    private let index: Mutex<NearDuplicateIndex>
    public var duplicates: NearDuplicateIndex { index.withLock { $0 } }
    private let risk: Mutex<RiskMatcher>
    /// What the index holds: every case id ≤ `watermark`, and the ids above it in `above` (registered here, or
    /// read by a catch-up). Other processes register too — other nodes, `minsheng ingest-mail` — so ids arrive out of
    /// order; the watermark only passes an id once a catch-up has had a whole interval to see it committed.
    private let coverage = Mutex<Coverage>(Coverage())
    struct Coverage {
        var watermark: CaseID = 0
        var above: Set<CaseID> = []
        /// The highest id the previous catch-up read: the next watermark.
        var lastRead: CaseID = 0
    }
    /// Near-duplicates linked at registration: at most this many, above the index's threshold (0.4, precision 0.97).
    public static let maxLinks = 5

    public init(duplicates: NearDuplicateIndex = NearDuplicateIndex(), risk: RiskMatcher = RiskMatcher()) {
        self.index = Mutex(duplicates)
        self.risk = Mutex(risk)
    }

    public var riskMatcher: RiskMatcher { risk.withLock { $0 } }
    public func setRiskLexicon(_ lexicon: RiskLexicon) { risk.withLock { $0 = RiskMatcher(lexicon) } }

    /// Adds a case unless the index has it already; false when it had.
    @discardableResult
    func indexed(_ id: CaseID, signature: NearDuplicateSignature) -> Bool {
        let new = coverage.withLock { c in id > c.watermark && c.above.insert(id).inserted }
        if new { duplicates.add(id: id, signature: signature) }
        return new
    }

    /// Loads the saved index (if its file is there and readable) and adds the cases registered since.
    public func warmUp(store: any CaseStore, file: String?, logger: Logger) async throws {
        if let file, let data = FileManager.default.contents(atPath: file), data.count > 8 {
            let bytes = [UInt8](data)
            let upTo = bytes.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
            do {
                let loaded = try NearDuplicateIndex(serialized: Array(bytes.dropFirst(8)))
                index.withLock { $0 = loaded }
                let above = Set(loaded.ids(above: upTo))
                coverage.withLock { $0 = Coverage(watermark: upTo, above: above, lastRead: upTo) }
                logger.info("near-duplicate index loaded: \(loaded.count) cases up to #\(upTo)")
            } catch {
                logger.warning("near-duplicate index file unreadable, rebuilding: \(error)")
            }
        }
        let added = try await catchUp(store: store)
        if added > 0 { logger.info("near-duplicate index: \(added) cases added from the store") }
    }

    /// Adds the cases the store has and the index does not (registered by another node or process), and moves the
    /// watermark to what the previous catch-up read. Returns how many were added.
    @discardableResult
    public func catchUp(store: any CaseStore) async throws -> Int {
        var after = coverage.withLock { $0.watermark }
        var added = 0
        while true {
            let batch = try await store.caseTexts(after: after, limit: 2000)
            if batch.isEmpty { break }
            for t in batch where coverage.withLock({ !$0.above.contains(t.id) }) {
                if indexed(t.id, signature: duplicates.signature(title: t.title, text: t.content)) { added += 1 }
            }
            after = batch.last!.id
        }
        coverage.withLock { c in
            // Only what the previous pass saw is settled: a case whose transaction was still open then (its id
            // below `after` but not yet visible) is read by this pass or the next.
            let settled = c.lastRead
            if settled > c.watermark {
                c.watermark = settled
                c.above = c.above.filter { $0 > settled }
            }
            c.lastRead = max(c.lastRead, after)
        }
        return added
    }

    /// Writes the index atomically: 8 bytes of the last case id, then the index.
    public func save(to file: String) throws {
        let upTo = coverage.withLock { $0.watermark }
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: upTo >> (56 - 8 * $0)) }
        bytes += duplicates.serialized()
        let tmp = file + ".tmp"
        try Data(bytes).write(to: URL(fileURLWithPath: tmp))
        // rename(2) replaces the old file atomically: a crash leaves the old index or the new one, never half of one.
        guard rename(tmp, file) == 0 else { throw PlatformError(.internalFailure, "save_failed", "cannot write \(file)") }
    }
}

/// Saves the near-duplicate index every few minutes and once more at shutdown, so a restart loads it instead of
/// rehashing every case.
public struct IntelligenceSaver: Service {
    let platform: Platform
    let file: String
    let interval: Duration
    let catchUpEvery: Duration
    let logger: Logger

    public init(platform: Platform, file: String, interval: Duration = .seconds(600), catchUpEvery: Duration = .seconds(30),
                logger: Logger = Logger(label: "minsheng.intelligence")) {
        self.platform = platform; self.file = file; self.interval = interval; self.catchUpEvery = catchUpEvery; self.logger = logger
    }

    func save() {
        do { try platform.intelligence.save(to: file) } catch { logger.error("saving the near-duplicate index failed: \(error)") }
    }

    public func run() async throws {
        // Sleep first: the index was just loaded, nothing new to save yet. Every `catchUpEvery` the index learns
        // the cases other nodes (or `ingest-mail`) registered; every `interval` it is saved.
        await cancelWhenGracefulShutdown {
            var last = ContinuousClock.now
            while !Task.isCancelled {
                do { try await Task.sleep(for: catchUpEvery) } catch { return }
                do {
                    try await platform.intelligence.catchUp(store: platform.store)
                } catch {
                    logger.warning("near-duplicate catch-up failed: \(error)")
                }
                if ContinuousClock.now - last >= interval { save(); last = ContinuousClock.now }
            }
        }
        save()
    }
}
