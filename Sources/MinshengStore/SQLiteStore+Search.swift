import Foundation
import MinshengDomain
import SQLKit
import SQLiteNIO

/// Full-text search (FTS5 over bigram tokens): its part of the case list; and a citizen's earlier matters (repeat
/// detection, on the registration path: plain sqlite-nio).
extension SQLiteStore {
    public func matters(citizenKey: String, since: Instant, limit: Int) async throws -> [CitizenMatter] {
        // Two reads in index order, each stopping at `limit`: the final cases (their partial index), then the window.
        let columns = """
            SELECT id, category, json_extract(doc, '$.suggestion.category') AS suggested, json_extract(doc, '$.repeatOf') AS repeat_of, \
            title, substr(json_extract(doc, '$.content'), 1, \(CitizenMatter.contentPrefix)) AS content, json_extract(doc, '$.address') AS address, \
            location_unit, state FROM cases
            """
        let n = max(1, min(limit, 100))
        let finals = try await readerConnection.query(
            "\(columns) INDEXED BY cases_citizen_final WHERE citizen_key = ? AND state = 'final' ORDER BY registered_at DESC, id DESC LIMIT ?",
            [.text(citizenKey), .integer(n)])
        let recent = try await readerConnection.query(
            "\(columns) WHERE citizen_key = ? AND registered_at >= ? ORDER BY registered_at DESC, id DESC LIMIT ?",
            [.text(citizenKey), .integer(Int(since.seconds)), .integer(n)])
        var seen = Set<Int64>()
        return (finals + recent).compactMap { row in
            guard let id = row.column("id")?.integer.map(Int64.init), seen.insert(id).inserted else { return nil }
            return CitizenMatter(id: id, category: row.column("category")?.string, suggestedCategory: row.column("suggested")?.string,
                                 repeatOf: row.column("repeat_of")?.integer.map(Int64.init), title: row.column("title")?.string ?? "",
                                 content: row.column("content")?.string ?? "", address: row.column("address")?.string,
                                 locationUnit: row.column("location_unit")?.integer.map(Int64.init),
                                 state: row.column("state")?.string.flatMap(CaseState.init(rawValue:)))
        }.prefix(n).map { $0 }
    }

    // MARK: The case list's full-text part (SQLStore+CaseList.swift)

    static func textQuery(_ text: String) -> String? { SearchTokens.fts5Match(text) }

    static func titleContains(_ ch: String) -> SQLQueryString { "c.title LIKE \(bind: "%" + ch + "%")" }

    static func textJoin(_ query: String, above bound: Int64, ranked: Bool) -> SQLQueryString {
        let rank: SQLQueryString = ranked ? ", bm25(case_fts, 4.0, 1.0) AS rank" : ""
        return """
            JOIN (SELECT rowid AS fid\(rank) FROM case_fts WHERE case_fts MATCH \(bind: query) AND rowid > \(bind: bound)) f \
            ON f.fid = c.id
            """
    }

    /// bm25: lower is better.
    static var relevanceOrder: SQLQueryString { "ORDER BY f.rank, c.id DESC" }
}
