import Testing
@testable import MinshengDomain

/// When a year counts as covered: all seven statutory holidays have rest days (issue 16 item 7). Without that, a
/// deadline counts Monday–Friday and can land on New Year's Day.
@Suite("WorkCalendar coverage")
struct CalendarCoverageTests {
    static let seven = WorkCalendar.statutoryHolidays

    @Test func theSevenStatutoryHolidays() {
        #expect(Self.seven == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"])
    }

    @Test(arguments: [2025, 2026])
    func shippedYearsAreCovered(_ year: Int) {
        #expect(Fixtures.china.isCovered(year))
        #expect(Fixtures.china.missingHolidays(in: year).isEmpty)
    }

    /// 2025's Mid-Autumn Festival fell in the National Day week: its days are named "国庆节、中秋节" and count for both.
    @Test func aCombinedNameCountsForBothHolidays() {
        let names = Fixtures.cn2025.entries.filter { $0.day.year == 2025 && $0.rule == .off }.map(\.name)
        #expect(!names.contains("中秋节"))
        #expect(Fixtures.cn2025.isCovered(2025))
    }

    @Test func aYearWithoutScheduleIsNotCovered() {
        #expect(!Fixtures.china.isCovered(2027))
        #expect(Fixtures.china.missingHolidays(in: 2027) == Self.seven)
        // and its New Year's Day is a working day: the defect the warning is about
        #expect(Fixtures.china.isWorkingDay(day("2027-01-01")))
    }

    /// An admin adds a single holiday for 2027: the year is now described (a file for 2027 would replace it), but
    /// the Spring Festival and the five others are still missing, so it is not covered.
    @Test func oneAddedDayDoesNotCoverAYear() {
        var entries = Fixtures.china.entries
        entries.append(.init(day: day("2027-01-01"), rule: .off, name: "元旦"))
        let cal = WorkCalendar(entries: entries, describedYears: Fixtures.china.describedYears)
        #expect(cal.describedYears.contains(2027))
        #expect(!cal.isCovered(2027))
        #expect(cal.missingHolidays(in: 2027) == ["春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"])
        #expect(!cal.isWorkingDay(day("2027-01-01")))
    }

    @Test func allSevenHolidaysCoverAYear() throws {
        // Names only: the rule reads which holidays have rest days, not whether the dates are the State Council's.
        let text = """
        year 2030
        2030-01-01 off 元旦
        2030-02-04 off 春节
        2030-04-05 off 清明节
        2030-05-01 off 劳动节
        2030-06-05 off 端午节
        2030-09-12 off 中秋节
        2030-10-01 off 国庆节
        """
        let full = try WorkCalendar.parse(text)
        #expect(full.isCovered(2030))
        // Six of seven is not enough.
        let six = try WorkCalendar.parse(text.replacingOccurrences(of: "2030-09-12 off 中秋节\n", with: ""))
        #expect(!six.isCovered(2030))
        #expect(six.missingHolidays(in: 2030) == ["中秋节"])
    }

    /// A make-up working day named after a holiday is not that holiday; nor does an unnamed rest day stand for one.
    @Test func workDaysAndUnnamedDaysDoNotCount() throws {
        let cal = try WorkCalendar.parse("""
        2030-01-01 off 元旦
        2030-01-26 work 春节调休上班
        2030-02-04 off
        """)
        #expect(cal.missingHolidays(in: 2030).first == "春节")
        #expect(!cal.isCovered(2030))
    }

    @Test func theNextSixtyDaysReachTheNextYear() {
        let cal = Fixtures.china
        // 2026-11-15 + 60 days = 2027-01-14: 2027 is not covered.
        #expect(cal.uncoveredYears(from: day("2026-11-15"), days: 60) == [2027])
        // 2026-10-01 + 60 days = 2026-11-30: all within covered 2026.
        #expect(cal.uncoveredYears(from: day("2026-10-01"), days: 60).isEmpty)
        // The last day counts: 2026-11-02 + 60 = 2027-01-01.
        #expect(cal.uncoveredYears(from: day("2026-11-02"), days: 60) == [2027])
        #expect(cal.uncoveredYears(from: day("2026-11-01"), days: 60).isEmpty)
        // Today itself in an uncovered year.
        #expect(cal.uncoveredYears(from: day("2031-06-01"), days: 60) == [2031])
    }
}
