import Foundation
import MinshengDomain
import MinshengStore
import MinshengText

/// Settings an admin edits in the console, persisted in the store (`settings` table, JSON values) and applied at
/// start by `loadSettings()`: the category → department table and the changes to the work calendar.
extension Platform {
    static let categorySettingKey = "categoryDepartments"
    static let calendarSettingKey = "calendarChanges"
    static let riskSettingKey = "riskWords"

    /// Reads the persisted settings and applies them (call after `loadUnits()`; a missing setting keeps the default).
    public func loadSettings() async throws {
        if let text = try await store.setting(Self.categorySettingKey),
           let table = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)), !table.isEmpty {
            unitTree.withLock { $0 = $0.withCategoryDepartments(table) }
        }
        if let text = try await store.setting(Self.riskSettingKey) {
            do { intelligence.setRiskLexicon(try RiskLexicon(parsing: text)) } catch {
                logger.error("the saved risk-word list does not parse; the shipped list is used: \(error)")
            }
        }
        if let text = try await store.setting(Self.calendarSettingKey),
           let changes = try? JSONDecoder().decode([CalendarOverride].self, from: Data(text.utf8)) {
            applyCalendarChanges(changes)
        }
    }

    /// Replaces the category table: each category (a first-level category name) with a word of its department's
    /// name. Takes effect for the next registration's suggestion.
    public func setCategoryDepartments(_ table: [String: String]) async throws {
        var clean: [String: String] = [:]
        for (k, v) in table {
            let c = k.trimmingCharacters(in: .whitespaces), w = v.trimmingCharacters(in: .whitespaces)
            guard !c.isEmpty else { continue }
            guard c.count <= 20 else { throw PlatformError.invalid("category", "分类名称不能超过 20 个字") }
            guard !w.isEmpty else { throw PlatformError.invalid("keyword", "分类“\(c)”需要填写承办部门名称中的关键词") }
            guard w.count <= 20 else { throw PlatformError.invalid("keyword", "关键词不能超过 20 个字") }
            clean[c] = w
        }
        guard !clean.isEmpty else { throw PlatformError.invalid("category", "至少保留一个分类") }
        let data = try JSONEncoder().encode(clean)
        try await store.setSetting(Self.categorySettingKey, String(decoding: data, as: UTF8.self))
        unitTree.withLock { $0 = $0.withCategoryDepartments(clean) }
    }

    /// Replaces the risk-word list (the file format of RiskLexicon); takes effect for the next registration.
    public func setRiskWords(_ text: String) async throws {
        guard text.utf8.count <= 256 * 1024 else { throw PlatformError.invalid("text", "风险词表过大（上限 256 KB）") }
        let lexicon = try RiskLexicon(parsing: text)
        guard !lexicon.categories.isEmpty else { throw PlatformError.invalid("text", "至少需要一个风险类别") }
        try await store.setSetting(Self.riskSettingKey, text)
        intelligence.setRiskLexicon(lexicon)
    }

    /// The admin's changes to the calendar from files, by day.
    public var calendarChanges: [CalendarOverride] { calendars.withLock { $0.changes } }

    /// Sets one day: `.off` a rest day (holiday), `.work` a make-up working day (调休, only on a weekend), `.normal`
    /// the week's own rule (cancels a special day of the files); `rule` nil takes the admin's change of that day away.
    /// Deadlines already computed keep their dates; steps from now on count with the new calendar.
    public func setCalendarDay(_ day: Day, rule: CalendarOverride.Rule?, name: String = "") async throws {
        if rule == .work && !day.isWeekend { throw PlatformError.invalid("rule", "\(day) 是工作日，不能设为调休上班") }
        var changes = calendarChanges.filter { $0.day != day }
        if let rule {
            let n = name.trimmingCharacters(in: .whitespaces)
            guard n.count <= 30 else { throw PlatformError.invalid("name", "名称不能超过 30 个字") }
            changes.append(CalendarOverride(day: day, rule: rule, name: n.isEmpty ? rule.label : n))
        }
        changes.sort { $0.day < $1.day }
        let data = try JSONEncoder().encode(changes)
        try await store.setSetting(Self.calendarSettingKey, String(decoding: data, as: UTF8.self))
        applyCalendarChanges(changes)
    }

    func applyCalendarChanges(_ changes: [CalendarOverride]) {
        calendars.withLock { c in
            var byDay: [Day: WorkCalendar.Entry] = [:]
            for e in c.base.entries { byDay[e.day] = e }
            for o in changes {
                switch o.rule {
                case .normal: byDay[o.day] = nil
                case .off: byDay[o.day] = .init(day: o.day, rule: .off, name: o.name)
                case .work: byDay[o.day] = .init(day: o.day, rule: .work, name: o.name)
                }
            }
            c.current = WorkCalendar(entries: Array(byDay.values), describedYears: c.base.describedYears)
            c.changes = changes
        }
    }
}

