import Testing
@testable import MinshengDomain

/// The scope rules over `TreeFixture` (city 1 with center 2; 渝中区 3 with departments 4, 5, town 6, center 7,
/// village 11; 江北区 9 with department 10 and utility 12).
@Suite("Scope and targets")
struct ScopeTests {
    let tree = TreeFixture.tree

    @Test(arguments: [
        (2, 1), (7, 3), (4, 4), (6, 6), (1, 1), (11, 11), (500, 500),
    ] as [(UnitID, UnitID)])
    func scopeRoot(_ unit: UnitID, _ expected: UnitID) {
        // A center's staff serve the government the center belongs to.
        #expect(tree.scopeRoot(of: unit) == expected)
    }

    @Test(arguments: [
        (2, nil), (1, nil), (7, [3, 4, 5, 6, 7, 11]), (6, [6, 11]), (4, [4]), (13, [13]),
    ] as [(UnitID, Set<UnitID>?)])
    func scopeUnits(_ unit: UnitID, _ expected: Set<UnitID>?) {
        // nil: the whole tree, no filter.
        #expect(tree.scopeUnits(of: unit) == expected)
    }

    /// The units of a case that decide who sees it (a case registered at `center`, held by `holder` …).
    struct Shape: Sendable, CustomTestStringConvertible {
        var holder: UnitID, center: UnitID = 2, lead: UnitID? = nil, co: [UnitID] = [], owner: UnitID? = nil
        var kind: CaseKind = .complaint, anonymous = false
        var testDescription: String {
            "holder \(holder) center \(center) lead \(lead.map(String.init) ?? "-") co \(co) owner \(owner.map(String.init) ?? "-") \(kind.rawValue)\(anonymous ? " anonymous" : "")"
        }
        var c: Case {
            var c = Case(id: 7, trackingCode: "T", channel: .phone, kind: kind, title: "t", content: "c",
                         citizen: Citizen(name: "张三", phone: "sealed", anonymous: anonymous), center: center, policyID: "12320",
                         registeredAt: at("2026-03-02T09:00:00+08:00"))
            c.holder = holder; c.leadUnit = lead; c.coHandlers = co
            c.owner = owner.map { Owner(id: "l", name: "领导", unit: $0, since: at("2026-03-02T10:00:00+08:00")) }
            return c
        }
    }

    static func aCase(holder: UnitID, center: UnitID = 2, lead: UnitID? = nil, co: [UnitID] = [], owner: UnitID? = nil,
                      kind: CaseKind = .complaint, anonymous: Bool = false) -> Shape {
        Shape(holder: holder, center: center, lead: lead, co: co, owner: owner, kind: kind, anonymous: anonymous)
    }

    static func event(unit: UnitID?) -> CaseEvent {
        CaseEvent(caseID: 7, seq: 2, action: .sign, at: at("2026-03-02T10:00:00+08:00"), actorID: "h", actorName: "h",
                  role: .handler, unit: unit, fromState: .dispatched, toState: .signed, note: "", data: [:])
    }

    @Test(arguments: [
        // (viewer's unit, roles, case, earlier event units, access)
        (4, [.handler], aCase(holder: 4), nil, .full),                         // holds it
        (3, [.leader], aCase(holder: 4), nil, .full),                          // above the holder
        (7, [.dispatcher], aCase(holder: 4), nil, .full),                      // the district center serves 渝中区
        (2, [.registrar], aCase(holder: 10), nil, .full),                      // the city center registered it
        (9, [.leader], aCase(holder: 4, center: 7), nil, .none),               // another district
        (10, [.handler], aCase(holder: 4, co: [10]), nil, .full),              // co-handles it
        (9, [.handler], aCase(holder: 4, center: 7, lead: 10), nil, .full),     // leads it
        (12, [.leader], aCase(holder: 4, center: 7, owner: 12), nil, .full),    // owns it
        (10, [.handler], aCase(holder: 4, center: 7), [10], .former),           // held it once
        (10, [.handler], aCase(holder: 4, center: 7), [4, nil], .none),         // others' events only
        (10, [.handler], aCase(holder: 4, center: 7), [], .none),
        (4, [.admin], aCase(holder: 4), nil, .none),                           // no case role, no citizen's case
        (1, [.admin], aCase(holder: 4), nil, .none),
        (4, [.admin, .supervisor], aCase(holder: 4), nil, .full),
        (500, [.handler], aCase(holder: 4, center: 7), nil, .none),             // an unknown unit sees nothing
    ] as [(UnitID, Set<Role>, Shape, [UnitID?]?, CaseAccess)])
    func access(_ unit: UnitID, _ roles: Set<Role>, _ shape: Shape, _ eventUnits: [UnitID?]?, _ expected: CaseAccess) {
        #expect(tree.access(unit: unit, roles: roles, to: shape.c, events: eventUnits.map { $0.map(Self.event) }) == expected)
    }

