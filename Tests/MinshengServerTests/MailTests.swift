import Foundation
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// SMTP carries CRLF line ends; a mail server piping to a command often hands over LF. Both must parse.
func crlf(_ s: String) -> [UInt8] { Array(s.replacingOccurrences(of: "\n", with: "\r\n").utf8) }
func lf(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("Mail: MIME pieces")
struct MailPiecesTests {
    @Test func charsetsAsTheyArrive() throws {
        #expect(Charsets.iconvName("GB2312") == "GB18030")
        #expect(Charsets.iconvName("gbk") == "GB18030")
        #expect(Charsets.iconvName("x-gbk") == "GB18030")
        #expect(Charsets.iconvName("\"Big5\"") == "BIG5")
        #expect(Charsets.iconvName("utf-8*zh-cn") == "UTF-8")
        #expect(Charsets.iconvName("x-klingon") == nil)
        #expect(Charsets.iconvName("../../etc/passwd") == nil)
        // 中文 in GBK, GB18030 (a 4-byte character: €  is 0xA2E3 in GB18030, ㄅ… ) and Big5, checked by the bytes.
        #expect(Charsets.decode([0xD6, 0xD0, 0xCE, 0xC4], charset: "gb2312") == "中文")
        #expect(Charsets.decode([0x86, 0xB4], charset: "gb2312") == "喆") // GBK-only, labelled GB2312 as clients do
        #expect(Charsets.decode([0x81, 0x30, 0x81, 0x30], charset: "gb18030") == "\u{80}")
        #expect(Charsets.decode([0xA4, 0xA4, 0xA4, 0xE5], charset: "big5") == "中文")
        #expect(Charsets.decode([0x63, 0x61, 0x66, 0xE9], charset: "iso-8859-1") == "café")
        #expect(Charsets.decode(Array("ok".utf8), charset: "us-ascii") == "ok")
        // Invalid and truncated bytes become U+FFFD, never a crash.
        #expect(Charsets.decode([0xD6, 0xD0, 0xFF, 0xCE, 0xC4], charset: "gbk") == "中\u{FFFD}文")
        #expect(Charsets.decode([0xD6, 0xD0, 0xCE], charset: "gbk") == "中\u{FFFD}")
        #expect(Charsets.decode([0xE4, 0xB8], charset: "utf-8") == "\u{FFFD}")
        #expect(Charsets.decode([], charset: "big5") == "")
        // No charset: UTF-8 if valid, else GB18030.
        #expect(Charsets.decodeGuessing(Array("中文".utf8)) == "中文")
        #expect(Charsets.decodeGuessing([0xD6, 0xD0, 0xCE, 0xC4]) == "中文")
        // A long text crosses iconv's output buffer more than once.
        var long: [UInt8] = []
        for _ in 0..<100_000 { long += [0xD6, 0xD0] }
        #expect(Charsets.decode(long, charset: "gbk") == String(repeating: "中", count: 100_000))
    }

    @Test func encodedWords() {
        // Adjacent words: the whitespace between them goes, and bytes of one character split across two words join.
        #expect(MailText.decodeEncodedWords("=?gbk?B?zbbL36O6vQ==?=\r\n =?gbk?B?4rfFsa65pLXY0rm85MqpuaTU69L0yMXD8Q==?=")
                == "投诉：解放碑工地夜间施工噪音扰民")
        #expect(MailText.decodeEncodedWords("=?utf-8?Q?=E8=B7=AF=E7=81=AF_ok?=") == "路灯 ok")
        #expect(MailText.decodeEncodedWords("Re: =?UTF-8?b?5Lit5paH?= and =?gb2312?B?1tDOxA==?= x") == "Re: 中文 and 中文 x")
        #expect(MailText.decodeEncodedWords("=?utf-8?B?5Lit?= =?gbk?B?zsQ=?=") == "中文") // different charsets, adjacent
        #expect(MailText.decodeEncodedWords("=?x-unknown?B?5Lit?=") == "=?x-unknown?B?5Lit?=") // left as it came
        #expect(MailText.decodeEncodedWords("=?utf-8?B?broken") == "=?utf-8?B?broken")
        #expect(MailText.decodeEncodedWords("a =? b ?= c") == "a =? b ?= c")
        #expect(MailText.decodeEncodedWords("=?big5?B?pKSk5Q==?=") == "中文")
    }

    @Test func parametersRFC2231AndOutlookNames() {
        let (v, p) = MailText.parseValueAndParameters(
            "attachment;\r\n\tfilename*0*=utf-8''%E5%B0%8F%E5%8C%BA;\r\n\tfilename*1*=%E5%BB%BA%E8%AE%AE.docx; size=83")
        #expect(v == "attachment")
        #expect(p["filename"] == "小区建议.docx")
        #expect(p["size"] == "83")
        #expect(MailText.parseValueAndParameters("attachment; filename*=gbk''%D6%D0%CE%C4.pdf").1["filename"] == "中文.pdf")
        #expect(MailText.parseValueAndParameters("attachment; filename*0=\"long \"; filename*1=\"name.txt\"").1["filename"] == "long name.txt")
        #expect(MailText.parseValueAndParameters("image/jpeg; name=\"=?gbk?B?z9azodXVxqwuanBn?=\"").1["name"] == "现场照片.jpg")
        #expect(MailText.parseValueAndParameters("text/plain; charset=\"gb2312\"").1["charset"] == "gb2312")
        #expect(MailText.parseValueAndParameters("text/plain; name=\"a \\\"q\\\" b.txt\"").1["name"] == "a \"q\" b.txt")
        // The extended form wins over the plain one.
        #expect(MailText.parseValueAndParameters("a; filename=\"x.pdf\"; filename*=utf-8''%E4%B8%AD.pdf").1["filename"] == "中.pdf")
    }

    @Test func addresses() {
        #expect(MailText.firstAddress("\"=?gbk?B?1cXI/Q==?=\" <ZhangSan@Foxmail.COM>") == MailAddress(name: "张三", address: "ZhangSan@foxmail.com"))
        #expect(MailText.firstAddress("=?gb2312?B?wO7LxA==?= <lisi@example.com.cn>")?.name == "李四")
        #expect(MailText.firstAddress("chen@gmail.com (陈柳)") == MailAddress(name: "陈柳", address: "chen@gmail.com"))
        #expect(MailText.firstAddress("chen@gmail.com") == MailAddress(name: nil, address: "chen@gmail.com"))
        #expect(MailText.firstAddress("'Wang Wu' <w@qq.com>, \"Li, Si\" <o@qq.com>") == MailAddress(name: "Wang Wu", address: "w@qq.com"))
        #expect(MailText.firstAddress("\"a@b.com\" <a@b.com>") == MailAddress(name: nil, address: "a@b.com"))
        #expect(MailText.firstAddress("undisclosed-recipients:;") == nil)
        #expect(MailText.firstAddress("") == nil)
    }

    @Test func transferEncodings() {
        // Soft line breaks (CRLF and LF), =XX in both cases, trailing whitespace the transport added.
        #expect(QuotedPrintable.decode(Array("=D6=D0=\r\n=ce=c4 end  \r\nnext=\nline=3D".utf8)) == [0xD6, 0xD0, 0xCE, 0xC4] + Array(" end\r\nnextline=".utf8))
        #expect(QuotedPrintable.decode(Array("a=20\nb = c=".utf8)) == Array("a \nb = c".utf8))
        #expect(Base64Mail.decode(Array("5Lit\r\n5paH".utf8), strict: true) == Array("中文".utf8))
        #expect(Base64Mail.decode(Array("5LitA".utf8), strict: true) == nil)       // a lone 6-bit group
        #expect(Base64Mail.decode(Array("5Li!t5paH".utf8), strict: true) == nil)   // outside the alphabet
        #expect(Base64Mail.decode(Array("5Lit5pa".utf8), strict: true) == Array("中文".utf8).dropLast(1).map { $0 }) // no padding
    }

    @Test func htmlToText() {
        let t = MailText.htmlToText("<html><head><title>t</title><style>p{x:1}</style></head><body><p>第一段&nbsp;&lt;a&gt;</p><script>alert(1)</script><div>第二&amp;段<br>换行&#20013;&#x6587;</div><!-- c --><table><tr><td>甲</td><td>乙</td></tr></table></body></html>")
        #expect(t == "第一段 <a>\n第二&段\n换行中文\n甲 乙")
    }
}

