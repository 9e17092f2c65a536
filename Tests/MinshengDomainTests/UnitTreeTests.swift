import Testing
@testable import MinshengDomain

/// A small city: two districts (渝中 with a center, departments, a town and a village; 江北 with a department and a
/// utility but no center of its own), the city's center and one department, and a unit whose parent is missing.
enum TreeFixture {
    static let units: [MinshengDomain.Unit] = [
        .init(id: 1, parentID: nil, name: "重庆市", level: .city, kind: .government),
        .init(id: 2, parentID: 1, name: "重庆市信访办公室", level: .city, kind: .center),
        .init(id: 3, parentID: 1, name: "渝中区", level: .district, kind: .government),
        .init(id: 4, parentID: 3, name: "渝中区城市管理局", level: .district, kind: .department),
        .init(id: 5, parentID: 3, name: "渝中区人力社保局", level: .district, kind: .department),
        .init(id: 6, parentID: 3, name: "解放碑街道", level: .town, kind: .government),
        .init(id: 7, parentID: 3, name: "渝中区信访办", level: .district, kind: .center),
        .init(id: 8, parentID: 1, name: "重庆市住房城乡建设委员会", level: .city, kind: .department),
        .init(id: 9, parentID: 1, name: "江北区", level: .district, kind: .government),
        .init(id: 10, parentID: 9, name: "江北区住房城乡建设委员会", level: .district, kind: .department),
        .init(id: 11, parentID: 6, name: "解放碑社区", level: .village, kind: .government),
        .init(id: 12, parentID: 9, name: "江北区供电公司", level: .district, kind: .utility),
        .init(id: 13, parentID: 99, name: "失联单位", level: .town, kind: .government),
    ]
    static let categories = ["城乡建设": "住房城乡建", "劳动和社会保障": "人力社保"]
    static let tree = UnitTree(units: units, categoryDepartments: categories)
}

@Suite("Unit tree")
struct UnitTreeTests {
    let tree = TreeFixture.tree

    @Test func shape() {
        #expect(tree.root == 1)
        #expect(tree.defaultCenterID == 2 && tree.defaultCenter?.name == "重庆市信访办公室")
        #expect(tree.allUnits.map(\.id) == Array(1...13))
        #expect(tree.unit(4)?.name == "渝中区城市管理局" && tree.unit(500) == nil)
    }

    @Test(arguments: [
        (1, [2, 3, 8, 9]), (3, [4, 5, 6, 7]), (6, [11]), (9, [10, 12]), (11, []), (99, [13]), (500, []),
    ] as [(UnitID, [UnitID])])
    func children(_ id: UnitID, _ expected: [UnitID]) {
        #expect(tree.children(of: id).map(\.id) == expected)
    }

    @Test(arguments: [
        (1, Set(1...12)), (3, [3, 4, 5, 6, 7, 11]), (6, [6, 11]), (9, [9, 10, 12]), (11, [11]),
        (99, [99, 13]), (500, [500]),
    ] as [(UnitID, Set<UnitID>)])
    func subtree(_ id: UnitID, _ expected: Set<UnitID>) {
        #expect(tree.subtree(of: id) == expected)
    }

    @Test(arguments: [
        (11, 1, true), (11, 3, true), (11, 6, true), (11, 11, true), (11, 9, false), (1, 3, false),
        (10, 9, true), (10, 3, false), (13, 99, true), (13, 1, false), (500, 500, true), (500, 1, false),
    ] as [(UnitID, UnitID, Bool)])
    func within(_ id: UnitID, _ root: UnitID, _ expected: Bool) {
        #expect(tree.isWithin(id, root: root) == expected)
        // The walk up and the subtree agree wherever the subtree is known.
        #expect(tree.subtree(of: root).contains(id) == expected)
    }

    @Test(arguments: [
        (nil, 11, true), (nil, nil, true), (1, nil, false), (1, 11, true), (3, 11, true), (6, 11, true),
        (11, 11, false), (3, 3, false), (9, 11, false), (11, 6, false), (1, 1, false), (1, 500, false),
    ] as [(UnitID?, UnitID?, Bool)])
    func outranks(_ unit: UnitID?, _ other: UnitID?, _ expected: Bool) {
        #expect(tree.outranks(unit, other) == expected)
    }

    @Test(arguments: [
        (4, 3), (5, 3), (6, 3), (7, 3), (11, 6), (3, 1), (2, 1), (8, 1), (10, 9), (12, 9), (1, nil), (13, nil), (500, nil),
    ] as [(UnitID, UnitID?)])
    func reviewUnit(_ id: UnitID, _ expected: UnitID?) {
        #expect(tree.reviewUnit(above: id)?.id == expected)
    }

