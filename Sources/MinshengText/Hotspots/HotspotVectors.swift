import Foundation

/// A sparse vector: term ids ascending, weights (L2-normalised unless said otherwise).
struct SparseVector: Sendable {
    var terms: [Int32] = []
    var weights: [Float] = []

    /// Dot product by merging the two sorted term lists.
    @inline(__always)
    func dot(_ o: SparseVector) -> Float {
        var i = 0, j = 0, s: Float = 0
        let a = terms, b = o.terms
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { s += weights[i] * o.weights[j]; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return s
    }
}

/// Open addressing map from a packed bigram (two 21-bit codes, never 0) to a dense id.
struct BigramTable {
    var keys: [UInt64]
    var ids: [Int32]
    var mask: Int
    private(set) var count = 0
    /// Keys by id (to print terms).
    var byID: [UInt64] = []

    init(capacity: Int) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        ids = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func slot(_ k: UInt64) -> Int { Int(truncatingIfNeeded: MinHasher.fmix64(k)) }

    /// The id of `key`, added if new.
    mutating func id(_ key: UInt64) -> Int32 {
        if count * 4 >= keys.count * 3 { grow() }
        var s = Self.slot(key) & mask
        while true {
            let k = keys[s]
            if k == key { return ids[s] }
            if k == 0 {
                keys[s] = key
                let id = Int32(count)
                ids[s] = id
                count += 1
                byID.append(key)
                return id
            }
            s = (s + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldIDs = ids
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        ids = [Int32](repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        for (i, k) in oldKeys.enumerated() where k != 0 {
            var s = Self.slot(k) & mask
            while keys[s] != 0 { s = (s + 1) & mask }
            keys[s] = k; ids[s] = oldIDs[i]
        }
    }

    static func text(_ key: UInt64) -> String {
        var s = String.UnicodeScalarView()
        if let a = Unicode.Scalar(UInt32(key >> 21)) { s.append(a) }
        if let b = Unicode.Scalar(UInt32(key & 0x1F_FFFF)) { s.append(b) }
        return String(s)
    }
}

/// Runs `body(chunk)` for `chunks` chunks of `0..<n` on up to `threads` threads.
func parallelChunks(_ n: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let t = max(1, min(threads, n / 256 + 1))
    if t == 1 { body(0..<n); return }
    let chunks = t * 8
    let size = (n + chunks - 1) / chunks
    // The chunks write disjoint slots of buffers the caller owns until this returns.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = c * size, hi = min(n, lo + size)
        if lo < hi { body(lo..<hi) }
    }
}

/// TF-IDF vectors of character bigrams (Chinese characters only, after `TextNormalizer`: traditional folded,
/// numbers and the organisers' place codes out), title bigrams counted `titleWeight` times, sublinear TF,
/// IDF ln(N/df) over the analysed messages; bigrams seen in one message only are dropped, those in more than
/// `maxDocumentFrequency` of them (and more than 50) weigh almost nothing; the `termsPerMessage` heaviest are kept and normalised.
struct BigramVectors {
    var vectors: [SparseVector]
    var table: BigramTable
    var idf: [Float]

    /// The message's bigrams (sorted keys) with their term frequency: body count + `titleWeight` × title count.
    static func bigrams(title: String, text: String, maxBytes: Int, titleWeight: Float, placeNames: [String] = [],
                        placeWeight: Float = 1) -> [(key: UInt64, tf: Float)] {
        var keys: [UInt64] = []
        for (part, isTitle) in [(title, true), (text, false)] {
            var part = part
            part.withUTF8 { bytes in
                let b = UnsafeBufferPointer(rebasing: bytes.prefix(maxBytes))
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: b.count + 1) { buf in
                    let n = TextNormalizer.write(b, into: buf)
                    guard n >= 2 else { return }
                    for i in 0..<(n - 1) {
                        let a = buf[i], c = buf[i + 1]
                        guard TextNormalizer.isCJK(a), TextNormalizer.isCJK(c) else { continue }
                        // "A3区丽发…": the 区 of a place code starts no bigram.
                        if i > 0 && buf[i - 1] == TextNormalizer.loc && TextNormalizer.isAdminSuffix(a) { continue }
                        // Title keys carry a mark in bit 63 until they are counted.
                        keys.append((UInt64(a) << 21) | UInt64(c) | (isTitle ? 1 << 63 : 0))
                    }
                }
            }
        }
        keys.sort { ($0 & ~(1 << 63)) < ($1 & ~(1 << 63)) }
        var out: [(key: UInt64, tf: Float)] = []
        out.reserveCapacity(keys.count)
        var k = 0
        while k < keys.count {
            let key = keys[k] & ~(1 << 63)
            var e = k, tf: Float = 0
            while e < keys.count && keys[e] & ~(1 << 63) == key { tf += keys[e] >> 63 == 1 ? titleWeight : 1; e += 1 }
            out.append((key, tf))
            k = e
        }
        // Bigrams of the message's place and district name the where, not the what: they count less.
        if placeWeight != 1 && !placeNames.isEmpty {
            var placeKeys = Set<UInt64>()
            for name in placeNames {
                let u = name.unicodeScalars.map(\.value)
                for i in 0..<max(0, u.count - 1) {
                    let a = TextNormalizer.t2s(u[i]), c = TextNormalizer.t2s(u[i + 1])
                    placeKeys.insert((UInt64(a) << 21) | UInt64(c))
                }
            }
            for i in out.indices where placeKeys.contains(out[i].key) { out[i].tf *= placeWeight }
        }
        return out
    }

    init(_ messages: [HotspotMessage], placeNames: [[String]] = [], options o: HotspotOptions) {
        let n = messages.count
        // 1. Bigrams per message, in parallel.
        var raw = [[(key: UInt64, tf: Float)]](repeating: [], count: n)
        raw.withUnsafeMutableBufferPointer { out in
            let out = out
            parallelChunks(n, threads: o.threads) { r in
                for i in r { out[i] = Self.bigrams(title: messages[i].title, text: messages[i].text, maxBytes: o.maxTextBytes, titleWeight: o.titleWeight,
                                           placeNames: i < placeNames.count ? placeNames[i] : [], placeWeight: o.placeWeight) }
            }
        }
        // 2. Ids and document frequencies (one thread; an open-addressing table).
        var table = BigramTable(capacity: 1 << 16)
        var ids = [[Int32]](repeating: [], count: n)
        var df: [Int32] = []
        for i in 0..<n {
            var row: [Int32] = []
            row.reserveCapacity(raw[i].count)
            for (k, _) in raw[i] {
                let id = table.id(k)
                if Int(id) == df.count { df.append(0) }
                df[Int(id)] += 1
                row.append(id)
            }
            ids[i] = row
        }
        let nf = Float(max(n, 1))
        // Everyday bigrams (in more than `maxDocumentFrequency` of the messages, and more than 50) keep a token
        // weight: they never pick candidates, but a window where everybody writes the same still clusters.
        let maxDF = Int32(max(50.0, o.maxDocumentFrequency * Double(n)))
        let idf = df.map { d -> Float in d < 2 ? 0 : d > maxDF ? 0.01 : logf((nf + o.backgroundMessages) / Float(d)) }
        let singletonIDF = logf(nf + o.backgroundMessages)
        // 3. Weights, top terms, normalisation, in parallel.
        var vectors = [SparseVector](repeating: SparseVector(), count: n)
        vectors.withUnsafeMutableBufferPointer { out in
            let out = out
            parallelChunks(n, threads: o.threads) { r in
                for i in r {
                    var pairs: [(Int32, Float)] = []
                    pairs.reserveCapacity(raw[i].count)
                    var unmatched: Float = 0 // squared weight of bigrams no other message has
                    for (k, b) in raw[i].enumerated() {
                        let id = ids[i][k]
                        let w = idf[Int(id)]
                        guard w > 0 else {
                            if df[Int(id)] == 1 {
                                let x = (b.tf >= 1 ? 1 + logf(b.tf) : b.tf) * singletonIDF
                                unmatched += x * x
                            }
                            continue
                        }
                        // Sublinear TF; a place bigram (tf scaled below 1) keeps its scale.
                        pairs.append((id, (b.tf >= 1 ? 1 + logf(b.tf) : b.tf) * w))
                    }
                    if pairs.count > o.termsPerMessage {
                        pairs.sort { $0.1 > $1.1 }
                        pairs.removeLast(pairs.count - o.termsPerMessage)
                    }
                    pairs.sort { $0.0 < $1.0 }
                    // What a message says that nobody else does still makes it less like the others.
                    var norm: Float = unmatched * o.singletonNormWeight * o.singletonNormWeight
                    for p in pairs { norm += p.1 * p.1 }
                    let s = norm > 0 ? 1 / norm.squareRoot() : 0
                    out[i] = SparseVector(terms: pairs.map(\.0), weights: pairs.map { $0.1 * s })
                }
            }
        }
        self.vectors = vectors
        self.table = table
        self.idf = idf
    }
}
