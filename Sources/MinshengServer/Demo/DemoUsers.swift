import MinshengDomain
import MinshengStore

/// Accounts for trying the demo world: one per role, on the real hierarchy (city, 渝中区, a department, a town).
public enum DemoUsers {
    public struct Account: Sendable {
        public var login: String
        public var name: String
        public var roles: Set<Role>
        public var unit: UnitID
    }

    public static func accounts(_ platform: Platform) async throws -> [Account] {
        let all = try await platform.store.allUnits()
        func find(_ name: String) -> Unit? { all.first { $0.name == name } }
        guard let city = find("重庆市"), let cityCenter = find("重庆市信访办公室"), let yuzhong = find("渝中区"),
              let yzCenter = find("渝中区信访办公室") else { return [] }
        let yzDept = all.first { $0.parentID == yuzhong.id && $0.kind == .department && $0.name.contains("生态环境") }
            ?? all.first { $0.parentID == yuzhong.id && $0.kind == .department }
        let town = all.first { $0.parentID == yuzhong.id && $0.kind == .government }
        let cityDept = all.first { $0.parentID == city.id && $0.kind == .department && $0.name.contains("城乡建设") }
        var out: [Account] = [
            Account(login: "admin", name: "系统管理员", roles: [.admin], unit: city.id),
            Account(login: "city.registrar", name: "陈接线", roles: [.registrar], unit: cityCenter.id),
            Account(login: "city.dispatcher", name: "刘分拨", roles: [.dispatcher, .registrar], unit: cityCenter.id),
            Account(login: "city.supervisor", name: "赵督查", roles: [.supervisor], unit: cityCenter.id),
            Account(login: "city.leader", name: "王市长", roles: [.leader], unit: city.id),
            Account(login: "yz.dispatcher", name: "孙分拨", roles: [.dispatcher, .registrar], unit: yzCenter.id),
            Account(login: "yz.leader", name: "李区长", roles: [.leader], unit: yuzhong.id),
        ]
        if let d = yzDept { out.append(Account(login: "yz.handler", name: "周承办", roles: [.handler], unit: d.id)) }
        if let t = town { out.append(Account(login: "town.handler", name: "吴承办", roles: [.handler], unit: t.id)) }
        if let d = cityDept { out.append(Account(login: "city.handler", name: "郑承办", roles: [.handler], unit: d.id)) }
        return out
    }

    /// Creates the demo accounts that do not exist yet, all with `password`; returns them.
    @discardableResult
    public static func create(_ platform: Platform, password: String) async throws -> [Account] {
        let list = try await accounts(platform)
        for a in list where try await platform.store.user(login: a.login) == nil {
            _ = try await platform.accounts.createUser(login: a.login, name: a.name, unit: a.unit, roles: a.roles, password: password)
        }
        try await publishReceptionDays(platform)
        return list
    }

    /// The demo leaders' reception days (领导接访日), so that the portal's page has something to book.
    static func publishReceptionDays(_ platform: Platform) async throws {
        guard try await platform.receptionSchedules().isEmpty, let admin = try await platform.store.user(login: "admin") else { return }
        let plans: [(String, [Int], String, String, Int, String, String)] = [
            ("city.leader", [2, 4], "09:00", "11:30", 6, "重庆市信访办公室一楼接待大厅", "征地拆迁、劳动保障、城乡建设"),
            ("yz.leader", [3], "14:30", "17:00", 5, "渝中区信访办公室接待室", "物业管理、噪音扰民、市容环境"),
        ]
        for (login, weekdays, start, end, slots, place, topics) in plans {
            guard let leader = try await platform.store.user(login: login) else { continue }
            _ = try await platform.saveReceptionSchedule(
                Platform.ScheduleDraft(leaderID: leader.id, weekdays: weekdays, start: start, end: end, slots: slots, place: place, topics: topics),
                id: nil, by: admin)
        }
    }
}
