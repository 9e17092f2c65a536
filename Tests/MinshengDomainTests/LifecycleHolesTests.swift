import Testing
@testable import MinshengDomain

/// Issue 16 items 5 and 8: what users read and rely on is true. `driver(in:)` registers a case Mon 2026-03-02 09:00
/// (China time) and takes each step of `path(to:)` an hour later: dispatch 10:00, sign 11:00, accept 12:00, reply 13:00 …
@Suite("Lifecycle holes")
struct LifecycleHolesTests {
    // MARK: return has the objection window

    /// 12320: 2 working days from the delivery Mon 03-02 → the window closes Thu 03-05 00:00; statute: 5 → Tue 03-10.
    static let windows: [(action: Action, state: CaseState, policy: String, closes: String)] = [
        (.return, .dispatched, "12320", "2026-03-05T00:00:00+08:00"),
        (.return, .signed, "12320", "2026-03-05T00:00:00+08:00"),
        (.object, .dispatched, "12320", "2026-03-05T00:00:00+08:00"),
        (.object, .signed, "12320", "2026-03-05T00:00:00+08:00"),
        (.return, .signed, "statute", "2026-03-10T00:00:00+08:00"),
        (.object, .dispatched, "statute", "2026-03-10T00:00:00+08:00"),
    ]

    @Test(arguments: windows)
    func returnAndObjectionShareTheWindow(_ row: (action: Action, state: CaseState, policy: String, closes: String)) throws {
        let d = try driver(in: row.state, rules: row.policy == "statute" ? Fixtures.rulesStatute : Fixtures.rules12320)
        let closes = at(row.closes)
        #expect(d.c.deadlines.object == closes)
        let step = validStep(for: row.action)
        #expect(d.refusal(step, by: handler(handlerUnit), at: closes.adding(seconds: -1)) == nil)
        let refused = try #require(d.refusal(step, by: handler(handlerUnit), at: closes))
        #expect(refused == .windowClosed(action: row.action, deadline: closes))
        #expect(refused.code == "window_closed")
        #expect(refused.message.contains(row.action.label) && refused.message.contains(row.closes))
        #expect(d.refusal(step, by: handler(handlerUnit), at: at("2026-03-20T10:00:00+08:00")) == .windowClosed(action: row.action, deadline: closes))
        #expect(!Lifecycle.permits(row.action, on: d.c, by: handler(handlerUnit), at: closes))
        #expect(Lifecycle.permits(row.action, on: d.c, by: handler(handlerUnit), at: closes.adding(seconds: -1)))
    }

    // MARK: no second objection after a denied one

    @Test func aDeniedObjectionIsNotRaisedAgainNorAsAReturn() throws {
        var d = try driver(in: .dispatched)
        try d.apply(validStep(for: .object), by: handler(handlerUnit))
        try d.apply(.denyReturn(reason: "属于本单位职责范围"), by: dispatcher)
        #expect(d.c.state == .dispatched && d.c.holder == handlerUnit && d.c.returnRequest == nil)
        #expect(d.c.objectionDenied?.isObjection == true && d.c.objectionDenied?.fromUnit == handlerUnit)
        for again in [Action.object, .return] {
            let refused = try #require(d.refusal(validStep(for: again), by: handler(handlerUnit)))
            guard case let .objectionDenied(action, denied) = refused else { Issue.record("\(again): \(refused)"); continue }
            #expect(action == again && denied.reason == "派单错误，应由住建委办理")
            #expect(refused.code == "objection_denied")
            #expect(refused.message.contains("“退单（异议）”已被分拨中心驳回") && refused.message.contains("不能再“\(again.label)”"))
            #expect(!Lifecycle.permits(again, on: d.c, by: handler(handlerUnit), at: d.now.adding(hours: 1)))
        }
        // Signing and handling go on; after signing, still no second objection.
        try d.apply(.sign, by: handler(handlerUnit))
        #expect(d.refusal(validStep(for: .object), by: handler(handlerUnit))?.code == "objection_denied")
        // A unit the case is delivered to anew has its own objection right.
        try d.apply(.transfer(to: transferUnit, reason: "属燃气公司"), by: handler(handlerUnit))
        #expect(d.c.objectionDenied == nil)
        #expect(d.refusal(validStep(for: .object), by: handler(transferUnit)) == nil)
    }

