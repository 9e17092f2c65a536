import MinshengDomain
import MinshengStore

/// A deterministic simulation of the real lifecycle on a virtual clock: citizens register cases during office
/// hours, the center dispatches them, units sign, accept and reply — some units slowly, some cases late —
/// citizens rate the replies, dissatisfied ones are reopened. Before every step the deadline watcher ticks at that
/// instant, as it would in production, so every deadline that really passed is announced.
public struct Simulation: Sendable {
    public var days = 30
    public var casesPerDay = 50
    public var seed: UInt64 = 1
    public var start = Instant.parse("2026-09-01T00:00:00+08:00")!

    public init() {}

    public struct Report: Sendable, Equatable, CustomStringConvertible {
        public var registered = 0
        public var replied = 0
        public var closed = 0
        public var reopened = 0
        public var steps = 0
        /// Alarms the watcher raised (one per case and deadline).
        public var alarmsRaised = 0
        /// Deadlines that really passed with the step still undone (counted by the simulation itself).
        public var overdue = 0
        public var warningsRaised = 0
        public var urgentRaised = 0
        public var description: String {
            "registered \(registered), replied \(replied), closed \(closed), reopened \(reopened), steps \(steps); " +
            "alerts raised: warning \(warningsRaised), urgent \(urgentRaised), alarm \(alarmsRaised); deadlines really missed: \(overdue)"
        }
    }

    /// One pending step of one case.
    struct Pending {
        var at: Instant
        var id: CaseID
        var step: Step
        var unit: UnitID?
    }

    public func run(on platform: Platform) async throws -> Report {
        var rng = SplitMix(seed: seed)
        let units = DemoUnits.all()
        let handlers = units.filter { $0.kind == .department && $0.level == .district }
        precondition(!handlers.isEmpty, "the simulation needs the demo units")
        let admin = Actor(id: "sim", name: "模拟", role: .admin, unit: nil)
        let watcher = DeadlineWatcher(platform: platform)
        var report = Report()
        var queue: [Pending] = []
        var missed = Set<String>()
        let hour: Int64 = 3600

        func random(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }
        /// A unit's habits, fixed by its id: most are prompt, some slow.
        func slowness(_ unit: UnitID) -> Int { Int((UInt64(bitPattern: unit) &* 0x9E37_79B9_7F4A_7C15) >> 61) } // 0…7

        // Registrations over the period, in office hours.
        for day in 0..<days {
            let midnight = start.adding(seconds: Int64(day) * 86_400)
            guard platform.calendar.isWorkingDay(ChinaTime.day(of: midnight)) else { continue }
            for _ in 0..<casesPerDay {
                let t = DemoLoader.templates[random(DemoLoader.templates.count)]
                let at = midnight.adding(seconds: 8 * hour + Int64(random(10 * 3600)))
                var d = CaseDraft(channel: .phone, kind: t.kind, title: t.title, content: t.content,
                                  citizen: Citizen(name: "市民", phone: "139\(String(10_000_000 + random(89_999_999)))"))
                d.category = t.category
                d.receivedAt = at
                let c = try await platform.register(d, by: admin, at: at).case
                report.registered += 1
                let unit = handlers[random(handlers.count)].id
                queue.append(Pending(at: at.adding(seconds: hour + Int64(random(4 * 3600))), id: c.id,
                                     step: .dispatch(to: unit, mode: .forward, coHandlers: []), unit: nil))
            }
        }

        let end = start.adding(seconds: Int64(days) * 86_400)
        while !queue.isEmpty {
            // The earliest pending step (ties by case id): the order is a pure function of the seed.
            let i = queue.indices.min { (queue[$0].at, queue[$0].id) < (queue[$1].at, queue[$1].id) }!
            let p = queue.remove(at: i)
            if p.at >= end { continue }
            _ = try await watcher.tick(at: p.at)
            guard let old = try await platform.store.case(p.id) else { continue }
            // The limit this step answers: missed if it passed before the step is taken (once per case and limit).
            if let phase = Lifecycle.noticePhase(of: old), let alarm = alarmDue(old), p.at >= alarm {
                missed.insert("\(p.id):\(phase)")
            }
            var actor = admin
            actor.unit = p.unit
            let c = try await platform.perform(p.step, on: p.id, by: actor, at: p.at)
            report.steps += 1
            let slow = slowness(c.holder)
            switch p.step {
            case .dispatch:
                queue.append(Pending(at: p.at.adding(seconds: hour * Int64(1 + random(6) + slow * 6)), id: p.id, step: .sign, unit: c.holder))
            case .sign:
                queue.append(Pending(at: p.at.adding(seconds: hour * Int64(1 + random(8) + slow * 4)), id: p.id,
                                     step: .accept(caseClass: .claim), unit: c.holder))
            case .accept:
                // 20 working days ≈ 28 calendar days: most reply well within, slow units sometimes after.
                let days = 3 + random(18) + slow * 2
                queue.append(Pending(at: p.at.adding(seconds: Int64(days) * 86_400 + Int64(random(8 * 3600))), id: p.id,
                                     step: .reply(result: .support, text: "已办理"), unit: c.holder))
            case .reply:
                report.replied += 1
                let rating: Evaluation = random(10) < 8 ? .satisfied : (random(2) == 0 ? .basicallySatisfied : .dissatisfied)
                queue.append(Pending(at: p.at.adding(seconds: hour * Int64(2 + random(48))), id: p.id, step: .evaluate(rating), unit: nil))
            case let .evaluate(e):
                if e == .dissatisfied && c.reopenCount == 0 {
                    queue.append(Pending(at: p.at.adding(seconds: hour * Int64(1 + random(24))), id: p.id,
                                         step: .reopen(reason: "群众不满意"), unit: nil))
                } else if e == .dissatisfied {
                    queue.append(Pending(at: p.at.adding(seconds: hour), id: p.id, step: .close, unit: nil))
                } else {
                    report.closed += 1
                }
            case .reopen:
                report.reopened += 1
                queue.append(Pending(at: p.at.adding(seconds: hour * Int64(2 + random(24))), id: p.id,
                                     step: .accept(caseClass: .claim), unit: c.holder))
            case .close:
                report.closed += 1
            default:
                break
            }
        }
        // The deadlines still running at the end that have passed.
        _ = try await watcher.tick(at: end)
        var q = CaseQuery(now: end)
        q.openOnly = true
        q.limit = 500
        var cursor: String?
        repeat {
            q.cursor = cursor
            let page = try await platform.store.cases(q)
            for s in page.items {
                if let c = try await platform.store.case(s.id), let phase = Lifecycle.noticePhase(of: c), let due = alarmDue(c), end >= due {
                    missed.insert("\(c.id):\(phase)")
                }
            }
            cursor = page.nextCursor
        } while cursor != nil
        report.overdue = missed.count
        // What the watcher announced, from the history (events are the truth).
        for id in 1...Int64(max(1, try await platform.store.caseCount())) {
            for e in try await platform.store.events(of: id) where e.action == .raiseAlert {
                switch e.data["level"] {
                case "alarm": report.alarmsRaised += 1
                case "urgent": report.urgentRaised += 1
                case "warning": report.warningsRaised += 1
                default: break
                }
            }
        }
        return report
    }

    /// The instant a case of this state turns alarm (its running limit), as the alert rules define it.
    private func alarmDue(_ c: Case) -> Instant? {
        switch c.state {
        case .registered, .returnRequested: c.deadlines.dispatch
        case .dispatched, .signed, .reopened: c.deadlines.accept
        case .accepted: c.deadlines.reply
        default: nil
        }
    }
}
