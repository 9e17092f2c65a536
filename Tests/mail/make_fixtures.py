# Writes Tests/MinshengServerTests/MailFixtures.swift: python3 Tests/mail/make_fixtures.py
import base64, os, quopri

def b64lines(b, width=76):
    s = base64.b64encode(b).decode()
    return "\n".join(s[i:i+width] for i in range(0, len(s), width))

def ew(text, cs, enc='B'):
    b = text.encode(cs)
    if enc == 'B':
        return "=?%s?B?%s?=" % (cs, base64.b64encode(b).decode())
    return "=?%s?Q?%s?=" % (cs, ''.join('=%02X' % x if (x > 126 or x < 33 or chr(x) in '=?_') else chr(x) for x in b).replace('=20', '_'))

def qp(text, cs):
    return quopri.encodestring(text.encode(cs).replace(b'\n', b'\r\n')).decode('ascii').replace('\r\n', '\n')

jpeg = bytes([0xFF,0xD8,0xFF,0xE0,0x00,0x10]) + b'JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' + bytes(range(256)) * 2 + bytes([0xFF,0xD9])
pdf = b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n'
docx = b'PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00' + b'[Content_Types].xml' + b'\x00' * 40
exe = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00' + b'\x00' * 48 + b'This program cannot be run in DOS mode.'

out = {}

# 1. Foxmail, GBK: subject in two encoded words split inside a character, QP body, jpg with a GBK name.
fox_subject = "投诉：解放碑工地夜间施工噪音扰民"
sb = fox_subject.encode('gbk')
w1 = "=?gbk?B?%s?=" % base64.b64encode(sb[:7]).decode()   # 7 bytes: ends in the middle of a character
w2 = "=?gbk?B?%s?=" % base64.b64encode(sb[7:]).decode()
fox_body = "尊敬的领导：\n    我是渝中区解放碑街道的居民，小区门口的工地每天晚上十一点以后还在施工，噪音非常大，严重影响休息。\n恳请相关部门尽快处理！\n\n联系电话：138-0013-8000\n张三\n"
fox_html = "<html><body><div>尊敬的领导：</div><div>我是渝中区解放碑街道的居民。</div></body></html>"
out['foxmail'] = f'''Return-Path: <ZhangSan@Foxmail.com>
Received: from mx.cq.gov.cn (unknown [10.1.2.3])
	by mail.cq.gov.cn (Postfix) with ESMTPS id 4F2A81C0042
	for <12345@cq.gov.cn>; Mon,  2 Nov 2026 10:15:40 +0800 (CST)
Date: Mon, 2 Nov 2026 10:15:32 +0800
From: "{ew("张三", "gbk")}" <ZhangSan@Foxmail.com>
To: "{ew("12345热线", "gbk")}" <12345@cq.gov.cn>
Subject: {w1}
 {w2}
X-Priority: 3
X-Has-Attach: yes
X-Mailer: Foxmail 7.2.25.228[cn]
Mime-Version: 1.0
Message-ID: <202611021015321863510@foxmail.com>
Content-Type: multipart/mixed;
	boundary="----=_001_NextPart572182624333_=----"

This is a multi-part message in MIME format.

------=_001_NextPart572182624333_=----
Content-Type: multipart/alternative;
	boundary="----=_002_NextPart240187310547_=----"


------=_002_NextPart240187310547_=----
Content-Type: text/plain;
	charset="gbk"
Content-Transfer-Encoding: quoted-printable

{qp(fox_body, 'gbk')}
------=_002_NextPart240187310547_=----
Content-Type: text/html;
	charset="gbk"
Content-Transfer-Encoding: quoted-printable

{qp(fox_html, 'gbk')}
------=_002_NextPart240187310547_=------

------=_001_NextPart572182624333_=----
Content-Type: image/jpeg;
	name="{ew("现场照片.jpg", "gbk")}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{ew("现场照片.jpg", "gbk")}"

{b64lines(jpeg)}

------=_001_NextPart572182624333_=------

'''

