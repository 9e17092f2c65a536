#!/usr/bin/env python3
"""End-to-end journeys in a real browser (headless Chromium through chromedriver), against a running server
started with --demo. Usage: journeys.py BASE_URL DEMO_PASSWORD SHOT_DIR. Exits non-zero on the first failure.

A citizen submits (with a photo) and tracks; a dispatcher dispatches with the unit picker; a handler signs,
accepts and replies; the citizen rates; a leader sees the numbers move. Screenshots of the main pages go to
SHOT_DIR."""
import base64, json, os, sys, time, urllib.request, zlib, struct
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select, WebDriverWait
from selenium.webdriver.support import expected_conditions as EC
from selenium.common.exceptions import WebDriverException

BASE, PW, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(SHOTS, exist_ok=True)
TITLE = "解放碑步行街井盖破损 %d" % int(time.time())

def api(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")

def png(path):
    """A small real PNG (a 40x30 grey image) for the photo upload."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 40 for _ in range(30))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 30, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)

def browser(width=1366, height=1000):
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}", "--lang=zh-CN"]:
        opts.add_argument(a)
    d = webdriver.Chrome(options=opts)
    d.implicitly_wait(3)
    return d

def check(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)
    print("ok  ", what)

def shot(d, name):
    # The whole page, not just the window.
    h = d.execute_script("return Math.max(document.body.scrollHeight, 800)")
    d.set_window_size(d.get_window_size()["width"], min(h + 40, 4000))
    d.save_screenshot(os.path.join(SHOTS, name + ".png"))

def gone(element):
    """A wait condition: `element` has left the document. Chromium reports a replaced node either as a stale
    reference or as "Node with given id does not belong to the document"; both mean the new page is there."""
    def predicate(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return predicate

def login(d, who):
    d.delete_all_cookies()
    d.get(BASE + "/login")
    d.find_element(By.NAME, "login").send_keys(who)
    d.find_element(By.NAME, "password").send_keys(PW)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(d, 15).until(lambda x: "/console" in x.current_url)

def track(c, code, state, present, absent):
    """The citizen's tracking page at one state: every phrase in `present` is on it, none in `absent`."""
    c.get(BASE + "/track?code=" + code + "&phone4=5678")
    text = c.find_element(By.TAG_NAME, "main").text
    for p in present:
        check(p in text, "%s: the citizen reads «%s»" % (state, p))
    for a in absent:
        check(a not in text, "%s: the citizen does not read «%s» (page: %s)" % (state, a, text.replace("\n", " ")[:400]))

def main():
    photo = os.path.join(SHOTS, "photo.png"); png(photo)
    token = api("POST", "/api/v1/auth/login", {"login": "city.dispatcher", "password": PW})["token"]
    def count(title):
        return len([i for i in api("GET", "/api/v1/cases?q=" + urllib.parse.quote(title) + "&limit=50", token=token)["items"] if i["title"] == title])

    leader = api("POST", "/api/v1/auth/login", {"login": "yz.leader", "password": PW})["token"]
    before = api("GET", "/api/v1/stats/overview", token=leader)

    # 1. A citizen submits on a phone-sized screen, with a photo; a double click makes one case.
    c = browser(412, 915)
    c.get(BASE + "/")
    shot(c, "01-portal")
    Select(c.find_element(By.NAME, "kind")).select_by_value("complaint")
    c.find_element(By.NAME, "title").send_keys(TITLE)
    c.find_element(By.NAME, "content").send_keys("步行街88号门口的井盖破了一个洞，晚上很危险，请尽快修复。我的电话13700005678。")
    Select(c.find_element(By.NAME, "district")).select_by_visible_text("渝中区")
    WebDriverWait(c, 15).until(lambda x: len(Select(x.find_element(By.NAME, "town")).options) > 1)
    Select(c.find_element(By.NAME, "town")).select_by_index(1)
    c.find_element(By.NAME, "name").send_keys("何先生")
    c.find_element(By.NAME, "phone").send_keys("13700005678")
    c.find_element(By.NAME, "photos").send_keys(photo)
    button = c.find_element(By.CSS_SELECTOR, "#submit-form button[type=submit]:not([name])")
    ActionChains(c).double_click(button).perform()
    code = WebDriverWait(c, 10).until(lambda x: x.find_element(By.ID, "tracking-code")).text.strip()
    check(len(code) == 10, "the tracking code is on screen: " + code)
    shot(c, "02-submitted")
    check(count(TITLE) == 1, "a double click made one case")

    # The citizen tracks it: code + last four digits. What they read at each state is checked word for word.
    track(c, code, "registered", ["已登记", "您的诉求已登记，正在转交承办单位。", "受理机构", "转交承办单位时限"],
          ["不予受理", "答复（", "您的评价", "办结时间", "评价答复"])
    c.get(BASE + "/track?code=" + code + "&phone4=0000")
    check("查询码或手机号后四位不正确" in c.page_source, "a wrong phone tail is refused like an unknown code")

    # 2. The district's dispatcher (the portal routed the case to 渝中区's center by its place) finds it and
    #    dispatches with the unit picker (typing pinyin initials).
    d = browser()
    login(d, "yz.dispatcher")
    d.get(BASE + "/console?tab=mine&q=" + urllib.parse.quote(TITLE))
    shot(d, "03-inbox-dispatcher")
    d.find_element(By.LINK_TEXT, TITLE).click()
    check("附件" in d.page_source and "查看完整联系方式" in d.page_source, "the case page shows the photo and a masked contact")
    check("137****5678" in d.page_source and "13700005678" not in d.page_source.replace("13700005678。", ""), "the phone is masked")
    q = d.find_element(By.CSS_SELECTOR, "#act-dispatch input[name=unitq]")
    q.send_keys("yzqsthj")
    WebDriverWait(d, 15).until(lambda x: "渝中区生态环境局" in x.find_element(By.ID, "dispatch-unit-results").text)
    shot(d, "04-dispatch-picker")
    for label in d.find_elements(By.CSS_SELECTOR, "#dispatch-unit-results label"):
        if label.text.strip().startswith("渝中区生态环境局"):
            label.find_element(By.TAG_NAME, "input").click()
    d.find_element(By.CSS_SELECTOR, "#act-dispatch form > button[type=submit]").click()
    WebDriverWait(d, 15).until(lambda x: "已完成：转交" in x.page_source)
    check("待签收" in d.page_source, "dispatched: waiting for the unit to sign")
    track(c, code, "dispatched", ["已转交承办单位", "承办单位", "渝中区生态环境局", "受理时限", "转交渝中区生态环境局办理"],
          ["不予受理", "答复（", "您的评价", "待签收"])
    # A step the role may not take has no button: the dispatcher cannot sign.
    check(len(d.find_elements(By.ID, "act-sign")) == 0, "no sign button for the dispatcher")

    # 3. The handler signs, accepts and replies.
    login(d, "yz.handler")
    d.get(BASE + "/console")
    shot(d, "05-inbox-handler")
    d.find_element(By.LINK_TEXT, TITLE).click()
    for action, fill in [("sign", {}), ("accept", {}), ("reply", {"text": "经现场核查，井盖已于今日更换，感谢您的反映。"})]:
        box = d.find_element(By.ID, "act-" + action)
        if box.get_attribute("open") is None:
            box.find_element(By.TAG_NAME, "summary").click()
        for name, value in fill.items():
            box.find_element(By.NAME, name).send_keys(value)
        page = d.find_element(By.TAG_NAME, "html")
        box.find_element(By.CSS_SELECTOR, "form > button[type=submit]").click()
        # The previous step's page also says 已完成: wait for the new page first, or a slow machine reads the old one.
        WebDriverWait(d, 20).until(gone(page))
        WebDriverWait(d, 10).until(lambda x: "已完成" in x.page_source)
        print("ok   handler:", action)
        if action == "accept":
            track(c, code, "accepted", ["已受理，正在办理", "渝中区生态环境局已受理", "答复时限"], ["不予受理", "答复（", "您的评价"])
    check("已答复" in d.page_source, "replied")
    shot(d, "06-case-replied")

    # 4. The citizen reads the reply and rates it.
    track(c, code, "replied", ["已答复", "答复单位", "渝中区生态环境局", "答复（支持）", "井盖已于今日更换", "评价答复"],
          ["不予受理", "您的评价"])
    c.find_element(By.CSS_SELECTOR, "input[name=evaluation][value=satisfied]").click()
    c.find_element(By.CSS_SELECTOR, "form[action='/track/evaluate'] button").click()
    WebDriverWait(c, 15).until(lambda x: "感谢您的反馈" in x.page_source)
    check("已办结" in c.page_source, "the rating closed the case")
    shot(c, "07-track-closed")
    track(c, code, "closed", ["已办结", "答复单位", "渝中区生态环境局", "办结时间", "您的评价", "满意"],
          ["不予受理", "办理时限", "评价答复"])

    # 5. The leader of the district sees it among the district's cases, closed.
    login(d, "yz.leader")
    d.get(BASE + "/console?tab=all&q=" + urllib.parse.quote(TITLE))
    check(TITLE in d.page_source and "已办结" in d.page_source, "the district leader sees the closed case")
    after = api("GET", "/api/v1/stats/overview", token=leader)
    check(after["total"] == before["total"] + 1, "the leader's volume grew by the new case (%d → %d)" % (before["total"], after["total"]))
    check(after["byChannel"].get("web", 0) == before["byChannel"].get("web", 0) + 1, "counted under the web channel")
    d.get(BASE + "/console/dashboard")
    first = d.find_element(By.CSS_SELECTOR, ".kpis .kpi .v").text.replace(",", "").strip()
    check(first == str(after["total"]), "the dashboard shows the same total (%s)" % first)
    check(len(d.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 2, "the dashboard draws its charts")
    shot(d, "08-dashboard")
    # Out of scope: another district's handler cannot open it.
    cid = [i for i in api("GET", "/api/v1/cases?q=" + urllib.parse.quote(TITLE), token=token)["items"] if i["title"] == TITLE][0]["id"]
    login(d, "town.handler")
    d.get(BASE + "/console/cases/%d" % cid)
    check("页面不存在" in d.page_source or "不存在" in d.page_source, "a unit outside the scope gets not-found")

    # A rejected case reads the procedure to take, not a blank route.
    rtitle = "邻里借款纠纷 %d" % int(time.time())
    rej = api("POST", "/api/v1/public/cases", {"kind": "complaint", "title": rtitle,
              "content": "邻居借钱不还，要求政府处理。", "citizen": {"name": "何先生", "phone": "13700005678"}})
    rid = [i for i in api("GET", "/api/v1/cases?q=" + urllib.parse.quote(rtitle) + "&limit=5", token=token)["items"] if i["title"] == rtitle][0]["id"]
    ECO = [u for u in api("GET", "/api/v1/units?q=" + urllib.parse.quote("渝中区生态环境局"), token=token)["items"] if u["name"] == "渝中区生态环境局"][0]["id"]
    api("POST", "/api/v1/cases/%d/dispatch" % rid, {"unit": ECO, "mode": "forward"}, token=token)
    handler = api("POST", "/api/v1/auth/login", {"login": "yz.handler", "password": PW})["token"]
    api("POST", "/api/v1/cases/%d/sign" % rid, {}, token=handler)
    api("POST", "/api/v1/cases/%d/reject" % rid, {"route": "litigation", "reason": "属于民间借贷纠纷"}, token=handler)
    track(c, rej["trackingCode"], "rejected", ["不予受理", "本事项应通过诉讼途径解决，请依法向人民法院提起诉讼。", "渝中区生态环境局决定不予受理"],
          ["答复（", "您的评价", "评价答复"])
    shot(c, "07b-track-rejected")

    # Forms keep what was typed and say what is wrong next to the field.
    c.get(BASE + "/")
    c.find_element(By.NAME, "title").send_keys("测试表单")
    c.find_element(By.NAME, "content").send_keys("内容")
    c.find_element(By.NAME, "phone").send_keys("12345")
    c.find_element(By.CSS_SELECTOR, "#submit-form button[type=submit]:not([name])").click()
    WebDriverWait(c, 15).until(lambda x: "has-error" in x.page_source)
    check(c.find_element(By.NAME, "title").get_attribute("value") == "测试表单", "the form keeps what was typed")
    check("手机号" in c.find_element(By.CSS_SELECTOR, ".field.has-error").text, "the error is next to the phone field")
    shot(c, "09-portal-error")

    # 6. Leader reception days: a citizen books a slot on the phone, sees it on the tracking page and cancels it.
    c.get(BASE + "/reception")
    shot(c, "10-reception")
    form = c.find_element(By.CSS_SELECTOR, "#schedule-r1 form")
    slot = form.find_element(By.CSS_SELECTOR, "input[name=pick]")
    picked = slot.get_attribute("value")
    slot.click()
    form.find_element(By.NAME, "name").send_keys("钱女士")
    form.find_element(By.NAME, "phone").send_keys("13600007788")
    form.find_element(By.NAME, "subject").send_keys("反映拆迁安置房交付延期")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    rcode = WebDriverWait(c, 10).until(lambda x: x.find_element(By.ID, "tracking-code")).text.strip()
    check(len(rcode) == 10 and "王市长" in c.page_source, "the booking answers a tracking code and the leader: " + rcode)
    c.get(BASE + "/track?code=" + rcode + "&phone4=7788")
    check("接访预约" in c.page_source, "the tracking page shows the booking time")
    c.find_element(By.CSS_SELECTOR, "#cancel-booking button").click()
    WebDriverWait(c, 15).until(lambda x: "已取消接访预约" in x.page_source)
    c.get(BASE + "/reception")
    check(len(c.find_elements(By.CSS_SELECTOR, "#schedule-r1 input[value='%s']" % picked)) == 1, "the cancelled slot is free again")

    # 7. A registrar enters a letter with its scanned page and a group visit in the console.
    login(d, "city.registrar")
    d.get(BASE + "/console/new")
    Select(d.find_element(By.NAME, "channel")).select_by_value("letter")
    d.find_element(By.NAME, "title").send_keys("来信反映老旧小区改造噪音")
    d.find_element(By.NAME, "content").send_keys("来信称施工方夜间作业，影响休息。")
    d.find_element(By.NAME, "pages").send_keys(photo)
    d.find_element(By.CSS_SELECTOR, "#new-case > button[type=submit]").click()
    WebDriverWait(d, 10).until(lambda x: "/console/cases/" in x.current_url)
    check("来信扫描件（1 页）" in d.page_source, "the letter's scanned page is on the case page")
    shot(d, "11-letter")
    d.get(BASE + "/console/new")
    Select(d.find_element(By.NAME, "channel")).select_by_value("visit")
    d.find_element(By.NAME, "visitors").send_keys("6")
    d.find_element(By.NAME, "title").send_keys("六名工人集体来访反映欠薪")
    d.find_element(By.NAME, "content").send_keys("工地拖欠六名工人三个月工资。")
    d.find_element(By.CSS_SELECTOR, "#new-case > button[type=submit]").click()
    WebDriverWait(d, 10).until(lambda x: "/console/cases/" in x.current_url)
    check("集体访 6人" in d.page_source, "the group visit is flagged")
    d.get(BASE + "/console?tab=all&channel=visit")
    check("集体访 6人" in d.page_source, "the inbox marks the group visit")

    # 8. The leader's dashboard shows the acknowledgement times per channel against GB/T 33358.
    login(d, "city.leader")
    d.get(BASE + "/console/dashboard")
    check("各渠道受理回执时效" in d.page_source and "3分钟内" in d.page_source, "the dashboard shows acknowledgement per channel")
    shot(d, "12-dashboard-ack")
    c.quit(); d.quit()
    print("all journeys passed")

if __name__ == "__main__":
    import urllib.parse
    main()
