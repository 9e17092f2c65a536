import MinshengDomain
import MinshengStore

/// Loads the demo world into an empty store: the unit tree and a few hundred cases in every state,
/// registered over the past weeks and moved along the lifecycle at plausible times.
public enum DemoLoader {
    public struct Template: Sendable {
        public var title: String
        public var content: String
        public var category: String
        public var kind: CaseKind
        /// A word in the name of the district department or utility that handles it.
        public var department: String
    }

    public static let templates: [Template] = [
        .init(title: "小区门口路灯不亮", content: "我们小区门口的路灯已经坏了两个多星期，晚上一片漆黑，老人小孩出行很不安全，请尽快维修。", category: "城乡建设", kind: .help, department: "城市管理局"),
        .init(title: "夜间施工噪音扰民", content: "附近工地每天晚上十一点以后还在施工，噪音很大，严重影响居民休息，请有关部门依法查处。", category: "环境保护", kind: .complaint, department: "生态环境局"),
        .init(title: "快递代收点违规收费", content: "小区快递代收点对每个包裹收取一元保管费，快递公司说已经付过派送费，这种收费是否合规？", category: "商贸旅游", kind: .complaint, department: "市场监管局"),
        .init(title: "工地拖欠农民工工资", content: "我在某建筑工地务工半年，包工头拖欠工资三万多元至今未付，多次讨要无果，请求帮助追讨。", category: "劳动和社会保障", kind: .help, department: "人力社保局"),
        .init(title: "燃气费计费异常", content: "这个月燃气费突然比平时多了三倍，家里用气习惯没有变化，怀疑表计有问题，请燃气公司核查。", category: "城乡建设", kind: .complaint, department: "燃气公司"),
        .init(title: "片区频繁停电", content: "最近一个月我们片区已经停电五次，每次都没有提前通知，冰箱里的东西都坏了，请供电公司给个说法。", category: "城乡建设", kind: .complaint, department: "供电公司"),
        .init(title: "自来水浑浊发黄", content: "家里自来水这几天颜色发黄，有明显异味，不敢饮用，请自来水公司尽快检测处理。", category: "城乡建设", kind: .help, department: "自来水公司"),
        .init(title: "占道经营堵塞交通", content: "菜市场外的摊贩长期占用人行道和车道经营，早晚高峰严重堵塞交通，请城管部门整治。", category: "城乡建设", kind: .complaint, department: "城市管理局"),
        .init(title: "公交线路调整建议", content: "建议将某路公交车延伸到新建的安置小区，目前居民出行要步行二十分钟才能坐上车。", category: "交通运输", kind: .suggestion, department: "交通局"),
        .init(title: "学校周边交通安全隐患", content: "小学门口没有斑马线和减速带，上下学时车辆车速很快，家长非常担心孩子安全，建议增设设施。", category: "交通运输", kind: .suggestion, department: "交通局"),
        .init(title: "幼儿园入学咨询", content: "请问今年秋季幼儿园入学报名需要准备哪些材料？非本地户籍的孩子能否在居住地就近入园？", category: "教育文体", kind: .consultation, department: "教委"),
        .init(title: "医保异地报销咨询", content: "我在外地住院治疗，请问回来后医保报销需要哪些材料，报销比例是多少，在哪里办理？", category: "卫生计生", kind: .consultation, department: "医保局"),
        .init(title: "餐馆油烟直排", content: "楼下新开的餐馆油烟没有经过净化直接排放，楼上住户窗户都不敢开，请环保部门查处。", category: "环境保护", kind: .complaint, department: "生态环境局"),
        .init(title: "举报违法建设", content: "某小区顶楼住户私自加盖彩钢房，占用公共楼顶，存在安全隐患，请有关部门依法拆除。", category: "城乡建设", kind: .report, department: "规划自然资源局"),
        .init(title: "养老保险缴费年限查询", content: "我之前在两家单位工作过，养老保险缴费年限合并后显示不对，请帮忙核实并更正。", category: "劳动和社会保障", kind: .help, department: "人力社保局"),
        .init(title: "表扬社区工作人员", content: "社区网格员在疫情期间每天上门帮助独居老人买菜送药，工作非常负责，特此表扬。", category: "城乡建设", kind: .praise, department: "民政局"),
        .init(title: "药店销售过期药品", content: "在某药店购买的感冒药已经过期两个月，店家拒绝退换，请市场监管部门调查处理。", category: "卫生计生", kind: .report, department: "市场监管局"),
        .init(title: "农村道路破损严重", content: "村里通往镇上的公路坑洼不平，雨天积水严重，农产品运不出去，希望尽快修复。", category: "交通运输", kind: .help, department: "交通局"),
        .init(title: "低保申请进度咨询", content: "我三个月前提交了低保申请，至今没有消息，请问审核进度如何，还需要补充什么材料？", category: "劳动和社会保障", kind: .consultation, department: "民政局"),
        .init(title: "垃圾清运不及时", content: "小区垃圾桶已经满了好几天没人清运，气味很大，招来很多蚊虫，请环卫部门及时清理。", category: "环境保护", kind: .complaint, department: "城市管理局"),
    ]

