import Foundation

/// The index as bytes, version 1, little-endian. Only ids and signatures are stored: the hash table is rebuilt on
/// load (about a second per million cases), so the layout of the table can change without a format change.
///
/// ```
/// offset  size  field
///      0     4  magic "MSND" (Minsheng Near Duplicates)
///      4     2  version (1)
///      6     2  shingleLength      8  2  bands      10  2  rows
///     12     8  threshold (float64)
///     20     4  maxBytes          24  4  maxCandidatesPerBand
///     28     8  N, the number of cases
///     36 N × 8  ids (int64), in the order they were added
///        N × H × 2  signatures (uint16, H = bands × rows, case-major); all zeros = a case without text
///            8  checksum: 64-bit multiply–xor over every preceding byte
/// ```
/// The signature of a text depends on the hashing of this version (seeds, normalisation); a reader of another
/// version must re-hash from the texts instead.
extension NearDuplicateIndex {
    public static let formatVersion: UInt16 = 1
    static let magic: [UInt8] = Array("MSND".utf8)

    public enum FileError: Error, Equatable, CustomStringConvertible {
        case corrupt(String)
        public var description: String {
            switch self { case let .corrupt(m): return "near-duplicate index: \(m)" }
        }
    }

    public func serialized() -> [UInt8] {
        lock.reading {
            let n = core.ids.count
            var out: [UInt8] = []
            out.reserveCapacity(44 + n * 8 + core.signatures.count * 2)
            out += Self.magic
            putLE(&out, Self.formatVersion)
            putLE(&out, UInt16(options.shingleLength))
            putLE(&out, UInt16(options.bands))
            putLE(&out, UInt16(options.rows))
            putLE(&out, options.threshold.bitPattern)
            putLE(&out, UInt32(clamping: options.maxBytes))
            putLE(&out, UInt32(clamping: options.maxCandidatesPerBand))
            putLE(&out, UInt64(n))
            for id in core.ids { putLE(&out, UInt64(bitPattern: id)) }
            for v in core.signatures { putLE(&out, v) }
            putLE(&out, checksum(out[...]))
            return out
        }
    }

    public convenience init(serialized data: some Collection<UInt8>) throws {
        let bytes = Array(data)
        var r = Reader(bytes: bytes)
        guard bytes.count >= 44, Array(bytes[0..<4]) == Self.magic else { throw FileError.corrupt("not an index file") }
        r.at = 4
        let version: UInt16 = r.read()
        guard version == Self.formatVersion else { throw FileError.corrupt("version \(version), this build reads \(Self.formatVersion)") }
        var o = NearDuplicateOptions()
        o.shingleLength = Int(r.read() as UInt16)
        o.bands = Int(r.read() as UInt16)
        o.rows = Int(r.read() as UInt16)
        o.threshold = Double(bitPattern: r.read())
        o.maxBytes = Int(r.read() as UInt32)
        o.maxCandidatesPerBand = Int(r.read() as UInt32)
        let n64: UInt64 = r.read()
        guard o.bands > 0, o.rows > 0, o.hashCount <= 1024, o.shingleLength > 0 else { throw FileError.corrupt("bad options") }
        let h = o.hashCount
        guard n64 < UInt64(Int32.max), bytes.count == 36 + Int(n64) * (8 + 2 * h) + 8 else {
            throw FileError.corrupt("length does not match \(n64) cases (file truncated?)")
        }
        let n = Int(n64)
        let stored: UInt64 = { var t = Reader(bytes: bytes); t.at = bytes.count - 8; return t.read() }()
        guard stored == checksum(bytes[0..<(bytes.count - 8)]) else { throw FileError.corrupt("checksum mismatch") }
        self.init(options: o)
        reserveCapacity(n)
        var ids: [Int64] = []
        ids.reserveCapacity(n)
        for _ in 0..<n { ids.append(Int64(bitPattern: r.read())) }
        var values = [UInt16](repeating: 0, count: h)
        lock.writing {
            for i in 0..<n {
                var nonzero = false
                for j in 0..<h {
                    values[j] = r.read()
                    if values[j] != 0 { nonzero = true }
                }
                core.add(id: ids[i], values, indexed: nonzero)
            }
        }
    }
}

private struct Reader {
    let bytes: [UInt8]
    var at = 0
    mutating func read<T: FixedWidthInteger>() -> T {
        var v: T = 0
        for i in 0..<(T.bitWidth / 8) { v |= T(truncatingIfNeeded: bytes[at + i]) << (8 * i) }
        at += T.bitWidth / 8
        return v
    }
}

private func putLE<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
    for i in 0..<(T.bitWidth / 8) { out.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
}

/// Order-sensitive 64-bit checksum, eight bytes at a time (FNV-1a over half a gigabyte would take seconds).
private func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    bytes.withUnsafeBufferPointer { p in
        var i = 0
        let n = p.count
        while i + 8 <= n {
            var w: UInt64 = 0
            for k in 0..<8 { w |= UInt64(p[i + k]) << (8 * UInt64(k)) }
            h = (h ^ w) &* 0x0000_0100_0000_01B3
            h ^= h >> 29
            i += 8
        }
        while i < n { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3; i += 1 }
    }
    return MinHasher.fmix64(h ^ UInt64(bytes.count))
}
