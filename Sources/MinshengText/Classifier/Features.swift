import Foundation

/// How text becomes a feature vector: hashed character n-grams of the normalised title and text, in two
/// namespaces (a title n-gram and the same n-gram of the body are different features), term frequency
/// `1 + ln(tf)` (sublinear) or raw, times IDF `ln((1+N)/(1+df)) + 1` learnt on the training set, the title part
/// times `titleWeight`, the whole vector L2-normalised. Hash buckets never seen in training are dropped.
public struct FeatureConfig: Sendable, Equatable {
    public var minN: Int = 1
    public var maxN: Int = 2
    /// log2 of the number of hash buckets (16…24).
    public var hashBits: Int = 18
    public var titleWeight: Float = 1
    public var sublinearTF: Bool = false
    public init() {}
}

enum Hashing {
    static let bodySeed: UInt64 = 0x243F_6A88_85A3_08D3
    static let titleSeed: UInt64 = 0x1319_8A2E_0370_7344

    @inline(__always)
    static func step(_ h: UInt64, _ c: UInt32) -> UInt64 {
        var x = (h ^ UInt64(c)) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 31
        return x
    }

    @inline(__always)
    static func bucket(_ h: UInt64, bits: Int) -> UInt32 {
        var x = h
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x = x &* 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return UInt32(truncatingIfNeeded: x >> UInt64(64 - bits))
    }

    /// Calls `body` with the bucket of every n-gram (minN…maxN) that does not contain a separator.
    @inline(__always)
    static func forEachBucket(_ codes: UnsafeBufferPointer<UInt32>, seed: UInt64, config: FeatureConfig, _ body: (UInt32) -> Void) {
        let n = codes.count
        let minN = config.minN, maxN = config.maxN, bits = config.hashBits
        var i = 0
        while i < n {
            if codes[i] != TextNormalizer.sep {
                var h = seed
                var len = 0
                var j = i
                while j < n && len < maxN {
                    let c = codes[j]
                    if c == TextNormalizer.sep { break }
                    h = step(h, c)
                    len += 1
                    if len >= minN { body(bucket(h &+ UInt64(len), bits: bits)) }
                    j += 1
                }
            }
            i += 1
        }
    }

    @inline(__always)
    static func tfWeight(_ count: Int32, sublinear: Bool) -> Float {
        sublinear ? 1 + logf(Float(count)) : Float(count)
    }
}

/// Normalised codes of a string in a caller-provided temporary buffer.
@inline(__always)
func withCodes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
    var text = text
    return text.withUTF8 { bytes in
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: bytes.count + 1) { buf in
            let n = TextNormalizer.write(bytes, into: buf)
            return body(UnsafeBufferPointer(rebasing: buf[0..<n]))
        }
    }
}

/// Bucket counts of one document for training: (bucket, count, title?) with buckets merged per part.
struct RawDoc {
    var buckets: [UInt32] = []
    var counts: [Int32] = []
    var isTitle: [Bool] = []

    init(title: String, text: String, config: FeatureConfig) {
        for (part, seed, flag) in [(title, Hashing.titleSeed, true), (text, Hashing.bodySeed, false)] {
            if flag && config.titleWeight == 0 { continue }
            var bs: [UInt32] = []
            withCodes(part) { codes in
                bs.reserveCapacity(codes.count * (config.maxN - config.minN + 1))
                Hashing.forEachBucket(codes, seed: seed, config: config) { bs.append($0) }
            }
            bs.sort()
            var k = 0
            while k < bs.count {
                var e = k + 1
                while e < bs.count && bs[e] == bs[k] { e += 1 }
                buckets.append(bs[k]); counts.append(Int32(e - k)); isTitle.append(flag)
                k = e
            }
        }
    }
}

/// Compressed sparse rows of training vectors (column ids are compact feature ids).
struct SparseMatrix {
    var rowStart: [Int] = [0]
    var cols: [Int32] = []
    var vals: [Float] = []
    var rows: Int { rowStart.count - 1 }

    mutating func appendRow(_ c: [Int32], _ v: [Float]) {
        cols.append(contentsOf: c); vals.append(contentsOf: v); rowStart.append(cols.count)
    }
}

/// The vocabulary learnt on a training set: buckets kept (sorted) with their IDF.
struct Vocabulary {
    var buckets: [UInt32]
    var idf: [Float]
    var index: [UInt32: Int32]

    init(docs: [RawDoc], minDF: Int) {
        var df: [UInt32: Int32] = [:]
        for d in docs {
            for b in d.buckets { df[b, default: 0] += 1 }
        }
        let n = Float(docs.count)
        let kept = df.filter { $0.value >= Int32(minDF) }.keys.sorted()
        buckets = kept
        idf = kept.map { logf((1 + n) / (1 + Float(df[$0]!))) + 1 }
        index = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, Int32($0)) })
    }

    /// TF-IDF rows, L2-normalised (as `TextClassifier` computes them at inference).
    func vectorize(_ docs: [RawDoc], config: FeatureConfig) -> SparseMatrix {
        var m = SparseMatrix()
        for d in docs {
            var c: [Int32] = [], v: [Float] = []
            var norm: Float = 0
            for k in d.buckets.indices {
                guard let j = index[d.buckets[k]] else { continue }
                let x = Hashing.tfWeight(d.counts[k], sublinear: config.sublinearTF) * idf[Int(j)] * (d.isTitle[k] ? config.titleWeight : 1)
                c.append(j); v.append(x); norm += x * x
            }
            if norm > 0 { let s = 1 / norm.squareRoot(); for k in v.indices { v[k] *= s } }
            m.appendRow(c, v)
        }
        return m
    }
}
