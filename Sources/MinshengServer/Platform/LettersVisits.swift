import MinshengDomain
import MinshengStore

/// Letters and visits (来信/来访): a visit's group flag and its notices. Scanned pages of a letter are attachments
/// (Web/Files.swift, API/AttachmentsController.swift).
extension Platform {
    /// The flag a group visit puts in `Case.risks`, next to the risk-word categories.
    public static let groupVisitFlag = "groupVisit"

    /// The leaders a center answers to: leader accounts at the center itself or at the government it belongs to.
    func centerLeaders(_ center: Unit) async throws -> [User] {
        let units = Set([center.id] + (center.parentID.map { [$0] } ?? []))
        return try await store.users(units: units, limit: 200).filter { $0.roles.contains(.leader) && !$0.disabled }
    }

    /// One notice per leader (keyed by the leader, so each hears once), to the leader's unit; with no leader account,
    /// one to the center itself so that the group visit is never announced to nobody.
    func groupVisitNotices(_ c: Case, center: Unit, at now: Instant) async throws -> [Notice] {
        let message = "【民生诉求】集体访：\(c.visitors ?? 0)人来访，《\(c.title.prefix(30))》已在\(center.name)登记，请领导即时研判接待。"
        let leaders = try await centerLeaders(center)
        if leaders.isEmpty {
            return [Notice(dedupeKey: "{id}:groupVisit:unit:\(center.id)", caseID: 0, kind: "groupVisit", recipientUnit: center.id,
                           phone: center.phone, message: message, createdAt: now)]
        }
        return leaders.map { l in
            Notice(dedupeKey: "{id}:groupVisit:user:\(l.id)", caseID: 0, kind: "groupVisit", recipientUnit: l.unit,
                   phone: unit(l.unit)?.phone, message: "\(l.name)：" + message, createdAt: now)
        }
    }
}
