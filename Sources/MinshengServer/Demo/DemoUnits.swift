import MinshengDomain

/// A demo unit hierarchy modelled on Chongqing: the city, its centre, departments and utilities; the 41
/// district-level units (26 districts, 12 counties, 两江新区, 重庆高新区, 万盛经开区), each with a centre,
/// departments and utilities; about a thousand towns/streets; and their villages/communities.
///
/// Town and village names beyond a few real ones are generated from fixed character lists by a linear
/// congruential sequence seeded from the district (or town) index, so every call returns the same units.
public enum DemoUnits {
    /// The demo hierarchy, deterministic (same output every call), parents before children, ids 1, 2, 3… in order.
    ///
    /// Order: the city block (city government, 重庆市信访办公室 = id 2, city departments, city utilities), then the
    /// 41 district-level governments, then each district's centre/departments/utilities, then all towns/streets
    /// district by district, then all villages/communities town by town.
    public static func all() -> [Unit] {
        var units: [Unit] = []
        units.reserveCapacity(22_500)
        var nextID: UnitID = 1

        func add(_ parent: UnitID?, _ name: String, _ level: UnitLevel, _ kind: UnitKind, phone: Bool = true) -> UnitID {
            let id = nextID
            nextID += 1
            units.append(Unit(id: id, parentID: parent, name: name, level: level, kind: kind,
                              phone: phone ? landline(id) : nil))
            return id
        }

        // City block.
        let city = add(nil, "重庆市", .city, .government)
        _ = add(city, "重庆市信访办公室", .city, .center)
        for name in cityDepartments { _ = add(city, name, .city, .department) }
        for name in cityUtilities { _ = add(city, name, .city, .utility) }

        // District-level governments, contiguous ids.
        let districtIDs = districts.map { add(city, $0.name, .district, .government) }

        // Each district's centre, departments and utilities.
        for (d, district) in districts.enumerated() {
            let parent = districtIDs[d]
            let p = district.prefix
            _ = add(parent, p + "信访办公室", .district, .center)
            for suffix in districtDepartments {
                let name = suffix == "公安分局" && district.isCounty ? p + "公安局" : p + suffix
                _ = add(parent, name, .district, .department)
            }
            _ = add(parent, "国网重庆" + district.short + "供电公司", .district, .utility)
            _ = add(parent, p + "燃气公司", .district, .utility)
            _ = add(parent, p + "自来水公司", .district, .utility)
        }

        // Towns and streets.
        var towns: [(id: UnitID, isStreet: Bool)] = []
        towns.reserveCapacity(1_000)
        for (d, district) in districts.enumerated() {
            let parent = districtIDs[d]
            var used = Set<String>()
            var rng = LCG(seed: UInt64(d + 1) &* 0x9E37_79B9)
            func emit(_ name: String, isStreet: Bool) {
                used.insert(name)
                towns.append((add(parent, name, .town, .government), isStreet))
            }
            // Real names first (counted towards the streets).
            let real = district.realStreets.prefix(district.streets)
            for name in real { emit(name, isStreet: true) }
            let plan: [(count: Int, suffix: String, isStreet: Bool)] = [
                (district.streets - real.count, "街道", true),
                (district.towns - district.streets - district.xiang, "镇", false),
                (district.xiang, "乡", false),
            ]
            for (count, suffix, isStreet) in plan {
                var made = 0
                while made < count {
                    let stem = rng.stem(townFirst, townSecond)
                    // A stem is used once per district whatever its suffix.
                    let key = stem + "|"
                    if used.contains(key) { continue }
                    let name = stem + suffix
                    if used.contains(name) { continue }
                    used.insert(key)
                    emit(name, isStreet: isStreet)
                    made += 1
                }
            }
        }

        // Villages and communities.
        for (t, town) in towns.enumerated() {
            var rng = LCG(seed: UInt64(t + 1) &* 0x2545_F491 &+ 17)
            let count = town.isStreet ? 12 + rng.next(13) : 13 + rng.next(15)
            let suffix = town.isStreet ? "社区" : "村"
            var used = Set<Int>()
            var made = 0
            while made < count {
                let i = rng.next(villageFirst.count)
                let j = rng.next(villageSecond.count)
                if villageFirst[i] == villageSecond[j] || !used.insert(i * 1_000 + j).inserted { continue }
                _ = add(town.id, String(villageFirst[i]) + String(villageSecond[j]) + suffix, .village, .government, phone: false)
                made += 1
            }
        }
        return units
    }

