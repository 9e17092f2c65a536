import Foundation
import Testing
@testable import MinshengDomain

@Suite("Day and Instant")
struct TimeTests {
    // MARK: Day

    /// Walks every day from 1600-01-01 to 2400-12-31 with an independent month/leap-year rule and checks
    /// both directions of the civil-date conversion and the weekday cycle.
    @Test func civilDateRoundTripOverEightCenturies() throws {
        func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
        func length(_ m: Int, _ y: Int) -> Int { [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] }

        let start = try #require(Day(year: 1600, month: 1, day: 1))
        var (y, m, d) = (1600, 1, 1)
        var n = start.daysSinceEpoch
        var previousWeekday = start.weekday
        var mismatches: [String] = []
        while y <= 2400 {
            let fromNumber = Day(daysSinceEpoch: n)
            if (fromNumber.year, fromNumber.month, fromNumber.day) != (y, m, d) {
                mismatches.append("day \(n): got \(fromNumber), expected \(y)-\(m)-\(d)")
            }
            if let fromFields = Day(year: y, month: m, day: d) {
                if fromFields.daysSinceEpoch != n { mismatches.append("\(fromFields).daysSinceEpoch = \(fromFields.daysSinceEpoch), expected \(n)") }
                if Day(fromFields.description) != fromFields { mismatches.append("\(fromFields) does not parse back") }
            } else {
                mismatches.append("Day(year: \(y), month: \(m), day: \(d)) is nil")
            }
            if n != start.daysSinceEpoch, fromNumber.weekday != previousWeekday % 7 + 1 {
                mismatches.append("weekday of \(fromNumber) is \(fromNumber.weekday) after \(previousWeekday)")
            }
            previousWeekday = fromNumber.weekday
            if mismatches.count > 10 { break }
            // next civil day
            n += 1
            d += 1
            if d > length(m, y) { d = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // 1600-01-01 … 2400-12-31 is 801 years, 195 of them leap (1600, 2000, 2400 are; 1700, 1800, 1900, 2100, 2200, 2300 are not)
        #expect(n - start.daysSinceEpoch == 801 * 365 + 195)
    }

    @Test func civilDatesAgreeWithFoundationGregorianCalendar() {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 0)!
        let from = Day(year: 1900, month: 1, day: 1)!.daysSinceEpoch
        let to = Day(year: 2200, month: 12, day: 31)!.daysSinceEpoch
        var bad: [String] = []
        for n in stride(from: from, through: to, by: 11) {
            let c = cal.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(n) * 86_400))
            let d = Day(daysSinceEpoch: n)
            // Foundation weekday: 1 = Sunday … 7 = Saturday; ISO: 1 = Monday … 7 = Sunday
            let iso = (c.weekday! + 5) % 7 + 1
            if (d.year, d.month, d.day, d.weekday) != (c.year!, c.month!, c.day!, iso) { bad.append("\(n): \(d) vs \(c)") }
            if bad.count > 5 { break }
        }
        #expect(bad.isEmpty, "\(bad)")
    }

    @Test(arguments: [
        ("1970-01-01", 0), ("1969-12-31", -1), ("1970-01-02", 1), ("2000-01-01", 10_957), ("2000-03-01", 11_017),
        ("2024-02-29", 19_782), ("2025-12-31", 20_453), ("2026-01-01", 20_454), ("1900-03-01", -25_508),
    ])
    func knownDayNumbers(_ text: String, _ n: Int) throws {
        let d = try #require(Day(text))
        #expect(d.daysSinceEpoch == n)
        #expect(Day(daysSinceEpoch: n) == d)
    }

    @Test(arguments: [
        ("1970-01-01", 4), ("1969-12-31", 3), ("2000-01-01", 6), ("1900-01-01", 1), ("2024-02-29", 4),
        ("2025-12-31", 3), ("2026-01-01", 4), ("2026-01-04", 7), ("2026-02-14", 6), ("2026-09-20", 7),
        ("2026-10-01", 4), ("2026-10-10", 6), ("2026-02-13", 5), ("2026-03-02", 1),
    ])
    func weekday(_ text: String, _ iso: Int) throws {
        let d = try #require(Day(text))
        #expect(d.weekday == iso)
        #expect(d.isWeekend == (iso >= 6))
    }

    @Test func leapYearsAndMonthLengths() {
        #expect(Day(year: 2024, month: 2, day: 29) != nil)
        #expect(Day(year: 2000, month: 2, day: 29) != nil)
        #expect(Day(year: 2025, month: 2, day: 29) == nil)
        #expect(Day(year: 2100, month: 2, day: 29) == nil)
        #expect(Day(year: 1900, month: 2, day: 29) == nil)
        #expect(Day(year: 2026, month: 4, day: 31) == nil)
        #expect(Day(year: 2026, month: 12, day: 31) != nil)
        #expect(Day(year: 2026, month: 13, day: 1) == nil)
        #expect(Day(year: 2026, month: 0, day: 1) == nil)
        #expect(Day(year: 2026, month: 1, day: 0) == nil)
        // year ends and leap days by adding
        #expect(day("2025-12-31").adding(days: 1) == day("2026-01-01"))
        #expect(day("2026-01-01").adding(days: -1) == day("2025-12-31"))
        #expect(day("2024-02-28").adding(days: 1) == day("2024-02-29"))
        #expect(day("2024-02-29").adding(days: 1) == day("2024-03-01"))
        #expect(day("2025-02-28").adding(days: 1) == day("2025-03-01"))
        #expect(day("2024-01-01").adding(days: 366) == day("2025-01-01"))
        #expect(day("2025-01-01").adding(days: 365) == day("2026-01-01"))
    }

    @Test func dayParsingIsStrict() {
        #expect(Day("2026-10-01") == Day(year: 2026, month: 10, day: 1))
        for bad in ["2026-1-01", "2026-01-1", "26-01-01", "2026/01/01", "2026-02-30", "2026-01-01x", "", "2026-01", "abcd-ef-gh"] {
            #expect(Day(bad) == nil, "\(bad) should not parse")
        }
    }

    @Test func dayOrderingAndDescription() {
        #expect(day("2025-12-31") < day("2026-01-01"))
        #expect(day("2026-01-31") < day("2026-02-01"))
        #expect(day("2026-02-01") < day("2026-02-02"))
        #expect(!(day("2026-02-02") < day("2026-02-02")))
        #expect(day("2026-03-05").description == "2026-03-05")
        #expect(Day(year: 999, month: 1, day: 2)!.description == "0999-01-02")
    }

    @Test func dayAndInstantCodable() throws {
        let d = day("2026-10-01")
        let json = try JSONEncoder().encode([d])
        #expect(String(decoding: json, as: UTF8.self) == #"["2026-10-01"]"#)
        #expect(try JSONDecoder().decode([Day].self, from: json) == [d])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Day].self, from: Data(#"["2026-02-30"]"#.utf8)) }
        let i = Instant(seconds: 1_790_000_000)
        #expect(String(decoding: try JSONEncoder().encode([i]), as: UTF8.self) == "[1790000000]")
    }

    // MARK: Instant formatting and parsing

    @Test func formatting() {
        #expect(Instant(seconds: 0).description == "1970-01-01T08:00:00+08:00")
        #expect(Instant(seconds: 0).iso8601(offsetSeconds: 0) == "1970-01-01T00:00:00+00:00")
        #expect(Instant(seconds: 0).iso8601(offsetSeconds: -5 * 3600) == "1969-12-31T19:00:00-05:00")
        #expect(Instant(seconds: 0).iso8601(offsetSeconds: 5 * 3600 + 1800) == "1970-01-01T05:30:00+05:30")
        #expect(Instant(seconds: -1).iso8601(offsetSeconds: 0) == "1969-12-31T23:59:59+00:00")
        // 2026-10-09T00:30:00Z
        let s = Int64(day("2026-10-09").daysSinceEpoch) * 86_400 + 1800
        #expect(Instant(seconds: s).description == "2026-10-09T08:30:00+08:00")
        #expect(Instant(seconds: s).iso8601(offsetSeconds: 0) == "2026-10-09T00:30:00+00:00")
    }

    @Test(arguments: [
        "2026-10-09T08:30:00+08:00", "2026-10-09T00:30:00Z", "2026-10-08T19:30:00-05:00", "2025-12-31T23:59:59+08:00",
        "2026-01-01T00:00:00+08:00", "2024-02-29T12:00:00+05:30", "1969-12-31T23:59:59Z", "2000-02-29T00:00:00-12:00",
    ])
    func parsingAgreesWithFoundation(_ text: String) throws {
        let f = ISO8601DateFormatter()
        let expected = try #require(f.date(from: text))
        let parsed = try #require(Instant.parse(text))
        #expect(parsed.seconds == Int64(expected.timeIntervalSince1970))
    }

    @Test func parsingVariants() throws {
        let reference = try #require(Instant.parse("2026-10-09T08:30:00+08:00"))
        #expect(Instant.parse("2026-10-09T00:30:00Z") == reference)
        #expect(Instant.parse("2026-10-08T19:30:00-05:00") == reference)
        #expect(Instant.parse("2026-10-09T08:30:00") == reference, "no zone means China time")
        #expect(Instant.parse("2026-10-09 08:30:00+08:00") == reference, "a space may separate date and time")
        #expect(Instant.parse("2026-10-09T08:30:00.987+08:00") == reference, "fractions are dropped")
        #expect(Instant.parse("2026-10-09T00:30:00.5Z") == reference)
        #expect(Instant.parse("2026-10-09") == Instant.parse("2026-10-09T00:00:00+08:00"), "bare date is 00:00 China time")
        #expect(Instant.parse("2026-10-09")?.seconds == Int64(day("2026-10-09").daysSinceEpoch) * 86_400 - 8 * 3600)
    }

    @Test(arguments: [
        "", "2026", "2026-10-9", "2026-13-01", "2026-02-30", "2026/10/09", "2026-10-09T", "2026-10-09T08:30",
        "2026-10-09T24:00:00Z", "2026-10-09T08:60:00Z", "2026-10-09T08:30:00+0800", "2026-10-09T08:30:00+08",
        "2026-10-09T08:30:00X", "2026-10-09T08:30:00Zjunk", "2026-10-09X08:30:00Z", "20a6-10-09T08:30:00Z",
    ])
    func parsingRejects(_ text: String) {
        #expect(Instant.parse(text) == nil)
    }

    @Test func descriptionRoundTripsThroughParse() {
        // every 7 hours 13 minutes over three years, in China time, UTC and two other offsets
        let start = Instant.parse("2024-12-30T00:00:00+08:00")!.seconds
        var bad: [String] = []
        for k in 0..<3_700 {
            let i = Instant(seconds: start + Int64(k) * (7 * 3600 + 13 * 60 + 7))
            for off in [8 * 3600, 0, -5 * 3600, 5 * 3600 + 1800] {
                let text = i.iso8601(offsetSeconds: off)
                if Instant.parse(text) != i { bad.append(text) }
            }
            if Instant.parse(i.description) != i { bad.append(i.description) }
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }

    // MARK: China time

    @Test func chinaDayBoundaries() {
        #expect(ChinaTime.day(of: at("2026-09-30T23:59:59+08:00")) == day("2026-09-30"))
        #expect(ChinaTime.day(of: at("2026-10-01T00:00:00+08:00")) == day("2026-10-01"))
        // the same two instants written in UTC: the China day changes at 16:00Z
        #expect(ChinaTime.day(of: at("2026-09-30T15:59:59Z")) == day("2026-09-30"))
        #expect(ChinaTime.day(of: at("2026-09-30T16:00:00Z")) == day("2026-10-01"))
        // year end
        #expect(ChinaTime.day(of: at("2025-12-31T23:59:59+08:00")) == day("2025-12-31"))
        #expect(ChinaTime.day(of: at("2025-12-31T16:00:00Z")) == day("2026-01-01"))
        // before 1970: floor division, not truncation
        #expect(ChinaTime.day(of: Instant(seconds: -1)) == day("1970-01-01")) // 07:59:59 China time
        #expect(ChinaTime.day(of: Instant(seconds: -8 * 3600)) == day("1970-01-01"))
        #expect(ChinaTime.day(of: Instant(seconds: -8 * 3600 - 1)) == day("1969-12-31"))

        #expect(ChinaTime.calendarStart(of: day("2026-10-01")) == at("2026-10-01T00:00:00+08:00"))
        #expect(ChinaTime.calendarStart(of: day("2026-10-01")) == at("2026-09-30T16:00:00Z"))
        #expect(ChinaTime.endOf(day("2026-09-30")) == at("2026-10-01T00:00:00+08:00"))
        #expect(ChinaTime.endOf(day("2025-12-31")) == at("2026-01-01T00:00:00+08:00"))
        #expect(ChinaTime.endOf(day("2024-02-28")) == at("2024-02-29T00:00:00+08:00"))
        #expect(ChinaTime.day(of: ChinaTime.endOf(day("2026-09-30")).adding(seconds: -1)) == day("2026-09-30"))
    }

    @Test func instantArithmetic() {
        let t = at("2026-09-30T20:00:00+08:00")
        #expect(t.adding(hours: 5) == at("2026-10-01T01:00:00+08:00"))
        #expect(t.adding(hours: -21) == at("2026-09-29T23:00:00+08:00"))
        #expect(t.adding(seconds: 3600) == at("2026-09-30T21:00:00+08:00"))
        #expect(at("2026-09-30T23:59:59+08:00") < at("2026-10-01T00:00:00+08:00"))
    }
}
