import Foundation
import Testing
@testable import MinshengText

@Suite struct ClassifierCSVTests {
    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let text = "id,title,text\r\n1,\"a,b\",\"say \"\"hi\"\"\r\nline 2\"\n2,plain,x\n"
        let rows = try CSV.parse(Array(text.utf8))
        #expect(rows == [["id", "title", "text"], ["1", "a,b", "say \"hi\"\r\nline 2"], ["2", "plain", "x"]])
    }

    @Test func bomEmptyFieldsAndNoFinalNewline() throws {
        let rows = try CSV.parse([0xEF, 0xBB, 0xBF] + Array("a,b,c\r\n,,\r\n\r\n中文,\"\",z".utf8))
        #expect(rows == [["a", "b", "c"], ["", "", ""], ["中文", "", "z"]])
    }

    @Test func malformedInputIsRefused() {
        #expect(throws: CSV.ParseError.self) { try CSV.parse(Array("a,\"unterminated\n".utf8)) }
        #expect(throws: CSV.ParseError.self) { try CSV.parse(Array("a,\"x\"y\n".utf8)) }
    }

    @Test func writeThenParseRoundTrips() throws {
        let rows = [["id", "label", "confidence"], ["1", "城乡,建设", "0.9"], ["2", "say \"x\"\nnext", " padded "]]
        #expect(try CSV.parse(Array(CSV.write(rows).utf8)) == rows)
        #expect(CSV.escape("plain") == "plain")
    }

    @Test func recordsByHeader() throws {
        let data = Array("id,title,text,label\n7,t,\"body, with comma\",教育文体\n".utf8)
        let ex = try LabeledText.read(csv: data, requireLabel: true)
        #expect(ex == [LabeledText(id: "7", title: "t", text: "body, with comma", label: "教育文体")])
        #expect(throws: CSV.ParseError.self) { try LabeledText.read(csv: Array("id,title\n1,x\n".utf8), requireLabel: false) }
    }
}

@Suite struct ClassifierNormalizationTests {
    @Test func fullWidthFoldsAndLatinLowercases() {
        #expect(TextNormalizer.normalize("ＷｉＦｉ信号差！") == "wifi信号差 ")
        #expect(TextNormalizer.normalize("Ｂ超　检查") == "b超 检查")
    }

    @Test func numbersAndPhonesAreMasked() {
        #expect(TextNormalizer.normalize("电话13812345678") == "电话<TEL>")
        #expect(TextNormalizer.normalize("０７３１－８８８８８８８８") == "<NUM> <TEL>")
        #expect(TextNormalizer.normalize("欠薪3个月共12000元") == "欠薪<NUM>个月共<NUM>元")
        #expect(TextNormalizer.normalize("PM2.5超标") == "pm<NUM> <NUM>超标")
    }

    @Test func anonymisedPlacesAreMasked() {
        #expect(TextNormalizer.normalize("A市A3区K8县") == "<LOC>市<LOC>区<LOC>县")
        #expect(TextNormalizer.normalize("用户A0001234留言") == "用户<LOC>留言")
    }

    @Test func traditionalBecomesSimplified() {
        #expect(TextNormalizer.normalize("學校門口車輛違規") == "学校门口车辆违规")
    }

    @Test func variantTableIsWellFormed() {
        // Pairs are (traditional, simplified): a misaligned pair would turn simplified characters into keys.
        let s = TextNormalizer.t2sPairs.unicodeScalars.filter { !$0.properties.isWhitespace }
        #expect(s.count % 2 == 0)
        for c in "国区学车门电话医" { #expect(TextNormalizer.normalize(String(c)) == String(c)) }
    }
}

@Suite struct ClassifierModelTests {
    static let training: [LabeledText] = {
        let traffic = ["公交车晚点严重", "地铁站拥挤不堪", "出租车拒载乘客", "公交线路调整不合理", "路口红绿灯时间太短", "公交车司机态度差",
                       "地铁延误半小时", "出租车绕路多收费", "公交站台被占用", "红绿灯坏了无人修"]
        let school = ["学校乱收补课费", "幼儿园学位不足", "教师体罚学生", "学校食堂饭菜差", "中考加分不公平", "小学入学难",
                      "学生课业负担重", "教师有偿补课", "学校收取资料费", "幼儿园收费过高"]
        let health = ["医院看病排队太久", "医生收红包", "社区医院缺药", "二胎准生证办不下来", "医院乱收检查费", "疫苗接种点太少",
                      "医生态度恶劣", "医保报销比例低", "医院停车难", "卫生院设备落后"]
        return traffic.map { LabeledText(title: $0, text: $0 + "，希望有关部门处理。", label: "交通运输") }
            + school.map { LabeledText(title: $0, text: $0 + "，请教育局管一管。", label: "教育文体") }
            + health.map { LabeledText(title: $0, text: $0 + "，望卫健委重视。", label: "卫生计生") }
    }()

