/// How a period is counted.
public enum PeriodUnit: String, Sendable, Codable, CaseIterable {
    case workingDays   // 工作日: weekends and holidays skipped, make-up days counted
    case calendarDays  // 日: every day counts; a period ending on a rest day ends on the next working day
    case hours         // elapsed hours
}

public struct Period: Sendable, Equatable, Codable, CustomStringConvertible {
    public var amount: Int
    public var unit: PeriodUnit
    public init(_ amount: Int, _ unit: PeriodUnit) { self.amount = amount; self.unit = unit }
    public static func workingDays(_ n: Int) -> Period { Period(n, .workingDays) }
    public static func calendarDays(_ n: Int) -> Period { Period(n, .calendarDays) }
    public static func hours(_ n: Int) -> Period { Period(n, .hours) }
    public var description: String {
        switch unit {
        case .workingDays: return "\(amount)个工作日"
        case .calendarDays: return "\(amount)日"
        case .hours: return "\(amount)小时"
        }
    }
}

/// The steps a policy gives a time limit to (DESIGN.md, "Deadlines").
public enum DeadlineStep: String, Sendable, Codable, CaseIterable {
    case dispatch          // register and forward/assign after receipt
    case sign              // sign after dispatch
    case object            // object to a misrouted case
    case accept            // accept/reject with written notice
    case reply             // reply after accept
    case extensionCap      // most an approved extension may add to the reply limit, in total
    case reviewRequest     // citizen asks for review after the answer
    case reviewDecision    // review decision
    case rereviewRequest   // citizen asks for re-review after the review decision
    case rereviewDecision  // re-review decision
}

public struct DeadlinePolicy: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var periods: [DeadlineStep: Period]
    /// A dispatched case not yet accepted this long after delivery is at `warning` (预警).
    public var warnAfterDelivery: Period
    /// A running deadline this close turns `urgent` (紧急).
    public var urgentLead: Period

    public init(id: String, name: String, periods: [DeadlineStep: Period], warnAfterDelivery: Period = .workingDays(2), urgentLead: Period = .workingDays(2)) {
        self.id = id; self.name = name; self.periods = periods
        self.warnAfterDelivery = warnAfterDelivery; self.urgentLead = urgentLead
    }

    public func period(_ step: DeadlineStep) -> Period? { periods[step] }

    /// The Fuling "12320" local standard, the default.
    public static let local12320 = DeadlinePolicy(
        id: "12320", name: "本地“12320”办理时限标准",
        periods: [
            .dispatch: .workingDays(1),
            .sign: .workingDays(2),
            .object: .workingDays(2),
            .accept: .workingDays(3),
            .reply: .workingDays(20),
            .extensionCap: .workingDays(10),
            .reviewRequest: .calendarDays(30),
            .reviewDecision: .calendarDays(30),
            .rereviewRequest: .calendarDays(30),
            .rereviewDecision: .calendarDays(30),
        ])

    /// 《信访工作条例》(2022): Arts. 22, 23, 34, 35, 36. The statute sets no signing limit.
    public static let statute = DeadlinePolicy(
        id: "statute", name: "《信访工作条例》法定时限",
        periods: [
            .dispatch: .calendarDays(15),
            .object: .workingDays(5),
            .accept: .calendarDays(15),
            .reply: .calendarDays(60),
            .extensionCap: .calendarDays(30),
            .reviewRequest: .calendarDays(30),
            .reviewDecision: .calendarDays(30),
            .rereviewRequest: .calendarDays(30),
            .rereviewDecision: .calendarDays(30),
        ])

    public static let shipped: [DeadlinePolicy] = [.local12320, .statute]
}

// MARK: - Deadline arithmetic

extension WorkCalendar {
    /// The instant a period that starts at `start` runs out (exclusive: the deadline is met by anything before it).
    /// Day periods do not count the day they start on and end at 24:00 China time of their last day.
    public func deadline(after start: Instant, _ period: Period) -> Instant {
        switch period.unit {
        case .hours:
            return start.adding(hours: period.amount)
        case .workingDays:
            return ChinaTime.endOf(addingWorkingDays(period.amount, after: ChinaTime.day(of: start)))
        case .calendarDays:
            let last = ChinaTime.day(of: start).adding(days: period.amount)
            return ChinaTime.endOf(firstWorkingDay(onOrAfter: last))
        }
    }

    /// The instant `period` before `due`: from it on, a deadline is close.
    public func instant(_ period: Period, before due: Instant) -> Instant {
        switch period.unit {
        case .hours:
            return due.adding(hours: -period.amount)
        case .workingDays:
            // The last day the deadline covers is the day of the instant just before it.
            let lastDay = ChinaTime.day(of: due.adding(seconds: -1))
            return ChinaTime.endOf(subtractingWorkingDays(period.amount, before: lastDay))
        case .calendarDays:
            return due.adding(seconds: -Int64(period.amount) * 86_400)
        }
    }

    /// Moves a deadline later by `amount` of `unit`, counted from its own last day (extensions).
    public func extending(_ due: Instant, by period: Period) -> Instant {
        switch period.unit {
        case .hours:
            return due.adding(hours: period.amount)
        case .workingDays:
            let lastDay = ChinaTime.day(of: due.adding(seconds: -1))
            return ChinaTime.endOf(addingWorkingDays(period.amount, after: lastDay))
        case .calendarDays:
            let lastDay = ChinaTime.day(of: due.adding(seconds: -1))
            return ChinaTime.endOf(firstWorkingDay(onOrAfter: lastDay.adding(days: period.amount)))
        }
    }

    /// A deadline after the clock was stopped from `pausedAt` to `resumedAt`: the stopped time does not count.
    /// Working-day limits move by the working days the pause spanned (the pause day itself counts as used),
    /// calendar-day limits by the calendar days, hour limits by the exact time.
    public func resuming(_ due: Instant, unit: PeriodUnit, pausedAt: Instant, resumedAt: Instant) -> Instant {
        guard resumedAt > pausedAt else { return due }
        switch unit {
        case .hours:
            return due.adding(seconds: resumedAt.seconds - pausedAt.seconds)
        case .workingDays:
            let n = workingDays(after: ChinaTime.day(of: pausedAt), through: ChinaTime.day(of: resumedAt))
            return n == 0 ? due : extending(due, by: .workingDays(n))
        case .calendarDays:
            let n = ChinaTime.day(of: resumedAt).daysSinceEpoch - ChinaTime.day(of: pausedAt).daysSinceEpoch
            return n == 0 ? due : extending(due, by: .calendarDays(n))
        }
    }
}
