import Foundation

/// The model file, version 1. Little-endian throughout.
///
/// ```
/// offset  size  field
///      0     4  magic "MSTC" (Minsheng Text Classifier)
///      4     2  version (1)
///      6     1  model: 0 linear SVM, 1 logistic regression, 2 complement NB, 3 linear SVM + NBSVM (same layout)
///      7     1  flags: bit 0 sublinear TF
///      8     1  minN          9  1  maxN        10  1  hashBits      11  1  reserved (0)
///     12     4  titleWeight (float32)     16  4  temperature (float32)     20  4  idfScale (float32)
///     24     2  K, the number of labels, then K × (uint16 byte length, UTF-8 label)
///            4  F, the number of buckets kept
///        K × 4  bias per class (float32)
///        K × 4  weight step per class (float32)
///            …  F bucket ids, ascending, as LEB128 deltas from the previous id (the first from 0)
///        F × 2  IDF of each bucket as uint16 (idf = value × idfScale)
///    F × K × 1  weights as int8, bucket-major (w = value × step of its class)
///            4  FNV-1a 32 of every preceding byte
/// ```
/// Features: the text is normalised (`TextNormalizer`), character n-grams minN…maxN not crossing a separator are
/// hashed (`Hashing`) into 2^hashBits buckets, title and body in separate namespaces.
extension TextClassifier {
    static let magic: [UInt8] = Array("MSTC".utf8)

    public func save() -> [UInt8] {
        var out: [UInt8] = []
        let k = labels.count, f = buckets.count
        out.reserveCapacity(64 + f * (k + 4))
        out += Self.magic
        put16(&out, UInt16(Self.formatVersion))
        out.append(model == .linearSVM ? 0 : model == .logistic ? 1 : model == .complementNB ? 2 : 3)
        out.append(features.sublinearTF ? 1 : 0)
        out += [UInt8(features.minN), UInt8(features.maxN), UInt8(features.hashBits), 0]
        put32(&out, features.titleWeight.bitPattern)
        put32(&out, temperature.bitPattern)
        put32(&out, idfScale.bitPattern)
        put16(&out, UInt16(k))
        for l in labels {
            let u = Array(l.utf8)
            put16(&out, UInt16(u.count)); out += u
        }
        put32(&out, UInt32(f))
        for b in bias { put32(&out, b.bitPattern) }
        for s in weightScale { put32(&out, s.bitPattern) }
        var prev: UInt32 = 0
        for b in buckets {
            var d = b - prev
            prev = b
            while d >= 0x80 { out.append(UInt8(d & 0x7F) | 0x80); d >>= 7 }
            out.append(UInt8(d))
        }
        let stride = k + 1
        for j in 0..<f { put16(&out, UInt16((table[j * stride] / idfScale).rounded())) }
        for j in 0..<f {
            for c in 0..<k {
                let q = Int8((table[j * stride + 1 + c] / weightScale[c]).rounded())
                out.append(UInt8(bitPattern: q))
            }
        }
        put32(&out, fnv1a(out[...]))
        return out
    }

