import Foundation

/// Finds the earlier cases whose text is nearly the same as a new one (reposts, copies with small edits, one
/// template sent by many people): MinHash signatures over character shingles, banded LSH, candidates verified by
/// the estimated Jaccard similarity. See docs/intelligence.md for the measured precision, recall and speed.
///
/// Thread safety: a final class guarded by a readers–writer lock. Any number of threads may `query` at once;
/// `add` and `queryAndAdd` take the lock exclusively, and only for the table update: hashing (the costly part)
/// runs before the lock is taken. Share one instance (it is `Sendable`).
///
/// Memory: per case 2 × hashCount bytes of signature, 4 × bands bytes of chain links, 8 bytes of id, and about
/// 2 × 8 × bands bytes of hash table (load ≤ 0.75, grown by doubling): about 0.5 GB at 1,000,000 cases with
/// the default 20 × 3. Cases are never removed; rebuild from the stored signatures to drop some.
public final class NearDuplicateIndex: @unchecked Sendable {
    public struct Match: Sendable, Equatable {
        public var id: Int64
        /// Estimated Jaccard similarity of the shingle sets (a multiple of 1/hashCount).
        public var similarity: Double
        public init(id: Int64, similarity: Double) { self.id = id; self.similarity = similarity }
    }

    public let options: NearDuplicateOptions
    let hasher: MinHasher
    let lock = ReadWriteLock()
    var core: Core

    public init(options: NearDuplicateOptions = NearDuplicateOptions()) {
        precondition(options.bands > 0 && options.rows > 0 && options.hashCount <= 1024, "bands × rows must be 1…1024")
        self.options = options
        hasher = MinHasher(options: options)
        core = Core(bands: options.bands, rows: options.rows)
    }

    /// The signature of a message (no lock; pure).
    public func signature(title: String, text: String) -> NearDuplicateSignature {
        hasher.signature(title: title, text: text)
    }

    /// Cases whose estimated similarity is at least `threshold` (default `options.threshold`), most similar first
    /// (newest first among equals), at most `limit`.
    public func query(title: String, text: String, threshold: Double? = nil, limit: Int = 20) -> [Match] {
        query(signature(title: title, text: text), threshold: threshold, limit: limit)
    }

    public func query(_ signature: NearDuplicateSignature, threshold: Double? = nil, limit: Int = 20) -> [Match] {
        guard !signature.isEmpty, signature.values.count == options.hashCount else { return [] }
        return lock.reading { core.query(signature.values, threshold: threshold ?? options.threshold, limit: limit, maxPerBand: options.maxCandidatesPerBand) }
    }

    /// Adds a case. Ids are not checked for uniqueness: add each case once. A message without text is kept
    /// (its id counts) but never matches.
    public func add(id: Int64, title: String, text: String) {
        add(id: id, signature: signature(title: title, text: text))
    }

    public func add(id: Int64, signature: NearDuplicateSignature) {
        precondition(signature.values.count == options.hashCount, "signature made with other options")
        lock.writing { core.add(id: id, signature.values, indexed: !signature.isEmpty) }
    }

    /// Query, then add, under one exclusive lock: two copies of the same message registered at the same moment
    /// find each other (the second finds the first). This is the call for registration.
    public func queryAndAdd(id: Int64, title: String, text: String, threshold: Double? = nil, limit: Int = 20) -> [Match] {
        let sig = signature(title: title, text: text)
        return queryAndAdd(id: id, signature: sig, threshold: threshold, limit: limit)
    }

    public func queryAndAdd(id: Int64, signature sig: NearDuplicateSignature, threshold: Double? = nil, limit: Int = 20) -> [Match] {
        precondition(sig.values.count == options.hashCount, "signature made with other options")
        return lock.writing {
            let found = sig.isEmpty ? [] : core.query(sig.values, threshold: threshold ?? options.threshold, limit: limit, maxPerBand: options.maxCandidatesPerBand)
            core.add(id: id, sig.values, indexed: !sig.isEmpty)
            return found
        }
    }

    /// Number of cases added.
    public var count: Int { lock.reading { core.ids.count } }

    /// Bytes held by the index's arrays (capacity, not count).
    public var memoryBytes: Int { lock.reading { core.memoryBytes } }

    /// Reserves room for `cases` cases in total (avoids regrowth while bulk loading).
    public func reserveCapacity(_ cases: Int) { lock.writing { core.reserve(cases) } }

    // MARK: - Core: flat arrays, no locking

    struct Core {
        let bands: Int
        let rows: Int
        var hashCount: Int { bands * rows }
        var ids: [Int64] = []
        /// hashCount values per case, case-major.
        var signatures: [UInt16] = []
        /// Per case and band: the previous (older) case in the same bucket, or −1. Chains always point to lower
        /// indices, so a walk ends even if two buckets share a fingerprint.
        var next: [Int32] = []
        /// Open-addressing table, linear probing: a 32-bit fingerprint of (band, values) (0 = empty slot) and the
        /// newest case in that bucket. The slot is derived from the fingerprint, so growth needs no other key.
        var keys: [UInt32]
        var heads: [Int32]
        var used = 0

        init(bands: Int, rows: Int) {
            self.bands = bands
            self.rows = rows
            keys = [UInt32](repeating: 0, count: 1024)
            heads = [Int32](repeating: -1, count: 1024)
        }

