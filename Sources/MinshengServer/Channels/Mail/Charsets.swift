#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text in the charsets Chinese mail really arrives in, decoded to Swift strings with the C library's iconv.
/// GB2312 and GBK are read as GB18030 (a superset: mail labelled GB2312 routinely carries GBK characters);
/// invalid or truncated byte sequences become U+FFFD, never a crash.
public enum Charsets {
    /// The iconv name for a charset label as it appears in mail (case-insensitive), or nil when unknown.
    public static func iconvName(_ label: String) -> String? {
        var l = label.trimmingASCIIWhitespace().lowercased()
        if l.hasPrefix("\""), l.hasSuffix("\""), l.count >= 2 { l = String(l.dropFirst().dropLast()) }
        if let star = l.firstIndex(of: "*") { l = String(l[..<star]) } // RFC 2231 language suffix: utf-8*zh
        switch l {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": return "UTF-8"
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us": return "US-ASCII"
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "iso-ir-100", "cp819": return "ISO-8859-1"
        case "gb2312", "gb_2312-80", "gb_2312", "euc-cn", "x-euc-cn", "csgb2312", "chinese", "iso-ir-58":
            return "GB18030"
        case "gbk", "x-gbk", "cp936", "ms936", "windows-936", "gb18030", "gb-18030": return "GB18030"
        case "hz-gb-2312", "hz": return nil // 7-bit HZ encoding: rare, and glibc does not read it
        case "big5", "big-5", "x-big5", "cn-big5", "csbig5", "cp950", "x-x-big5": return "BIG5"
        case "big5-hkscs", "big5hkscs": return "BIG5-HKSCS"
        case "utf-16", "utf-16le", "utf-16be", "utf-32":
            return l.uppercased()
        default:
            // Other charsets (windows-1252, iso-8859-15, koi8-r, shift_jis, euc-kr, iso-2022-jp…): whatever iconv knows.
            guard l.count <= 40, l.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }),
                  !l.isEmpty else { return nil }
            return isKnownToIconv(l.uppercased()) ? l.uppercased() : nil
        }
    }

    static func isKnownToIconv(_ name: String) -> Bool {
        let cd = iconv_open("UTF-8", name)
        if isInvalid(cd) { return false }
        iconv_close(cd)
        return true
    }

    private static func isInvalid(_ cd: iconv_t?) -> Bool {
        guard let cd else { return true }
        return Int(bitPattern: cd) == -1
    }

    /// Whether the bytes are well-formed UTF-8.
    public static func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Decodes `bytes` in the charset `label`; nil when the charset is unknown. Invalid bytes become U+FFFD.
    public static func decode(_ bytes: [UInt8], charset label: String) -> String? {
        guard let name = iconvName(label) else { return nil }
        switch name {
        case "UTF-8": return String(decoding: bytes, as: UTF8.self)
        case "US-ASCII":
            // Mislabelled 8-bit text is common: read valid UTF-8 as such, other high bytes as Latin-1.
            if isValidUTF8(bytes) { return String(decoding: bytes, as: UTF8.self) }
            return latin1(bytes)
        case "ISO-8859-1": return latin1(bytes)
        default: return iconv(bytes, from: name)
        }
    }

    /// Text of unknown charset (8-bit headers, a text part without a charset): UTF-8 when it is valid UTF-8,
    /// else GB18030 — what unlabelled Chinese mail is in practice.
    public static func decodeGuessing(_ bytes: [UInt8]) -> String {
        if isValidUTF8(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return iconv(bytes, from: "GB18030") ?? String(decoding: bytes, as: UTF8.self)
    }

    static func latin1(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(b)) }
        return String(s)
    }

    /// The conversion itself: to UTF-8, one invalid byte replaced (and skipped) at a time. nil only when iconv
    /// cannot convert from `name` at all.
    static func iconv(_ input: [UInt8], from name: String) -> String? {
        let cd = iconv_open("UTF-8", name)
        if isInvalid(cd) { return nil }
        defer { iconv_close(cd) }
        if input.isEmpty { return "" }
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 2 + 16)
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        var buffer = [UInt8](repeating: 0, count: max(64, min(input.count * 4 + 16, 1 << 20)))
        var src = input
        let total = src.count
        var offset = 0
        src.withUnsafeMutableBufferPointer { inBuf in
            buffer.withUnsafeMutableBufferPointer { outBuf in
                let inBase = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                let outBase = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                while offset < total {
                    var inPtr: UnsafeMutablePointer<CChar>? = inBase + offset
                    var inLeft = total - offset
                    var outPtr: UnsafeMutablePointer<CChar>? = outBase
                    var outLeft = outBuf.count
                    let r = Glibc_iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    let produced = outBuf.count - outLeft
                    if produced > 0 { out.append(contentsOf: UnsafeBufferPointer(start: outBuf.baseAddress!, count: produced)) }
                    offset = total - inLeft
                    if r != -1 { break }
                    let err = errno
                    if err == E2BIG { continue }
                    // EILSEQ (an invalid sequence) or EINVAL (a sequence cut off at the end): one replacement
                    // character, skip one byte, start afresh.
                    out.append(contentsOf: replacement)
                    offset += 1
                    _ = Glibc_iconv(cd, nil, nil, nil, nil) // reset the shift state
                    if err != EILSEQ && err != EINVAL { break }
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The C function, named apart from `Charsets.iconv`.
@inline(__always)
private func Glibc_iconv(_ cd: iconv_t?, _ inbuf: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ inLeft: UnsafeMutablePointer<Int>?,
                         _ outbuf: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ outLeft: UnsafeMutablePointer<Int>?) -> Int {
    iconv(cd, inbuf, inLeft, outbuf, outLeft)
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let ws: (Character) -> Bool = { $0.isWhitespace }
        guard let a = firstIndex(where: { !ws($0) }), let b = lastIndex(where: { !ws($0) }) else { return "" }
        return String(self[a...b])
    }
}