/// The warning shown when the deadlines of the coming weeks would be counted without a holiday schedule.
public struct CalendarWarning: Sendable, Equatable {
    /// How far ahead the platform looks: a reply limit of 20 working days reaches about four weeks, a statute
    /// period of 60 days two months.
    public static let lookahead = 60
    public struct Year: Sendable, Equatable {
        public var year: Int
        /// The statutory holidays the year's schedule lacks (all seven when there is no schedule at all).
        public var missing: [String]
    }
    /// The uncovered years the next `lookahead` days reach, with the statutory holidays each one lacks.
    public var years: [Year]

    /// The warning for `calendar` on `today`, or nil when every year of the next `lookahead` days is covered.
    public static func check(_ calendar: WorkCalendar, today: Day) -> CalendarWarning? {
        let years = calendar.uncoveredYears(from: today, days: lookahead)
        guard !years.isEmpty else { return nil }
        return CalendarWarning(years: years.map { Year(year: $0, missing: calendar.missingHolidays(in: $0)) })
    }

    /// The text, in Chinese, for the admin pages and the start-up log.
    public var text: String {
        let parts = years.map { y in
            y.missing.count == WorkCalendar.statutoryHolidays.count
                ? "\(y.year) 年没有放假安排"
                : "\(y.year) 年缺少\(y.missing.joined(separator: "、"))"
        }
        let names = years.map { "cn-\($0.year).txt" }.joined(separator: "、")
        return "工作日历未覆盖未来 \(Self.lookahead) 天：\(parts.joined(separator: "；"))。这些日期的办理时限只按周一至周五计算，节假日会被算作工作日。"
            + "请在国务院公布放假安排后用 --calendar 加载 \(names)，或在“工作日历”页补齐全部法定节假日。"
    }
}

extension Platform {
    /// The calendar warning now (the calendar in force, the platform clock), for the admin pages.
    public func calendarWarning() -> CalendarWarning? {
        CalendarWarning.check(calendar, today: ChinaTime.day(of: clock.now()))
    }

    /// Logs the calendar warning at `warning` level and returns it (`serve` calls this at start-up, after the
    /// admin's calendar changes are applied, and also prints it to stderr).
    @discardableResult
    public func warnAboutCalendar() -> CalendarWarning? {
        guard let w = calendarWarning() else { return nil }
        logger.warning("\(w.text)", metadata: ["uncoveredYears": "\(w.years.map(\.year))"])
        return w
    }
}

/// An admin's change to one day of the work calendar, as stored: `{"day":"2026-10-09","rule":"off","name":"调休"}`.
public struct CalendarOverride: Sendable, Equatable, Codable {
    public enum Rule: String, Sendable, Codable, CaseIterable {
        case off, work, normal
        public var label: String { switch self { case .off: "放假"; case .work: "调休上班"; case .normal: "按平常（取消特殊安排）" } }
    }
    public var day: Day
    public var rule: Rule
    public var name: String
    public init(day: Day, rule: Rule, name: String) { self.day = day; self.rule = rule; self.name = name }
}
