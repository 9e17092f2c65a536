import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// /api/v1/cases/{id}/attachments: a letter's scanned pages (来信扫描件) and every other file of a case. Uploading is
/// the registering staff's (registrar, dispatcher); reading is anyone's who may see the case — to everyone else the
/// files answer 404 exactly like a missing case.
struct AttachmentsController {
    let platform: Platform
    let files: FileVault?

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("cases/:id/attachments", use: list)
        group.post("cases/:id/attachments", use: upload)
        group.get("cases/:id/attachments/:aid", use: download)
    }

    func vault() throws -> FileVault {
        guard let files else { throw APIError(.serviceUnavailable, "files_disabled", "本平台未开启附件存储") }
        return files
    }

    func render(_ a: Attachment) -> JSON {
        .object([("id", .int(a.id)), ("name", .string(a.name)), ("type", .string(a.type)), ("size", .int(Int64(a.size))),
                 ("sha256", .string(a.sha256)), ("at", .time(a.at)), ("url", .string("/api/v1/cases/\(a.caseID)/attachments/\(a.id)"))])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let user = try context.requireUser().user
        let id = try caseID(context)
        _ = try await platform.readableCase(id, by: user)
        return .object([("items", .array(try await platform.attachments(of: id).map(render)))])
    }

    /// One file per request, the raw bytes as the body (`Content-Type` is not trusted: the first bytes decide),
    /// its name in `?name=`.
    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let user = try context.requireRole([.registrar, .dispatcher]).user
        let id = try caseID(context)
        let c = try await platform.readableCase(id, by: user)
        let vault = try vault()
        guard try await platform.attachments(of: id).count < FileVault.maxPages else {
            throw APIError(.conflict, "too_many_files", "本件附件已达 \(FileVault.maxPages) 个上限")
        }
        let body = try await request.body.collect(upTo: FileVault.maxPageBytes + 1)
        let bytes = Array(body.readableBytesView)
        let name = request.uri.queryParameters.get("name").map { String($0) } ?? "page-\(c.id)"
        let page = try FileVault.checkPage(name: name, bytes: bytes)
        let stored = try await vault.attach([page], to: id, platform: platform, at: platform.clock.now())
        if let a = stored.first {
            return JSONResponse(status: .created, json: render(a), headers: [.location: "/api/v1/cases/\(id)/attachments/\(a.id)"])
        }
        // The same bytes are already on the case: answer that file.
        let sha = try await platform.attachments(of: id).first { $0.size == bytes.count && vault.read($0.sha256) == bytes }
        guard let a = sha else { throw APIError(.internalServerError, "file_write", "附件保存失败") }
        return JSONResponse(status: .ok, json: render(a), headers: [.location: "/api/v1/cases/\(id)/attachments/\(a.id)"])
    }

    @Sendable func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser().user
        let id = try caseID(context)
        _ = try await platform.readableCase(id, by: user)
        guard let aid = context.parameters.get("aid").flatMap(Int64.init),
              let a = try await platform.attachments(of: id).first(where: { $0.id == aid }),
              let bytes = try vault().read(a.sha256) else { throw APIError.notFound("附件不存在") }
        return Response(status: .ok, headers: [.contentType: a.type, .cacheControl: "private, max-age=3600",
                                               .init("X-Content-Type-Options")!: "nosniff",
                                               .contentDisposition: "inline; filename=\"attachment-\(a.id)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func caseID(_ context: AppRequestContext) throws -> CaseID {
        guard let s = context.parameters.get("id"), let id = Int64(s), id > 0 else { throw APIError.notFound("诉求件不存在") }
        return id
    }
}
