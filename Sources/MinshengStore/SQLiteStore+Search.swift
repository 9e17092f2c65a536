import Foundation
import MinshengDomain
import MinshengText
import SQLKit
import SQLiteNIO

/// Full-text search (FTS5 over bigram tokens): its part of the case list; and a citizen's earlier matters (repeat
/// detection, on the registration path: plain sqlite-nio).
extension SQLiteStore {
    public func matters(citizenKey: String, since: Instant, limit: Int) async throws -> [CitizenMatter] {
        let rows = try await readerConnection.query("""
            SELECT id, category, json_extract(doc, '$.suggestion.category') AS suggested, json_extract(doc, '$.repeatOf') AS repeat_of \
            FROM cases WHERE citizen_key = ? AND registered_at >= ? ORDER BY registered_at DESC, id DESC LIMIT ?
            """, [.text(citizenKey), .integer(Int(since.seconds)), .integer(max(1, min(limit, 100)))])
        return rows.compactMap { row in
            guard let id = row.column("id")?.integer else { return nil }
            return CitizenMatter(id: Int64(id), category: row.column("category")?.string, suggestedCategory: row.column("suggested")?.string,
                                 repeatOf: row.column("repeat_of")?.integer.map(Int64.init))
        }
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