    static func options(_ model: ClassifierModel) -> TrainingOptions {
        var o = TrainingOptions()
        o.model = model
        o.features.hashBits = 16
        return o
    }

    @Test(arguments: ClassifierModel.allCases)
    func tinyTrainingSetIsLearnt(model: ClassifierModel) throws {
        let clf = try TextClassifier.train(Self.training, options: Self.options(model))
        #expect(clf.labels == ["交通运输", "卫生计生", "教育文体"])
        #expect(clf.classify(title: "公交车又晚点了", text: "等了一个小时公交车").label == "交通运输")
        #expect(clf.classify(title: "学校补课收费", text: "学校要求学生交补课费").label == "教育文体")
        #expect(clf.classify(title: "医院收费", text: "医院检查费太贵，医生不解释").label == "卫生计生")
        let c = clf.classify(title: "地铁", text: "地铁太挤").confidence
        #expect(c > 1.0 / 3 && c <= 1)
    }

    @Test(arguments: [ClassifierModel.linearSVM, .svmNB])
    func trainingIsDeterministic(model: ClassifierModel) throws {
        let a = try TextClassifier.train(Self.training, options: Self.options(model)).save()
        let b = try TextClassifier.train(Self.training, options: Self.options(model)).save()
        #expect(a == b)
    }

    @Test func defaultModelIsSVMPlusNBSVM() {
        #expect(TrainingOptions().model == .svmNB)
    }

    @Test(arguments: [ClassifierModel.linearSVM, .svmNB])
    func saveLoadRoundTripGivesIdenticalPredictions(model: ClassifierModel) throws {
        let clf = try TextClassifier.train(Self.training, options: Self.options(model))
        #expect(try TextClassifier(loading: clf.save()).model == model)
        let bytes = clf.save()
        let loaded = try TextClassifier(loading: bytes)
        #expect(loaded.labels == clf.labels)
        #expect(loaded.features == clf.features)
        #expect(loaded.save() == bytes)
        for probe in Self.training + [LabeledText(title: "", text: "完全无关的文字ABC123", label: "")] {
            #expect(loaded.scores(title: probe.title, text: probe.text) == clf.scores(title: probe.title, text: probe.text))
            #expect(loaded.classify(title: probe.title, text: probe.text) == clf.classify(title: probe.title, text: probe.text))
        }
    }

    @Test func badModelFilesGiveClearErrors() throws {
        let bytes = try TextClassifier.train(Self.training, options: Self.options(.linearSVM)).save()
        #expect(throws: ClassifierError.notAModelFile) { try TextClassifier(loading: Array("hello world".utf8)) }
        #expect(throws: ClassifierError.notAModelFile) { try TextClassifier(loading: [UInt8]()) }
        var future = bytes
        future[4] = 99
        #expect(throws: ClassifierError.unsupportedVersion(99)) { try TextClassifier(loading: future) }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x55
        #expect(throws: ClassifierError.self) { try TextClassifier(loading: flipped) }
        #expect(throws: ClassifierError.self) { try TextClassifier(loading: bytes.dropLast(10)) }
        let message = "\(ClassifierError.unsupportedVersion(99))"
        #expect(message.contains("version 99"))
    }

    @Test func oneLabelCannotBeTrained() {
        #expect(throws: ClassifierError.self) {
            try TextClassifier.train([LabeledText(title: "a", text: "b", label: "x")])
        }
    }

    @Test func crossValidationFoldsAreStratifiedAndStable() throws {
        let labels = Self.training.map(\.label)
        let folds = CrossValidation.assignFolds(labels: labels, folds: 5, seed: 1)
        #expect(folds == CrossValidation.assignFolds(labels: labels, folds: 5, seed: 1))
        for l in Set(labels) {
            let f = zip(labels, folds).filter { $0.0 == l }.map(\.1)
            for k in 0..<5 { #expect(f.filter { $0 == k }.count == 2) }
        }
        let report = try CrossValidation.run(Self.training, options: Self.options(.linearSVM), folds: folds)
        #expect(report.perClass.count == 3)
        #expect(report.accuracy > 0.6)
    }
}
