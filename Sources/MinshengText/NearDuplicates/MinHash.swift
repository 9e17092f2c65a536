import Foundation

/// Settings of the near-duplicate index. Changing `hashCount` (bands × rows) or `shingleLength` changes every
/// signature, so an index keeps the options it was built with (they travel in its bytes).
public struct NearDuplicateOptions: Sendable, Equatable {
    /// Characters per shingle, after normalisation (separators dropped).
    public var shingleLength = 3
    /// LSH bands and rows per band: two cases become candidates when all `rows` MinHash values of one band
    /// agree. The candidate probability at Jaccard s is 1 − (1 − s^rows)^bands.
    public var bands = 20
    public var rows = 3
    /// Estimated Jaccard similarity a candidate needs to be reported.
    public var threshold = 0.4
    /// Only the first this many UTF-8 bytes of the title and of the text are read (bounds the time per case).
    public var maxBytes = 48_000
    /// At most this many cases are checked per band (newest first), so a matter posted 10,000 times costs the
    /// same as one posted 200 times; the newest near-duplicates are found, not all of them.
    public var maxCandidatesPerBand = 200

    public var hashCount: Int { bands * rows }

    public init() {}

    public init(shingleLength: Int = 3, bands: Int = 20, rows: Int = 3, threshold: Double = 0.4) {
        self.shingleLength = shingleLength
        self.bands = bands
        self.rows = rows
        self.threshold = threshold
    }
}

/// The MinHash signature of one message: `hashCount` 16-bit values. Pure value, computed without any lock, so a
/// server can hash before it enters a transaction and can store the bytes to rebuild the index without the text.
///
/// How: the title and text are normalised (`TextNormalizer`: full width folded, traditional → simplified, digit
/// runs → NUM/TEL placeholders, anonymised places → LOC), separators and punctuation are dropped, and each run of
/// `shingleLength` codes (21 bits each, packed injectively into 63 bits) is mixed by the MurmurHash3 finaliser into a
/// 64-bit shingle hash x. Hash function j is x ↦ (x ⊕ s_j) · a_j mod 2^64 (a_j odd, a bijection); the signature
/// keeps, per j, bits 24–39 of the minimum. The minimum itself is almost always below 2^50, so its top bits are
/// zero and carry nothing; bits 24–39 are uniform, and two different minima collide with probability 2^-16.
public struct NearDuplicateSignature: Sendable, Equatable {
    public internal(set) var values: [UInt16]
    /// Distinct-ish shingle count (shingles read, capped at 65,535); 0 means the message had no text.
    public internal(set) var shingles: Int

    public var isEmpty: Bool { shingles == 0 }

    /// Estimated Jaccard similarity of the two shingle sets: the fraction of equal values.
    public func similarity(to other: NearDuplicateSignature) -> Double {
        guard !isEmpty, !other.isEmpty, values.count == other.values.count, !values.isEmpty else { return 0 }
        return Double(MinHasher.equalCount(values, other.values)) / Double(values.count)
    }
}

/// Computes signatures; holds the seeds. Deterministic: the same options give the same signatures in every
/// process and version of this format (the seeds come from a fixed SplitMix64 stream).
struct MinHasher: Sendable {
    let options: NearDuplicateOptions
    let xorSeeds: [UInt64]
    let multipliers: [UInt64]

    init(options: NearDuplicateOptions) {
        self.options = options
        var state: UInt64 = 0x4D49_4E53_4845_4E47 // "MINSHENG"
        var s: [UInt64] = [], a: [UInt64] = []
        for _ in 0..<options.hashCount {
            s.append(Self.splitMix(&state))
            a.append(Self.splitMix(&state) | 1)
        }
        xorSeeds = s
        multipliers = a
    }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    static func fmix64(_ k: UInt64) -> UInt64 {
        var k = k
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }

    func signature(title: String, text: String) -> NearDuplicateSignature {
        var title = title, text = text
        let maxBytes = max(0, options.maxBytes)
        return title.withUTF8 { t in
            text.withUTF8 { b in
                let tb = UnsafeBufferPointer(rebasing: t.prefix(maxBytes))
                let bb = UnsafeBufferPointer(rebasing: b.prefix(maxBytes))
                // The normaliser never writes more codes than it reads bytes (+1).
                return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: tb.count + bb.count + 2) { codes in
                    let nt = compact(codes, TextNormalizer.write(tb, into: codes))
                    let rest = UnsafeMutableBufferPointer(rebasing: codes[nt...])
                    let nb = compact(rest, TextNormalizer.write(bb, into: rest))
                    // Board messages often repeat the title as the body's first line: count it once.
                    var start = 0
                    if nt > 0 && nb >= nt {
                        var same = true
                        for i in 0..<nt where codes[i] != codes[nt + i] { same = false; break }
                        if same { start = nt }
                    }
                    return hash(UnsafeBufferPointer(rebasing: codes[start..<(nt + nb)]))
                }
            }
        }
    }

    /// Drops separators in place (punctuation and spacing edits should not change the signature); returns the count.
    private func compact(_ codes: UnsafeMutableBufferPointer<UInt32>, _ n: Int) -> Int {
        var w = 0
        for i in 0..<n where codes[i] != TextNormalizer.sep {
            codes[w] = codes[i]
            w += 1
        }
        return w
    }

    func hash(_ codes: UnsafeBufferPointer<UInt32>) -> NearDuplicateSignature {
        let k = options.hashCount
        let n = codes.count
        guard n > 0, k > 0 else { return NearDuplicateSignature(values: [UInt16](repeating: 0, count: max(k, 0)), shingles: 0) }
        let len = max(1, min(options.shingleLength, 3)) // 3 × 21 bits fill a UInt64
        let shingleCount = max(1, n - len + 1)
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: k) { mins in
            mins.initialize(repeating: .max)
            xorSeeds.withUnsafeBufferPointer { s in
                multipliers.withUnsafeBufferPointer { a in
                    for i in 0..<shingleCount {
                        var packed: UInt64 = 0
                        for j in 0..<len where i + j < n { packed |= UInt64(codes[i + j] & 0x1F_FFFF) << (21 * UInt64(j)) }
                        let x = Self.fmix64(packed &+ UInt64(len))
                        for j in 0..<k {
                            let v = (x ^ s[j]) &* a[j]
                            if v < mins[j] { mins[j] = v }
                        }
                    }
                }
            }
            var values = [UInt16](repeating: 0, count: k)
            for j in 0..<k { values[j] = UInt16(truncatingIfNeeded: mins[j] >> 24) }
            return NearDuplicateSignature(values: values, shingles: min(shingleCount, 65_535))
        }
    }

    @inline(__always)
    static func equalCount(_ a: UnsafeBufferPointer<UInt16>, _ b: UnsafeBufferPointer<UInt16>) -> Int {
        var same = 0
        for j in 0..<min(a.count, b.count) where a[j] == b[j] { same += 1 }
        return same
    }

    static func equalCount(_ a: [UInt16], _ b: [UInt16]) -> Int {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in equalCount(pa, pb) } }
    }
}