        var memoryBytes: Int {
            ids.capacity * 8 + signatures.capacity * 2 + next.capacity * 4 + keys.capacity * 4 + heads.capacity * 4
        }

        mutating func reserve(_ cases: Int) {
            ids.reserveCapacity(cases)
            signatures.reserveCapacity(cases * hashCount)
            next.reserveCapacity(cases * bands)
            var cap = keys.count
            while Double(cases * bands) > 0.75 * Double(cap) { cap *= 2 }
            if cap > keys.count { rehash(to: cap) }
        }

        @inline(__always)
        func fingerprint(band: Int, _ v: UnsafeBufferPointer<UInt16>) -> UInt32 {
            var h = UInt64(band + 1) &* 0x9E37_79B9_7F4A_7C15
            let base = band * rows
            for r in 0..<rows { h = (h ^ UInt64(v[base + r])) &* 0x0000_0100_0000_01B3 }
            let f = UInt32(truncatingIfNeeded: MinHasher.fmix64(h) >> 32)
            return f == 0 ? 1 : f
        }

        /// The slot holding `fp`, or the empty slot where it would go.
        @inline(__always)
        func slot(_ fp: UInt32) -> Int {
            let mask = keys.count - 1
            var i = Int(fp) & mask
            while true {
                let k = keys[i]
                if k == fp || k == 0 { return i }
                i = (i + 1) & mask
            }
        }

        mutating func add(id: Int64, _ values: [UInt16], indexed: Bool) {
            let c = Int32(ids.count)
            ids.append(id)
            signatures.append(contentsOf: values)
            if (used + bands) * 4 > keys.count * 3 { rehash(to: keys.count * 2) }
            values.withUnsafeBufferPointer { v in
                for b in 0..<bands {
                    guard indexed else { next.append(-1); continue }
                    let fp = fingerprint(band: b, v)
                    let s = slot(fp)
                    if keys[s] == 0 { keys[s] = fp; heads[s] = -1; used += 1 }
                    next.append(heads[s])
                    heads[s] = c
                }
            }
        }

        mutating func rehash(to capacity: Int) {
            let oldKeys = keys, oldHeads = heads
            keys = [UInt32](repeating: 0, count: capacity)
            heads = [Int32](repeating: -1, count: capacity)
            for i in 0..<oldKeys.count where oldKeys[i] != 0 {
                let s = slot(oldKeys[i])
                keys[s] = oldKeys[i]
                heads[s] = oldHeads[i]
            }
        }

        func query(_ values: [UInt16], threshold: Double, limit: Int, maxPerBand: Int) -> [Match] {
            guard values.count == hashCount, limit > 0 else { return [] }
            let need = Int((threshold * Double(hashCount)).rounded(.up))
            return values.withUnsafeBufferPointer { v in
                signatures.withUnsafeBufferPointer { sigs in
                    next.withUnsafeBufferPointer { nx in
                        // A template sent by thousands fills every band's bucket with the same cases: the walk
                        // stops at 2 × maxPerBand entries in all, so such a flood costs a bounded, small amount
                        // per registration (the newest copies are the ones found, which is what a link needs).
                        let budget = 2 * maxPerBand
                        var candidates: [Int32] = []
                        candidates.reserveCapacity(min(budget, 64))
                        for b in 0..<bands where candidates.count < budget {
                            let s = slot(fingerprint(band: b, v))
                            guard keys[s] != 0 else { continue }
                            var c = heads[s]
                            var walked = 0
                            while c >= 0 && walked < maxPerBand && candidates.count < budget {
                                candidates.append(c)
                                walked += 1
                                c = nx[Int(c) * bands + b]
                            }
                        }
                        guard !candidates.isEmpty else { return [] }
                        candidates.sort()
                        var out: [(Int32, Int)] = []
                        var prev: Int32 = -1
                        for c in candidates.reversed() where c != prev {
                            prev = c
                            let other = UnsafeBufferPointer(rebasing: sigs[(Int(c) * hashCount)..<(Int(c) * hashCount + hashCount)])
                            let same = MinHasher.equalCount(v, other)
                            if same >= need { out.append((c, same)) }
                        }
                        // Stable on newest-first order: equal similarities keep the newest first.
                        out.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 > $1.0) }
                        return out.prefix(limit).map { Match(id: ids[Int($0.0)], similarity: Double($0.1) / Double(hashCount)) }
                    }
                }
            }
        }
    }
}

/// pthread readers–writer lock on a stable heap address (a pthread lock must not move).
final class ReadWriteLock: @unchecked Sendable {
    private let l: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        l = .allocate(capacity: 1)
        l.initialize(to: pthread_rwlock_t())
        // Writer-preferring: glibc's default lets a steady stream of readers (queries at every registration)
        // starve the writer (the add after each commit), and the request waiting on that add with it.
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        #if canImport(Glibc)
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(l, &attr)
        pthread_rwlockattr_destroy(&attr)
    }

    deinit {
        pthread_rwlock_destroy(l)
        l.deinitialize(count: 1)
        l.deallocate()
    }

    func reading<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(l)
        defer { pthread_rwlock_unlock(l) }
        return try body()
    }

    func writing<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(l)
        defer { pthread_rwlock_unlock(l) }
        return try body()
    }
}