    @Test func aDeniedPlainReturnLeavesTheObjectionRight() throws {
        var d = try driver(in: .signed)
        try d.apply(validStep(for: .return), by: handler(handlerUnit))
        try d.apply(.denyReturn(reason: "材料已齐全"), by: dispatcher)
        #expect(d.c.objectionDenied == nil)
        #expect(d.refusal(validStep(for: .return), by: handler(handlerUnit)) == nil)
        #expect(d.refusal(validStep(for: .object), by: handler(handlerUnit)) == nil)
    }

    // MARK: the review permission follows the window

    @Test func reviewIsPermittedOnlyWithinItsWindow() throws {
        // replied Mon 03-02 13:00: 30 days → the window closes Thu 04-02 00:00
        var d = try driver(in: .replied)
        let closes = at("2026-04-02T00:00:00+08:00")
        #expect(d.c.deadlines.reviewRequest == closes)
        #expect(Lifecycle.permits(.review, on: d.c, by: citizen, at: closes.adding(seconds: -1)))
        #expect(!Lifecycle.permits(.review, on: d.c, by: citizen, at: closes))
        try d.apply(.evaluate(.satisfied), by: citizen)
        #expect(d.c.state == .closed)
        #expect(Lifecycle.permits(.review, on: d.c, by: citizen, at: at("2026-03-31T10:00:00+08:00")))
        #expect(!Lifecycle.permits(.review, on: d.c, by: citizen, at: at("2026-05-01T10:00:00+08:00")))
        // re-review: 30 days from the review decision (Mon 03-02 15:00 → 04-02 00:00)
        let reviewed = try driver(in: .reviewed)
        #expect(Lifecycle.permits(.rereview, on: reviewed.c, by: citizen, at: closes.adding(seconds: -1)))
        #expect(!Lifecycle.permits(.rereview, on: reviewed.c, by: citizen, at: closes))
        #expect(!Lifecycle.permits(.review, on: reviewed.c, by: citizen, at: at("2026-03-03T10:00:00+08:00")), "no second review")
    }

    // MARK: leader ownership

    @Test func ownershipIsReleasedOrTakenFromAbove() throws {
        var d = try driver(in: .accepted)
        let first = leader(handlerUnit), peer = leader(transferUnit), higher = leader(reviewUnit)
        var e = try d.apply(.takeOwnership(outranksOwner: false), by: first, at: at("2026-03-03T09:00:00+08:00"))
        let owner = Owner(id: first.id, name: first.name, unit: handlerUnit, since: at("2026-03-03T09:00:00+08:00"))
        #expect(d.c.owner == owner)
        #expect(e.data == ["owner": first.id, "ownerName": first.name])
        // Another leader, not above the owner: refused, naming the owner.
        let refused = try #require(d.refusal(.takeOwnership(outranksOwner: false), by: peer))
        #expect(refused == .ownedByOther(action: .takeOwnership, owner: owner))
        #expect(refused.code == "owned_by_other")
        #expect(refused.message.contains(first.name) && refused.message.contains("解除领办"))
        // Only the owner releases.
        #expect(d.refusal(.releaseOwnership, by: peer) == .ownedByOther(action: .releaseOwnership, owner: owner))
        #expect(!Lifecycle.permits(.releaseOwnership, on: d.c, by: peer, at: d.now.adding(hours: 1)))
        #expect(Lifecycle.permits(.releaseOwnership, on: d.c, by: first, at: d.now.adding(hours: 1)))
        e = try d.apply(.releaseOwnership, by: first)
        #expect(d.c.owner == nil && d.c.state == .accepted)
        #expect(e.action == .releaseOwnership && e.data == ["owner": first.id, "ownerName": first.name])
        #expect(d.refusal(.releaseOwnership, by: first) == .noPendingRequest(action: .releaseOwnership))
        // Released: the other leader takes it; then a leader above takes it over without a release.
        try d.apply(.takeOwnership(outranksOwner: false), by: peer)
        #expect(d.c.owner?.id == peer.id)
        e = try d.apply(.takeOwnership(outranksOwner: true), by: higher)
        #expect(d.c.owner?.id == higher.id && d.c.owner?.unit == reviewUnit)
        #expect(e.data["previousOwner"] == peer.id && e.data["previousOwnerName"] == peer.name)
    }

    // MARK: resume moves only the pending deadlines