    @Test func appealUnitFollowsWhoAnswered() {
        var c = registeredCase(at: at("2026-03-02T09:00:00+08:00"))
        c.holder = 4
        // Review: the government above the unit that answered, else the lead unit, else the holder.
        #expect(tree.appealUnit(.review, for: c) == 3)
        c.leadUnit = 10
        #expect(tree.appealUnit(.review, for: c) == 9)
        c.reply = Reply(result: .support, text: "已处理", at: at("2026-03-10T09:00:00+08:00"), unit: 11)
        #expect(tree.appealUnit(.review, for: c) == 6)
        // Re-review: the government above the unit that decided the review, else the holder.
        #expect(tree.appealUnit(.rereview, for: c) == 3)
        c.reviewDecision = Decision(result: .explain, text: "维持", at: at("2026-04-10T09:00:00+08:00"), unit: 6)
        #expect(tree.appealUnit(.rereview, for: c) == 3)
        c.reviewDecision?.unit = 3
        #expect(tree.appealUnit(.rereview, for: c) == 1)
    }

    @Test(arguments: [
        (11, 7), (6, 7), (4, 7), (3, 7), (10, 2), (12, 2), (9, 2), (1, 2), (13, 2), (500, 2),
    ] as [(UnitID, UnitID)])
    func centerNear(_ place: UnitID, _ expected: UnitID) {
        #expect(tree.center(near: place) == expected)
    }

    @Test(arguments: [
        ("城乡建设", 11, 8), ("城乡建设", 4, 8), ("城乡建设", 10, 10), ("城乡建设", 12, 10), ("城乡建设", nil, 8),
        ("劳动和社会保障", 11, 5), ("劳动和社会保障", 3, 5), ("劳动和社会保障", 9, nil), ("劳动和社会保障", nil, nil),
        ("环境保护", 11, nil), ("城乡建设", 500, 8),
    ] as [(String, UnitID?, UnitID?)])
    func suggestedUnit(_ category: String, _ place: UnitID?, _ expected: UnitID?) {
        #expect(tree.suggestedUnit(for: category, near: place) == expected)
    }

    @Test func theCityCenterIsTheHighestCenter() {
        // A district center with a smaller id does not become the default: the level decides first.
        let t = UnitTree(units: [
            .init(id: 1, parentID: nil, name: "市", level: .city, kind: .government),
            .init(id: 2, parentID: 1, name: "区", level: .district, kind: .government),
            .init(id: 3, parentID: 2, name: "区信访办", level: .district, kind: .center),
            .init(id: 4, parentID: 1, name: "市信访办", level: .city, kind: .center),
        ])
        #expect(t.defaultCenterID == 4)
        #expect(UnitTree().defaultCenterID == nil && UnitTree().root == nil)
    }

    @Test func aNewTreeReplacesTheWholeValue() {
        // Moving 江北区's department under 渝中区: children, subtrees and departments follow, the version moves on.
        var moved = TreeFixture.units[9]
        moved.parentID = 3
        let t = tree.adding([moved, .init(id: 14, parentID: 11, name: "一组", level: .village, kind: .government)])
        #expect(t.version == tree.version + 1)
        #expect(t.children(of: 3).map(\.id) == [4, 5, 6, 7, 10] && t.children(of: 9).map(\.id) == [12])
        #expect(t.subtree(of: 6) == [6, 11, 14] && t.subtree(of: 3).contains(10))
        #expect(t.suggestedUnit(for: "城乡建设", near: 11) == 10 && t.suggestedUnit(for: "城乡建设", near: 12) == 8)
        // The old value is untouched.
        #expect(tree.suggestedUnit(for: "城乡建设", near: 11) == 8 && tree.unit(14) == nil)

        let other = tree.withCategoryDepartments(["城乡建设": "城市管理"])
        #expect(other.version == tree.version + 1 && other.categoryDepartments == ["城乡建设": "城市管理"])
        #expect(other.suggestedUnit(for: "城乡建设", near: 11) == 4 && other.suggestedUnit(for: "劳动和社会保障", near: 11) == nil)
    }

    @Test(arguments: [
        (MinshengDomain.UnitLevel.district, Set([UnitKind.department]), [4, 5, 10]),
        (.district, [.department, .government], [3, 4, 5, 9, 10]),
        (.city, [.center], [2]),
        (.village, [.department], []),
    ] as [(UnitLevel, Set<UnitKind>, [UnitID])])
    func unitsOfALevel(_ level: UnitLevel, _ kinds: Set<UnitKind>, _ expected: [UnitID]) {
        #expect(tree.units(level: level, kinds: kinds).map(\.id).sorted() == expected)
    }

    @Test(arguments: [
        (11, 3, 6), (6, 3, 6), (4, 3, nil), (7, 3, nil), (3, 3, nil), (11, 1, 3), (10, 1, 9), (8, 1, nil),
        (1, 1, nil), (10, 3, nil), (500, 1, nil),
    ] as [(UnitID, UnitID, UnitID?)])
    func area(_ place: UnitID, _ root: UnitID, _ expected: UnitID?) {
        #expect(tree.area(of: place, under: root)?.id == expected)
    }
}