    // MARK: - Phones

    /// A Chongqing landline, 023- and 8 digits starting 4–8; distinct for distinct ids below 50 million.
    static func landline(_ id: UnitID) -> String {
        let n = 40_000_000 + (id &* 27_644_437 &+ 13_579_011) % 50_000_000
        return "023-" + String(n)
    }

    // MARK: - Deterministic generator

    struct LCG {
        var state: UInt64
        init(seed: UInt64) { state = seed ^ 0x5DEE_CE66_D }
        /// A value in 0..<bound from the high bits of a 64-bit LCG (Knuth's MMIX constants).
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func stem(_ first: [Character], _ second: [Character]) -> String {
            while true {
                let a = first[next(first.count)], b = second[next(second.count)]
                if a != b { return String(a) + String(b) }
            }
        }
    }

    // MARK: - Data

    static let cityDepartments: [String] = [
        "重庆市人力资源和社会保障局",
        "重庆市住房和城乡建设委员会",
        "重庆市城市管理局",
        "重庆市生态环境局",
        "重庆市交通运输委员会",
        "重庆市教育委员会",
        "重庆市卫生健康委员会",
        "重庆市市场监督管理局",
        "重庆市公安局",
        "重庆市民政局",
        "重庆市农业农村委员会",
        "重庆市规划和自然资源局",
        "重庆市应急管理局",
        "重庆市水利局",
        "重庆市商务委员会",
        "重庆市文化和旅游发展委员会",
        "重庆市邮政管理局",
        "重庆市医疗保障局",
        "国家税务总局重庆市税务局",
        "重庆市司法局",
        "重庆市发展和改革委员会",
        "重庆市经济和信息化委员会",
        "重庆市财政局",
        "重庆市国有资产监督管理委员会",
        "重庆市体育局",
        "重庆市纪委监委",
    ]

    static let cityUtilities: [String] = [
        "国网重庆市电力公司",
        "重庆燃气集团",
        "重庆水务集团",
        "中国电信重庆分公司",
        "重庆公交集团",
        "重庆轨道交通集团",
    ]

    /// District department names, after the district prefix. 公安分局 becomes 公安局 in counties.
    static let districtDepartments: [String] = [
        "人力社保局", "住房城乡建委", "城市管理局", "生态环境局", "交通局", "教委", "卫生健康委",
        "市场监管局", "公安分局", "民政局", "农业农村委", "规划自然资源局", "应急管理局", "水利局",
        "商务委", "文化旅游委", "医保局", "司法局",
    ]

    struct District: Sendable {
        var name: String
        /// Used in front of department, centre and company names (autonomous counties use their short form, 石柱县).
        var prefix: String
        /// Used in 国网重庆<short>供电公司.
        var short: String
        var isCounty: Bool
        /// Towns and streets in all.
        var towns: Int
        /// Of which 街道.
        var streets: Int
        /// Of which 乡.
        var xiang: Int
        var realStreets: [String] = []
    }

    private static func district(_ name: String, _ short: String, _ towns: Int, _ streets: Int, _ xiang: Int = 0,
                                 prefix: String? = nil, county: Bool = false, real: [String] = []) -> District {
        District(name: name, prefix: prefix ?? name, short: short, isCounty: county, towns: towns, streets: streets,
                 xiang: xiang, realStreets: real)
    }

    private static func county(_ name: String, _ short: String, _ towns: Int, _ streets: Int, _ xiang: Int,
                               prefix: String? = nil) -> District {
        district(name, short, towns, streets, xiang, prefix: prefix, county: true)
    }

