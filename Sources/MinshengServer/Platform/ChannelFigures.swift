import MinshengDomain
import MinshengStore

/// Per-channel figures against GB/T 33358 (国办发〔2020〕53号): volume, share and time to acknowledgement.
///
/// Acknowledgement is the instant the citizen got the tracking code: the registration itself where its answer carries
/// the code (portal page and public API response, WeChat's passive reply, Open311's response, the agent on the phone,
/// the receptionist at a visit), else the delivery (`sent_at`) of the "ack" notice in the outbox (SMS, e-mail, letters
/// by SMS). The time counts from the case's receipt (`registeredAt`, which a registrar may set back to when the request
/// really arrived).
public struct ChannelFigures: Sendable {
    public struct Row: Sendable {
        public var channel: Channel
        public var volume: Int
        public var share: Double
        public var acknowledged: Int
        /// Seconds; nil when nothing was acknowledged.
        public var median: Int64?
        public var p90: Int64?
        /// Acknowledged within the target, of all the channel's cases (an unacknowledged case is not within).
        public var withinTarget: Int
        public var withinShare: Double?
        public var target: Int64
        public var targetLabel: String
    }
    public var from: Instant
    public var to: Instant
    public var total: Int
    public var rows: [Row]

    /// Computes the figures from the rows (pure: tests feed it times from an injected clock).
    public static func compute(_ acks: [AcknowledgementRow], from: Instant, to: Instant) -> ChannelFigures {
        var byChannel: [Channel: [AcknowledgementRow]] = [:]
        for a in acks { if let c = Channel(rawValue: a.channel) { byChannel[c, default: []].append(a) } }
        let total = acks.count
        let rows = Channel.allCases.compactMap { ch -> Row? in
            guard let list = byChannel[ch], !list.isEmpty else { return nil }
            let target = AcknowledgementTarget.seconds(for: ch)
            let delays = list.compactMap { a in a.acknowledgedAt.map { max(0, $0.seconds - a.registeredAt.seconds) } }.sorted()
            let within = delays.filter { $0 <= target }.count
            return Row(channel: ch, volume: list.count, share: Double(list.count) / Double(max(total, 1)), acknowledged: delays.count,
                       median: percentile(delays, 0.5), p90: percentile(delays, 0.9), withinTarget: within,
                       withinShare: Double(within) / Double(list.count), target: target,
                       targetLabel: AcknowledgementTarget.label(for: ch))
        }
        return ChannelFigures(from: from, to: to, total: total, rows: rows)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Int64], _ p: Double) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// 42秒, 3分5秒, 2小时10分, 1天3小时.
    public static func duration(_ s: Int64?) -> String {
        guard let s else { return "—" }
        if s < 60 { return "\(s)秒" }
        if s < 3600 { return "\(s / 60)分\(s % 60 == 0 ? "" : "\(s % 60)秒")" }
        if s < 86_400 { return "\(s / 3600)小时\(s % 3600 / 60 == 0 ? "" : "\(s % 3600 / 60)分")" }
        return "\(s / 86_400)天\(s % 86_400 / 3600 == 0 ? "" : "\(s % 86_400 / 3600)小时")"
    }
}

extension Platform {
    public func channelFigures(scopeRoot root: UnitID, from: Instant, to: Instant) async throws -> ChannelFigures {
        guard unit(root) != nil else { throw PlatformError.notFound("单位 \(root) 不存在") }
        let scope = scopeUnits(under: root)
        return ChannelFigures.compute(try await store.acknowledgements(from: from, to: to, scope: scope), from: from, to: to)
    }

    func render(_ f: ChannelFigures) -> JSON {
        .object([
            ("from", .time(f.from)), ("to", .time(f.to)), ("total", .int(Int64(f.total))),
            ("standard", .string("GB/T 33358；国办发〔2020〕53号")),
            ("channels", .array(f.rows.map { r in
                .object([
                    ("channel", .string(r.channel.rawValue)), ("label", .string(r.channel.label)),
                    ("volume", .int(Int64(r.volume))), ("share", .number(r.share)),
                    ("acknowledged", .int(Int64(r.acknowledged))),
                    ("medianSeconds", .opt(r.median)), ("p90Seconds", .opt(r.p90)),
                    ("withinTarget", .int(Int64(r.withinTarget))), ("withinTargetShare", r.withinShare.map(JSON.number) ?? .null),
                    ("targetSeconds", .int(r.target)), ("target", .string(r.targetLabel)),
                ])
            })),
        ])
    }
}
