import Foundation
import Testing
@testable import MinshengDomain

@Suite("WorkCalendar data file")
struct CalendarFileTests {
    @Test func parsesAGoodFile() throws {
        let text = """
        # 测试日历
        year 2027

        year 2026   # a year with comments after it
        2026-01-01 off 元旦
        2026-01-04\twork\t元旦调休上班\r
        2026-10-01, off, 国庆节 中秋节
        2026-10-10 WORK
        """
        let cal = try WorkCalendar.parse(text)
        #expect(cal.describedYears == [2026, 2027])
        #expect(cal.entries == [
            .init(day: day("2026-01-01"), rule: .off, name: "元旦"),
            .init(day: day("2026-01-04"), rule: .work, name: "元旦调休上班"),
            .init(day: day("2026-10-01"), rule: .off, name: "国庆节 中秋节"),
            .init(day: day("2026-10-10"), rule: .work, name: ""),
        ])
        #expect(cal.entry(on: day("2026-01-04"))?.rule == .work)
        #expect(cal.entry(on: day("2026-01-05")) == nil)
        #expect(!cal.isWorkingDay(day("2026-01-01")))   // Thursday, holiday
        #expect(cal.isWorkingDay(day("2026-01-04")))    // Sunday, make-up day
        #expect(cal.isWorkingDay(day("2026-01-05")))    // plain Monday
        #expect(!cal.isWorkingDay(day("2026-01-10")))   // plain Saturday
    }

    /// A file saved with Windows line ends ("\r\n" is ONE Character in Swift, so splitting on "\n" misses it)
    /// must parse exactly like the same file with "\n": the shipped files start with a comment line, so a
    /// CRLF copy used to become one long comment, i.e. a silently empty calendar.
    @Test(arguments: [2025, 2026])
    func windowsLineEndsParseLikeUnixOnes(_ year: Int) throws {
        let unix = Fixtures.calendarText(year: year)
        let windows = unix.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(windows.split(separator: "\n").count == 1, "sanity: CRLF is a single Character")
        let cal = try WorkCalendar.parse(windows)
        #expect(cal == Fixtures.loadCalendar(year: year))
        #expect(!cal.entries.isEmpty)
    }

    @Test func windowsLineEndsKeepLineNumbers() {
        #expect(throws: CalendarFileError(line: 3, message: "2026-01-05 is a weekday; only a weekend day can be a make-up working day")) {
            try WorkCalendar.parse("# 测试\r\nyear 2026\r\n2026-01-05 work\r\n")
        }
    }

    @Test func entriesOutsideDeclaredYearsStillCoverTheirYear() throws {
        let cal = try WorkCalendar.parse("2030-01-01 off 元旦\n")
        #expect(cal.describedYears == [2030])
    }

    @Test func emptyFileIsAnEmptyCalendar() throws {
        let cal = try WorkCalendar.parse("# nothing\n\n")
        #expect(cal.entries.isEmpty)
        #expect(cal.describedYears.isEmpty)
        #expect(cal.isWorkingDay(day("2026-10-01")))  // without data only weekends rest
        #expect(!cal.isWorkingDay(day("2026-10-03")))
    }

    @Test(arguments: [
        // (file text, line, message)
        ("year 2026\n2026-02-30 off 错误\n", 2, "`2026-02-30` is not a date YYYY-MM-DD"),
        ("# c\n\n2026/01/01 off 元旦\n", 3, "`2026/01/01` is not a date YYYY-MM-DD"),
        ("2026-01-01 off\n2026-1-2 off\n", 2, "`2026-1-2` is not a date YYYY-MM-DD"),
        ("year 2026\n2026-01-01 holiday 元旦\n", 2, "expected `off` or `work` after the date"),
        ("2026-01-01\n", 1, "expected `off` or `work` after the date"),
        ("# 调休\n2026-01-05 work 周一不能调休\n", 2, "2026-01-05 is a weekday; only a weekend day can be a make-up working day"),
        ("2026-01-01 off 元旦\n2026-01-02 off\n2026-01-01 off 重复\n", 3, "2026-01-01 is already listed on line 1"),
        ("2026-01-03 off\n# x\n2026-01-03 work\n", 3, "2026-01-03 is already listed on line 1"),
        ("year 26\n", 1, "expected `year YYYY`"),
        ("year\n", 1, "expected `year YYYY`"),
        ("year 2026 2027\n", 1, "expected `year YYYY`"),
        ("year 1800\n", 1, "expected `year YYYY`"),
    ])
    func reportsErrorsWithLineNumbers(_ text: String, _ line: Int, _ message: String) {
        #expect(throws: CalendarFileError(line: line, message: message)) {
            try WorkCalendar.parse(text)
        }
    }

    @Test func errorDescriptionNamesTheLine() {
        let e = CalendarFileError(line: 7, message: "boom")
        #expect(e.description == "calendar file line 7: boom")
    }

    @Test(arguments: [2025, 2026])
    func shippedFilesParse(_ year: Int) throws {
        let cal = try WorkCalendar.parse(Fixtures.calendarText(year: year))
        #expect(cal.describedYears == [year])
        #expect(cal.entries.allSatisfy { $0.day.year == year })
        // make-up days are all weekend days (the parser enforces it), rest days are listed once each
        #expect(cal.entries.filter { $0.rule == .work }.allSatisfy { $0.day.isWeekend })
    }

    /// The 2026 schedule (国务院办公厅 2025-11-04): 元旦 3, 春节 9, 清明 3, 劳动节 5, 端午 3, 中秋 3, 国庆 7 days off;
    /// make-up days 01-04, 02-14, 02-28, 05-09, 09-20, 10-10.
    @Test func shipped2026Contents() {
        let cal = Fixtures.cn2026
        #expect(cal.entries.filter { $0.rule == .off }.count == 3 + 9 + 3 + 5 + 3 + 3 + 7)
        #expect(cal.entries.filter { $0.rule == .work }.map(\.day) ==
                ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"].map { day($0) })
    }

    /// The 2025 schedule: 元旦 1, 春节 8, 清明 3, 劳动节 5, 端午 3, 国庆中秋 8 days off; make-up 01-26, 02-08, 04-27, 09-28, 10-11.
    @Test func shipped2025Contents() {
        let cal = Fixtures.cn2025
        #expect(cal.entries.filter { $0.rule == .off }.count == 1 + 8 + 3 + 5 + 3 + 8)
        #expect(cal.entries.filter { $0.rule == .work }.map(\.day) ==
                ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"].map { day($0) })
    }

    @Test(arguments: [2025, 2026])
    func fileTextRoundTrips(_ year: Int) throws {
        let cal = Fixtures.loadCalendar(year: year)
        let text = cal.fileText()
        let again = try WorkCalendar.parse(text)
        #expect(again == cal)
        #expect(again.fileText() == text)
        #expect(text.contains("year \(year)\n"))
    }

    @Test func fileTextRoundTripsEmptyYearsAndUnnamedDays() throws {
        let cal = WorkCalendar(entries: [.init(day: day("2027-01-01"), rule: .off, name: "")], describedYears: [2028])
        #expect(cal.describedYears == [2027, 2028])
        let again = try WorkCalendar.parse(cal.fileText())
        #expect(again == cal)
        #expect(again.entries.first?.name == "")
    }

    @Test func mergedShippedCalendarKeepsBothYears() {
        let cal = Fixtures.china
        #expect(cal.describedYears == [2025, 2026])
        #expect(cal.entries.count == Fixtures.cn2025.entries.count + Fixtures.cn2026.entries.count)
        #expect(!cal.isWorkingDay(day("2025-10-08")))
        #expect(!cal.isWorkingDay(day("2026-10-07")))
    }

    @Test func replacingYearsReplacesWholeYears() throws {
        // an admin replaces 2026 with a file in which only 2026-10-01 is off and declares an empty 2027
        let admin2026 = try WorkCalendar.parse("year 2026\nyear 2027\n2026-10-01 off 国庆节\n")
        let cal = Fixtures.china.replacingYears(with: admin2026)
        #expect(cal.describedYears == [2025, 2026, 2027])
        // 2025 kept whole
        #expect(cal.entries.filter { $0.day.year == 2025 } == Fixtures.cn2025.entries)
        // 2026 is exactly the admin's file
        #expect(cal.entries.filter { $0.day.year == 2026 } == [.init(day: day("2026-10-01"), rule: .off, name: "国庆节")])
        #expect(!cal.isWorkingDay(day("2026-10-01")))
        #expect(cal.isWorkingDay(day("2026-10-02")))   // Friday: no longer a holiday
        #expect(!cal.isWorkingDay(day("2026-10-10")))  // Saturday: no longer a make-up day
        #expect(cal.isWorkingDay(day("2026-02-16")))   // Monday of the shipped Spring Festival: replaced, a plain Monday now
    }

    @Test func replacingAYearWithAnEmptyYearClearsIt() throws {
        let empty2026 = try WorkCalendar.parse("year 2026\n")
        let cal = Fixtures.china.replacingYears(with: empty2026)
        #expect(cal.entries.allSatisfy { $0.day.year == 2025 })
        #expect(cal.isWorkingDay(day("2026-01-01")))   // plain Thursday now
        #expect(!cal.isWorkingDay(day("2026-01-04")))  // plain Sunday now
        #expect(!cal.isWorkingDay(day("2025-01-01")))  // 2025 untouched
    }
}
