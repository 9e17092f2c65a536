/// A point in time: whole seconds since 1970-01-01T00:00:00Z.
/// Seconds are enough for deadlines measured in days and hours; events are ordered by their sequence, not their time.
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.seconds < b.seconds }
    public func adding(seconds s: Int64) -> Instant { Instant(seconds: seconds + s) }
    public func adding(hours h: Int) -> Instant { adding(seconds: Int64(h) * 3600) }

    public init(from decoder: Decoder) throws {
        seconds = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(seconds)
    }

    /// ISO 8601 in China Standard Time, e.g. 2026-10-09T08:30:00+08:00.
    public var description: String { iso8601(offsetSeconds: ChinaTime.offsetSeconds) }

    public func iso8601(offsetSeconds: Int) -> String {
        let local = seconds + Int64(offsetSeconds)
        let (daysPart, secPart) = local.floorDivMod(86_400)
        let day = Day(daysSinceEpoch: Int(daysPart))
        let h = Int(secPart / 3600), m = Int(secPart % 3600 / 60), s = Int(secPart % 60)
        let sign = offsetSeconds >= 0 ? "+" : "-"
        let off = abs(offsetSeconds)
        return "\(day)T\(pad2(h)):\(pad2(m)):\(pad2(s))\(sign)\(pad2(off / 3600)):\(pad2(off % 3600 / 60))"
    }

    /// Parses `2026-10-09T08:30:00+08:00`, `...Z`, or a bare date `2026-10-09` (start of that day, China time).
    public static func parse(_ text: String) -> Instant? {
        let chars = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= chars.count else { return nil }
            var v = 0
            for c in chars[from..<(from + len)] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard chars.count >= 10, chars[4] == 45, chars[7] == 45,
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let day = Day(year: y, month: mo, day: d) else { return nil }
        if chars.count == 10 {
            return ChinaTime.calendarStart(of: day)
        }
        guard chars.count >= 19, chars[10] == 84 || chars[10] == 32, chars[13] == 58, chars[16] == 58,
              let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        if i < chars.count, chars[i] == 46 { // fractional seconds are dropped
            i += 1
            while i < chars.count, chars[i] >= 48, chars[i] <= 57 { i += 1 }
        }
        var offset = 0
        if i == chars.count {
            offset = ChinaTime.offsetSeconds // no zone: China time
        } else if chars[i] == 90, i + 1 == chars.count { // Z
            offset = 0
        } else if chars[i] == 43 || chars[i] == 45, chars.count == i + 6, chars[i + 3] == 58,
                  let oh = num(i + 1, 2), let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (chars[i] == 45 ? -1 : 1)
        } else {
            return nil
        }
        let local = Int64(day.daysSinceEpoch) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        return Instant(seconds: local - Int64(offset))
    }
}

@inline(__always) func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

extension Int64 {
    /// Division rounding toward negative infinity, so instants before 1970 still map to the right day.
    func floorDivMod(_ d: Int64) -> (Int64, Int64) {
        let q = self / d, r = self % d
        return r < 0 ? (q - 1, r + d) : (q, r)
    }
}

/// A civil date (no time, no zone).
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(month: month, year: year) else { return nil }
        self.year = year; self.month = month; self.day = day
    }

    /// Days since 1970-01-01 (Howard Hinnant's civil-from-days algorithm).
    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int {
        let w = (daysSinceEpoch + 3) % 7 // 1970-01-01 was a Thursday
        return (w < 0 ? w + 7 : w) + 1
    }
    public var isWeekend: Bool { weekday >= 6 }

    public func adding(days n: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + n) }

    public static func < (a: Day, b: Day) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String {
        let y = year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(y)-\(pad2(month))-\(pad2(day))"
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: Substring) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }
    public init?(_ text: String) { self.init(Substring(text)) }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = Day(s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date YYYY-MM-DD: \(s)"))
        }
        self = d
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Mainland China keeps one zone, UTC+8, with no daylight saving: deadlines are counted in it.
public enum ChinaTime {
    public static let offsetSeconds = 8 * 3600

    public static func day(of instant: Instant) -> Day {
        let (d, _) = (instant.seconds + Int64(offsetSeconds)).floorDivMod(86_400)
        return Day(daysSinceEpoch: Int(d))
    }
    /// 00:00 China time of `day`.
    public static func calendarStart(of day: Day) -> Instant {
        Instant(seconds: Int64(day.daysSinceEpoch) * 86_400 - Int64(offsetSeconds))
    }
    /// The first instant after `day` (24:00 of that day): a deadline "by the end of the day" is this instant, exclusive.
    public static func endOf(_ day: Day) -> Instant {
        calendarStart(of: day.adding(days: 1))
    }
}

/// Time source injected everywhere: production reads the system clock, tests set it.
public protocol TimeSource: Sendable {
    func now() -> Instant
}