    static let targets: [CaseState] = [.registered, .dispatched, .signed, .returnRequested, .accepted, .rejected, .replied,
                                       .reopened, .closed, .reviewing, .reviewed, .rereviewing, .final, .handedOff,
                                       .accepted, .closed, .closed, .dispatched, .accepted, .replied]

    /// Loads units and `cases` demo cases if the store has no units yet. Returns false when the store was not empty.
    @discardableResult
    public static func loadIfEmpty(_ platform: Platform, cases: Int = 2_800) async throws -> Bool {
        guard try await platform.store.unitCount() == 0 else { return false }
        try await platform.addUnits(DemoUnits.all())
        try await loadCases(platform, count: cases)
        return true
    }

    static func loadCases(_ platform: Platform, count: Int) async throws {
        let units = DemoUnits.all()
        let districts = units.filter { $0.level == .district && $0.kind == .government }
        var children: [UnitID: [Unit]] = [:]
        for u in units { if let p = u.parentID { children[p, default: []].append(u) } }
        let byParent = children
        let admin = Actor(id: "demo", name: "演示数据", role: .admin, unit: nil)
        let now = platform.clock.now()
        let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")

        // Cases move along concurrently (the store commits them in groups); each case's steps stay in order.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for i in stride(from: worker, to: count, by: 16) {
                        try await loadOne(i)
                    }
                }
            }
            try await group.waitForAll()
        }

        @Sendable func loadOne(_ i: Int) async throws {
            var rng = SplitMix(seed: 12345 &+ UInt64(i))
            let t = templates[i % templates.count]
            let district = districts[Int(rng.next() % UInt64(districts.count))]
            let children = byParent[district.id] ?? []
            let dept = children.first { $0.name.contains(t.department) } ?? children.first { $0.kind == .department }!
            let other = children.filter { $0.kind == .department && $0.id != dept.id }
            let towns = children.filter { $0.level == .town }
            let town = towns.isEmpty ? nil : towns[Int(rng.next() % UInt64(towns.count))]
            let target = targets[i % targets.count]
            // Spread registrations over the past 30 days; older cases got further along.
            // Cases still waiting at the center or a unit are mostly recent, so the inbox shows every alert colour.
            let early: Set<CaseState> = [.registered, .dispatched, .signed, .returnRequested]
            let ageHours = Int64(2 + rng.next() % UInt64((early.contains(target) ? 5 : 34) * 24))
            var at = now.adding(seconds: -ageHours * 3600)
            let span = max(1, (ageHours - 1) / 8) // room for up to 8 steps before now
            func later() -> Instant {
                at = at.adding(seconds: Int64(1 + Int(rng.next() % UInt64(span))) * 3600)
                if at > now { at = now }
                return at
            }
            var draft = CaseDraft(channel: Channel.allCases[Int(rng.next() % UInt64(Channel.allCases.count))], kind: t.kind,
                                  title: t.title, content: (town.map { "\(district.name)\($0.name)居民反映：" } ?? "") + t.content,
                                  citizen: Citizen(name: "\(surnames[i % surnames.count])先生", phone: "13\(String(100_000_000 + Int(rng.next() % 899_999_999)))"))
            draft.category = t.category
            draft.locationUnit = town?.id ?? district.id
            draft.address = "\(district.name)\(town?.name ?? "")"
            draft.receivedAt = at
            // Channels acknowledged by a message (SMS, e-mail, letters by SMS) get their acknowledgement, delivered a
            // plausible while after receipt, so that the dashboard's acknowledgement figures have something to show.
            let ackDelay: Int64? = switch draft.channel {
            case .sms: 15 + Int64(rng.next() % 300)
            case .email: 600 + Int64(rng.next() % 108_000)
            case .letter: 86_400 + Int64(rng.next() % (20 * 86_400))
            default: nil
            }
            if ackDelay != nil {
                draft.acknowledge = true
                if draft.channel == .email { draft.acknowledgeTo = platform.sealer.seal("mailto:citizen\(i)@example.com") }
            }
            let c = try await platform.register(draft, by: admin, at: at).case
            let id = c.id
            if let d = ackDelay, at.adding(seconds: d) <= now, let ack = try await platform.store.notices(of: id).first(where: { $0.kind == "ack" }) {
                try await platform.store.markNoticeSent(ack.id, at: at.adding(seconds: d))
            }
            func step(_ s: Step, as unit: UnitID? = nil, note: String = "") async throws {
                var a = admin
                a.unit = unit
                _ = try await platform.perform(s, on: id, by: a, note: note, at: later())
            }
            if target == .registered { return }
            if target == .handedOff { try await step(.handOff(to: .police), note: "来电称有人持刀威胁，已转 110"); return }
            try await step(.dispatch(to: dept.id, mode: i % 3 == 0 ? .assign : .forward, coHandlers: i % 5 == 0 && !other.isEmpty ? [other[0].id] : []))
            if target == .dispatched { return }
            try await step(.sign, as: dept.id)
            if target == .signed { return }
            if target == .returnRequested { try await step(.return(reason: "该事项不属于本单位职责，建议转交属地街道"), as: dept.id); return }
            if target == .rejected {
                try await step(.reject(route: .litigation, reason: "该事项属于民事纠纷，应当通过诉讼途径解决"), as: dept.id); return
            }
            try await step(.accept(caseClass: t.kind == .report ? .accusation : t.kind == .suggestion ? .suggestion : .claim), as: dept.id)
            if target == .accepted {
                if i % 7 == 0 { try await step(.pause(reason: .waitingForCitizen), as: dept.id) }
                else if i % 4 == 0 { try await step(.requestExtension(amount: 5, reason: "需要现场勘查并协调多个部门"), as: dept.id) }
                return
            }
            try await step(.reply(result: [.support, .explain, .notSupported][i % 3],
                                  text: "经核查，您反映的问题属实，我单位已安排专人处理，并将持续跟踪，感谢您的监督。"), as: dept.id)
            if target == .replied { return }
            if target == .closed { try await step(.evaluate(i % 4 == 0 ? .basicallySatisfied : .satisfied)); return }
            try await step(.evaluate(.dissatisfied))
            if target == .reopened { try await step(.reopen(reason: "群众反映问题未解决，请重新办理")); return }
            let reviewUnit = platform.reviewUnit(above: dept.id)?.id ?? district.id
            try await step(.review(reason: "对处理意见不服，申请复查", unit: reviewUnit))
            if target == .reviewing { return }
            try await step(.decideReview(result: .explain, text: "经复查，原处理意见正确，予以维持。"), as: reviewUnit)
            if target == .reviewed { return }
            try await step(.rereview(reason: "对复查意见不服，申请复核", unit: 1))
            if target == .rereviewing { return }
            try await step(.decideRereview(result: .explain, text: "经复核，维持复查意见。信访事项已经复核终结，不再受理。"), as: 1)
        }
    }
}

/// A small deterministic generator, so the demo world is the same on every machine.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