    /// Reads a model written by `save()`; throws `ClassifierError` for anything else.
    public init(loading bytes: some Collection<UInt8>) throws {
        let data = Array(bytes)
        guard data.count >= 4, Array(data[0..<4]) == Self.magic else { throw ClassifierError.notAModelFile }
        var r = Reader(data: data, pos: 4)
        let version = Int(try r.u16("version"))
        guard version == Self.formatVersion else { throw ClassifierError.unsupportedVersion(version) }
        guard data.count >= 8 else { throw ClassifierError.truncated("header") }
        let stored = UInt32(data[data.count - 4]) | UInt32(data[data.count - 3]) << 8 | UInt32(data[data.count - 2]) << 16 | UInt32(data[data.count - 1]) << 24
        guard stored == fnv1a(data[0..<(data.count - 4)]) else { throw ClassifierError.corrupt("checksum mismatch (file damaged or truncated)") }
        let m = try r.u8("model")
        guard let model = [ClassifierModel.linearSVM, .logistic, .complementNB, .svmNB][safe: Int(m)] else { throw ClassifierError.corrupt("unknown model kind \(m)") }
        let flags = try r.u8("flags")
        var fc = FeatureConfig()
        fc.sublinearTF = flags & 1 != 0
        fc.minN = Int(try r.u8("minN")); fc.maxN = Int(try r.u8("maxN")); fc.hashBits = Int(try r.u8("hashBits"))
        _ = try r.u8("reserved")
        guard fc.minN >= 1, fc.maxN >= fc.minN, fc.maxN <= 8, (12...24).contains(fc.hashBits) else {
            throw ClassifierError.corrupt("n-gram range \(fc.minN)…\(fc.maxN), hash bits \(fc.hashBits)")
        }
        fc.titleWeight = Float(bitPattern: try r.u32("titleWeight"))
        let temperature = Float(bitPattern: try r.u32("temperature"))
        let idfScale = Float(bitPattern: try r.u32("idfScale"))
        let k = Int(try r.u16("label count"))
        guard k >= 2 else { throw ClassifierError.corrupt("\(k) labels") }
        var labels: [String] = []
        for _ in 0..<k {
            let n = Int(try r.u16("label"))
            labels.append(String(decoding: try r.bytes(n, "label"), as: UTF8.self))
        }
        let f = Int(try r.u32("feature count"))
        guard f <= 1 << fc.hashBits else { throw ClassifierError.corrupt("\(f) features for \(1 << fc.hashBits) buckets") }
        var bias: [Float] = [], scales: [Float] = []
        for _ in 0..<k { bias.append(Float(bitPattern: try r.u32("bias"))) }
        for _ in 0..<k { scales.append(Float(bitPattern: try r.u32("weight step"))) }
        var buckets = [UInt32](repeating: 0, count: f)
        var prev: UInt32 = 0
        for j in 0..<f {
            var v: UInt32 = 0, shift: UInt32 = 0
            while true {
                let b = try r.u8("bucket ids")
                v |= UInt32(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
                guard shift < 32 else { throw ClassifierError.corrupt("bucket id varint") }
            }
            prev &+= v
            guard prev < UInt32(1 << fc.hashBits), j == 0 || v > 0 else { throw ClassifierError.corrupt("bucket ids not ascending or out of range") }
            buckets[j] = prev
        }
        let stride = k + 1
        var table = [Float](repeating: 0, count: f * stride)
        let idfBytes = try r.bytes(f * 2, "IDF")
        let wBytes = try r.bytes(f * k, "weights")
        guard r.pos == data.count - 4 else { throw ClassifierError.corrupt("\(data.count - 4 - r.pos) unexpected trailing bytes") }
        idfBytes.withUnsafeBufferPointer { ib in
            wBytes.withUnsafeBufferPointer { wb in
                table.withUnsafeMutableBufferPointer { t in
                    for j in 0..<f {
                        t[j * stride] = Float(UInt16(ib[2 * j]) | UInt16(ib[2 * j + 1]) << 8) * idfScale
                        for c in 0..<k { t[j * stride + 1 + c] = Float(Int8(bitPattern: wb[j * k + c])) * scales[c] }
                    }
                }
            }
        }
        self.init(labels: labels, features: fc, model: model, temperature: temperature, buckets: buckets, table: table,
                  bias: bias, weightScale: scales, idfScale: idfScale)
    }
}

private struct Reader {
    let data: [UInt8]
    var pos: Int
    mutating func bytes(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard n >= 0, pos + n <= data.count - 4 || (what == "version" && pos + n <= data.count) else { throw ClassifierError.truncated(what) }
        defer { pos += n }
        return data[pos..<(pos + n)]
    }
    mutating func u8(_ what: String) throws -> UInt8 { try bytes(1, what).first! }
    mutating func u16(_ what: String) throws -> UInt16 {
        let b = try bytes(2, what); return UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8
    }
    mutating func u32(_ what: String) throws -> UInt32 {
        let b = try bytes(4, what); var v: UInt32 = 0
        for (i, x) in b.enumerated() { v |= UInt32(x) << (8 * UInt32(i)) }
        return v
    }
}

private func put16(_ out: inout [UInt8], _ v: UInt16) { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
private func put32(_ out: inout [UInt8], _ v: UInt32) { for i in 0..<4 { out.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }

private func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var h: UInt32 = 0x811C_9DC5
    for b in bytes { h = (h ^ UInt32(b)) &* 0x0100_0193 }
    return h
}

extension Array {
    fileprivate subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
