import Foundation
import MinshengDomain
import MinshengStore

/// Leader reception days (领导接访日): schedules kept in the settings (JSON, admin-edited), bookings in the store, where
/// the write transaction makes a slot impossible to book twice. A booking is a visit case owned by the leader.
extension Platform {
    static let receptionKey = "reception.schedules"
    /// How far ahead the public sees and may book.
    public static let receptionHorizonDays = 60

    public func receptionSchedules() async throws -> [ReceptionSchedule] {
        guard let text = try await store.setting(Self.receptionKey) else { return [] }
        return try JSONDecoder().decode([ReceptionSchedule].self, from: Data(text.utf8))
    }

    public func receptionSchedule(_ id: String) async throws -> ReceptionSchedule? {
        try await receptionSchedules().first { $0.id == id }
    }

    /// What an admin sends to publish or change a schedule.
    public struct ScheduleDraft: Sendable {
        public var leaderID: Int64
        public var weekdays: [Int]
        public var start: String
        public var end: String
        public var slots: Int
        public var place: String
        public var topics: String
        public var exceptions: [(day: String, reason: String)] = []
        public var validFrom: String?
        public var validUntil: String?
        public var active = true
    }

    /// Checks a draft and saves it as schedule `id` (a new one when nil); the admin may only name leaders of their scope.
    public func saveReceptionSchedule(_ d: ScheduleDraft, id: String?, by admin: User) async throws -> ReceptionSchedule {
        guard let leader = try await store.user(id: d.leaderID), leader.roles.contains(.leader), !leader.disabled else {
            throw PlatformError.invalid("leader", "用户 \(d.leaderID) 不存在或不是领导")
        }
        guard isWithin(leader.unit, root: scopeRoot(of: admin)) else { throw PlatformError(.forbidden, "out_of_scope", "该领导不在您的管辖范围内") }
        guard let center = center(near: leader.unit) else { throw PlatformError.invalid("leader", "找不到该领导所在地的信访办") }
        let weekdays = Array(Set(d.weekdays)).sorted()
        guard !weekdays.isEmpty, weekdays.allSatisfy({ (1...7).contains($0) }) else { throw PlatformError.invalid("weekdays", "请选择接访日（1 = 周一 … 7 = 周日）") }
        guard let start = ReceptionSchedule.minute(d.start) else { throw PlatformError.invalid("start", "开始时间应为 HH:MM，如 09:00") }
        guard let end = ReceptionSchedule.minute(d.end), end > start else { throw PlatformError.invalid("end", "结束时间应为 HH:MM，且晚于开始时间") }
        guard (1...50).contains(d.slots) else { throw PlatformError.invalid("slots", "每天接访名额应为 1 到 50") }
        guard (end - start) / d.slots >= 5 else { throw PlatformError.invalid("slots", "每个时段至少 5 分钟") }
        let place = d.place.trimmingCharacters(in: .whitespaces)
        guard !place.isEmpty, place.count <= 100 else { throw PlatformError.invalid("place", "请填写接访地点（不超过 100 字）") }
        guard d.topics.count <= 200 else { throw PlatformError.invalid("topics", "接访主题不超过 200 字") }
        var exceptions: [ReceptionSchedule.Exception] = []
        for e in d.exceptions {
            guard let day = Day(e.day) else { throw PlatformError.invalid("exceptions", "日期 \(e.day) 应为 YYYY-MM-DD") }
            exceptions.append(.init(day: day, reason: String(e.reason.prefix(100)).isEmpty ? "接访取消" : String(e.reason.prefix(100))))
        }
        func day(_ s: String?, _ field: String) throws -> Day? {
            guard let s, !s.isEmpty else { return nil }
            guard let d = Day(s) else { throw PlatformError.invalid(field, "日期应为 YYYY-MM-DD") }
            return d
        }
        let from = try day(d.validFrom, "validFrom"), until = try day(d.validUntil, "validUntil")
        if let from, let until, until < from { throw PlatformError.invalid("validUntil", "截止日期不能早于开始日期") }
        let draft = ReceptionSchedule(id: id ?? "", leaderID: leader.id, leaderName: leader.name, center: center, weekdays: weekdays,
                                      startMinute: start, endMinute: end, slots: d.slots, place: place,
                                      topics: d.topics.trimmingCharacters(in: .whitespaces), exceptions: exceptions.sorted { $0.day < $1.day },
                                      validFrom: from, validUntil: until, active: d.active)
        // The leaders whose schedules this admin may replace: those of their subtree.
        var ownLeaders: Set<Int64> = []
        if id != nil {
            for existing in try await receptionSchedules() where !ownLeaders.contains(existing.leaderID) {
                if let u = try await store.user(id: existing.leaderID), isWithin(u.unit, root: scopeRoot(of: admin)) { ownLeaders.insert(u.id) }
            }
        }
        let mayReplace = ownLeaders
        let saved = ResultBox<ReceptionSchedule>()
        // Read, change and write the list in one transaction: the new id is the next free one even when two admins
        // publish at once, and neither loses the other's schedule.
        _ = try await store.updateSetting(Self.receptionKey) { text in
            var all = try text.map { try JSONDecoder().decode([ReceptionSchedule].self, from: Data($0.utf8)) } ?? []
            var s = draft
            if s.id.isEmpty {
                s.id = "r\((all.compactMap { Int($0.id.dropFirst()) }.max() ?? 0) + 1)"
            } else if !all.contains(where: { $0.id == s.id && mayReplace.contains($0.leaderID) }) {
                // Another subtree's schedule is answered like a missing one: an admin's reach is their subtree.
                throw PlatformError(.notFound, "unknown_schedule", "接访安排 \(s.id) 不存在")
            }
            all.removeAll { $0.id == s.id }
            all.append(s)
            all.sort { (Int($0.id.dropFirst()) ?? 0) < (Int($1.id.dropFirst()) ?? 0) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            saved.set(s)
            return String(decoding: try encoder.encode(all), as: UTF8.self)
        }
        guard let s = saved.get() else { throw PlatformError(.internalFailure, "internal", "接访安排保存失败") }
        return s
    }

    /// One reception day with its slots and whether each is free.
    public struct ReceptionDayView: Sendable {
        public struct Slot: Sendable {
            public var index: Int
            public var start: Instant
            public var end: Instant
            public var free: Bool
        }
        public var day: Day
        public var slots: [Slot]
        public var freeCount: Int { slots.filter(\.free).count }
    }

    /// The upcoming reception days of a schedule (from now, `days` ahead), slots already begun left out.
    public func upcomingReception(_ s: ReceptionSchedule, days: Int = 28) async throws -> [ReceptionDayView] {
        let now = clock.now()
        let today = ChinaTime.day(of: now), last = today.adding(days: max(1, min(days, Self.receptionHorizonDays)) - 1)
        let taken = Set(try await store.receptionBookings(scheduleID: s.id, from: today, through: last).map { "\($0.day) \($0.slot)" })
        return s.days(from: today, through: last, calendar: calendar).compactMap { d in
            let slots = (0..<s.slots).map { i -> ReceptionDayView.Slot in
                let t = s.slotTimes(i, on: d)
                return .init(index: i, start: t.start, end: t.end, free: !taken.contains("\(d) \(i)"))
            }.filter { $0.start > now }
            return slots.isEmpty ? nil : ReceptionDayView(day: d, slots: slots)
        }
    }

    /// A booking request, from the portal, the public API or the hotline console.
    public struct BookingDraft: Sendable {
        public var scheduleID: String
        public var day: String
        public var slot: Int
        public var name: String
        public var phone: String
        public var subject: String
        public var content: String?
    }

    /// Books a slot: checks it (schedule, reception day, future, within the horizon), registers the visit case owned by
    /// the leader, with the slot time, in the same transaction as the booking.
    public func book(_ b: BookingDraft, by actor: Actor) async throws -> (ReceptionBooking, Case) {
        guard let s = try await receptionSchedule(b.scheduleID), s.active else {
            throw PlatformError(.notFound, "unknown_schedule", "接访安排 \(b.scheduleID) 不存在或已停用")
        }
        guard let day = Day(b.day) else { throw PlatformError.invalid("date", "日期应为 YYYY-MM-DD") }
        if let why = s.closedReason(day, calendar: calendar) {
            throw PlatformError(.unprocessable, "not_reception_day", why, details: [("field", .string("date"))])
        }
        guard (0..<s.slots).contains(b.slot) else { throw PlatformError.invalid("slot", "时段应为 0 到 \(s.slots - 1)") }
        let now = clock.now()
        let times = s.slotTimes(b.slot, on: day)
        guard times.start > now else {
            throw PlatformError(.unprocessable, "slot_past", "该时段已过，请选择以后的时段", details: [("field", .string("slot"))])
        }
        guard day <= ChinaTime.day(of: now).adding(days: Self.receptionHorizonDays) else {
            throw PlatformError(.unprocessable, "too_far_ahead", "只能预约 \(Self.receptionHorizonDays) 天以内的接访", details: [("field", .string("date"))])
        }
        let name = b.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 50 else { throw PlatformError.invalid("citizen.name", "请填写姓名（不超过 50 字）") }
        guard !b.phone.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw PlatformError(.badRequest, "missing_field", "请填写手机号码（用于查询和取消预约）", details: [("field", .string("citizen.phone"))])
        }
        let subject = b.subject.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !subject.isEmpty, subject.count <= APILimits.maxTitle else { throw PlatformError.invalid("subject", "请填写反映事项（不超过 200 字）") }
        let leader = try await store.user(id: s.leaderID)
        var draft = CaseDraft(channel: .visit, kind: .help, title: subject, content: (b.content?.isEmpty == false ? b.content! : subject),
                              citizen: Citizen(name: name, phone: b.phone))
        draft.center = s.center
        draft.visitors = 1
        draft.appointment = times.start
        draft.owner = Owner(id: "user:\(s.leaderID)", name: leader?.name ?? s.leaderName, unit: leader?.unit, since: now)
        draft.note = "领导接访日预约：\(s.leaderName)，\(Web.time(times.start))–\(ReceptionSchedule.clock(s.startMinute + (b.slot + 1) * (s.endMinute - s.startMinute) / s.slots))，\(s.place)"
        draft.eventData = ["reception.schedule": s.id, "reception.day": day.description, "reception.slot": String(b.slot),
                           "reception.place": s.place, "owner": "user:\(s.leaderID)", "ownerName": leader?.name ?? s.leaderName]
        let (reg, signature) = try await prepare(draft, by: actor)
        do {
            let (booking, c) = try await store.bookReception(
                ReceptionBooking(scheduleID: s.id, day: day, slot: b.slot, startsAt: times.start, createdAt: now), registration: reg)
            intelligence.indexed(c.id, signature: signature)
            return (booking, c)
        } catch StoreError.conflict("slot_taken") {
            throw PlatformError(.conflict, "slot_taken", "该时段已被预约，请选择其他时段", details: [("field", .string("slot"))])
        }
    }

