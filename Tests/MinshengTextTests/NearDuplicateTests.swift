import Foundation
import Testing
@testable import MinshengText

@Suite struct NearDuplicateTests {
    // Real messages (hotspot_messages.csv) and an edited repost.
    static let title = "A7县宁华路靠望仙路岔路口200米路灯不亮"
    static let text = "尊敬的张县长：我是星湖湾居民，从宁华路往望仙路方向走，有200米左右路段路灯不亮，晚上散步乌漆麻黑、小学生早上上学都不安全。请领导安排人员尽快维修，谢谢！"
    static let edited = "我是星湖湾居民，从宁华路往望仙路方向走，有200米左右路段路灯长期不亮，晚上散步乌漆麻黑，小学生早上上学都不安全。请领导安排人员尽快维修。"
    static let unrelated = [
        ("A市万科魅力之城楼板和墙面开裂", "我是万科魅力之城4.1期65栋1003房的业主，房屋交房至今一年半，每个房间的房顶都出现了楼板开裂，总共有十多条，最长的裂缝4米多长。"),
        ("咨询A市退休年龄问题", "你好，我身份证是72年的，实际年龄是69年的，档案里有69年的也有72年的，请问我这种情况可以办理退休吗？"),
        ("A3区麓谷一师范安置小区抽烟机影响居民生活睡眠", "麓谷一师范安置小区，夜宵摊朝阳家菜馆深更半夜音响还在响，抽烟机噪音大，严重影响居民休息。"),
    ]

    func filled() -> NearDuplicateIndex {
        let index = NearDuplicateIndex()
        index.add(id: 1, title: Self.title, text: Self.text)
        for (i, m) in Self.unrelated.enumerated() { index.add(id: Int64(10 + i), title: m.0, text: m.1) }
        return index
    }

    @Test func exactDuplicateIsFound() {
        let found = filled().query(title: Self.title, text: Self.text)
        #expect(found.first == .init(id: 1, similarity: 1))
        #expect(found.count == 1)
    }

    @Test func smallEditsAndWidthOrPunctuationChangesAreFound() {
        let index = filled()
        let a = index.query(title: "A7县宁华路靠望仙路岔路口200米路灯长期不亮", text: Self.edited)
        #expect(a.map(\.id) == [1])
        #expect(a[0].similarity >= 0.6)
        // Full-width digits, traditional characters, different punctuation and spacing: same signature.
        let wide = Self.text.replacingOccurrences(of: "200", with: "２００").replacingOccurrences(of: "，", with: " , ")
            .replacingOccurrences(of: "灯", with: "燈")
        #expect(index.query(title: Self.title, text: wide).first?.similarity == 1)
    }