# 2. Outlook, GB2312 base64 body (with GBK-only characters), RFC 2231 continuation file name.
ol_subject = "关于小区停车难问题的建议"
ol_body = "您好：\n我们小区（江北区观音桥街道华新村）车位严重不足，晚上车辆乱停，消防通道经常被堵。\n建议在小区旁空地规划临时停车位。具体方案见附件。\n\n李四（联系人：王喆、刘堃）\n"
ol_html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><style>p{margin:0}</style></head><body><p>您好：</p></body></html>"
name_pct = ''.join('%%%02X' % x for x in "小区停车".encode('utf-8'))
name_pct2 = ''.join('%%%02X' % x for x in "建议".encode('utf-8')) + ".docx"
out['outlook'] = f'''From: {ew("李四", "gb2312")} <lisi@example.com.cn>
To: "12345@cq.gov.cn" <12345@cq.gov.cn>
Subject: {ew(ol_subject, "gb2312")}
Thread-Topic: {ew(ol_subject, "gb2312")}
Thread-Index: AdrBxQ2vN3m5jYh0Tq2Wc8pZ1kL0Ag==
Date: Tue, 3 Nov 2026 01:02:03 +0000
Message-ID: <TY2PR01MB3466A1B2C3D4E5F6@TY2PR01MB3466.jpnprd01.prod.outlook.com>
Accept-Language: zh-CN, en-US
Content-Language: zh-CN
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
Content-Type: multipart/mixed;
	boundary="_004_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_"
MIME-Version: 1.0

--_004_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_
Content-Type: multipart/alternative;
	boundary="_000_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_"

--_000_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_
Content-Type: text/plain; charset="gb2312"
Content-Transfer-Encoding: base64

{b64lines(ol_body.replace(chr(10), chr(13)+chr(10)).encode('gbk'))}

--_000_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_
Content-Type: text/html; charset="gb2312"
Content-Transfer-Encoding: base64

{b64lines(ol_html.encode('gbk'))}

--_000_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_--

--_004_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;
	name="{ew("小区停车建议.docx", "gb2312")}"
Content-Description: {ew("小区停车建议.docx", "gb2312")}
Content-Disposition: attachment;
	filename*0*=utf-8''{name_pct};
	filename*1*={name_pct2}; size=83;
	creation-date="Tue, 03 Nov 2026 01:01:38 GMT";
	modification-date="Tue, 03 Nov 2026 01:01:38 GMT"
Content-Transfer-Encoding: base64

{b64lines(docx)}

--_004_TY2PR01MB3466A1B2C3D4E5F6TY2PR01MB3466jpnp_--
'''

# 3. QQ Mail: multipart/alternative with the HTML part only, UTF-8, Q-encoded subject, LF line ends.
qq_html = '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><style>div{font-size:14px}</style><div>您好：</div><div>我家楼下的路灯已经坏了两个星期&nbsp;&lt;和平路12号&gt;，晚上出行很不安全。</div><div><br></div><div>手机&nbsp;13912345678</div><!-- tencent signature --><div>王五&amp;家人</div>'
out['qq'] = f'''From: "{ew("王五", "utf-8")}" <987654321@qq.com>
To: "=?utf-8?B?MTIzNDU=?=" <12345@cq.gov.cn>
Subject: {ew("路灯不亮", "utf-8", "Q")}
Mime-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_6542A1B2_0C3D8E10_5F6A7B8C"
Content-Transfer-Encoding: 8Bit
Date: Wed, 4 Nov 2026 20:31:07 +0800
X-Priority: 3
Message-ID: <tencent_8A2B3C4D5E6F7A8B9C0D1E2F@qq.com>
X-QQ-MIME: TCMime 1.0 by Tencent
X-Mailer: QQMail 2.x
X-QQ-Mailer: QQMail 2.x

This is a multi-part message in MIME format.

------=_NextPart_6542A1B2_0C3D8E10_5F6A7B8C
Content-Type: text/html;
	charset="utf-8"
Content-Transfer-Encoding: base64

{b64lines(qq_html.encode('utf-8'))}

------=_NextPart_6542A1B2_0C3D8E10_5F6A7B8C--

'''

