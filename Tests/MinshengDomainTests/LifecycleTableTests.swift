import Testing
@testable import MinshengDomain

/// The lifecycle table, exhaustively: every state × every action (except register, which is not a Step).
@Suite("Lifecycle table")
struct LifecycleTableTests {
    enum Outcome: Sendable, Equatable {
        /// The step succeeds and leaves the case in this state; `holder` is checked when given.
        case to(CaseState, holder: UnitID?)
        /// The step is legal in this state but a condition refuses it.
        case fails(LifecycleError)
    }

    /// Written by hand from DESIGN.md "Lifecycle" (and the words table): what each legal step does to a case
    /// that an admin drove into the state along `path(to:)` (dispatched to unit 10, accepted by it, replied, …).
    /// A pair missing here is illegal.
    static let expected: [CaseState: [Action: Outcome]] = {
        // Supervision and leader ownership apply to every open case and leave its state alone.
        var table = byState
        for (state, var row) in table where state.isOpen {
            for action in Lifecycle.supervision {
                row[action] = action == .respondSupervision
                    ? .fails(.noPendingRequest(action: .respondSupervision)) // no order to answer yet
                    : .to(state, holder: nil)
            }
            row[.releaseOwnership] = .fails(.noPendingRequest(action: .releaseOwnership)) // no leader owns it yet
            table[state] = row
        }
        return table
    }()

    static let byState: [CaseState: [Action: Outcome]] = [
        .registered: [
            .dispatch: .to(.dispatched, holder: handlerUnit),
            .handOff: .to(.handedOff, holder: centerID),           // emergencies go to 110/119/120/122 at once
            .reply: .to(.replied, holder: centerID),               // the center may answer a consultation directly
            .note: .to(.registered, holder: centerID),
        ],
        .dispatched: [
            .sign: .to(.signed, holder: handlerUnit),
            .object: .to(.returnRequested, holder: centerID),      // 退单: back to the center to decide
            .return: .to(.returnRequested, holder: centerID),
            .redispatch: .to(.dispatched, holder: redispatchUnit), // 改派
            .addCoHandler: .to(.dispatched, holder: handlerUnit),
            .pause: .to(.dispatched, holder: handlerUnit),
            .resume: .fails(.notPaused),
            .note: .to(.dispatched, holder: handlerUnit),
        ],
        .signed: [
            .accept: .to(.accepted, holder: handlerUnit),
            .reject: .to(.rejected, holder: nil),
            .object: .to(.returnRequested, holder: centerID),
            .return: .to(.returnRequested, holder: centerID),
            .transfer: .to(.dispatched, holder: transferUnit),     // first-receiver: transfers with a reason
            .addCoHandler: .to(.signed, holder: handlerUnit),
            .pause: .to(.signed, holder: handlerUnit),
            .resume: .fails(.notPaused),
            .note: .to(.signed, holder: handlerUnit),
        ],
        .returnRequested: [ // returned from `dispatched` by unit 10
            .approveReturn: .to(.registered, holder: centerID),
            .denyReturn: .to(.dispatched, holder: handlerUnit),    // back to the previous state and unit
            .redispatch: .to(.dispatched, holder: redispatchUnit),
            .note: .to(.returnRequested, holder: centerID),
        ],
        .accepted: [
            .reply: .to(.replied, holder: centerID),
            .transfer: .to(.dispatched, holder: transferUnit),
            .addCoHandler: .to(.accepted, holder: handlerUnit),
            .requestExtension: .to(.accepted, holder: handlerUnit),
            .approveExtension: .fails(.noPendingRequest(action: .approveExtension)),
            .denyExtension: .fails(.noPendingRequest(action: .denyExtension)),
            .pause: .to(.accepted, holder: handlerUnit),
            .resume: .fails(.notPaused),
            .note: .to(.accepted, holder: handlerUnit),
        ],
        .rejected: [
            .close: .to(.closed, holder: nil),
            .note: .to(.rejected, holder: nil),
        ],
        .replied: [
            .evaluate: .to(.closed, holder: centerID),             // satisfied
            .reopen: .to(.reopened, holder: handlerUnit),          // back to the lead unit
            .close: .to(.closed, holder: centerID),
            .review: .to(.reviewing, holder: reviewUnit),
            .note: .to(.replied, holder: centerID),
        ],
        .reopened: [
            .accept: .to(.accepted, holder: handlerUnit),
            .transfer: .to(.dispatched, holder: transferUnit),
            .addCoHandler: .to(.reopened, holder: handlerUnit),
            .pause: .to(.reopened, holder: handlerUnit),
            .resume: .fails(.notPaused),
            .note: .to(.reopened, holder: handlerUnit),
        ],
        .closed: [
            .review: .to(.reviewing, holder: reviewUnit),          // the citizen may still appeal within 30 days
            .note: .to(.closed, holder: centerID),
        ],
        .reviewing: [
            .decideReview: .to(.reviewed, holder: nil),
            .pause: .to(.reviewing, holder: reviewUnit),           // hearing time is not counted
            .resume: .fails(.notPaused),
            .note: .to(.reviewing, holder: reviewUnit),
        ],
        .reviewed: [
            .rereview: .to(.rereviewing, holder: rereviewUnit),
            .close: .to(.closed, holder: nil),
            .note: .to(.reviewed, holder: nil),
        ],
        .rereviewing: [
            .decideRereview: .to(.final, holder: nil),
            .pause: .to(.rereviewing, holder: rereviewUnit),
            .resume: .fails(.notPaused),
            .note: .to(.rereviewing, holder: rereviewUnit),
        ],
        .final: [.note: .to(.final, holder: nil)],                 // not accepted again
        .handedOff: [.note: .to(.handedOff, holder: nil)],
    ]

