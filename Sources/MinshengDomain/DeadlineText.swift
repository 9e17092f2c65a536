extension Instant {
    /// A deadline as every notice words it: limits are exclusive instants, so one at a midnight (China time) is
    /// "by the end of" the day before: 2026-02-26T00:00 reads "2026年2月25日24时". A limit at another time (an hour
    /// limit) reads with its clock time: "2026年2月25日14时30分". The JSON `due` stays the instant itself.
    public var deadlineText: String {
        let lastDay = ChinaTime.day(of: adding(seconds: -1))
        if ChinaTime.endOf(lastDay) == self { return "\(lastDay.year)年\(lastDay.month)月\(lastDay.day)日24时" }
        let d = ChinaTime.day(of: self)
        let secs = seconds - ChinaTime.calendarStart(of: d).seconds
        let minutes = Int(secs % 3600 / 60)
        return "\(d.year)年\(d.month)月\(d.day)日\(secs / 3600)时\(minutes < 10 ? "0" : "")\(minutes)分"
    }
}
