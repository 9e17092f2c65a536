/// A leader's reception schedule (领导接访日): on which weekdays, from when to when, how many slots a day, where and
/// about what — and the days it does not hold (a holiday is never a reception day: the work calendar decides; an
/// exception cancels a working day too).
public struct ReceptionSchedule: Sendable, Codable, Equatable {
    public struct Exception: Sendable, Codable, Equatable {
        public var day: Day
        public var reason: String
        public init(day: Day, reason: String) { self.day = day; self.reason = reason }
    }
    public var id: String
    /// The leader receiving (a user with the leader role): the bookings' cases are theirs (领导领办).
    public var leaderID: Int64
    public var leaderName: String
    /// The center (信访办) that registers the bookings' cases.
    public var center: UnitID
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    public var weekdays: [Int]
    /// Minutes after midnight, China time.
    public var startMinute: Int
    public var endMinute: Int
    public var slots: Int
    public var place: String
    public var topics: String
    public var exceptions: [Exception]
    /// The first and last day the schedule holds (open-ended when nil).
    public var validFrom: Day?
    public var validUntil: Day?
    public var active: Bool

    public init(id: String, leaderID: Int64, leaderName: String, center: UnitID, weekdays: [Int], startMinute: Int, endMinute: Int,
                slots: Int, place: String, topics: String, exceptions: [Exception] = [], validFrom: Day? = nil, validUntil: Day? = nil,
                active: Bool = true) {
        self.id = id; self.leaderID = leaderID; self.leaderName = leaderName; self.center = center; self.weekdays = weekdays
        self.startMinute = startMinute; self.endMinute = endMinute; self.slots = slots; self.place = place; self.topics = topics
        self.exceptions = exceptions; self.validFrom = validFrom; self.validUntil = validUntil; self.active = active
    }

    /// Why `day` is not a reception day, or nil when it is.
    public func closedReason(_ day: Day, calendar: WorkCalendar) -> String? {
        if !active { return "该接访安排已停用" }
        if let f = validFrom, day < f { return "该接访安排自 \(f) 起实行" }
        if let u = validUntil, day > u { return "该接访安排至 \(u) 止" }
        if !weekdays.contains(day.weekday) { return "\(day) 不是该领导的接访日" }
        if !calendar.isWorkingDay(day) { return "\(day) 不是工作日，不安排接访" }
        if let e = exceptions.first(where: { $0.day == day }) { return "\(day) 接访取消：\(e.reason)" }
        return nil
    }

    /// The reception days in [from, through].
    public func days(from: Day, through: Day, calendar: WorkCalendar) -> [Day] {
        guard from <= through else { return [] }
        return (0...(through.daysSinceEpoch - from.daysSinceEpoch)).map { from.adding(days: $0) }
            .filter { closedReason($0, calendar: calendar) == nil }
    }

    /// Slot `index` of a day: equal parts of the reception time.
    public func slotTimes(_ index: Int, on day: Day) -> (start: Instant, end: Instant) {
        let length = (endMinute - startMinute) * 60 / max(slots, 1)
        let start = ChinaTime.calendarStart(of: day).adding(seconds: Int64(startMinute * 60 + index * length))
        return (start, start.adding(seconds: Int64(length)))
    }

    /// "09:00".
    public static func clock(_ minute: Int) -> String {
        let h = minute / 60, m = minute % 60
        return (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }

    /// "9:00", "09:30" → minutes after midnight.
    public static func minute(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }

    public static let weekdayNames = ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]
}