    /// The citizen cancels (or staff cancel for them): the slot is free again and the case says so, in one transaction.
    public func cancelBooking(_ c: Case) async throws -> Case {
        guard let when = c.appointment else { throw PlatformError(.conflict, "no_booking", "该诉求没有接访预约") }
        let now = clock.now()
        guard when > now else { throw PlatformError(.conflict, "slot_past", "接访时间已到，不能再取消") }
        let actor = Actor(id: "channel:reception", name: "接访预约", role: .registrar, unit: c.center)
        do {
            return try await store.cancelReception(caseID: c.id, at: now) { [self] old in
                let rules = self.rules(for: old)
                var (changed, event) = try Lifecycle.apply(.note, to: old, by: actor, at: now,
                                                           note: "群众取消领导接访日预约（原定 \(Web.time(when))），名额已释放", rules: rules)
                changed.appointment = nil
                event.data["reception.cancelled"] = when.description
                (changed, event) = self.chained(changed, event)
                return CaseChange(case: changed, event: event, alert: Lifecycle.alertThresholds(of: changed, rules: rules),
                                  nextNotice: Lifecycle.nextNotice(of: changed, rules: rules))
            }
        } catch StoreError.conflict("no_booking") {
            throw PlatformError(.conflict, "no_booking", "该诉求没有有效的接访预约")
        }
    }
}
