import Testing
@testable import MinshengDomain

/// Working-day arithmetic with the shipped 2025/2026 calendars. Every expected value is counted by hand;
/// the comment says which days were counted. Conventions (DeadlinePolicy.swift): a day period does not count
/// the day it starts on and runs out at 24:00 China time of its last day (written as 00:00 of the next day).
///
/// 2026 facts used below: 01-01 Thu; 01-01..03 off, 01-04 (Sun) work; 02-13 Fri, 02-14 (Sat) work,
/// 02-15..23 off, 02-24 Tue, 02-28 (Sat) work; 03-01 Sun; 04-04..06 off; 05-01..05 off, 05-09 (Sat) work;
/// 09-20 (Sun) work, 09-25..27 off; 10-01 Thu, 10-01..07 off, 10-08 Thu, 10-10 (Sat) work, 10-11 Sun.
@Suite("Working days and deadlines")
struct DeadlineTests {
    let cal = Fixtures.china

    @Test(arguments: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
                      "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"])
    func makeUpWeekendDaysAreWorkingDays(_ text: String) {
        let d = day(text)
        #expect(d.isWeekend)
        #expect(cal.isWorkingDay(d))
    }

    @Test(arguments: ["2026-01-01", "2026-01-02", "2026-02-16", "2026-02-23", "2026-04-06", "2026-05-05",
                      "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-07", "2025-01-01", "2025-02-04", "2025-10-08"])
    func holidaysOnWeekdaysAreRestDays(_ text: String) {
        let d = day(text)
        #expect(!d.isWeekend)
        #expect(!cal.isWorkingDay(d))
    }

    @Test func plainDaysFollowTheWeek() {
        #expect(cal.isWorkingDay(day("2026-03-02")))   // Monday
        #expect(!cal.isWorkingDay(day("2026-03-07")))  // Saturday
        #expect(!cal.isWorkingDay(day("2026-10-11")))  // Sunday after National Day, not a make-up day
        #expect(cal.isWorkingDay(day("2026-10-08")))   // first day back
        // outside the covered years only weekends rest: 2027-01-01 is a Friday
        #expect(cal.isWorkingDay(day("2027-01-01")))
    }

    @Test func workingDayCounting() {
        let c = cal
        // (2026-02-13, 2026-02-24]: 02-14 (make-up) and 02-24 → 2
        #expect(c.workingDays(after: day("2026-02-13"), through: day("2026-02-24")) == 2)
        // (2026-09-30, 2026-10-12]: 10-08, 10-09, 10-10 (make-up), 10-12 → 4
        #expect(c.workingDays(after: day("2026-09-30"), through: day("2026-10-12")) == 4)
        // the start day itself is never counted; an empty or reversed span is 0
        #expect(c.workingDays(after: day("2026-03-02"), through: day("2026-03-02")) == 0)
        #expect(c.workingDays(after: day("2026-03-05"), through: day("2026-03-02")) == 0)
        // a whole ordinary week Mon..Sun after the previous Sunday: 5
        #expect(c.workingDays(after: day("2026-03-01"), through: day("2026-03-08")) == 5)
        // all of 2026: 365 days = 52 weeks + a Thursday → 104 weekend days; 33 holiday days, 14 of them on a weekend
        // (01-03; 02-15, 02-21, 02-22; 04-04, 04-05; 05-02, 05-03; 06-20, 06-21; 09-26, 09-27; 10-03, 10-04);
        // 6 make-up days → 365 − 104 − (33 − 14) + 6 = 248
        let weekendHolidays = Fixtures.cn2026.entries.filter { $0.rule == .off && $0.day.isWeekend }.count
        #expect(weekendHolidays == 14)
        #expect(c.workingDays(after: day("2025-12-31"), through: day("2026-12-31")) == 365 - 104 - (33 - 14) + 6)
        #expect(c.workingDays(after: day("2025-12-31"), through: day("2026-12-31")) == 248)
    }

    @Test func addingAndSubtractingWorkingDays() {
        #expect(cal.addingWorkingDays(0, after: day("2026-10-03")) == day("2026-10-03"))
        #expect(cal.addingWorkingDays(1, after: day("2026-09-30")) == day("2026-10-08"))
        #expect(cal.addingWorkingDays(3, after: day("2026-09-30")) == day("2026-10-10"))
        #expect(cal.addingWorkingDays(4, after: day("2026-09-30")) == day("2026-10-12"))
        #expect(cal.subtractingWorkingDays(1, before: day("2026-10-08")) == day("2026-09-30"))
        #expect(cal.subtractingWorkingDays(1, before: day("2026-02-24")) == day("2026-02-14"))
        #expect(cal.subtractingWorkingDays(2, before: day("2026-02-24")) == day("2026-02-13"))
        #expect(cal.subtractingWorkingDays(1, before: day("2026-01-05")) == day("2026-01-04"))
        #expect(cal.subtractingWorkingDays(2, before: day("2026-01-05")) == day("2025-12-31"))
        #expect(cal.firstWorkingDay(onOrAfter: day("2026-10-01")) == day("2026-10-08"))
        #expect(cal.firstWorkingDay(onOrAfter: day("2026-09-20")) == day("2026-09-20"))
        #expect(cal.firstWorkingDay(onOrAfter: day("2026-01-01")) == day("2026-01-04"))
    }

    // MARK: deadline(after:)

    struct DeadlineCase: Sendable, CustomTestStringConvertible {
        let start: String, period: Period, due: String, why: String
        var testDescription: String { "\(start) + \(period) → \(due): \(why)" }
    }

    static let deadlineCases: [DeadlineCase] = [
        // ordinary week
        .init(start: "2026-03-02T09:00:00+08:00", period: .workingDays(1), due: "2026-03-04T00:00:00+08:00", why: "Mon → Tue 03-03"),
        .init(start: "2026-03-02T09:00:00+08:00", period: .workingDays(3), due: "2026-03-06T00:00:00+08:00", why: "03-03, 03-04, 03-05 Thu"),
        .init(start: "2026-03-06T10:00:00+08:00", period: .workingDays(1), due: "2026-03-10T00:00:00+08:00", why: "Fri → Mon 03-09 over a weekend"),
        .init(start: "2026-03-07T10:00:00+08:00", period: .workingDays(1), due: "2026-03-10T00:00:00+08:00", why: "received Saturday → Mon 03-09"),
        // China day boundary: 23:59:59 is still Thursday, 00:00 is Friday
        .init(start: "2026-03-05T23:59:59+08:00", period: .workingDays(1), due: "2026-03-07T00:00:00+08:00", why: "Thu 23:59 → Fri 03-06"),
        .init(start: "2026-03-05T15:59:59Z", period: .workingDays(1), due: "2026-03-07T00:00:00+08:00", why: "same instant in UTC"),
        .init(start: "2026-03-06T00:00:00+08:00", period: .workingDays(1), due: "2026-03-10T00:00:00+08:00", why: "Fri 00:00 → Mon 03-09"),
        .init(start: "2026-03-05T16:00:00Z", period: .workingDays(1), due: "2026-03-10T00:00:00+08:00", why: "same instant in UTC"),
        // Spring Festival 2026: received Fri 02-13; 02-14 Sat make-up; 02-15..23 off
        .init(start: "2026-02-13T10:00:00+08:00", period: .workingDays(1), due: "2026-02-15T00:00:00+08:00", why: "02-14 Sat is a make-up working day"),
        .init(start: "2026-02-13T10:00:00+08:00", period: .workingDays(2), due: "2026-02-25T00:00:00+08:00", why: "02-14, then 02-24 Tue after the holiday"),
        .init(start: "2026-02-13T10:00:00+08:00", period: .workingDays(3), due: "2026-02-26T00:00:00+08:00", why: "02-14, 02-24, 02-25"),
        .init(start: "2026-02-13T10:00:00+08:00", period: .workingDays(20), due: "2026-03-20T00:00:00+08:00",
              why: "02-14, 02-24..27 (5), 02-28 Sat (6), 03-02..06 (11), 03-09..13 (16), 03-16..19 (20) Thu"),
        .init(start: "2026-02-14T09:00:00+08:00", period: .workingDays(1), due: "2026-02-25T00:00:00+08:00", why: "received on the make-up Saturday → 02-24"),
        .init(start: "2026-02-17T11:00:00+08:00", period: .workingDays(1), due: "2026-02-25T00:00:00+08:00", why: "received during the holiday → 02-24"),
        .init(start: "2026-02-17T11:00:00+08:00", period: .workingDays(3), due: "2026-02-27T00:00:00+08:00", why: "02-24, 02-25, 02-26"),
        .init(start: "2026-02-27T15:00:00+08:00", period: .workingDays(1), due: "2026-03-01T00:00:00+08:00", why: "02-28 Sat is a make-up working day"),
        .init(start: "2026-02-27T15:00:00+08:00", period: .workingDays(2), due: "2026-03-03T00:00:00+08:00", why: "02-28, then Mon 03-02"),
        // National Day 2026: received on the eve Wed 09-30; 10-01..07 off; 10-10 Sat make-up
        .init(start: "2026-09-30T10:00:00+08:00", period: .workingDays(1), due: "2026-10-09T00:00:00+08:00", why: "10-08 Thu"),
        .init(start: "2026-09-30T10:00:00+08:00", period: .workingDays(2), due: "2026-10-10T00:00:00+08:00", why: "10-08, 10-09"),
        .init(start: "2026-09-30T10:00:00+08:00", period: .workingDays(3), due: "2026-10-11T00:00:00+08:00", why: "10-08, 10-09, 10-10 Sat make-up"),
        .init(start: "2026-09-30T10:00:00+08:00", period: .workingDays(4), due: "2026-10-13T00:00:00+08:00", why: "… then Mon 10-12 (10-11 Sun rests)"),
        .init(start: "2026-09-30T10:00:00+08:00", period: .workingDays(20), due: "2026-11-04T00:00:00+08:00",
              why: "10-08, 09, 10 (3), 10-12..16 (8), 10-19..23 (13), 10-26..30 (18), 11-02, 11-03 (20)"),
        .init(start: "2026-09-30T23:59:59+08:00", period: .workingDays(1), due: "2026-10-09T00:00:00+08:00", why: "last second of the eve"),
        .init(start: "2026-10-03T15:00:00+08:00", period: .workingDays(1), due: "2026-10-09T00:00:00+08:00", why: "received on the holiday itself → 10-08"),
        .init(start: "2026-10-07T20:00:00+08:00", period: .workingDays(3), due: "2026-10-11T00:00:00+08:00", why: "last holiday day → 10-08, 09, 10"),
        // Mid-Autumn 2026 with the make-up Sunday 09-20 before it
        .init(start: "2026-09-18T16:00:00+08:00", period: .workingDays(1), due: "2026-09-21T00:00:00+08:00", why: "Fri → Sun 09-20 make-up"),
        .init(start: "2026-09-18T16:00:00+08:00", period: .workingDays(5), due: "2026-09-25T00:00:00+08:00", why: "09-20, 21, 22, 23, 24"),
        .init(start: "2026-09-18T16:00:00+08:00", period: .workingDays(6), due: "2026-09-29T00:00:00+08:00", why: "… 09-25..27 off → Mon 09-28"),
        // Year end: received Wed 2025-12-31 evening; 2026-01-01..03 off; Sun 01-04 works
        .init(start: "2025-12-31T20:00:00+08:00", period: .workingDays(1), due: "2026-01-05T00:00:00+08:00", why: "Sun 2026-01-04 make-up"),
        .init(start: "2025-12-31T12:00:00Z", period: .workingDays(1), due: "2026-01-05T00:00:00+08:00", why: "same instant in UTC"),
        .init(start: "2025-12-31T20:00:00+08:00", period: .workingDays(2), due: "2026-01-06T00:00:00+08:00", why: "01-04, Mon 01-05"),
        .init(start: "2025-12-31T20:00:00+08:00", period: .workingDays(3), due: "2026-01-07T00:00:00+08:00", why: "01-04, 01-05, 01-06"),
        .init(start: "2026-01-01T00:00:00+08:00", period: .workingDays(1), due: "2026-01-05T00:00:00+08:00", why: "received on New Year's Day"),
        // Spring Festival 2025: 01-26 Sun work, 01-28..02-04 off, 02-08 Sat work
        .init(start: "2025-01-24T10:00:00+08:00", period: .workingDays(1), due: "2025-01-27T00:00:00+08:00", why: "Sun 01-26 make-up"),
        .init(start: "2025-01-24T10:00:00+08:00", period: .workingDays(2), due: "2025-01-28T00:00:00+08:00", why: "01-26, Mon 01-27"),
        .init(start: "2025-01-24T10:00:00+08:00", period: .workingDays(3), due: "2025-02-06T00:00:00+08:00", why: "01-26, 01-27, Wed 02-05"),
        // calendar days: the last day, if a rest day, moves to the next working day
        .init(start: "2026-03-02T10:00:00+08:00", period: .calendarDays(15), due: "2026-03-18T00:00:00+08:00", why: "03-17 Tue, a working day"),
        .init(start: "2026-03-06T10:00:00+08:00", period: .calendarDays(15), due: "2026-03-24T00:00:00+08:00", why: "03-21 Sat → Mon 03-23"),
        .init(start: "2026-09-10T10:00:00+08:00", period: .calendarDays(15), due: "2026-09-29T00:00:00+08:00", why: "09-25 Mid-Autumn → Mon 09-28"),
        .init(start: "2026-09-16T10:00:00+08:00", period: .calendarDays(15), due: "2026-10-09T00:00:00+08:00", why: "10-01 National Day → 10-08"),
        .init(start: "2026-09-05T10:00:00+08:00", period: .calendarDays(15), due: "2026-09-21T00:00:00+08:00", why: "09-20 is a make-up Sunday: it stands"),
        .init(start: "2026-08-03T10:00:00+08:00", period: .calendarDays(60), due: "2026-10-09T00:00:00+08:00", why: "08-03 + 60 = 10-02, a holiday → 10-08"),
        .init(start: "2025-12-17T10:00:00+08:00", period: .calendarDays(15), due: "2026-01-05T00:00:00+08:00", why: "2026-01-01 off, 02, 03 off → Sun 01-04 works"),
        .init(start: "2026-01-15T10:00:00+08:00", period: .calendarDays(30), due: "2026-02-15T00:00:00+08:00", why: "02-14 is a make-up Saturday: it stands"),
        .init(start: "2026-01-16T10:00:00+08:00", period: .calendarDays(30), due: "2026-02-25T00:00:00+08:00", why: "02-15 Spring Festival → 02-24"),
        .init(start: "2026-02-17T10:00:00+08:00", period: .calendarDays(1), due: "2026-02-25T00:00:00+08:00", why: "02-18 off → 02-24"),
        // hours: elapsed time, holidays do not matter
        .init(start: "2026-09-30T20:00:00+08:00", period: .hours(24), due: "2026-10-01T20:00:00+08:00", why: "24 h into the holiday"),
        .init(start: "2026-02-13T23:30:00+08:00", period: .hours(1), due: "2026-02-14T00:30:00+08:00", why: "across midnight"),
        .init(start: "2025-12-31T22:00:00+08:00", period: .hours(72), due: "2026-01-03T22:00:00+08:00", why: "3 × 24 h"),
    ]

    @Test(arguments: deadlineCases)
    func deadlineAfter(_ c: DeadlineCase) {
        #expect(cal.deadline(after: at(c.start), c.period) == at(c.due))
    }

    @Test func workingDayDeadlinesMatchTheCountOfWorkingDays() {
        // property: for every start in 2025–2026 and n, exactly n working days lie in (start day, last day],
        // and the last day is a working day
        var bad: [String] = []
        var start = at("2025-01-01T10:00:00+08:00")
        while start < at("2026-12-01T00:00:00+08:00") {
            for n in [1, 2, 3, 5, 20] {
                let due = cal.deadline(after: start, .workingDays(n))
                let last = ChinaTime.day(of: due.adding(seconds: -1))
                if cal.workingDays(after: ChinaTime.day(of: start), through: last) != n || !cal.isWorkingDay(last)
                    || due != ChinaTime.endOf(last) {
                    bad.append("\(start) + \(n)")
                }
            }
            start = start.adding(hours: 24)
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }

    // MARK: instant(_:before:)

    @Test func instantBefore() {
        // due end of Thu 03-19: 2 working days before the last day → Tue 03-17; urgent from 03-18 00:00 (03-18, 03-19 left)
        #expect(cal.instant(.workingDays(2), before: at("2026-03-20T00:00:00+08:00")) == at("2026-03-18T00:00:00+08:00"))
        // due end of Fri 10-09: 10-08, then back over the holiday to 09-30 → from 10-01 00:00
        #expect(cal.instant(.workingDays(2), before: at("2026-10-10T00:00:00+08:00")) == at("2026-10-01T00:00:00+08:00"))
        // due end of Tue 02-24: 02-14 (make-up Sat), 02-13 → from 02-14 00:00
        #expect(cal.instant(.workingDays(2), before: at("2026-02-25T00:00:00+08:00")) == at("2026-02-14T00:00:00+08:00"))
        // due end of Sun 2026-01-04 (make-up): one working day before is 2025-12-31
        #expect(cal.instant(.workingDays(1), before: at("2026-01-05T00:00:00+08:00")) == at("2026-01-01T00:00:00+08:00"))
        // a due in the middle of a day: its day (Fri 03-06) is the last day; 03-05, 03-04 → from 03-05 00:00
        #expect(cal.instant(.workingDays(2), before: at("2026-03-06T15:00:00+08:00")) == at("2026-03-05T00:00:00+08:00"))
        // hours and calendar days are plain subtraction
        #expect(cal.instant(.hours(5), before: at("2026-10-01T00:00:00+08:00")) == at("2026-09-30T19:00:00+08:00"))
        #expect(cal.instant(.calendarDays(3), before: at("2026-10-09T00:00:00+08:00")) == at("2026-10-06T00:00:00+08:00"))
    }

    @Test func instantBeforeInvertsDeadlineAfter() {
        // property: n working days before the (n + k)-working-day deadline is the k-working-day deadline (k ≥ 1)
        var bad: [String] = []
        var start = at("2025-01-01T10:00:00+08:00")
        while start < at("2026-12-01T00:00:00+08:00") {
            for (n, k) in [(2, 1), (2, 18), (1, 3), (5, 5)] {
                let due = cal.deadline(after: start, .workingDays(n + k))
                if cal.instant(.workingDays(n), before: due) != cal.deadline(after: start, .workingDays(k)) {
                    bad.append("\(start) n=\(n) k=\(k)")
                }
            }
            start = start.adding(hours: 24)
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }

    // MARK: extending

    @Test func extending() {
        // last day Thu 03-19; +10: 03-20, 23..27 (6), 30, 31, 04-01, 04-02 (10)
        #expect(cal.extending(at("2026-03-20T00:00:00+08:00"), by: .workingDays(10)) == at("2026-04-03T00:00:00+08:00"))
        // +12: … 04-03 Fri (11), 04-04..06 Qingming off, Tue 04-07 (12)
        #expect(cal.extending(at("2026-03-20T00:00:00+08:00"), by: .workingDays(12)) == at("2026-04-08T00:00:00+08:00"))
        // last day 09-30; +1 → 10-08
        #expect(cal.extending(at("2026-10-01T00:00:00+08:00"), by: .workingDays(1)) == at("2026-10-09T00:00:00+08:00"))
        // 0 working days changes nothing
        #expect(cal.extending(at("2026-03-20T00:00:00+08:00"), by: .workingDays(0)) == at("2026-03-20T00:00:00+08:00"))
        // calendar days: last day 09-09; +30 = Fri 10-09, a working day
        #expect(cal.extending(at("2026-09-10T00:00:00+08:00"), by: .calendarDays(30)) == at("2026-10-10T00:00:00+08:00"))
        // +25 = 10-04, a holiday → 10-08
        #expect(cal.extending(at("2026-09-10T00:00:00+08:00"), by: .calendarDays(25)) == at("2026-10-09T00:00:00+08:00"))
        // hours
        #expect(cal.extending(at("2026-09-30T20:00:00+08:00"), by: .hours(5)) == at("2026-10-01T01:00:00+08:00"))
    }

    @Test func extendingComposesWithDeadlineAfter() {
        var bad: [String] = []
        var start = at("2025-01-01T10:00:00+08:00")
        while start < at("2026-12-01T00:00:00+08:00") {
            for (n, m) in [(20, 10), (3, 1), (20, 5)] {
                let extended = cal.extending(cal.deadline(after: start, .workingDays(n)), by: .workingDays(m))
                if extended != cal.deadline(after: start, .workingDays(n + m)) { bad.append("\(start) \(n)+\(m)") }
            }
            start = start.adding(hours: 24)
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }

    // MARK: resuming after a pause

    @Test func resumingWorkingDays() {
        let due = at("2026-03-20T00:00:00+08:00") // last day Thu 03-19
        // paused Mon 03-02 10:00, resumed Wed 03-04 15:00: 03-03 and 03-04 given back (Monday was used) → 03-20, 03-23
        #expect(cal.resuming(due, unit: .workingDays, pausedAt: at("2026-03-02T10:00:00+08:00"),
                             resumedAt: at("2026-03-04T15:00:00+08:00")) == at("2026-03-24T00:00:00+08:00"))
        // paused and resumed the same day: nothing given back
        #expect(cal.resuming(due, unit: .workingDays, pausedAt: at("2026-03-02T10:00:00+08:00"),
                             resumedAt: at("2026-03-02T17:00:00+08:00")) == due)
        // paused over the Spring Festival, Fri 02-13 → Wed 02-25: 02-14, 02-24, 02-25 = 3 → 03-20, 03-23, 03-24
        #expect(cal.resuming(due, unit: .workingDays, pausedAt: at("2026-02-13T10:00:00+08:00"),
                             resumedAt: at("2026-02-25T09:00:00+08:00")) == at("2026-03-25T00:00:00+08:00"))
        // paused during the holiday (10-02) and resumed 10-08: only 10-08 given back; last day Mon 10-12 → Tue 10-13
        #expect(cal.resuming(at("2026-10-13T00:00:00+08:00"), unit: .workingDays, pausedAt: at("2026-10-02T10:00:00+08:00"),
                             resumedAt: at("2026-10-08T09:00:00+08:00")) == at("2026-10-14T00:00:00+08:00"))
        // paused over a weekend only (Fri 03-06 → Sun 03-08): no working day lost
        #expect(cal.resuming(due, unit: .workingDays, pausedAt: at("2026-03-06T10:00:00+08:00"),
                             resumedAt: at("2026-03-08T10:00:00+08:00")) == due)
        // a resume before the pause changes nothing
        #expect(cal.resuming(due, unit: .workingDays, pausedAt: at("2026-03-04T10:00:00+08:00"),
                             resumedAt: at("2026-03-02T10:00:00+08:00")) == due)
    }

    @Test func resumingCalendarDays() {
        // paused 09-10, resumed 09-14: 4 days; last day 09-20 (make-up Sunday) + 4 = Thu 09-24
        #expect(cal.resuming(at("2026-09-21T00:00:00+08:00"), unit: .calendarDays, pausedAt: at("2026-09-10T10:00:00+08:00"),
                             resumedAt: at("2026-09-14T10:00:00+08:00")) == at("2026-09-25T00:00:00+08:00"))
        // last day 09-21 + 4 = 09-25, Mid-Autumn → Mon 09-28
        #expect(cal.resuming(at("2026-09-22T00:00:00+08:00"), unit: .calendarDays, pausedAt: at("2026-09-10T10:00:00+08:00"),
                             resumedAt: at("2026-09-14T10:00:00+08:00")) == at("2026-09-29T00:00:00+08:00"))
        // same day: nothing
        #expect(cal.resuming(at("2026-09-22T00:00:00+08:00"), unit: .calendarDays, pausedAt: at("2026-09-10T10:00:00+08:00"),
                             resumedAt: at("2026-09-10T23:00:00+08:00")) == at("2026-09-22T00:00:00+08:00"))
    }

    @Test func resumingHours() {
        // 5 h 30 min paused → the due moves 5 h 30 min
        #expect(cal.resuming(at("2026-10-01T20:00:00+08:00"), unit: .hours, pausedAt: at("2026-09-30T21:00:00+08:00"),
                             resumedAt: at("2026-10-01T02:30:00+08:00")) == at("2026-10-02T01:30:00+08:00"))
        #expect(cal.resuming(at("2026-10-01T20:00:00+08:00"), unit: .hours, pausedAt: at("2026-09-30T21:00:00+08:00"),
                             resumedAt: at("2026-09-30T21:00:00+08:00")) == at("2026-10-01T20:00:00+08:00"))
    }

    /// Paused time does not count, for each unit: after the resume as much time is left as was left at the pause.
    @Test(arguments: PeriodUnit.allCases)
    func pausedTimeDoesNotCount(_ unit: PeriodUnit) {
        var bad: [String] = []
        var start = at("2025-01-02T10:00:00+08:00")
        while start < at("2026-11-01T00:00:00+08:00") {
            let amount = unit == .hours ? 240 : 20
            let due = cal.deadline(after: start, Period(amount, unit))
            for (pauseAfterHours, pauseHours) in [(26, 50), (50, 24 * 9), (3, 4), (100, 24 * 14 + 5)] {
                let paused = start.adding(hours: pauseAfterHours), resumed = paused.adding(hours: pauseHours)
                guard resumed < due else { continue }
                let newDue = cal.resuming(due, unit: unit, pausedAt: paused, resumedAt: resumed)
                let ok: Bool
                switch unit {
                case .hours:
                    ok = newDue.seconds - resumed.seconds == due.seconds - paused.seconds
                case .workingDays:
                    let left = cal.workingDays(after: ChinaTime.day(of: paused), through: ChinaTime.day(of: due.adding(seconds: -1)))
                    let leftAfter = cal.workingDays(after: ChinaTime.day(of: resumed), through: ChinaTime.day(of: newDue.adding(seconds: -1)))
                    ok = left == leftAfter
                case .calendarDays:
                    // the nominal last day moves by the calendar days paused; it may then move on to a working day
                    let days = ChinaTime.day(of: resumed).daysSinceEpoch - ChinaTime.day(of: paused).daysSinceEpoch
                    let nominal = ChinaTime.day(of: due.adding(seconds: -1)).adding(days: days)
                    ok = newDue == ChinaTime.endOf(cal.firstWorkingDay(onOrAfter: nominal)) && newDue >= due.adding(seconds: Int64(days) * 86_400)
                }
                if !ok { bad.append("\(start) paused \(paused)–\(resumed): \(due) → \(newDue)") }
            }
            start = start.adding(hours: 24)
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }
}
