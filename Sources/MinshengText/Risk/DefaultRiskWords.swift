extension RiskLexicon {
    /// The shipped risk words (format: see `RiskLexicon`). Tuned on the 9,651 public messages (docs/intelligence.md):
    /// bare ambiguous words (聚集, 炸, 报复, 上访, 拼命, 罢工, 极端) are listed only in the phrases that carry the risk,
    /// and the exclusions remove the idioms and safety complaints the corpus showed. `minsheng risk-scan
    /// --print-default` writes this text so an admin can start a site file from it.
    public static let defaultText = """
    # Minsheng risk words. One phrase a line; "!" starts an exclusion (a phrase inside an exclusion's
    # occurrence is not reported); [id] name starts a category; [*] holds exclusions for every category.

    [*]
    !一哭二闹三上吊
    !只许州官放火
    !只需官府放火
    !州官放火
    !扼杀了我
    !抹杀了我

    [self-harm] 自伤自杀
    自杀
    跳楼
    轻生
    寻死
    不想活
    活不下去
    喝农药
    割腕
    上吊
    跳河
    跳江
    跳桥
    以死相逼
    以死明志
    一死了之
    死给你们看
    死给他们看
    自残
    服毒
    吞安眠药
    服安眠药
    !跳楼机
    !跳楼价
    !跳楼甩卖
    !跳楼大甩卖
    !自杀式
    !减轻生
    !寻死觅活

    [threat] 暴力威胁
    同归于尽
    报复社会
    杀了你
    杀了他
    杀了我
    砍死
    砍人
    捅死
    弄死
    打死你
    持刀
    拿刀
    炸了
    炸掉
    炸平
    扔炸弹
    扔颗炸弹
    弄炸药
    搞炸药
    放火
    纵火
    泼汽油
    浇汽油
    血债血偿
    打砸
    跟他们拼命
    和他们拼命
    找他们拼命
    跟你拼命
    跟他拼命
    坏人拼命
    !头都要炸了
    !头要炸了
    !炸了锅
    !爆炸了
    !砍人家

    [gathering] 群体聚集
    集体上访
    群体上访
    联名上访
    集访
    进京上访
    赴京上访
    拉横幅
    打横幅
    举横幅
    横幅维权
    静坐
    游行
    示威
    聚众维权
    聚众请求
    聚众堵
    聚众上访
    聚众闹事
    业主聚集
    村民聚集
    群众聚集
    受害者聚集
    聚集在政府
    聚集到政府
    聚集政府
    围堵
    堵路
    堵门
    堵马路
    堵政府
    群体性事件
    群体事件
    罢工
    罢运
    罢课
    罢市
    !旅游行
    !鸣笛示威
    !示威似
    !向游客示威
    !拥堵路
    !堵路段
    !堵车堵路
    !未拉横幅
    !未打横幅
    !堵路上
    !被堵门
    !不堵门
    !围堵在
    !道路围堵
    !卡顿罢工
    !闸机罢工
    !开始罢工
    !约集访

    [extreme] 极端行为
    自焚
    卧轨
    爬塔吊
    走极端
    极端行为
    极端方式
    极端举动
    极端事情
    极端的想法
    过激行为
    过激的维权
    过激方式
    过激之路
    泼血
    泼粪
    !没有过激行为
    !无过激行为
    !未有过激行为
    !从未有过过激
    !未采取任何过激方式
    !不要采取极端行为
    """
}
