import Testing
@testable import MinshengServer
import MinshengDomain

@Suite("Demo units")
struct DemoUnitsTests {
    let units = DemoUnits.all()

    @Test func totalIsInRange() {
        #expect(units.count >= 20_000 && units.count <= 24_000, "total \(units.count)")
    }

    @Test func cityAndItsCenter() throws {
        let city = try #require(units.first)
        #expect(city.id == 1 && city.parentID == nil && city.name == "重庆市")
        #expect(city.level == .city && city.kind == .government)
        let center = units[1]
        #expect(center.id == 2 && center.parentID == 1 && center.name == "重庆市信访办公室")
        #expect(center.level == .city && center.kind == .center)
        let cityChildren = units.filter { $0.parentID == 1 && $0.level == .city }
        #expect(cityChildren.filter { $0.kind == .center }.count == 1)
        #expect(cityChildren.filter { $0.kind == .department }.count >= 26)
        #expect(cityChildren.filter { $0.kind == .utility }.count >= 6)
        #expect(units.filter { $0.parentID == nil }.count == 1)
    }

    @Test func fortyOneDistrictLevelUnits() {
        let districts = units.filter { $0.parentID == 1 && $0.level == .district }
        #expect(districts.count == 41)
        #expect(districts.allSatisfy { $0.kind == .government })
        let names = Set(districts.map(\.name))
        for name in ["渝中区", "两江新区", "重庆高新区", "万盛经开区", "彭水苗族土家族自治县", "万州区", "忠县", "城口县"] {
            #expect(names.contains(name), "missing \(name)")
        }
        #expect(districts.filter { $0.name.hasSuffix("区") && !["两江新区", "重庆高新区", "万盛经开区"].contains($0.name) }.count == 26)
        #expect(districts.filter { $0.name.hasSuffix("县") }.count == 12)
    }

    @Test func everyDistrictHasOneCenterAndItsUnits() {
        let districtIDs = Set(units.filter { $0.level == .district && $0.kind == .government }.map(\.id))
        var centers: [UnitID: Int] = [:], departments: [UnitID: Int] = [:], utilities: [UnitID: Int] = [:], towns: [UnitID: Int] = [:]
        for unit in units {
            guard let parent = unit.parentID, districtIDs.contains(parent) else { continue }
            switch (unit.level, unit.kind) {
            case (.district, .center): centers[parent, default: 0] += 1
            case (.district, .department): departments[parent, default: 0] += 1
            case (.district, .utility): utilities[parent, default: 0] += 1
            case (.town, .government): towns[parent, default: 0] += 1
            default: Issue.record("unexpected child of a district: \(unit)")
            }
        }
        for id in districtIDs {
            #expect(centers[id] == 1, "district \(id) centers \(centers[id] ?? 0)")
            #expect((departments[id] ?? 0) >= 18)
            #expect((utilities[id] ?? 0) >= 3)
            #expect((15...35).contains(towns[id] ?? 0), "district \(id) towns \(towns[id] ?? 0)")
        }
        let yuzhong = units.first { $0.name == "渝中区" }!
        #expect(units.contains { $0.parentID == yuzhong.id && $0.name == "渝中区信访办公室" && $0.kind == .center })
        #expect(units.contains { $0.parentID == yuzhong.id && $0.name == "渝中区人力社保局" })
        #expect(units.contains { $0.parentID == yuzhong.id && $0.name == "国网重庆渝中供电公司" })
    }

    @Test func idsInOrderAndParentsFirst() {
        for (index, unit) in units.enumerated() {
            #expect(unit.id == UnitID(index + 1))
            if let parent = unit.parentID {
                #expect(parent >= 1 && parent < unit.id, "unit \(unit.id) has parent \(parent)")
            }
        }
    }

    @Test func namesUniqueAmongSiblings() {
        var seen = Set<String>()
        for unit in units {
            let key = "\(unit.parentID ?? 0)|\(unit.name)"
            #expect(seen.insert(key).inserted, "duplicate sibling name \(unit.name) under \(unit.parentID ?? 0)")
        }
    }

    @Test func levelsConsistent() {
        let byID = Dictionary(uniqueKeysWithValues: units.map { ($0.id, $0) })
        for unit in units {
            guard let parentID = unit.parentID else {
                #expect(unit.level == .city)
                continue
            }
            let parent = byID[parentID]!
            #expect(parent.kind == .government, "parent of \(unit.name) is not a government")
            switch unit.level {
            case .city:
                #expect(unit.kind != .government && parent.level == .city)
            case .district:
                if unit.kind == .government {
                    #expect(parent.level == .city)
                } else {
                    #expect(parent.level == .district)
                }
            case .town:
                #expect(unit.kind == .government && parent.level == .district)
                #expect(unit.name.hasSuffix("街道") || unit.name.hasSuffix("镇") || unit.name.hasSuffix("乡"))
            case .village:
                #expect(unit.kind == .government && parent.level == .town)
                if parent.name.hasSuffix("街道") {
                    #expect(unit.name.hasSuffix("社区"))
                } else {
                    #expect(unit.name.hasSuffix("村"))
                }
            }
        }
    }

    @Test func phones() {
        for unit in units where unit.level != .village {
            let phone = unit.phone ?? ""
            #expect(phone.hasPrefix("023-") && phone.count == 12 && phone.dropFirst(4).allSatisfy(\.isNumber),
                    "\(unit.name) phone \(phone)")
        }
    }

    @Test func deterministic() {
        #expect(DemoUnits.all() == units)
    }
}