    /// Paused Tue 03-03 10:00, resumed Thu 03-05 15:00: 2 working days (03-04, 03-05) given back to the limits
    /// still running; the limits of steps already taken stay as they were.
    static let resumes: [(state: CaseState, moves: Set<DeadlineStep>)] = [
        (.dispatched, [.sign, .object, .accept]),
        (.signed, [.object, .accept]),
        (.accepted, [.reply]),
        (.reopened, [.accept]),
        (.reviewing, [.reviewDecision]),
        (.rereviewing, [.rereviewDecision]),
    ]

    @Test(arguments: resumes)
    func resumeMovesOnlyThePendingDeadlines(_ row: (state: CaseState, moves: Set<DeadlineStep>)) throws {
        var d = try driver(in: row.state)
        let before = d.c.deadlines
        try d.apply(.pause(reason: .hearing), at: at("2026-03-03T10:00:00+08:00"))
        try d.apply(.resume, at: at("2026-03-05T15:00:00+08:00"))
        for step in DeadlineStep.allCases where step != .extensionCap {
            if row.moves.contains(step) {
                let old = try #require(before[step], "\(row.state): \(step) should be running")
                #expect(d.c.deadlines[step]! > old, "\(row.state): \(step) must move")
            } else {
                #expect(d.c.deadlines[step] == before[step], "\(row.state): \(step) is done (or not started) and must stay")
            }
        }
        let warningMoves = [.dispatched, .signed, .reopened].contains(row.state)
        #expect((d.c.deadlines.warning != before.warning) == warningMoves, "\(row.state): warning")
    }

    @Test func resumeGivesTheRunningLimitItsTimeBack() throws {
        var d = try driver(in: .signed)
        try d.apply(.pause(reason: .hearing), at: at("2026-03-03T10:00:00+08:00"))
        try d.apply(.resume, at: at("2026-03-05T15:00:00+08:00"))
        #expect(d.c.deadlines.sign == at("2026-03-05T00:00:00+08:00"), "signed Mon 03-02 11:00: its limit stays")
        #expect(d.c.deadlines.accept == at("2026-03-10T00:00:00+08:00"), "Thu 03-05 + 2 working days → Mon 03-09")
    }

    // MARK: 终结 is final

    @Test func aFinalMatterIsRegisteredAndNotAcceptedAgain() {
        let registered = registeredCase(at: at("2026-06-01T09:00:00+08:00"))
        let (c, e) = Lifecycle.refuseFinalMatter(registered, finalCase: 7, by: registrar, at: at("2026-06-01T09:00:05+08:00"))
        #expect(c.state == .rejected && !c.state.isOpen && c.currentDue == nil)
        #expect(c.rejection == .alreadyHandled && c.finalCase == 7 && c.holder == centerID)
        #expect(c.deadlines.dispatch == nil)
        #expect(c.version == 2 && c.updatedAt == at("2026-06-01T09:00:05+08:00"))
        #expect(e.seq == 2 && e.action == .reject && e.fromState == .registered && e.toState == .rejected)
        #expect(e.actorID == registrar.id && e.unit == centerID)
        #expect(e.data == ["route": "alreadyHandled", "reason": "已经复核终结，不再受理（《信访工作条例》第三十六条）", "finalCase": "7"])
        #expect(c.rejectionNotice == "您反映的事项已经复核终结，不再受理（《信访工作条例》第三十六条）")
        // An ordinary rejection names its route.
        var other = registered
        other.rejection = .litigation
        #expect(other.rejectionNotice == "请通过诉讼途径解决")
        #expect(registered.rejectionNotice == nil)
    }

    // MARK: one wording of "by the end of day D"

    static let wordings: [(instant: String, reads: String)] = [
        ("2026-02-26T00:00:00+08:00", "2026年2月25日24时"),
        ("2026-02-25T16:00:00Z", "2026年2月25日24时"),       // the same instant, written in UTC
        ("2026-01-01T00:00:00+08:00", "2025年12月31日24时"),
        ("2026-03-01T00:00:00+08:00", "2026年2月28日24时"),
        ("2026-02-25T14:30:00+08:00", "2026年2月25日14时30分"), // an hour limit
        ("2026-02-25T09:05:00+08:00", "2026年2月25日9时05分"),
    ]

    @Test(arguments: wordings)
    func deadlineWording(_ row: (instant: String, reads: String)) {
        #expect(at(row.instant).deadlineText == row.reads)
    }
}