    /// The 41 district-level units as the city counts them: 26 districts, 12 counties, 两江新区, 重庆高新区, 万盛经开区.
    static let districts: [District] = [
        district("万州区", "万州", 35, 11, 6),
        district("涪陵区", "涪陵", 27, 10),
        district("渝中区", "渝中", 15, 15, real: [
            "解放碑街道", "七星岗街道", "上清寺街道", "大溪沟街道", "两路口街道", "菜园坝街道",
            "南纪门街道", "朝天门街道", "化龙桥街道", "石油路街道", "大坪街道",
        ]),
        district("大渡口区", "大渡口", 15, 11),
        district("江北区", "江北", 15, 12),
        district("沙坪坝区", "沙坪坝", 26, 21),
        district("九龙坡区", "九龙坡", 19, 11),
        district("南岸区", "南岸", 15, 13),
        district("北碚区", "北碚", 17, 9),
        district("綦江区", "綦江", 21, 5),
        district("大足区", "大足", 27, 6),
        district("渝北区", "渝北", 30, 19),
        district("巴南区", "巴南", 23, 9),
        district("黔江区", "黔江", 30, 6, 12),
        district("长寿区", "长寿", 19, 7),
        district("江津区", "江津", 30, 5),
        district("合川区", "合川", 30, 7),
        district("永川区", "永川", 23, 7),
        district("南川区", "南川", 34, 3, 3),
        district("璧山区", "璧山", 15, 6),
        district("铜梁区", "铜梁", 28, 5),
        district("潼南区", "潼南", 22, 2),
        district("荣昌区", "荣昌", 21, 6),
        district("开州区", "开州", 35, 7, 2),
        district("梁平区", "梁平", 33, 2, 5),
        district("武隆区", "武隆", 26, 2, 12),
        county("城口县", "城口", 25, 2, 13),
        county("丰都县", "丰都", 30, 2, 7),
        county("垫江县", "垫江", 26, 2, 2),
        county("忠县", "忠县", 29, 3, 7),
        county("云阳县", "云阳", 35, 4, 6),
        county("奉节县", "奉节", 33, 3, 10),
        county("巫山县", "巫山", 26, 2, 13),
        county("巫溪县", "巫溪", 32, 2, 14),
        county("石柱土家族自治县", "石柱", 33, 3, 13, prefix: "石柱县"),
        county("秀山土家族苗族自治县", "秀山", 27, 4, 4, prefix: "秀山县"),
        county("酉阳土家族苗族自治县", "酉阳", 35, 2, 13, prefix: "酉阳县"),
        county("彭水苗族土家族自治县", "彭水", 35, 3, 14, prefix: "彭水县"),
        district("两江新区", "两江", 15, 13),
        district("重庆高新区", "高新", 15, 8),
        district("万盛经开区", "万盛", 15, 5),
    ]

    /// First characters of generated town/street stems.
    static let townFirst: [Character] = Array(
        "龙石白青黄马金银铜双大小东南西北中上下高长花桃柏松竹梅兰新兴平安宁福德云凤红太三五万永仁和清古玉杨柳鹿鹤狮虎莲茶文武丰隆")
    /// Second characters of generated town/street stems.
    static let townSecond: [Character] = Array(
        "桥坪溪河山坝湾塘岗林口沟岩坡井园场垭台庙寺门田峰岭池湖滩沱水泉阳华兴安丰和盛坎观")
    /// First characters of generated village/community stems.
    static let villageFirst: [Character] = Array(
        "龙石桥坪溪河山坝湾塘林华新兴平安宁福德云凤白青黄马金银铜双大小东南西北中上下高长花桃柏松竹梅兰红太三五万永仁和清古玉杨柳鹿鹤茶文武丰隆庆胜光明春秋")
    /// Second characters of generated village/community stems.
    static let villageSecond: [Character] = Array(
        "桥坪溪河山坝湾塘岗林口沟岩坡井园场垭台庙寺门田峰岭池湖滩水泉阳华兴安丰和盛观堡寨家店坊苑")
}