@Suite("Mail: messages from real clients")
struct MailClientTests {
    @Test func foxmailGBK() throws {
        let m = try MailMessage.parse(crlf(MailFixtures.foxmail))
        #expect(m.subject == "投诉：解放碑工地夜间施工噪音扰民")
        #expect(Array(m.subject!.utf8) != MailFixtures.gbkSubjectBytes) // decoded, not passed through
        #expect(m.from == MailAddress(name: "张三", address: "ZhangSan@foxmail.com"))
        #expect(m.messageID == "202611021015321863510@foxmail.com")
        #expect(m.text == "尊敬的领导：\n    我是渝中区解放碑街道的居民，小区门口的工地每天晚上十一点以后还在施工，噪音非常大，严重影响休息。\n恳请相关部门尽快处理！\n\n联系电话：138-0013-8000\n张三")
        #expect(m.files.count == 1)
        #expect(m.files.first?.name == "现场照片.jpg")
        #expect(m.files.first?.bytes.count == MailFixtures.jpegSize)
        #expect(m.files.first?.bytes.prefix(3) == [0xFF, 0xD8, 0xFF])
        // The same message with LF line ends (as a pipe from Postfix hands it over).
        let viaPipe = try MailMessage.parse(lf(MailFixtures.foxmail))
        #expect(viaPipe.text == m.text && viaPipe.subject == m.subject && viaPipe.files.first?.bytes == m.files.first?.bytes)
    }