    static let steppable = Action.steps

    @Test(arguments: CaseState.allCases)
    func everyStateIsReachable(_ state: CaseState) throws {
        let d = try driver(in: state)
        #expect(d.c.state == state)
        #expect(d.c.version == 1 + path(to: state).count)
        #expect(d.events.map(\.seq) == Array(2..<(2 + path(to: state).count)))
    }

    @Test(arguments: CaseState.allCases)
    func allowedActionsMatchTheHandTable(_ state: CaseState) {
        let allowed = Lifecycle.allowedActions(in: state)
        #expect(Set(allowed) == Set(Self.expected[state]!.keys))
        #expect(allowed.count == Set(allowed).count, "no action listed twice")
        #expect(!allowed.contains(.register))
        #expect(allowed.contains(.note), "a note can always be added (痕迹管理)")
    }

    @Test(arguments: CaseState.allCases, steppable)
    func step(_ state: CaseState, _ action: Action) throws {
        let d = try driver(in: state)
        try #require(d.c.state == state)
        let step = validStep(for: action)
        #expect(step.action == action)
        let now = d.now.adding(hours: 1)
        let allowed = Lifecycle.allowedActions(in: state)
        let result: Result<(Case, CaseEvent), LifecycleError>
        do {
            result = .success(try Lifecycle.apply(step, to: d.c, by: admin, at: now, note: "跟进记录", rules: d.rules))
        } catch {
            result = .failure(error)
        }

        guard allowed.contains(action) else {
            switch result {
            case .success(let (c, _)):
                Issue.record("\(action) in \(state) is not allowed but succeeded → \(c.state)")
            case .failure(let error):
                #expect(error == .illegalStep(action: action, state: state, allowed: allowed))
                #expect(error.code == "illegal_step")
            }
            #expect(Self.expected[state]?[action] == nil)
            return
        }

        guard let outcome = Self.expected[state]?[action] else {
            Issue.record("\(action) is allowed in \(state) but the hand table does not expect it")
            return
        }
        switch (result, outcome) {
        case let (.success((c, event)), .to(expectedState, holder)):
            #expect(c.state == expectedState)
            if let holder { #expect(c.holder == holder) }
            #expect(c.version == d.c.version + 1)
            #expect(c.updatedAt == now)
            #expect(event.seq == c.version)
            #expect(event.caseID == d.c.id)
            #expect(event.action == action)
            #expect(event.at == now)
            #expect(event.fromState == state)
            #expect(event.toState == expectedState)
            #expect(event.actorID == admin.id)
            #expect(event.role == .admin)
            #expect(event.unit == centerID, "an admin without a unit acts for the center")
            #expect(event.note == "跟进记录")
        case let (.failure(error), .fails(expectedError)):
            #expect(error == expectedError)
            if case .illegalStep = error { Issue.record("a legal step was refused as illegal") }
        case let (.success((c, _)), .fails(expectedError)):
            Issue.record("\(action) in \(state) succeeded (→ \(c.state)), expected \(expectedError)")
        case let (.failure(error), .to(expectedState, _)):
            Issue.record("\(action) in \(state) failed with \(error) (\(error.message)), expected → \(expectedState)")
        }
    }

    @Test func dissatisfiedEvaluationStaysReplied() throws {
        var d = try driver(in: .replied)
        let e = try d.apply(.evaluate(.dissatisfied))
        #expect(d.c.state == .replied)
        #expect(d.c.evaluation == .dissatisfied)
        #expect(e.fromState == .replied && e.toState == .replied)
        #expect(e.data["evaluation"] == "dissatisfied")
        // then reopen → reopened → accepted, as in the diagram
        try d.apply(validStep(for: .reopen))
        #expect(d.c.state == .reopened)
        try d.apply(.accept(caseClass: nil))
        #expect(d.c.state == .accepted)
        #expect(d.c.holder == handlerUnit)
    }

    @Test func basicallySatisfiedCloses() throws {
        var d = try driver(in: .replied)
        try d.apply(.evaluate(.basicallySatisfied))
        #expect(d.c.state == .closed)
        #expect(d.c.evaluation == .basicallySatisfied)
    }

    @Test func denyReturnRestoresSignedState() throws {
        var d = try driver(in: .signed)
        try d.apply(.object(reason: "派错单位"))
        #expect(d.c.state == .returnRequested)
        #expect(d.c.returnRequest == ReturnRequest(isObjection: true, reason: "派错单位", fromState: .signed, fromUnit: handlerUnit))
        try d.apply(.denyReturn(reason: "属本单位职责"))
        #expect(d.c.state == .signed)
        #expect(d.c.holder == handlerUnit)
        #expect(d.c.returnRequest == nil)
    }

    @Test func transferDeliversToTheNewUnitWithTheReasonKept() throws {
        var d = try driver(in: .accepted)
        let e = try d.apply(.transfer(to: transferUnit, reason: "属燃气公司职责"))
        #expect(d.c.state == .dispatched)
        #expect(d.c.holder == transferUnit)
        #expect(d.c.leadUnit == nil)
        #expect(d.c.deadlines.reply == nil, "the new unit has not accepted yet")
        #expect(d.c.deliveredAt == d.now)
        #expect(d.c.dispatchMode == .assign, "the mode of the original dispatch is kept")
        #expect(e.data["reason"] == "属燃气公司职责")
        #expect(e.data["fromUnit"] == "10")
        #expect(e.data["toUnit"] == "11")
    }
}