# 4. Gmail: UTF-8 plain (base64) + HTML (QP), a PDF attachment, and an .exe that must be refused.
gm_body = "您好，\n\n请问新生儿参加城乡居民医保需要准备哪些材料？申请表已填好，见附件。\n\n谢谢！\n陈柳\n"
gm_html = '<div dir="ltr">您好，<br><br>请问新生儿参加城乡居民医保需要准备哪些材料？</div>'
out['gmail'] = f'''MIME-Version: 1.0
Date: Thu, 5 Nov 2026 09:12:44 +0800
Message-ID: <CAHx7k2Ue+Xg9=Zp_3kQ8wLmN4vB6yT1rS0aD@mail.gmail.com>
Subject: {ew("咨询：新生儿医保如何办理", "UTF-8")}
From: Chen Liu <chen.liu@gmail.com>
Reply-To: "{ew("陈柳", "UTF-8")}" <Chen.Liu+12345@Gmail.COM>
To: 12345@cq.gov.cn
Content-Type: multipart/mixed; boundary="000000000000a1b2c3059d4e5f6a"

--000000000000a1b2c3059d4e5f6a
Content-Type: multipart/alternative; boundary="000000000000a1b2c1059d4e5f68"

--000000000000a1b2c1059d4e5f68
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

{b64lines(gm_body.encode('utf-8'))}
--000000000000a1b2c1059d4e5f68
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

{qp(gm_html, 'utf-8')}
--000000000000a1b2c1059d4e5f68--
--000000000000a1b2c3059d4e5f6a
Content-Type: application/pdf; name="{ew("医保申请表.pdf", "UTF-8")}"
Content-Disposition: attachment; filename="{ew("医保申请表.pdf", "UTF-8")}"
Content-Transfer-Encoding: base64
Content-ID: <f_kx1abc0>
X-Attachment-Id: f_kx1abc0

{b64lines(pdf)}
--000000000000a1b2c3059d4e5f6a
Content-Type: application/octet-stream; name="invoice.pdf.exe"
Content-Disposition: attachment; filename="invoice.pdf.exe"
Content-Transfer-Encoding: base64

{b64lines(exe)}
--000000000000a1b2c3059d4e5f6a--
'''

def swift_literal(name, s):
    assert '"""#' not in s
    return f'    static let {name} = #"""\n{s}\n"""#\n'

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'MinshengServerTests', 'MailFixtures.swift'), 'w') as f:
    f.write('// Generated by Tests/mail/make_fixtures.py (python3: gbk/gb2312/big5 bytes from its codecs, base64, quopri): real-looking messages as\n// Foxmail, Outlook, QQ Mail and Gmail send them. Line ends are LF here; `crlf` gives the CRLF that SMTP carries.\n')
    f.write('enum MailFixtures {\n')
    for k, v in out.items():
        f.write(swift_literal(k, v.rstrip('\n')))
    # 5. Big5 (8bit): bytes.
    big5_head = f'''From: {ew("陳美玲", "big5")} <meiling@ms12.hinet.net>
To: 12345@cq.gov.cn
Subject: {ew("申請路燈維修", "big5")}
Date: Fri, 6 Nov 2026 14:00:00 +0800
Message-ID: <000001d9a1b2$c3d4e5f6$0201a8c0@MEILINGPC>
MIME-Version: 1.0
Content-Type: text/plain; charset="big5"
Content-Transfer-Encoding: 8bit
X-Mailer: Microsoft Outlook 16.0

'''
    big5_body = "您好，我家門口的路燈壞了，請派人修理。謝謝！\n聯絡電話：0912-345-678\n"
    b = big5_body.encode('big5')
    f.write('    static let big5Head = #"""\n' + big5_head + '\n"""#\n')
    f.write('    /// "' + big5_body.replace('\n', '\\n') + '" in Big5.\n')
    f.write('    static let big5Body: [UInt8] = [' + ', '.join('0x%02X' % x for x in b) + ']\n')
    f.write('    static let jpegSize = %d, pdfSize = %d, docxSize = %d\n' % (len(jpeg), len(pdf), len(docx)))
    f.write('    static let gbkSubjectBytes: [UInt8] = [' + ', '.join('0x%02X' % x for x in fox_subject.encode('gbk')) + ']\n')
    f.write('}\n')

# With --eml DIR: the same messages as .eml files with CRLF line ends (for Tests/mail/run.sh and for trying by hand).
import sys
if len(sys.argv) == 3 and sys.argv[1] == '--eml':
    d = sys.argv[2]
    os.makedirs(d, exist_ok=True)
    for k, v in out.items():
        with open(os.path.join(d, k + '.eml'), 'wb') as f:
            f.write(v.rstrip('\n').replace('\n', '\r\n').encode('ascii') + b'\r\n')
    with open(os.path.join(d, 'big5.eml'), 'wb') as f:
        f.write(big5_head.replace('\n', '\r\n').encode('ascii') + big5_body.replace('\n', '\r\n').encode('big5'))