    @Test func outlookGB2312() throws {
        let m = try MailMessage.parse(crlf(MailFixtures.outlook))
        #expect(m.subject == "关于小区停车难问题的建议")
        #expect(m.from?.name == "李四")
        #expect(m.text == "您好：\n我们小区（江北区观音桥街道华新村）车位严重不足，晚上车辆乱停，消防通道经常被堵。\n建议在小区旁空地规划临时停车位。具体方案见附件。\n\n李四（联系人：王喆、刘堃）")
        #expect(m.files.map(\.name) == ["小区停车建议.docx"])
        #expect(m.files.first?.bytes.count == MailFixtures.docxSize)
    }

    @Test func qqMailHTMLOnly() throws {
        let m = try MailMessage.parse(lf(MailFixtures.qq))
        #expect(m.subject == "路灯不亮")
        #expect(m.from == MailAddress(name: "王五", address: "987654321@qq.com"))
        #expect(m.text == "您好：\n我家楼下的路灯已经坏了两个星期 <和平路12号>，晚上出行很不安全。\n\n手机 13912345678\n王五&家人")
        #expect(m.files.isEmpty)
    }

    @Test func gmailUTF8WithPDF() throws {
        let m = try MailMessage.parse(crlf(MailFixtures.gmail))
        #expect(m.subject == "咨询：新生儿医保如何办理")
        #expect(m.from == MailAddress(name: "Chen Liu", address: "chen.liu@gmail.com"))
        #expect(m.replyTo == MailAddress(name: "陈柳", address: "Chen.Liu+12345@gmail.com"))
        #expect(m.text == "您好，\n\n请问新生儿参加城乡居民医保需要准备哪些材料？申请表已填好，见附件。\n\n谢谢！\n陈柳") // the plain part, not the HTML
        #expect(m.files.map(\.name) == ["医保申请表.pdf", "invoice.pdf.exe"])
        #expect(m.files.first?.bytes.count == MailFixtures.pdfSize)
    }

