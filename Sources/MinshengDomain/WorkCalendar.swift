/// Which days are working days: Monday–Friday, minus public holidays, plus make-up working days (调休).
/// Special days come from a per-year data file (see README, "Work calendar files").
public struct WorkCalendar: Sendable, Equatable {
    public enum DayRule: String, Sendable, Codable, Equatable {
        case off   // public holiday or bridged rest day (放假)
        case work  // make-up working day on a weekend (调休上班)
    }
    public struct Entry: Sendable, Equatable, Codable {
        public var day: Day
        public var rule: DayRule
        public var name: String
        public init(day: Day, rule: DayRule, name: String) { self.day = day; self.rule = rule; self.name = name }
    }

    private var rules: [Int: Entry] // keyed by daysSinceEpoch
    /// Years some file has described (declared by `year YYYY` or holding a listed day): a file replaces these whole.
    /// A described year is not necessarily *covered*: see `isCovered(_:)`.
    public private(set) var describedYears: Set<Int>

    public init(entries: [Entry] = [], describedYears: Set<Int> = []) {
        rules = [:]
        self.describedYears = describedYears
        for e in entries {
            rules[e.day.daysSinceEpoch] = e
            self.describedYears.insert(e.day.year)
        }
    }

    /// The seven statutory public holidays (《全国年节及纪念日放假办法》) of every State Council schedule.
    public static let statutoryHolidays = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]

    /// The statutory holidays no rest day of `year` names. A holiday is present when some `off` day of the year
    /// has a name containing the holiday's name (the files name each rest day after its holiday; 2025's combined
    /// days are named "国庆节、中秋节" and count for both). `work` days (调休上班) never count: "春节调休上班" is
    /// not the Spring Festival.
    public func missingHolidays(in year: Int) -> [String] {
        let names = rules.values.filter { $0.day.year == year && $0.rule == .off }.map(\.name)
        return Self.statutoryHolidays.filter { h in !names.contains { $0.contains(h) } }
    }

    /// A year is covered when its schedule holds all seven statutory holidays; one day added by hand does not
    /// make a schedule. Outside covered years deadlines count Monday–Friday only, which is wrong on every holiday.
    public func isCovered(_ year: Int) -> Bool { missingHolidays(in: year).isEmpty }

    /// The years of the days `today` … `today + days` that are not covered, ascending.
    public func uncoveredYears(from today: Day, days: Int) -> [Int] {
        let last = today.adding(days: days)
        return Array(today.year...max(today.year, last.year)).filter { !isCovered($0) }
    }

    public var entries: [Entry] { rules.values.sorted { $0.day < $1.day } }

    public func entry(on day: Day) -> Entry? { rules[day.daysSinceEpoch] }

    public func isWorkingDay(_ day: Day) -> Bool {
        if let e = rules[day.daysSinceEpoch] { return e.rule == .work }
        return !day.isWeekend
    }

    /// Replaces every year that `other` describes with `other`'s days (an admin's file replaces a shipped year whole).
    public func replacingYears(with other: WorkCalendar) -> WorkCalendar {
        var kept = rules.values.filter { !other.describedYears.contains($0.day.year) }
        kept.append(contentsOf: other.rules.values)
        return WorkCalendar(entries: kept, describedYears: describedYears.union(other.describedYears))
    }

    /// The `n`-th working day strictly after `day` (n ≥ 1); for n == 0, `day` itself.
    public func addingWorkingDays(_ n: Int, after day: Day) -> Day {
        var d = day
        var left = n
        while left > 0 {
            d = d.adding(days: 1)
            if isWorkingDay(d) { left -= 1 }
        }
        return d
    }

    /// The `n`-th working day strictly before `day`.
    public func subtractingWorkingDays(_ n: Int, before day: Day) -> Day {
        var d = day
        var left = n
        while left > 0 {
            d = d.adding(days: -1)
            if isWorkingDay(d) { left -= 1 }
        }
        return d
    }

    /// Working days in the half-open span (from, through]: the first day is not counted, as in every statutory period.
    public func workingDays(after from: Day, through: Day) -> Int {
        guard through > from else { return 0 }
        var n = 0
        var d = from.adding(days: 1)
        while d <= through {
            if isWorkingDay(d) { n += 1 }
            d = d.adding(days: 1)
        }
        return n
    }

    public func firstWorkingDay(onOrAfter day: Day) -> Day {
        var d = day
        while !isWorkingDay(d) { d = d.adding(days: 1) }
        return d
    }
}

// MARK: - The data file

public struct CalendarFileError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "calendar file line \(line): \(message)" }
}

extension WorkCalendar {
    /// Parses the calendar file format:
    ///
    ///     # comment
    ///     year 2026                 (declares a covered year, even one with no special days)
    ///     2026-01-01 off 元旦
    ///     2026-01-04 work 元旦调休上班
    ///
    /// One special day per line: date, `off` (rest day) or `work` (make-up working day), then an optional name.
    public static func parse(_ text: String) throws(CalendarFileError) -> WorkCalendar {
        var entries: [Entry] = []
        var years: Set<Int> = []
        var seen: [Int: Int] = [:]
        var lineNo = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNo += 1
            var line = rawLine
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," })
            if fields.isEmpty { continue }
            if fields[0] == "year" {
                guard fields.count == 2, let y = Int(fields[1]), (1900...2200).contains(y) else {
                    throw CalendarFileError(line: lineNo, message: "expected `year YYYY`")
                }
                years.insert(y)
                continue
            }
            guard let day = Day(fields[0]) else {
                throw CalendarFileError(line: lineNo, message: "`\(fields[0])` is not a date YYYY-MM-DD")
            }
            guard fields.count >= 2, let rule = DayRule(rawValue: String(fields[1]).lowercased()) else {
                throw CalendarFileError(line: lineNo, message: "expected `off` or `work` after the date")
            }
            if rule == .work && !day.isWeekend {
                throw CalendarFileError(line: lineNo, message: "\(day) is a weekday; only a weekend day can be a make-up working day")
            }
            if let prev = seen[day.daysSinceEpoch] {
                throw CalendarFileError(line: lineNo, message: "\(day) is already listed on line \(prev)")
            }
            seen[day.daysSinceEpoch] = lineNo
            let name = fields.count > 2 ? fields[2...].joined(separator: " ") : ""
            entries.append(Entry(day: day, rule: rule, name: name))
        }
        return WorkCalendar(entries: entries, describedYears: years)
    }

    /// The file text for this calendar (round-trips through `parse`).
    public func fileText() -> String {
        var out = "# Minsheng work calendar: date, off (rest day) or work (make-up working day), name\n"
        for y in describedYears.sorted() { out += "year \(y)\n" }
        for e in entries { out += "\(e.day) \(e.rule.rawValue) \(e.name)\n" }
        return out
    }
}
