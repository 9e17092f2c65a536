import MinshengDomain
import Testing

@Suite("Contact validation and masking")
struct ContactTests {
    @Test(arguments: [
        ("13800001234", "13800001234"), ("138-0000-1234", "13800001234"), ("138 0000 1234", "13800001234"),
        ("+86 138 0000 1234", "13800001234"), ("008613800001234", "13800001234"), ("8613800001234", "13800001234"),
        ("19912345678", "19912345678"), ("023-63881234", "02363881234"), ("(023)6388-1234", "02363881234"),
        ("0755-12345678", "075512345678"), ("010-1234567", "0101234567"),
    ])
    func phonesAccepted(_ raw: String, _ canonical: String) throws {
        #expect(try Contact.normalizedPhone(raw) == canonical)
    }

    @Test(arguments: ["", "12345", "12800001234", "1380000123", "138000012345", "23800001234", "abc13800001234",
                      "138０0001234", "+1 415 555 0100", "0012345678", "13800001234；", "110"])
    func phonesRefused(_ raw: String) {
        #expect(throws: Contact.Problem.badPhone) { try Contact.normalizedPhone(raw) }
    }

    @Test(arguments: [
        ("11010519491231002X", "11010519491231002X"), ("11010519491231002x", "11010519491231002X"),
        ("440524198801010011", "440524198801010011"), ("500103199001011232", "500103199001011232"),
    ])
    func idNumbersAccepted(_ raw: String, _ canonical: String) throws {
        #expect(try Contact.normalizedIDNumber(raw) == canonical)
    }

    @Test(arguments: [
        "110105194912310021", // wrong check digit
        "11010519491231002",  // 17 digits
        "110105194902300020", // 30 February (check digit right for the digits)
        "11010518491231002X", // born 1849
        "1101051949123100AX", "",
    ])
    func idNumbersRefused(_ raw: String) {
        #expect(throws: Contact.Problem.badIDNumber) { try Contact.normalizedIDNumber(raw) }
    }

    @Test func masks() {
        #expect(Contact.maskName("张三") == "张*")
        #expect(Contact.maskName("欧阳娜娜") == "欧***")
        #expect(Contact.maskName("王") == "王*")
        #expect(Contact.maskPhone("13800001234") == "138****1234")
        #expect(Contact.maskPhone("02363881234") == "023****1234")
        #expect(Contact.maskPhone("075512345678") == "0755****5678")
        #expect(Contact.maskIDNumber("500103199001011232") == "500103********1232")
    }
}
