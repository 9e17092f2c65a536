import MinshengDomain
import SQLKit

/// The unit tree (materialised paths), on both engines.
extension SQLStore {
    public func insertUnits(_ units: [Unit]) async throws {
        guard !units.isEmpty else { return }
        try await writing { db in
            // Materialised path ("/1/5/90/") so a subtree is one indexed prefix scan.
            var paths: [UnitID: String] = [:]
            for chunk in stride(from: 0, to: units.count, by: 500).map({ units[$0..<min($0 + 500, units.count)] }) {
                var rows: [SQLQueryString] = []
                for u in chunk {
                    var path = "/\(u.id)/"
                    if let p = u.parentID {
                        if paths[p] == nil {
                            guard let row = try await db.raw("SELECT path FROM units WHERE id = \(bind: p)").first() else {
                                throw StoreError.conflict("unit \(u.id): parent \(p) does not exist")
                            }
                            paths[p] = try row.decode(column: "path", as: String.self)
                        }
                        path = paths[p]! + "\(u.id)/"
                    }
                    paths[u.id] = path
                    rows.append("(\(bind: u.id), \(bind: u.parentID), \(bind: u.name), \(bind: u.level.rawValue), \(bind: u.kind.rawValue), \(bind: u.phone), \(bind: path))")
                }
                try await db.raw("INSERT INTO units (id, parent_id, name, level, kind, phone, path) VALUES \(rows.joined(separator: ", "))").run()
            }
        }
    }

    public func unit(_ id: UnitID) async throws -> Unit? {
        try await reading { db in
            try await db.raw("SELECT id, parent_id, name, level, kind, phone FROM units WHERE id = \(bind: id)").first().map(Self.unitRow)
        }
    }

    public func units(parent: UnitID?, query: String?, limit: Int) async throws -> [Unit] {
        let lim = max(1, min(limit, 1000))
        let sql: SQLQueryString
        if let q = query?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            if let parent {
                sql = """
                    SELECT u.id, u.parent_id, u.name, u.level, u.kind, u.phone FROM units u, units p \
                    WHERE p.id = \(bind: parent) AND u.path > p.path AND u.path < p.path || '\u{7F}' AND \(Self.nameContains("u.name", q)) \
                    ORDER BY length(u.name), u.id LIMIT \(literal: lim)
                    """
            } else {
                sql = "SELECT id, parent_id, name, level, kind, phone FROM units WHERE \(Self.nameContains("name", q)) ORDER BY length(name), id LIMIT \(literal: lim)"
            }
        } else if let parent {
            sql = "SELECT id, parent_id, name, level, kind, phone FROM units WHERE parent_id = \(bind: parent) ORDER BY id LIMIT \(literal: lim)"
        } else {
            sql = "SELECT id, parent_id, name, level, kind, phone FROM units WHERE parent_id IS NULL ORDER BY id LIMIT \(literal: lim)"
        }
        return try await reading { db in try await db.raw(sql).all().map(Self.unitRow) }
    }

    public func unitCount() async throws -> Int {
        try await reading { db in try await db.raw("SELECT COUNT(*) AS n FROM units").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    public func allUnits() async throws -> [Unit] {
        try await reading { db in try await db.raw("SELECT id, parent_id, name, level, kind, phone FROM units ORDER BY id").all().map(Self.unitRow) }
    }

    public func createUnit(parentID: UnitID?, name: String, level: UnitLevel, kind: UnitKind, phone: String?) async throws -> Unit {
        try await writing { db in
            // Ids are MAX + 1 (admins see them); on PostgreSQL a lock keeps two nodes from taking the same one.
            try await self.serialize(db, .unitIDs)
            var path = ""
            if let p = parentID {
                guard let row = try await db.raw("SELECT path FROM units WHERE id = \(bind: p)").first() else {
                    throw StoreError.conflict("parent unit \(p) does not exist")
                }
                path = try row.decode(column: "path", as: String.self)
            }
            let id = (try await db.raw("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM units").first()?.decode(column: "n", as: Int64.self)) ?? 1
            path += parentID == nil ? "/\(id)/" : "\(id)/"
            try await db.raw("""
                INSERT INTO units (id, parent_id, name, level, kind, phone, path) \
                VALUES (\(bind: id), \(bind: parentID), \(bind: name), \(bind: level.rawValue), \(bind: kind.rawValue), \(bind: phone), \(bind: path))
                """).run()
            return Unit(id: id, parentID: parentID, name: name, level: level, kind: kind, phone: phone)
        }
    }

    public func updateUnit(_ u: Unit) async throws {
        try await writing { db in
            guard let row = try await db.raw("SELECT path FROM units WHERE id = \(bind: u.id) \(SQLLockingClause.update)").first() else {
                throw StoreError.conflict("unit \(u.id) does not exist")
            }
            let oldPath = try row.decode(column: "path", as: String.self)
            var newPath = "/\(u.id)/"
            if let p = u.parentID {
                guard let prow = try await db.raw("SELECT path FROM units WHERE id = \(bind: p)").first() else {
                    throw StoreError.conflict("parent unit \(p) does not exist")
                }
                let parentPath = try prow.decode(column: "path", as: String.self)
                guard !parentPath.hasPrefix(oldPath) else { throw StoreError.conflict("unit \(u.id) cannot move below itself") }
                newPath = parentPath + "\(u.id)/"
            }
            try await db.raw("""
                UPDATE units SET parent_id = \(bind: u.parentID), name = \(bind: u.name), level = \(bind: u.level.rawValue), \
                kind = \(bind: u.kind.rawValue), phone = \(bind: u.phone), path = \(bind: newPath) WHERE id = \(bind: u.id)
                """).run()
            if newPath != oldPath {
                // The subtree: every path under the old one, an index range on units_path (byte order: BINARY on SQLite, COLLATE "C" on PostgreSQL).
                try await db.raw("""
                    UPDATE units SET path = CAST(\(bind: newPath) AS text) || substr(path, CAST(\(bind: oldPath.count + 1) AS integer)) \
                    WHERE path >= \(bind: oldPath) AND path < \(bind: oldPath + "\u{7F}") AND id != \(bind: u.id)
                    """).run()
            }
        }
    }

    static func unitRow(_ row: any SQLRow) throws -> Unit {
        Unit(id: try row.decode(column: "id", as: Int64.self),
             parentID: try row.decode(column: "parent_id", as: Int64?.self),
             name: try row.decode(column: "name", as: String.self),
             level: UnitLevel(rawValue: try row.decode(column: "level", as: String.self)) ?? .village,
             kind: UnitKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .government,
             phone: try row.decode(column: "phone", as: String?.self))
    }
}
