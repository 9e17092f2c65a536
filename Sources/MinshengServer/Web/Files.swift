import Crypto
import Foundation
import MinshengDomain
import MinshengStore

/// Files that come with cases, stored once per content under their SHA-256 (data/files/ab/abcdef…), never served
/// from a path the client chose.
public struct FileVault: Sendable {
    public let directory: String
    /// Photos from citizens: JPEG or PNG, at most 5 MB each, 3 per request.
    public static let maxFileBytes = 5 * 1024 * 1024
    public static let maxFiles = 3

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The file's type from its first bytes (what it says about itself is not trusted).
    static func imageType(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return nil
    }

    /// Scanned pages of a letter (来信): images from a scanner or phone, or a PDF; at most 10 MB each, 50 per case.
    public static let maxPageBytes = 10 * 1024 * 1024
    public static let maxPages = 50

    /// A scanned page's type from its first bytes: JPEG, PNG, TIFF (what scanners write) or PDF.
    static func scanType(_ bytes: [UInt8]) -> String? {
        if let t = imageType(bytes) { return t }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if bytes.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        return nil
    }

    /// Checks scanned pages (form parts named `pages`); nothing is stored unless all pass.
    func acceptPages(_ parts: [MultipartPart]) throws -> [(name: String, type: String, bytes: [UInt8])] {
        let files = parts.filter { $0.filename != nil && !$0.data.isEmpty }
        guard files.count <= Self.maxPages else { throw APIError.invalid("pages", "每件来信最多 \(Self.maxPages) 页扫描件") }
        return try files.map { f in try Self.checkPage(name: f.filename!, bytes: f.data) }
    }

    static func checkPage(name: String, bytes: [UInt8]) throws -> (name: String, type: String, bytes: [UInt8]) {
        guard !bytes.isEmpty else { throw APIError.invalid("pages", "扫描件为空") }
        guard bytes.count <= maxPageBytes else { throw APIError(.contentTooLarge, "too_large", "每页扫描件不超过 10 MB（\(name) 过大）") }
        guard let type = scanType(bytes) else {
            throw APIError(.unsupportedMediaType, "unsupported_type", "扫描件只接受 JPEG、PNG、TIFF 图片或 PDF（\(name) 不是）")
        }
        let clean = String(name.split(separator: "/").last?.split(separator: "\\").last ?? "page").prefix(100)
        return (clean.isEmpty ? "page" : String(clean), type, bytes)
    }

    /// Stores checked files and lists them on the case (a file already on the case is not listed twice).
    func attach(_ files: [(name: String, type: String, bytes: [UInt8])], to caseID: CaseID, platform: Platform, at now: Instant) async throws -> [Attachment] {
        let existing = Set(try await platform.attachments(of: caseID).map(\.sha256))
        var out: [Attachment] = []
        for f in files {
            let sha = try self.store(f.bytes)
            if existing.contains(sha) { continue }
            out.append(try await platform.addAttachment(Attachment(caseID: caseID, sha256: sha, name: f.name, type: f.type, size: f.bytes.count, at: now)))
        }
        return out
    }

    func path(_ sha: String) -> String { directory + "/" + String(sha.prefix(2)) + "/" + sha }

    /// Writes the bytes (once per content) and returns their hash.
    func store(_ bytes: [UInt8]) throws -> String {
        let sha = Hex.encode(SHA256.hash(data: bytes))
        let p = path(sha)
        let fm = FileManager.default
        if !fm.fileExists(atPath: p) {
            try fm.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let tmp = p + ".tmp-\(UUID().uuidString)"
            guard fm.createFile(atPath: tmp, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                throw APIError(.internalServerError, "file_write", "附件保存失败")
            }
            _ = try? fm.moveItem(atPath: tmp, toPath: p) // another request may have stored the same bytes meanwhile
            try? fm.removeItem(atPath: tmp)
        }
        return sha
    }

    func read(_ sha: String) -> [UInt8]? {
        guard sha.count == 64, sha.allSatisfy({ $0.isHexDigit }) else { return nil }
        return FileManager.default.contents(atPath: path(sha)).map { [UInt8]($0) }
    }

    /// Checks and stores uploaded photos; nothing is stored unless all pass.
    func accept(_ parts: [MultipartPart], caseID: CaseID? = nil) throws -> [(name: String, type: String, bytes: [UInt8])] {
        let files = parts.filter { $0.filename != nil && !$0.data.isEmpty }
        guard files.count <= Self.maxFiles else { throw APIError.invalid("photos", "最多上传 \(Self.maxFiles) 张照片") }
        return try files.map { f in
            guard f.data.count <= Self.maxFileBytes else { throw APIError.invalid("photos", "每张照片不超过 5 MB（\(f.filename!) 过大）") }
            guard let type = Self.imageType(f.data) else { throw APIError.invalid("photos", "只接受 JPEG 或 PNG 照片（\(f.filename!) 不是）") }
            let name = String(f.filename!.split(separator: "/").last?.split(separator: "\\").last ?? "photo").prefix(100)
            return (String(name), type, f.data)
        }
    }
}

public struct MultipartPart: Sendable {
    public var name: String
    public var filename: String?
    public var contentType: String?
    public var data: [UInt8]
}

/// multipart/form-data (RFC 7578), enough for browser forms: parts with Content-Disposition and Content-Type.
enum Multipart {
    static func boundary(_ contentType: String?) -> String? {
        guard let ct = contentType, ct.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for param in ct.split(separator: ";").dropFirst() {
            let kv = param.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].lowercased() == "boundary" {
                let b = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(b.count) ? b : nil
            }
        }
        return nil
    }

    static func parse(_ body: [UInt8], boundary: String) throws -> [MultipartPart] {
        let delimiter = Array(("--" + boundary).utf8)
        func find(_ needle: [UInt8], from: Int) -> Int? {
            guard needle.count <= body.count else { return nil }
            var i = from
            while i + needle.count <= body.count {
                if body[i] == needle[0] {
                    var k = 1
                    while k < needle.count && body[i + k] == needle[k] { k += 1 }
                    if k == needle.count { return i }
                }
                i += 1
            }
            return nil
        }
        guard var start = find(delimiter, from: 0) else { throw APIError.badJSON("表单格式错误（multipart 边界缺失）") }
        var parts: [MultipartPart] = []
        while true {
            var p = start + delimiter.count
            if p + 1 < body.count, body[p] == 45, body[p + 1] == 45 { break } // "--": the end
            if p + 1 < body.count, body[p] == 13, body[p + 1] == 10 { p += 2 }
            guard let headerEnd = find([13, 10, 13, 10], from: p), let next = find([13, 10] + delimiter, from: headerEnd + 4) else {
                throw APIError.badJSON("表单格式错误（multipart 内容不完整）")
            }
            let headers = String(decoding: body[p..<headerEnd], as: UTF8.self)
            var name = "", filename: String?, type: String?
            for line in headers.split(separator: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    for item in line.split(separator: ";").dropFirst() {
                        let kv = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                        guard kv.count == 2 else { continue }
                        let v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                        if kv[0] == "name" { name = v } else if kv[0] == "filename" { filename = v }
                    }
                } else if lower.hasPrefix("content-type:") {
                    type = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(MultipartPart(name: name, filename: filename, contentType: type, data: Array(body[(headerEnd + 4)..<next])))
            start = next + 2
            if parts.count > 50 { throw APIError.badJSON("表单字段过多") }
        }
        return parts
    }
}