    @Test(arguments: [
        // (viewer's unit, case, may reveal the contact)
        (4, aCase(holder: 4), true),
        (2, aCase(holder: 4), true),
        (10, aCase(holder: 4), false),                           // no full access
        (2, aCase(holder: 4, kind: .report), true),              // a reporter: the registering center alone
        (4, aCase(holder: 4, kind: .report), false),
        (1, aCase(holder: 4, kind: .report), false),             // above the center, still not the center
        (2, aCase(holder: 4, anonymous: true), true),
        (4, aCase(holder: 4, anonymous: true), false),
        (7, aCase(holder: 4, center: 7, kind: .report), true),
    ] as [(UnitID, Shape, Bool)])
    func mayReveal(_ unit: UnitID, _ shape: Shape, _ expected: Bool) {
        let c = shape.c
        #expect(tree.mayReveal(c, unit: unit, roles: [.handler, .registrar]) == expected)
        #expect(!tree.mayReveal(c, unit: unit, roles: [.admin]), "no case role, no contact")
    }

    /// Every step with the units it names: all actions are listed (an action added later must be placed here).
    static let targets: [Action: [UnitID]] = [
        .dispatch: [10, 20, 21], .redispatch: [12], .transfer: [11], .addCoHandler: [13], .review: [2], .rereview: [3],
    ]

    static func step(_ a: Action) -> Step {
        a == .dispatch ? .dispatch(to: 10, mode: .assign, coHandlers: [20, 21]) : validStep(for: a)
    }

    @Test(arguments: Action.allCases.filter { $0 != .register && $0 != .raiseAlert })
    func targetUnits(_ a: Action) {
        let s = Self.step(a)
        #expect(s.targetUnits == (Self.targets[a] ?? []))
        #expect(s.sendsIntoScope == [.dispatch, .redispatch, .addCoHandler].contains(a))
    }

    @Test(arguments: [
        (Step.dispatch(to: 4, mode: .assign, coHandlers: [5]), nil),
        (.dispatch(to: 4, mode: .assign, coHandlers: [500]), .unknown(500)),
        (.dispatch(to: 500, mode: .assign, coHandlers: [7]), .unknown(500)),
        (.dispatch(to: 7, mode: .assign, coHandlers: []), .center(7)),          // a center does not handle
        (.dispatch(to: 4, mode: .assign, coHandlers: [2]), .center(2)),
        (.redispatch(to: 7, mode: .forward, reason: "r"), nil),                 // only a dispatch is refused a center
        (.transfer(to: 501, reason: "r"), .unknown(501)),
        (.addCoHandler(502), .unknown(502)),
        (.review(reason: "r", unit: 503), .unknown(503)),
        (.rereview(reason: "r", unit: 1), nil),
        (.holdAccountable(kind: .criticism, unit: 500, text: "t"), nil),        // names no holder
        (.sign, nil),
    ] as [(Step, TargetRefusal?)])
    func targetRefusal(_ step: Step, _ expected: TargetRefusal?) {
        #expect(tree.targetRefusal(of: step) == expected)
    }

    @Test(arguments: [
        // (step, scope root, first target outside it)
        (Step.dispatch(to: 4, mode: .assign, coHandlers: [5, 6]), 3, nil),
        (.dispatch(to: 4, mode: .assign, coHandlers: [10]), 3, 10),
        (.dispatch(to: 10, mode: .assign, coHandlers: [12, 4]), 3, 10),
        (.dispatch(to: 500, mode: .assign, coHandlers: []), 3, nil),            // unknown: the lifecycle's refusal
        (.redispatch(to: 10, mode: .forward, reason: "r"), 3, 10),
        (.addCoHandler(12), 3, 12),
        (.addCoHandler(12), 1, nil),
        (.transfer(to: 10, reason: "r"), 3, nil),                               // a unit's transfer is not the scope's
        (.review(reason: "r", unit: 1), 3, nil),                                // nor a citizen's appeal
    ] as [(Step, UnitID, UnitID?)])
    func outOfScope(_ step: Step, _ root: UnitID, _ expected: UnitID?) {
        #expect(tree.outOfScopeTarget(of: step, scopeRoot: root) == expected)
    }
}

extension ScopeTests {
    @Test(arguments: [
        (1, nil), (500, nil), (3, [3, 4, 5, 6, 7, 11]), (11, [11]), (99, nil),
    ] as [(UnitID, Set<UnitID>?)])
    func scopeUnitsUnderARoot(_ root: UnitID, _ expected: Set<UnitID>?) {
        // The top or an unknown unit: no filter (the whole tree).
        #expect(tree.scopeUnits(under: root) == expected)
    }
}