    @Test func unrelatedMessagesAreNotFound() {
        let index = NearDuplicateIndex()
        index.add(id: 1, title: Self.title, text: Self.text)
        for m in Self.unrelated { #expect(index.query(title: m.0, text: m.1).isEmpty) }
    }

    @Test func queryAndAddFindsEarlierOnly() {
        let index = NearDuplicateIndex()
        #expect(index.queryAndAdd(id: 1, title: Self.title, text: Self.text).isEmpty)
        #expect(index.queryAndAdd(id: 2, title: Self.title, text: Self.edited).map(\.id) == [1])
        #expect(index.queryAndAdd(id: 3, title: Self.title, text: Self.text).map(\.id) == [1, 2])
        #expect(index.count == 3)
    }

    @Test func oddInputNeverCrashes() {
        let index = NearDuplicateIndex()
        let huge = String(repeating: "路灯不亮请尽快维修", count: 200_000)
        var garbage = ""
        var x: UInt32 = 12345
        for _ in 0..<5000 { x = x &* 1_103_515_245 &+ 12345; if let s = Unicode.Scalar(x % 0x11_0000) { garbage.unicodeScalars.append(s) } }
        let inputs = ["", " ", "。。。", "a", "路", "路灯", "😀😀😀👨‍👩‍👧", "\u{0}\u{1}\u{FFFD}", huge, garbage,
                      String(decoding: [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82], as: UTF8.self)]
        for (i, s) in inputs.enumerated() {
            _ = index.queryAndAdd(id: Int64(i), title: s, text: s)
            _ = index.query(title: "", text: s)
        }
        #expect(index.count == inputs.count)
        // Messages without text never match each other.
        #expect(index.query(title: "", text: "").isEmpty)
        #expect(index.query(title: "。", text: " ").isEmpty)
        // The huge one is read up to maxBytes and still finds itself.
        #expect(index.query(title: huge, text: huge).contains { $0.id == 8 })
    }

    @Test func serialisationRoundTrips() throws {
        let index = filled()
        index.add(id: 99, title: "", text: "")
        let bytes = index.serialized()
        let back = try NearDuplicateIndex(serialized: bytes)
        #expect(back.count == index.count)
        #expect(back.options == index.options)
        #expect(back.serialized() == bytes)
        #expect(back.query(title: Self.title, text: Self.edited).map(\.id) == [1])
        #expect(back.query(title: "", text: "").isEmpty)
        // Damage is detected.
        var bad = bytes
        bad[bad.count / 2] ^= 0x40
        #expect(throws: NearDuplicateIndex.FileError.self) { try NearDuplicateIndex(serialized: bad) }
        #expect(throws: NearDuplicateIndex.FileError.self) { try NearDuplicateIndex(serialized: bytes.dropLast(3)) }
        #expect(throws: NearDuplicateIndex.FileError.self) { try NearDuplicateIndex(serialized: [UInt8]("MSND".utf8)) }
    }

    @Test func signaturesAreStableAndSimilarityIsEstimated() {
        let index = NearDuplicateIndex()
        let a = index.signature(title: Self.title, text: Self.text)
        #expect(a == index.signature(title: Self.title, text: Self.text))
        #expect(a.values.count == index.options.hashCount)
        let b = index.signature(title: Self.title, text: Self.edited)
        #expect(a.similarity(to: b) > 0.5 && a.similarity(to: b) < 1)
        #expect(index.signature(title: "", text: "").isEmpty)
    }

    @Test func concurrentReadersAndAWriter() async {
        let index = filled()
        await withTaskGroup(of: Int.self) { group in
            for t in 0..<4 {
                group.addTask {
                    var n = 0
                    for i in 0..<200 {
                        if t == 0 { index.add(id: Int64(1000 + i), title: "第\(i)条", text: "内容\(i)内容内容") }
                        n += index.query(title: Self.title, text: Self.text).count
                    }
                    return n
                }
            }
            for await n in group { #expect(n >= 200) }
        }
        #expect(index.count == 4 + 200)
    }

    /// Precision and recall on the hand-labelled real pairs must not fall below what was measured (docs/intelligence.md)
    /// minus a margin. Needs the public corpus; skipped when it is not on this machine.
    @Test func precisionAndRecallOnLabelledRealPairs() throws {
        guard let dir = SharedData.teddyDirectory(from: #filePath) else { return }
        let pairsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/near-duplicate-pairs.csv").path
        guard FileManager.default.fileExists(atPath: dir + "/hotspot_messages.csv"),
              let pairData = FileManager.default.contents(atPath: pairsPath) else { return }
        let messages = try CorpusMessage.readTeddy(directory: dir)
        let eval = try NearDuplicateEvaluation(pairsCSV: pairData)
        let r = eval.run(messages, options: NearDuplicateOptions(), thresholds: [0.4])[0]
        // Measured: precision 0.972 (768 of 790), recall 0.810 (769 of 949).
        #expect(r.precision >= 0.95)
        #expect(r.recall >= 0.78)
        #expect(r.reportedDifferent <= 3)
    }
}
