import Foundation
import Testing
@testable import MinshengDomain

// Shared fixtures for the domain tests. Nothing here reads the wall clock: every instant is written out.

/// An instant written in ISO 8601; a malformed literal is a test bug and is recorded as an issue.
func at(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Instant {
    guard let i = Instant.parse(text) else {
        Issue.record("not an instant: \(text)", sourceLocation: sourceLocation)
        return Instant(seconds: 0)
    }
    return i
}

/// A civil date written as YYYY-MM-DD.
func day(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Day {
    guard let d = Day(text) else {
        Issue.record("not a date: \(text)", sourceLocation: sourceLocation)
        return Day(daysSinceEpoch: 0)
    }
    return d
}

enum Fixtures {
    /// <repository>/Sources/MinshengServer/Resources/calendars, found from this file's path
    /// (symlinks resolved, so the suite also runs from a throwaway package that links this folder).
    static let calendarsDirectory: URL = {
        let me = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let root = me.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("Sources/MinshengServer/Resources/calendars", isDirectory: true)
    }()

    static func calendarText(year: Int) -> String {
        let url = calendarsDirectory.appendingPathComponent("cn-\(year).txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("cannot read calendar file \(url.path)")
        }
        return text
    }

    static func loadCalendar(year: Int) -> WorkCalendar {
        do {
            return try WorkCalendar.parse(calendarText(year: year))
        } catch {
            fatalError("shipped calendar cn-\(year).txt does not parse: \(error)")
        }
    }

    static let cn2025 = loadCalendar(year: 2025)
    static let cn2026 = loadCalendar(year: 2026)
    /// Both shipped years, as the server loads them.
    static let china = cn2025.replacingYears(with: cn2026)

    static let rules12320 = DeadlineRules(policy: .local12320, calendar: china)
    static let rulesStatute = DeadlineRules(policy: .statute, calendar: china)
}

// MARK: - Actors and units

let centerID: UnitID = 1      // 民生办: registers and dispatches
let handlerUnit: UnitID = 10  // first unit the case is dispatched to
let transferUnit: UnitID = 11 // unit a case is transferred to
let redispatchUnit: UnitID = 12
let coHandlerUnit: UnitID = 13
let reviewUnit: UnitID = 2    // level above the handler: reviews
let rereviewUnit: UnitID = 3  // level above that: re-reviews

let admin = Actor(id: "u-admin", name: "管理员", role: .admin, unit: nil)
let registrar = Actor(id: "u-reg", name: "李登记", role: .registrar, unit: centerID)
let dispatcher = Actor(id: "u-disp", name: "王分拨", role: .dispatcher, unit: centerID)
let citizen = Actor(id: "c-1", name: "张三", role: .citizen, unit: nil)
func handler(_ unit: UnitID) -> Actor { Actor(id: "h-\(unit)", name: "承办人\(unit)", role: .handler, unit: unit) }
func leader(_ unit: UnitID) -> Actor { Actor(id: "l-\(unit)", name: "领导\(unit)", role: .leader, unit: unit) }

// MARK: - Cases

/// A new case registered at `registeredAt` (version 1, state registered).
func registeredCase(at registeredAt: Instant, rules: DeadlineRules = Fixtures.rules12320) -> Case {
    let c = Case(id: 42, trackingCode: "MS2026-000042", channel: .phone, kind: .complaint,
                 title: "小区夜间施工噪音", content: "晚上十一点后仍在施工", citizen: Citizen(name: "张三", phone: "13800000000"),
                 center: centerID, policyID: rules.policy.id, registeredAt: registeredAt)
    return Lifecycle.register(c, by: registrar, rules: rules).0
}

/// A valid step for each action, with sensible fields (dispatch to unit 10, transfer to 11, review with unit 2 …).
func validStep(for action: Action) -> Step {
    switch action {
    case .register, .raiseAlert: fatalError("\(action) is not a Step")
    case .remind: .remind
    case .superviseOrder: .superviseOrder(text: "请于3日内办结并书面回复", due: Instant(seconds: 4_102_444_800))
    case .respondSupervision: .respondSupervision(text: "已办结")
    case .fieldCheck: .fieldCheck(kind: .procedure, finding: "程序合规")
    case .holdAccountable: .holdAccountable(kind: .criticism, unit: nil, text: "逾期未办，通报批评")
    case .takeOwnership: .takeOwnership(outranksOwner: false)
    case .releaseOwnership: .releaseOwnership
    case .dispatch: .dispatch(to: handlerUnit, mode: .assign, coHandlers: [])
    case .redispatch: .redispatch(to: redispatchUnit, mode: .forward, reason: "原单位无管辖权，改派")
    case .sign: .sign
    case .return: .return(reason: "非本单位职责")
    case .object: .object(reason: "派单错误，应由住建委办理")
    case .approveReturn: .approveReturn
    case .denyReturn: .denyReturn(reason: "属于本单位职责范围")
    case .transfer: .transfer(to: transferUnit, reason: "涉及燃气管道，移交燃气公司")
    case .addCoHandler: .addCoHandler(coHandlerUnit)
    case .accept: .accept(caseClass: .claim)
    case .reject: .reject(route: .litigation, reason: "已进入诉讼程序")
    case .requestExtension: .requestExtension(amount: 5, reason: "需现场勘验")
    case .approveExtension: .approveExtension(amount: nil)
    case .denyExtension: .denyExtension(reason: "理由不充分")
    case .pause: .pause(reason: .hearing)
    case .resume: .resume
    case .handOff: .handOff(to: .police)
    case .reply: .reply(result: .support, text: "已责令施工单位停止夜间施工")
    case .evaluate: .evaluate(.satisfied)
    case .reopen: .reopen(reason: "群众反映问题仍未解决")
    case .close: .close
    case .review: .review(reason: "对答复不服", unit: reviewUnit)
    case .decideReview: .decideReview(result: .explain, text: "维持原处理意见")
    case .rereview: .rereview(reason: "对复查意见不服", unit: rereviewUnit)
    case .decideRereview: .decideRereview(result: .notSupported, text: "复核维持")
    case .note: .note
    }
}

/// Steps (taken by a platform admin) that lead a fresh case into `state`.
func path(to state: CaseState) -> [Step] {
    let toReplied: [Step] = [validStep(for: .dispatch), .sign, validStep(for: .accept), validStep(for: .reply)]
    switch state {
    case .registered: return []
    case .dispatched: return [validStep(for: .dispatch)]
    case .signed: return [validStep(for: .dispatch), .sign]
    case .returnRequested: return [validStep(for: .dispatch), validStep(for: .return)]
    case .accepted: return [validStep(for: .dispatch), .sign, validStep(for: .accept)]
    case .rejected: return [validStep(for: .dispatch), .sign, validStep(for: .reject)]
    case .replied: return toReplied
    case .reopened: return toReplied + [.evaluate(.dissatisfied), validStep(for: .reopen)]
    case .closed: return toReplied + [.evaluate(.satisfied)]
    case .reviewing: return toReplied + [validStep(for: .review)]
    case .reviewed: return toReplied + [validStep(for: .review), validStep(for: .decideReview)]
    case .rereviewing: return toReplied + [validStep(for: .review), validStep(for: .decideReview), validStep(for: .rereview)]
    case .final: return toReplied + [validStep(for: .review), validStep(for: .decideReview), validStep(for: .rereview),
                                     validStep(for: .decideRereview)]
    case .handedOff: return [.handOff(to: .fire)]
    }
}

/// Drives a case through steps, one hour apart, keeping the events.
struct Driver {
    var c: Case
    var now: Instant
    var events: [CaseEvent] = []
    let rules: DeadlineRules

    init(registeredAt: Instant, rules: DeadlineRules = Fixtures.rules12320) {
        self.rules = rules
        c = registeredCase(at: registeredAt, rules: rules)
        now = registeredAt
    }

    /// Applies `step` at `time` (default: one hour after the previous step).
    @discardableResult
    mutating func apply(_ step: Step, by actor: Actor = admin, at time: Instant? = nil, note: String = "") throws(LifecycleError) -> CaseEvent {
        let t = time ?? now.adding(hours: 1)
        let (next, event) = try Lifecycle.apply(step, to: c, by: actor, at: t, note: note, rules: rules)
        c = next
        now = t
        events.append(event)
        return event
    }

    /// The error `step` is refused with, or nil if it would succeed (the driver is not changed either way).
    func refusal(_ step: Step, by actor: Actor = admin, at time: Instant? = nil, note: String = "") -> LifecycleError? {
        do {
            _ = try Lifecycle.apply(step, to: c, by: actor, at: time ?? now.adding(hours: 1), note: note, rules: rules)
            return nil
        } catch {
            return error
        }
    }
}

/// A case driven by an admin into `state`, registered at `registeredAt`.
func driver(in state: CaseState, registeredAt: Instant = Instant.parse("2026-03-02T09:00:00+08:00")!,
            rules: DeadlineRules = Fixtures.rules12320) throws(LifecycleError) -> Driver {
    var d = Driver(registeredAt: registeredAt, rules: rules)
    for step in path(to: state) { try d.apply(step) }
    return d
}