    @Test func big5FromTaiwan() throws {
        let m = try MailMessage.parse(lf(MailFixtures.big5Head) + MailFixtures.big5Body)
        #expect(m.subject == "申請路燈維修")
        #expect(m.from?.name == "陳美玲")
        #expect(m.text == "您好，我家門口的路燈壞了，請派人修理。謝謝！\n聯絡電話：0912-345-678")
        #expect(m.messageID == "000001d9a1b2$c3d4e5f6$0201a8c0@MEILINGPC")
    }

    @Test func unlabelledEightBitHeadersAndBody() throws {
        // Old clients send raw GBK in the Subject and an unlabelled GBK body.
        let raw = lf("From: a@b.cn\nSubject: ") + [0xD6, 0xD0, 0xCE, 0xC4] + lf("\nContent-Type: text/plain\n\n") + [0xD6, 0xD0, 0xCE, 0xC4]
        let m = try MailMessage.parse(raw)
        #expect(m.subject == "中文")
        #expect(m.text == "中文")
    }

    @Test func brokenMessagesAreDataErrors() {
        func error(_ bytes: [UInt8], max: Int = 30 << 20) -> MailError? {
            do { _ = try MailMessage.parse(bytes, maxBytes: max); return nil } catch { return error }
        }
        #expect(error(lf("hello world\n\njust some text")) == .noHeaders)
        #expect(error([]) == .noHeaders)
        #expect(error([0xFF, 0xFE, 0x00, 0x01, 0x02]) == .noHeaders)
        #expect(error(lf("From: a@b.cn\nContent-Transfer-Encoding: base64\n\n5Lit!!!@@@5paH\n")) == .brokenBase64(part: "message"))
        #expect(error(lf("From: a@b.cn\nContent-Type: text/plain; charset=x-klingon\n\nqaStaHvIS")) == .unknownCharset("x-klingon"))
        #expect(error(lf("From: a@b.cn\nContent-Type: multipart/mixed\n\n--x\n\nhi\n--x--\n")) == .missingBoundary(part: "message"))
        #expect(error(lf("From: a@b.cn\nContent-Type: multipart/mixed; boundary=zzz\n\n--x\n\nhi\n--x--\n")) == .missingBoundary(part: "message"))
        let big = lf("From: a@b.cn\nSubject: x\n\n" + String(repeating: "a", count: 2000))
        #expect(error(big, max: 1000) == .tooLarge(bytes: big.count, limit: 1000))
        // Nested without end.
        var deep = "From: a@b.cn\nContent-Type: multipart/mixed; boundary=b0\n\n"
        for i in 1...20 { deep += "--b\(i - 1)\nContent-Type: multipart/mixed; boundary=b\(i)\n\n" }
        #expect(error(lf(deep)) == .tooDeep)
        // A broken part deep inside is named.
        let inner = "From: a@b.cn\nContent-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\nok\n--q\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n%%%%\n--q--\n"
        #expect(error(lf(inner)) == .brokenBase64(part: "part 2"))
        // Fuzz: truncations and byte flips of a real message never crash (they parse or fail with a MailError).
        let base = crlf(MailFixtures.foxmail)
        var rng = SystemRandomNumberGenerator()
        for n in stride(from: 0, to: base.count, by: 97) { _ = error(Array(base.prefix(n))) }
        for _ in 0..<300 {
            var b = base
            for _ in 0..<8 { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = error(b)
        }
    }

    @Test func phoneFoundInText() {
        #expect(MailIngest.findMobile(in: "联系电话：138-0013-8000") == "13800138000")
        #expect(MailIngest.findMobile(in: "手机 13912345678。") == "13912345678")
        #expect(MailIngest.findMobile(in: "+86 139 1234 5678") == "13912345678")
        #expect(MailIngest.findMobile(in: "身份证 500103199001011232，订单 123456789012") == nil)
        #expect(MailIngest.findMobile(in: "电话13800001234 2026年") == "13800001234")
        #expect(MailIngest.findMobile(in: "座机 023-63881234") == nil)
        #expect(MailIngest.findMobile(in: "0912-345-678") == nil) // a Taiwanese mobile is not a mainland one
    }

    @Test func attachmentTypes() {
        #expect(MailIngest.check(name: "a.jpg", bytes: [0xFF, 0xD8, 0xFF, 0xE0]) == .allowed("image/jpeg"))
        #expect(MailIngest.check(name: "a.png.exe", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .executable)
        #expect(MailIngest.check(name: "photo.jpg", bytes: Array("MZ\u{90}".utf8)) == .executable) // a PE disguised as a photo
        #expect(MailIngest.check(name: "run.sh", bytes: Array("#!/bin/sh\n".utf8)) == .executable)
        #expect(MailIngest.check(name: "x.pdf", bytes: Array("%PDF-1.7".utf8)) == .allowed("application/pdf"))
        #expect(MailIngest.check(name: "x.doc", bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) == .allowed("application/msword"))
        #expect(MailIngest.check(name: "setup.msi", bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) == .executable)
        #expect(MailIngest.check(name: "x.xlsx", bytes: [0x50, 0x4B, 0x03, 0x04]).isAllowed)
        #expect(MailIngest.check(name: "x.zip", bytes: [0x50, 0x4B, 0x03, 0x04]) == .notAllowed)
        #expect(MailIngest.check(name: "说明.txt", bytes: [0xD6, 0xD0, 0xCE, 0xC4, 0x0A]) == .allowed("text/plain"))
        #expect(MailIngest.check(name: "page.html", bytes: Array("<html><script>".utf8)) == .notAllowed)
        #expect(MailIngest.check(name: "x.txt", bytes: [0x00, 0x01, 0x02]) == .notAllowed)
        #expect(MailIngest.safeName("../../etc/passwd", index: 1) == "passwd")
        #expect(MailIngest.safeName(nil, index: 3) == "附件3")
        #expect(MailIngest.safeName("C:\\Users\\a\\照片.jpg", index: 1) == "照片.jpg")
    }
}

extension MailIngest.Verdict {
    var isAllowed: Bool { if case .allowed = self { true } else { false } }
}


@Suite("Mail: ingest into the platform")
struct MailIngestTests {
    func withIngest(_ body: @Sendable (MailIngest, Platform, String) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "minsheng-mail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await SQLiteStore.open(.file(dir + "/test.sqlite"))
        do {
            let platform = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar())
            try await platform.addUnits(apiUnits)
            try await body(try MailIngest(platform: platform, filesDirectory: dir + "/files"), platform, dir)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    @Test func foxmailBecomesACaseOnceWithItsPhoto() async throws {
        try await withIngest { ingest, platform, dir in
            let r = try await ingest.ingest(crlf(MailFixtures.foxmail))
            #expect(r.created && r.filesStored == 1 && r.refused.isEmpty)
            let c = try #require(try await platform.store.case(r.caseID))
            #expect(c.channel == .email)
            #expect(c.kind == .complaint) // 投诉 in the subject
            #expect(c.title == "投诉：解放碑工地夜间施工噪音扰民")
            #expect(c.content.hasPrefix("尊敬的领导：\n    我是渝中区解放碑街道的居民") && c.content.hasSuffix("联系电话：138-0013-8000\n张三"))
            #expect(c.center == 2 && c.state == .registered)
            // The citizen: name from From, phone from the text; stored sealed, shown masked.
            let clear = platform.sealer.openCitizen(c.citizen)
            #expect(clear.name == "张三" && clear.phone == "13800138000")
            #expect(c.citizen.name != "张三" && c.citizen.phone != "13800138000")
            #expect(Contact.maskName(clear.name!) == "张*" && Contact.maskPhone(clear.phone!) == "138****8000")
            // The address: only sealed, in the registration event.
            let events = try await platform.store.events(of: c.id)
            let reg = try #require(events.first)
            #expect(reg.actorID == MailIngest.actorID && reg.role == .registrar && reg.unit == 2)
            let sealed = try #require(reg.data["emailSealed"])
            #expect(platform.sealer.open(sealed) == "ZhangSan@foxmail.com")
            #expect(reg.data["email.messageId"] == "202611021015321863510@foxmail.com")
            #expect(!reg.data.values.contains { $0.lowercased().contains("zhangsan@") })
            #expect(reg.note.contains("电子邮件来信"))
            // The photo, content-addressed under files/.
            let files = try await platform.store.attachments(of: c.id)
            #expect(files.map(\.name) == ["现场照片.jpg"] && files.first?.type == "image/jpeg" && files.first?.size == MailFixtures.jpegSize)
            let sha = files.first!.sha256
            #expect(FileManager.default.fileExists(atPath: dir + "/files/" + sha.prefix(2) + "/" + sha))
            // The same message again (the MTA retried): nothing new.
            let again = try await ingest.ingest(crlf(MailFixtures.foxmail))
            #expect(!again.created && again.caseID == r.caseID && again.filesStored == 0 && !again.differsFromFirst)
            #expect(try await platform.store.caseCount() == 1)
            #expect(try await platform.store.attachments(of: c.id).count == 1)
            #expect(try await platform.store.events(of: c.id).count == 1)
            // Same Message-ID, LF line ends (through another path): still the same case.
            #expect(try await !ingest.ingest(lf(MailFixtures.foxmail)).created)
            // The database file holds no address in clear.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/test.sqlite"))
                + ((try? Data(contentsOf: URL(fileURLWithPath: dir + "/test.sqlite-wal"))) ?? Data())
            #expect(bytes.range(of: Data("ZhangSan@foxmail.com".utf8)) == nil)
        }
    }

    @Test func everyClientEndToEnd() async throws {
        try await withIngest { ingest, platform, _ in
            let outlook = try await ingest.ingest(crlf(MailFixtures.outlook))
            let o = try #require(try await platform.store.case(outlook.caseID))
            #expect(o.kind == .suggestion && o.title == "关于小区停车难问题的建议" && o.content.hasSuffix("李四（联系人：王喆、刘堃）"))
            #expect(platform.sealer.openCitizen(o.citizen) == Citizen(name: "李四"))
            let oa = try await platform.store.attachments(of: o.id)
            #expect(oa.map(\.name) == ["小区停车建议.docx"])
            #expect(oa.first?.type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")

            let qq = try await ingest.ingest(lf(MailFixtures.qq))
            let q = try #require(try await platform.store.case(qq.caseID))
            #expect(q.title == "路灯不亮" && q.content.contains("<和平路12号>") && q.kind == .help)
            #expect(platform.sealer.openCitizen(q.citizen) == Citizen(name: "王五", phone: "13912345678"))

            let gmail = try await ingest.ingest(crlf(MailFixtures.gmail))
            #expect(gmail.created && gmail.filesStored == 1)
            #expect(gmail.refused == ["附件《invoice.pdf.exe》是可执行文件，按安全规定未保存"])
            let g = try #require(try await platform.store.case(gmail.caseID))
            #expect(g.kind == .consultation)
            let ga = try await platform.store.attachments(of: g.id)
            #expect(ga.map(\.name) == ["医保申请表.pdf"] && ga.first?.type == "application/pdf")
            let gev = try await platform.store.events(of: g.id).first!
            #expect(gev.note.contains("invoice.pdf.exe") && gev.note.contains("未保存"))
            // Reply-To is where the answer goes: that address is the one sealed.
            #expect(platform.sealer.open(gev.data["emailSealed"]!) == "Chen.Liu+12345@gmail.com")
            #expect(platform.sealer.openCitizen(g.citizen).name == "Chen Liu")

            let big5 = try await ingest.ingest(lf(MailFixtures.big5Head) + MailFixtures.big5Body)
            let b = try #require(try await platform.store.case(big5.caseID))
            #expect(b.title == "申請路燈維修" && b.content == "您好，我家門口的路燈壞了，請派人修理。謝謝！\n聯絡電話：0912-345-678")
            #expect(platform.sealer.openCitizen(b.citizen) == Citizen(name: "陳美玲"))

            #expect(try await platform.store.caseCount() == 4)
            var query = CaseQuery(now: monday9)
            query.channel = .email
            let list = try await platform.store.cases(query)
            #expect(list.items.count == 4)
        }
    }

    @Test func limitsAndRefusals() async throws {
        try await withIngest { ingest, platform, _ in
            var small = MailIngest.Limits()
            small.maxFiles = 2
            small.maxFileBytes = 100
            let strict = try MailIngest(platform: platform, filesDirectory: ingest.vault?.directory, limits: small)
            var msg = "From: a@b.cn\nSubject: 多个附件\nMessage-ID: <many@b.cn>\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain; charset=utf-8\n\n见附件\n"
            for i in 1...4 {
                let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, UInt8(i)]).base64EncodedString()
                msg += "--B\nContent-Type: image/png; name=p\(i).png\nContent-Transfer-Encoding: base64\n\n\(png)\n"
            }
            let big = Data([0xFF, 0xD8, 0xFF] + [UInt8](repeating: 7, count: 200)).base64EncodedString()
            msg += "--B\nContent-Type: image/jpeg; name=big.jpg\nContent-Transfer-Encoding: base64\n\n\(big)\n--B\nContent-Type: application/zip; name=a.zip\nContent-Transfer-Encoding: base64\n\nUEsDBAo=\n--B--\n"
            let r = try await strict.ingest(lf(msg))
            #expect(r.created && r.filesStored == 2)
            #expect(r.refused.count == 4)
            #expect(r.refused.contains { $0.contains("p3.png") && $0.contains("上限") })
            #expect(r.refused.contains { $0.contains("big.jpg") && $0.contains("MB") })
            #expect(r.refused.contains { $0.contains("a.zip") && $0.contains("类型") })
            // Broken input registers nothing.
            await #expect(throws: MailError.noHeaders) { try await ingest.ingest(lf("no headers here")) }
            await #expect(throws: MailError.empty) { try await ingest.ingest(lf("From: a@b.cn\nMessage-ID: <e@b>\n\n  \n")) }
            #expect(try await platform.store.caseCount() == 1)
            // Without a Message-ID the whole message is the key: the same bytes twice are one case.
            let noID = lf("From: x@y.cn\nSubject: 咨询公积金\n\n请问公积金怎么提取？")
            #expect(try await ingest.ingest(noID).created)
            #expect(try await !ingest.ingest(noID).created)
            // The same Message-ID with another text: not registered again, and flagged.
            let other = try await ingest.ingest(lf("From: a@b.cn\nSubject: 另一件事\nMessage-ID: <many@b.cn>\n\n别的内容"))
            #expect(!other.created && other.differsFromFirst && other.caseID == r.caseID)
            #expect(try await platform.store.caseCount() == 2)
        }
    }

