import Foundation

/// RFC 4180 CSV: fields separated by commas, records by CRLF or LF (a lone CR is accepted too); a field in
/// double quotes may hold commas, quotes (doubled) and line breaks. A UTF-8 byte-order mark is skipped.
public enum CSV {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var line: Int
        public var message: String
        public var description: String { "CSV line \(line): \(message)" }
    }

    /// Every record as an array of fields (the header too). Blank lines are skipped.
    public static func parse(_ data: some Collection<UInt8>) throws -> [[String]] {
        let bytes = Array(data)
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var line = 1
        var quoted = false       // inside a quoted field
        var wasQuoted = false    // the current field was quoted (text after the closing quote is an error)
        var fieldStarted = false // anything seen on this record
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        func endRecord() {
            endField()
            if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
            row = []
            fieldStarted = false
        }
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < n && bytes[i + 1] == UInt8(ascii: "\"") { field.append(b); i += 2; continue }
                    quoted = false; wasQuoted = true; i += 1; continue
                }
                if b == UInt8(ascii: "\n") { line += 1 }
                field.append(b); i += 1; continue
            }
            switch b {
            case UInt8(ascii: ","):
                endField(); fieldStarted = true
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                if b == UInt8(ascii: "\r") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                line += 1
                endRecord()
            case UInt8(ascii: "\""):
                if field.isEmpty && !wasQuoted {
                    quoted = true; fieldStarted = true
                } else {
                    throw ParseError(line: line, message: "quote inside an unquoted field")
                }
            default:
                if wasQuoted { throw ParseError(line: line, message: "text after a closing quote") }
                field.append(b); fieldStarted = true
            }
            i += 1
        }
        if quoted { throw ParseError(line: line, message: "unterminated quoted field") }
        if fieldStarted || !field.isEmpty || !row.isEmpty { endRecord() }
        return rows
    }

    /// One field, quoted when it holds a comma, a quote, a line break or leading/trailing spaces.
    public static func escape(_ field: String) -> String {
        var needs = false
        for u in field.utf8 where u == UInt8(ascii: ",") || u == UInt8(ascii: "\"") || u == UInt8(ascii: "\n") || u == UInt8(ascii: "\r") {
            needs = true; break
        }
        if !needs, let f = field.utf8.first, let l = field.utf8.last, f == 0x20 || l == 0x20 { needs = true }
        guard needs else { return field }
        var s = "\""
        for c in field.unicodeScalars { if c == "\"" { s += "\"\"" } else { s.unicodeScalars.append(c) } }
        return s + "\""
    }

    /// Records joined with CRLF (RFC 4180), ending with CRLF.
    public static func write(_ rows: [[String]]) -> String {
        var out = ""
        for row in rows {
            out += row.map(escape).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    /// Records with a header row as dictionaries keyed by column name; `required` columns must exist.
    public static func records(_ data: some Collection<UInt8>, required: [String] = []) throws -> (header: [String], rows: [[String: String]]) {
        let all = try parse(data)
        guard let header = all.first?.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw ParseError(line: 1, message: "empty file, no header")
        }
        for r in required where !header.contains(r) {
            throw ParseError(line: 1, message: "missing column \(r) (header: \(header.joined(separator: ",")))")
        }
        var rows: [[String: String]] = []
        rows.reserveCapacity(all.count - 1)
        for rec in all.dropFirst() {
            var d: [String: String] = [:]
            for (k, name) in header.enumerated() { d[name] = k < rec.count ? rec[k] : "" }
            rows.append(d)
        }
        return (header, rows)
    }
}
