import Foundation

/// The Teddy Cup 2020 hotspot file (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 反对数, 点赞数): bodies keep their
/// tab/newline padding (trimmed here), times mix `YYYY-MM-DD HH:MM:SS` and `YYYY/M/D H:MM:SS` (China time).
public enum TeddyHotspotFile {
    public struct Row: Sendable, Equatable {
        public var message: HotspotMessage
        public var user: String
        public var likes: Int
        public var dislikes: Int
    }

    public enum ReadError: Error, CustomStringConvertible {
        case badTime(line: Int, value: String)
        public var description: String {
            switch self { case let .badTime(line, value): "data row \(line): 留言时间 \(value) is not a time" }
        }
    }

    /// Rows with an unreadable time are skipped when `strict` is false (and counted in `skipped`).
    public static func read(_ data: some Collection<UInt8>, strict: Bool = false) throws -> (rows: [Row], skipped: Int) {
        let (_, records) = try CSV.records(data, required: ["留言编号", "留言主题", "留言时间", "留言详情"])
        var rows: [Row] = []
        var skipped = 0
        rows.reserveCapacity(records.count)
        for (n, r) in records.enumerated() {
            let timeText = r["留言时间"] ?? ""
            guard let t = parseTime(timeText) else {
                if strict { throw ReadError.badTime(line: n + 1, value: timeText) }
                skipped += 1
                continue
            }
            let idText = (r["留言编号"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let user = (r["留言用户"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let likes = Int((r["点赞数"] ?? "").trimmingCharacters(in: .whitespaces)) ?? 0
            let dislikes = Int((r["反对数"] ?? "").trimmingCharacters(in: .whitespaces)) ?? 0
            let m = HotspotMessage(id: Int64(idText) ?? Int64(n + 1),
                                   title: (r["留言主题"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                                   text: (r["留言详情"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                                   time: t, weight: likes, author: user.isEmpty ? nil : user)
            rows.append(Row(message: m, user: user, likes: likes, dislikes: dislikes))
        }
        return (rows, skipped)
    }

    /// `2019-02-28 11:25:05`, `2019/2/28 11:25:05`, `2019/2/28 11:25` or a bare date, read as China time (UTC+8);
    /// seconds since 1970.
    public static func parseTime(_ s: String) -> Int64? {
        var nums: [Int] = []
        var cur = -1
        for u in s.unicodeScalars {
            if u.value >= 0x30 && u.value <= 0x39 {
                cur = (cur < 0 ? 0 : cur) * 10 + Int(u.value - 0x30)
                if cur > 100_000 { return nil }
            } else {
                if cur >= 0 { nums.append(cur); cur = -1 }
                guard u == "-" || u == "/" || u == ":" || u == " " || u == "T" || u == "\t" else { return nil }
            }
        }
        if cur >= 0 { nums.append(cur) }
        guard nums.count == 3 || nums.count == 5 || nums.count == 6 else { return nil }
        let (y, mo, d) = (nums[0], nums[1], nums[2])
        let h = nums.count > 3 ? nums[3] : 0, mi = nums.count > 4 ? nums[4] : 0, sec = nums.count > 5 ? nums[5] : 0
        guard (1970...2200).contains(y), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        let monthDays = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= monthDays[mo - 1] else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + sec) - 8 * 3600
    }
}