    @Test func throughTheAPIOnlyMaskedAndTheAddressOnALoggedRead() async throws {
        try await withAPI { h in
            let ingest = try MailIngest(platform: h.platform, filesDirectory: nil)
            let r = try await ingest.ingest(crlf(MailFixtures.foxmail))
            let view = try await h.get("/api/v1/cases/\(r.caseID)")
            #expect(view["channel"].string == "email")
            #expect(view["citizen"]["name"].string == "张*" && view["citizen"]["phone"].string == "138****8000")
            #expect(!view.text.lowercased().contains("zhangsan@foxmail.com") && !view.text.contains("13800138000"))
            #expect(view["history"][0]["data"]["emailSealed"].string?.isEmpty == false)
            let contact = try await h.get("/api/v1/cases/\(r.caseID)/contact")
            #expect(contact["email"].string == "ZhangSan@foxmail.com")
            #expect(contact["citizen"]["phone"].string == "13800138000")
            var q = LogQuery()
            q.caseID = r.caseID
            let log = try await h.platform.store.accessLog(q)
            #expect(log.first?.fields.contains("email") == true)
            // A case from another channel has no e-mail field.
            let other = try await h.create()
            #expect(try await h.get("/api/v1/cases/\(other)/contact")["email"].exists == false)
        }
    }
}
