"""Write knowledge/seed/facts.yaml and knowledge/seed/sources.yaml from the facts sheet.

    python tools/make_registers.py [path/to/policy-facts.md]

The facts register takes every fact of the sheet (F-01 ... F-113, N-01, N-02)
in the sheet's words: its title, its date line, the "Fact" text and the notes
on it (lines that only point to other facts are left out, so that a fact's
statement holds its own figures only). Status and ``superseded_by`` follow the
sheet's "Conflicts and supersessions" table and its "Superseded by" lines; they
are set in ``STATUS`` below, by hand, because the sheet says some of them in
prose ("probably", "in part").

The source register has one record per document the sheet cites, described in
``DOCUMENTS`` below by hand from the sheet's source lines and its "Source
register" section: title, issuing office, document number, address, date and
kind (official / news / reprint; a copy on an aggregator or mirror is a
reprint). Where a fact's only source is a code repository or a sample-data
file, the record is the document that copy quotes, kind reprint, and the
repository's address is not given as the source's address. Which facts each
document supports is read from the sheet (the addresses on each fact's source
lines, plus ``EXTRA`` for source lines without an address).

Run it again after the sheet changes and read the diff: existing
``unused_reason`` values in facts.yaml are kept.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "knowledge" / "seed"
DEFAULT_SHEET = ROOT.parent / "shared" / "spec" / "policy-facts.md"
if not DEFAULT_SHEET.is_file():
    DEFAULT_SHEET = Path("/work/shared/spec/policy-facts.md")

HEADER = re.compile(r"^\*\*(F-\d+)\*\* · (.+?) · date: (.+?) · confidence: (.+)$")
NATIONAL = re.compile(r"^- \*\*(N-\d+)\*\* (.+)$")
URL = re.compile(r"https?://[^\s;)（,]+")
STATEMENT_KEYS = ("Fact", "Payment enquiries")
NOTE_KEYS = ("Note", "Later edition", "Corroboration", "Dated by")
DATED = re.compile(r"Dated by F-\d+: [^.]*\.")  # the fact's own date, inside a "Superseded by" line
SOURCE_KEYS = ("Source", "Sources", "Corroboration", "Later edition")

# (status, superseded_by, remark) set by hand from the conflicts table and the sheet's notes.
STATUS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "F-10": ("superseded", ("F-85",), "in part: the yearly cycle; compiled every two years from the 2019-2020 edition"),
    "F-14": ("superseded", ("F-31",), "2022 provident-fund rules, set for 3 years; use the 2024 figures"),
    "F-15": ("superseded", ("F-17", "F-90"), "2011 amounts; the currency is corrected by F-90"),
    "F-16": ("superseded", ("F-17",), None),
    "F-22": ("superseded", ("F-92",), "the rules of 12 June 2019 (F-91)"),
    "F-23": ("superseded", ("F-94", "F-95"), "probably, for graduates after 26 May 2022 (to be confirmed)"),
    "F-29": ("superseded", ("F-31",), "2022 provident-fund rules, set for 3 years; use the 2024 figures"),
    "F-30": ("superseded", ("F-31",), None),
    "F-34": ("superseded", ("F-99",), None),
    "F-36": ("superseded", ("F-100",), None),
    "F-37": ("superseded", ("F-101",), None),
    "F-39": ("superseded", ("F-40",), "in form"),
    "F-56": ("superseded", ("F-54",), None),
    "F-69": ("superseded", ("F-112",), "a formal replacement of the 2017 rule is not stated"),
    "F-07": ("historical", (), None),
    "F-08": ("historical", (), None),
    "F-09": ("historical", (), None),
    "F-24": ("historical", (), "a rule of the 2019 housing rules (F-91)"),
    "F-25": ("historical", (), "a rule of the 2019 housing rules (F-91)"),
    "F-27": ("historical", (), None),
    "F-76": ("historical", (), None),
    "F-90": ("historical", (), None),
    "F-91": ("historical", (), "the 2019 rules: the rent subsidy is now F-92; purchase support for graduates after "
             "26 May 2022 probably F-94 and F-95"),
    "F-98": ("uncertain", (), "to be confirmed before quoting"),
    "F-102": ("uncertain", (), "to be confirmed before quoting"),
    "F-111": ("uncertain", (), "do not state without staff confirmation"),
}

GH_CITED = "known only as cited by the public GitHub repository {repo}; the repository is not a policy source"
SMARTCITY = ("known only from a copy embedded as sample data in a public code repository "
             "(1912472356/SmartCity-COMPLETE); the repository is not a policy source")

# id, url, title (zh, en), office (zh, en) or None, number, date, kind, note
DOCUMENTS: list[dict[str, Any]] = [
    # ---- government and university sites (official)
    dict(id="dlgov-en-2018-leading-group", url="http://en.dl.gov.cn/News/ChinaNews/23473.jhtml",
         title=("大连市人才工作领导小组会议报道（10月30日，年份推断为2018年）",
                "Dalian talent-work leading group meeting of 30 October (year not printed; 2018 inferred)"),
         office=("大连市人民政府英文网站", "Dalian Municipal People's Government, English website"),
         date="2018", kind="official"),
    dict(id="dlgov-en-2018-jinpu", url="http://en.dl.gov.cn/News/ChinaNews/22223.jhtml",
         title=("金普新区2017年人才工作报道", "Jinpu New Area's talent work in 2017 (report)"),
         office=("大连市人民政府英文网站", "Dalian Municipal People's Government, English website"),
         date="2018", kind="official"),
    dict(id="dlgov-en-residence-papers", url="http://en.dl.gov.cn/residents/Em/ERequ/9359.jhtml",
         title=("外国人申请长期居留所需材料", "Papers a foreigner needs for long-term residence"),
         office=("大连市人民政府英文网站", "Dalian Municipal People's Government, English website"),
         kind="official"),
    dict(id="dlgov-en-2021-leading-group", url="https://en.dl.gov.cn/art/2021/1/8/art_688_511979.html",
         title=("大连市人才工作领导小组会议报道（2021年1月7日）",
                "Dalian talent-work leading group meeting of 7 January 2021 (report)"),
         office=("大连市人民政府英文网站", "Dalian Municipal People's Government, English website"),
         date="2021-01-08", kind="official"),
    dict(id="dlgov-en-2023-work-report", url="https://en.dl.gov.cn/art/2023/1/4/art_8632_2060160.html",
         title=("2023年大连市政府工作报告（英文版）", "Dalian Government Work Report 2023 (English version)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), date="2023-01-04", kind="official"),
    dict(id="dlftz-2023-single-window", url="https://www.dlftz.gov.cn/news/view_273966.html",
         title=("大连自贸片区移民事务服务中心外国人工作许可和居留许可“一窗办理”（2023年12月8日）",
                "One window for foreigners' work and residence permits at the Dalian free-trade-zone immigration "
                "service centre (8 December 2023)"),
         office=("大连保税区管委会", "Dalian Bonded Zone Administrative Committee"), date="2023-12-08",
         kind="official"),
    dict(id="dlhitech-en-talents", url="http://www.dlhitech.gov.cn/english/introduction/talents/content.html",
         title=("大连高新区人才概况（英文网站）", "Dalian High-tech Zone: talents (English website)"),
         office=("大连高新技术产业园区管委会", "Dalian High-tech Industrial Zone Administrative Committee"),
         date="2015", kind="official"),
    dict(id="dlou-2022-certification", url="https://zzrs.dlou.edu.cn/2022/0609/c469a137938/page.htm",
         title=("大连海洋大学2022年第二季度引进城市发展紧缺人才认定工作通知",
                "Dalian Ocean University: certification of introduced city-development shortage talents, "
                "second quarter of 2022 (notice of 9 June 2022)"),
         office=("大连海洋大学", "Dalian Ocean University"), date="2022-06-09", kind="official"),
    dict(id="lnnu-2025-job-seeking-subsidy", url="https://master.lnnu.edu.cn/info/1035/5806.htm",
         title=("关于高校毕业生一次性求职创业补贴的通知（辽宁师范大学转发）",
                "Notice on the one-time job-seeking subsidy for graduates (as published by Liaoning Normal "
                "University)"),
         office=("大连市人力资源和社会保障局", "Dalian Municipal Human Resources and Social Security Bureau"),
         number="大人社发〔2024〕104号", date="2025-07-11", kind="official"),
    dict(id="dlut-postdoc-recruitment", url="https://perdep.dlut.edu.cn/info/1361/20341.htm",
         title=("大连理工大学博士后招收信息：出站留连待遇",
                "Dalian University of Technology postdoc recruitment: benefits for postdocs who stay in Dalian"),
         office=("大连理工大学人事处", "Dalian University of Technology, HR department"), kind="official"),
    # ---- news outlets
    dict(id="chinadaily-2015-housing-measures", url="http://cnews.chinadaily.com.cn/2015-03/31/content_19963120.htm",
         title=("《大连市解决引进人才住房办法》报道（2015年3月31日）",
                "Report on Dalian's Measures for Housing Introduced Talents (31 March 2015)"),
         office=("新华社（中国日报网转载）", "Xinhua News Agency, via China Daily"), date="2015-03-31",
         kind="news"),
    dict(id="chinadaily-ln-2022-certification",
         url="http://ln.chinadaily.com.cn/a/202205/30/WS6294c3d8a3101c3ee7ad801e.html",
         title=("大连下放人才认定权限新闻发布会报道（2022年5月30日）",
                "Dalian lets districts, employers and sector authorities certify talents (press conference "
                "report, 30 May 2022)"),
         office=("中国日报辽宁频道", "China Daily, Liaoning"), date="2022-05-30", kind="news"),
    dict(id="chinadaily-ln-2025-job-fair", url="https://ln.chinadaily.com.cn/a/202509/21/WS68cf9bafa310f07257749ace.html",
         title=("“青年学子来连留连高校行”秋季招聘会报道（2025年9月21日）",
                "Autumn 2025 job fair for young graduates in Dalian (report, 21 September 2025)"),
         office=("中国日报辽宁频道", "China Daily, Liaoning"), date="2025-09-21", kind="news"),
    dict(id="ecns-2024-property-measures",
         url="http://www.ecns.cn/m/news/society/2024-11-06/detail-iheitrxu8657047.shtml",
         title=("大连楼市新政14条报道（2024年11月6日）",
                "Dalian's 14 property measures of October 2024 (report, 6 November 2024)"),
         office=("中国新闻网", "China News Service (ecns.cn)"), date="2024-11-06", kind="news"),
    dict(id="gmw-2023-xinglian", url="https://epaper.gmw.cn/gmrb/html/2023-07/07/nw.D110000gmrb_20230707_3-04.htm",
         title=("光明日报：大连“兴连英才计划”报道（2023年7月7日）",
                "Guangming Daily on Dalian's Xinglian Talent Plan (7 July 2023)"),
         office=("光明日报", "Guangming Daily"), date="2023-07-07", kind="news"),
    dict(id="lnd-2024-port-visas", url="https://wap.lnd.com.cn/licc/system/2024/05/09/030465093.shtml",
         title=("辽宁公安25条便民措施新闻发布会报道（2024年5月8日）",
                "Liaoning's 25 public-security measures (press conference report, 8 May 2024)"),
         office=("北国网（辽宁日报）", "Liaoning Daily (lnd.com.cn)"), date="2024-05-09", kind="news"),
    dict(id="lnrb-2023-graduates", url="http://epaper.lnd.com.cn/lnrbepaper/pc/con/202304/26/content_189699.html",
         title=("辽宁日报：大连吸引高校毕业生政策报道（2023年4月26日）",
                "Liaoning Daily on Dalian's policies for graduates (26 April 2023)"),
         office=("辽宁日报", "Liaoning Daily"), date="2023-04-26", kind="news"),
    dict(id="runsky-2022-xinglian", url="https://runsky.com/2022-12/03/content_6215733.html",
         title=("大连新闻网：兴连英才计划整合人才政策（2022年12月3日）",
                "Dalian News: the Xinglian Talent Plan integrates the city's talent policies (3 December 2022)"),
         office=("大连新闻网", "Dalian News (runsky.com)"), date="2022-12-03", kind="news"),
    dict(id="runsky-2004-returnees", url="http://english.runsky.com/2004-03/19/content_420291.htm",
         title=("大连留学回国人员有关规定报道（2004年3月19日）",
                "Dalian rules for returned overseas students (report, 19 March 2004)"),
         office=("大连新闻网英文版", "Dalian News, English edition (runsky.com)"), date="2004-03-19",
         kind="news"),
    dict(id="cri-2018-shortage-catalogue", url="https://ln.cri.cn/2018-04-05/5ecab25f-dafa-7452-e065-b67c891ba07d.html",
         title=("大连日报：2018年重点产业紧缺人才需求目录报道（2018年4月5日）",
                "Dalian Daily on the 2018 key-industry shortage-talent catalogue (5 April 2018)"),
         office=("大连日报（国际在线辽宁频道转载）", "Dalian Daily, via CRI Liaoning"), date="2018-04-05",
         kind="news"),
    dict(id="youth-2022-graduate-package", url="http://gy.youth.cn/gywz/202206/t20220618_13782058.htm",
         title=("《大连市促进高校毕业生就业创业政策措施》报道（2022年6月18日）",
                "Report on Dalian's Policy Measures to Promote Graduate Employment and Entrepreneurship "
                "(18 June 2022)"),
         office=("人民日报（中国青年网转载）", "People's Daily, via youth.cn"), date="2022-06-18", kind="news"),
    dict(id="jpntv-2025-09-housing-vouchers", url="https://zsjp.jpntv.cn/a/202509/29/s68da18b9e4b01ca35998ec06.html",
         title=("掌上金普：大连购房券申领报道（2025年9月29日）",
                "Zhangshang Jinpu on Dalian's housing vouchers (29 September 2025)"),
         office=("掌上金普（金普新区融媒体）", "Zhangshang Jinpu (Jinpu district media)"), date="2025-09-29",
         kind="news"),
    dict(id="jpntv-2025-02-housing-vouchers", url="https://zsjp.jpntv.cn/a/202502/01/s679e0951e4b0a0e010724ca1.html",
         title=("掌上金普：大连购房券申领报道（2025年2月1日）",
                "Zhangshang Jinpu on Dalian's housing vouchers (1 February 2025)"),
         office=("掌上金普（金普新区融媒体）", "Zhangshang Jinpu (Jinpu district media)"), date="2025-02-01",
         kind="news"),
    dict(id="wfdrtv-2022-settlement", url="http://toutiao.wfdrtv.cn/network/toutiao/2022/05/25/383912412966819092.shtml",
         title=("大连全面放开落户条件报道（2022年5月25日）",
                "Dalian fully liberalises settlement conditions (report, 25 May 2022)"),
         office=("瓦房店广播电视台", "Wafangdian Radio and Television"), date="2022-05-25", kind="news"),
    dict(id="bal-2017-immigration",
         url="https://www.bal.com/perspectives/bal-news/dalian-introduces-4-new-policies-to-boost-foreign-business-immigration/",
         title=("大连出台出入境“4项新政”（BAL通讯，2017年）",
                "Dalian introduces 4 new policies to boost foreign business immigration (BAL alert, 2017)"),
         office=("BAL（移民法律服务机构）", "BAL (immigration law firm)"), date="2017", kind="news"),
    dict(id="peoplecn-2000-talent-fund", url="http://en.people.cn/english/200001/25/print20000125U106.html",
         title=("大连设立1000万元人才基金（2000年1月25日报道）",
                "Dalian sets up a 10-million-yuan talent fund (report, 25 January 2000)"),
         office=("人民网英文版", "People's Daily Online"), date="2000-01-25", kind="news"),
    dict(id="chinaorg-2003-foreign-children", url="http://www.china.org.cn/english/culture/66228.htm",
         title=("大连指定学校接收外籍人员子女（2003年6月报道）",
                "Dalian names schools for the children of foreigners (report, June 2003)"),
         office=("中国网", "China.org.cn"), date="2003-06", kind="news"),
    dict(id="qwxb-2013-exit-entry", url="http://www.qwxb.com.cn/china/2013-09/16/content_16971318.htm",
         title=("《外国人入境出境管理条例》施行、新增人才签证（R字）报道（2013年9月16日）",
                "The national exit-entry regulation takes effect and adds the R visa (report, 16 September 2013)"),
         date="2013-09-16", kind="news"),
    dict(id="chinabriefing-work-permits", url="https://www.china-briefing.com/news/china-work-permits-are-you-a-b-c-tier-talent/",
         title=("中国外国人工作许可A、B、C类介绍（China Briefing）",
                "China work permits: are you an A, B or C tier talent? (China Briefing)"),
         office=("China Briefing（德勤思睿）", "China Briefing (Dezan Shira & Associates)"), date="2017",
         kind="news"),
    # ---- reprints: aggregators, mirrors, machine translations, copies known only as cited
    dict(id="chinanews-2025-01-reprint", url=None,
         title=("中新网大连报道（2025年1月6日）", "China News Service report from Dalian (6 January 2025)"),
         office=("中国新闻网", "China News Service"), date="2025-01-06", kind="reprint",
         note="a reprint whose address was not recorded; the year is dated by its content"),
    dict(id="work-report-2023-mirror",
         url="http://206843.jhzobq.asia/zwgkx/zfgzbg/shizfgzbg/dls/202301/t20230110_4727722.html",
         title=("2023年大连市政府工作报告", "Dalian Government Work Report 2023 (Chinese text, mirror copy)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), date="2023-01-10", kind="reprint"),
    dict(id="wxredian-2025-housing-voucher-faq", url="https://wxredian.com/art?id=acade41067d33e2e09d5ff9c5474dab3",
         title=("大连市住房和城乡建设局购房券问答（2025年1月13日）",
                "Dalian housing bureau's questions and answers on the housing vouchers (13 January 2025)"),
         office=("大连市住房和城乡建设局", "Dalian Municipal Housing and Urban-Rural Development Bureau"),
         date="2025-01-13", kind="reprint", note="WeChat mirror of the bureau's FAQ"),
    dict(id="fotorom-2024-sci-tech-entrepreneurship", url="http://fotorom.cn/grabNoti/89866_tz.html",
         title=("大连市科学技术局科技人才创业支持项目申报通知（2024年7月1日）",
                "Dalian Science and Technology Bureau: call for S&T talent entrepreneurship support "
                "(notice of 1 July 2024)"),
         office=("大连市科学技术局", "Dalian Municipal Science and Technology Bureau"), date="2024-07-01",
         kind="reprint"),
    dict(id="lieyunpro-2017-haichuang", url="https://lieyunpro.com/archives/318697",
         title=("高新区海创工程升级报道（2017年6月1日发布会）",
                "The High-tech Zone upgrades the Haichuang project (press conference of 1 June 2017)"),
         office=("辽宁日报", "Liaoning Daily"), date="2017-06", kind="reprint"),
    dict(id="zhijinsteel-2022-settlement-notice",
         url="http://www.zhijinsteel.com/zixun/hyxg/fc/article/2022/05/25/992838.html",
         title=("大连市关于全面放开落户条件的通知（全文，2022年5月24日印发）",
                "Dalian notice on fully liberalising settlement conditions (full text; issued 24 May 2022)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), date="2022-05-24", kind="reprint"),
    dict(id="tellerreport-2022-settlement",
         url="https://www.tellerreport.com/business/2022-05-26-dalian-has-fully-liberalized-the-conditions-for-settling-in-colleges-and-universities--and-all-students-in-higher-vocational-schools-can-settle-in.H17o9MO3v5.html",
         title=("大连全面放开落户条件（2022年5月26日）", "Dalian fully liberalises settlement conditions (26 May 2022)"),
         office=("Teller Report", "Teller Report"), date="2022-05-26", kind="reprint"),
    dict(id="feiduanmen-2022-settlement-draft",
         url="http://www.feiduanmen.cn/2022/06/19/Enlarge-recruitAnother-city-plans-to-fully-relax-the-requirements-for-settling-down/",
         title=("大连全面放开落户条件征求意见稿报道（2022年）",
                "Dalian's draft notice on fully relaxing settlement conditions, open for comment (report, 2022)"),
         office=("大连市公安局（起草）", "Dalian Public Security Bureau (drafting office)"), date="2022-06-19",
         kind="reprint"),
    dict(id="plnmw-2004-provisions", url="http://www.plnmw.com/InformationInvestigation/gqiytajdqc.html",
         title=("《大连市引进人才若干规定》（机器翻译）",
                "Several Provisions of Dalian on Introducing Talents (machine translation)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), number="大连市人民政府令第59号",
         date="2004", kind="reprint"),
    dict(id="globalreg-2004-provisions",
         url="https://www.global-regulation.com/translation/china/167031/dalian-talent-certain-provisions.html",
         title=("《大连市引进人才若干规定》（机器翻译）",
                "Several Provisions of Dalian on Introducing Talents, Decree No. 59 (machine translation)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), number="大连市人民政府令第59号",
         date="2004-10", kind="reprint"),
    dict(id="globalreg-2011-revision",
         url="https://www.global-regulation.com/translation/china/3029647/dalian-city%252c-dalian-municipal-peoples-government-on-the-revision-of-the-talents-of-several-provisions-of-the-decision.html",
         title=("大连市人民政府关于修改《大连市引进人才若干规定》的决定（机器翻译）",
                "Decision of the Dalian government revising the Provisions on Introducing Talents, Decree No. 113 "
                "(machine translation)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), number="大连市人民政府令第113号",
         date="2011-04-29", kind="reprint"),
    dict(id="kimbb-2011-revision", url="http://kimbb.com/liaoning/info/398924.html",
         title=("大连修订《大连市引进人才若干规定》提高安家补贴（繁体转载）",
                "Dalian revises the Provisions on Introducing Talents and raises the settlement allowances "
                "(traditional-Chinese reprint)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), date="2011", kind="reprint"),
    dict(id="plnmw-jinpu-top-school-allowance", url="http://www.plnmw.com/InformationInvestigation/hwpawnbaja.html",
         title=("金普新区名校优才生活补贴申请（机器翻译）",
                "Jinpu New Area living allowance for outstanding graduates of top universities (machine translation)"),
         office=("金普新区", "Jinpu New Area"), kind="reprint"),
    dict(id="pyt3-2023-talent-housing", url="http://m.pyt3.net/html/shnews/rencaiyinjinluohu/69088.html",
         title=("大连人才安家费与住房补贴政策（2023年7月21日）",
                "Dalian talent settlement allowances and housing subsidies (21 July 2023)"),
         date="2023-07-21", kind="reprint"),
    dict(id="wodeyuanxiao-talent-housing", url="https://wodeyuanxiao.com/Universityranking/bsihjdpjhm.html",
         title=("大连人才安家费与住房补贴细则（机器翻译）",
                "Dalian talent settlement allowance and housing subsidy rules (machine translation)"),
         kind="reprint"),
    dict(id="ksdjz-shortage-talents", url="https://ksdjz.com/housekeepingservice/rrizehiduq.html",
         title=("大连城市发展紧缺人才与科技人才创业政策（机器翻译）",
                "Dalian shortage-talent and S&T entrepreneurship policies (machine translation)"),
         kind="reprint"),
    dict(id="shyecheng-sci-tech-entrepreneurship", url="https://shyecheng.com.cn/ottis662",
         title=("大连科技人才创业支持计划（机器翻译）", "Dalian S&T talent entrepreneurship plan (machine translation)"),
         kind="reprint"),
    dict(id="mariaflook-new-employee-housing",
         url="http://mariaflook.com/before-september-30th-dalian-new-employees-can-apply-for-family-housing-guarantee-qualification-r-ffrrr-com/",
         title=("大连新就业职工公共租赁住房保障（机器翻译）",
                "Public rental housing for new employees in Dalian (machine translation)"),
         kind="reprint"),
    dict(id="wodezhubaowang-settlement-before-2022", url="https://wodezhubaowang.com/Weddingcompany/awxpsxnytx.html",
         title=("大连人才落户条件（2022年以前，机器翻译）",
                "Dalian settlement conditions before 2022 (machine translation)"),
         kind="reprint"),
    dict(id="tlprw-exit-entry-contacts", url="https://tlprw.com/InformationConsultation/1dacfku8aa.html",
         title=("大连出入境管理机构联系方式（韩文机器翻译）",
                "Dalian exit-entry offices: contacts (Korean machine translation)"),
         kind="reprint", note="uncertain: digits may be garbled"),
    dict(id="yzzsnet-2022-provident-fund", url="http://yzzsnet.com/news/123368.html",
         title=("关于利用个人住房公积金贷款支持人才发展的通知（2022年7月28日报道）",
                "Notice on Using Personal Housing Provident Fund Loans to Support Talent Development "
                "(report of 28 July 2022)"),
         date="2022-07-28", kind="reprint"),
    dict(id="yzzsnet-2022-flexible-employment", url="http://yzzsnet.com/techan/38503.html",
         title=("离校2年未就业高校毕业生灵活就业社会保险补贴",
                "Social-insurance subsidy for graduates in flexible employment 2 years after leaving school"),
         office=("大连市人民政府办公厅、大连市人力资源和社会保障局",
                 "General Office of the Dalian Municipal Government; Dalian Municipal HRSS Bureau"),
         number="大政办发〔2020〕42号；大人社发〔2020〕391号", date="2022-03-28", kind="reprint"),
    dict(id="bendibao-2020-talent-housing-rules", url="http://dl.bendibao.com/news/2019617/57835.shtm",
         title=("《大连市人才住房保障实施细则》解读及各区咨询电话（2020年9月15日）",
                "The Talent Housing Security Implementing Rules explained, with district enquiry lines "
                "(15 September 2020)"),
         office=("大连本地宝", "Dalian Bendibao (local-information site)"), date="2020-09-15", kind="reprint"),
    dict(id="bendibao-2021-certification-documents", url="http://dl.bendibao.com/news/2021115/69510.shtm",
         title=("大连高层次人才认定相关文件（2021年11月5日）",
                "Dalian's talent-certification documents (5 November 2021)"),
         office=("大连本地宝", "Dalian Bendibao (local-information site)"), date="2021-11-05", kind="reprint"),
    dict(id="bendibao-graduate-housing-guide", url="https://m.dl.bendibao.com/live/75221.shtm",
         title=("大连高校毕业生住房补贴申领指南", "How to claim the Dalian graduate housing subsidy"),
         office=("大连本地宝", "Dalian Bendibao (local-information site)"), kind="reprint"),
    dict(id="bendibao-zhongshan-purchase-subsidy", url="http://m.dl.bendibao.com/live/76811.shtm",
         title=("中山区人才购房补贴", "Zhongshan District purchase subsidies for talents"),
         office=("大连本地宝", "Dalian Bendibao (local-information site)"), kind="reprint"),
    dict(id="bendibao-high-level-certification", url="http://m.dl.bendibao.com/news/80945.shtm",
         title=("大连高层次人才认定条件与流程", "Dalian high-level talent certification: conditions and steps"),
         office=("大连本地宝", "Dalian Bendibao (local-information site)"), kind="reprint"),
    dict(id="bendibao-graduate-tuition", url="https://m.dl.bendibao.com/news/72466.shtm",
         title=("大连高校毕业生学费补助与学费补偿", "Dalian tuition subsidy and tuition compensation for graduates"),
         office=("大连本地宝", "Dalian Bendibao (local-information site)"), kind="reprint",
         note=GH_CITED.format(repo="chi-ga/city-subsidy-radar")),
    dict(id="bendibao-jinpu-ten-policies", url="https://m.dl.bendibao.com/mip/65703.shtm",
         title=("《金普新区集聚人才十项重点政策（2.0版）》", "Jinpu New Area's ten key talent policies, version 2.0"),
         office=("金普新区", "Jinpu New Area"), kind="reprint",
         note=GH_CITED.format(repo="chi-ga/city-subsidy-radar") + "; published on Dalian Bendibao"),
    dict(id="ljsggw-2022-graduate-housing-guide", url="http://m.ljsggw.cn/news/571503.html",
         title=("大连高校毕业生住房补贴申领指南（2022年）", "Guide to the Dalian graduate housing subsidy (2022)"),
         date="2022", kind="reprint"),
    dict(id="ccschy-graduate-housing", url="http://m.ccschy.com/news/220077.html",
         title=("大连高校毕业生住房补贴政策", "The Dalian graduate housing subsidy"), kind="reprint"),
    dict(id="ccschy-2023-zhongshan-purchase", url="http://ccschy.com/news/9ec4e7f5d28622b5f112bed361e8c5ea.html",
         title=("中山区人才购房补贴政策（2023年1月19日）",
                "Zhongshan District purchase subsidies for talents (19 January 2023)"),
         date="2023-01-19", kind="reprint"),
    dict(id="qa-51dongshi-housing-payment", url="https://mit.51dongshi.com/dadadhga/dhgcadbeh",
         title=("网友问答：大连住房补贴发放咨询", "Q&A mirror: a netizen's answer on housing-subsidy payments"),
         kind="reprint", note="a netizen's answer on a Q&A mirror, not official"),
    dict(id="qa-xyx234-housing-payment", url="http://m.xyx234.com/dadadecr/decevrdhh",
         title=("网友问答：大连住房补贴申领", "Q&A mirror: a netizen's answer on claiming the housing subsidy"),
         kind="reprint", note="a netizen's answer on a Q&A mirror, not official"),
    dict(id="bbbaike-online-channels", url="http://m.bbbaike.com/baike/techan/1663114.html",
         title=("大连人才服务线上渠道", "Online channels of Dalian's talent services"), kind="reprint"),
    dict(id="ddtbk-lushunkou-apartments", url="http://m.ddtbk.com/techan/127208.html",
         title=("旅顺口区人才公寓申请条件", "Lüshunkou District talent apartments: who may apply"),
         office=("旅顺口区", "Lüshunkou District"), kind="reprint"),
    dict(id="ddtbk-2024-local-talent-allowance", url="https://ddtbk.com/techan/b4f50f36874afeedc07e67c7d326e933.html",
         title=("大连本地高层次人才津贴政策指南（2024年3月28日）",
                "Policy guide: monthly allowance for local high-level talents (28 March 2024)"),
         date="2024-03-28", kind="reprint"),
    dict(id="kidbbs-2024-sci-tech-innovation", url="http://m.kidbbs.com/baike/techan/1830759.html",
         title=("大连科技人才创新支持政策（2024年3月26日）", "Dalian S&T talent innovation support (26 March 2024)"),
         date="2024-03-26", kind="reprint"),
    dict(id="shbk-2024-talent-children-schooling", url="http://shbk.net/techan/ee34bd89ce26d2b0fa92d54e92e2cd2d.html",
         title=("大连高层次人才子女入学政策（2024年3月26日）",
                "School places for the children of high-level talents (26 March 2024)"),
         date="2024-03-26", kind="reprint"),
    dict(id="benxiaoxiong-2019-health-check", url="http://benxiaoxiong.com/info/1087/17080.html",
         title=("2019年大连市高层次人才免费健康体检通知", "Free health check for Dalian's high-level talents, 2019 round"),
         date="2019", kind="reprint"),
    dict(id="benxiaoxiong-2021-dut-certification", url="http://benxiaoxiong.com/info/1234/22535.html",
         title=("大连理工大学高层次人才认定工作通知（2021年）",
                "Dalian University of Technology notice on high-level talent certification (2021)"),
         office=("大连理工大学", "Dalian University of Technology"), date="2021", kind="reprint"),
    dict(id="dlut-talent-policy-summary", url="https://perdep.dlut.edu.cn/info/1301/18631.htm",
         title=("大连理工大学人事处：大连市人才政策摘要", "DUT HR department: summary of Dalian's talent policies"),
         office=("大连理工大学人事处", "Dalian University of Technology, HR department"), kind="reprint",
         note=GH_CITED.format(repo="brighthe/dut-postdoc")),
    dict(id="dicp-2026-certification-notice", url="http://rsc.dicp.ac.cn/info/1147/23768.htm",
         title=("中国科学院大连化学物理研究所2026年第一季度高层次人才认定通知",
                "Dalian Institute of Chemical Physics: high-level talent certification, first quarter of 2026"),
         office=("中国科学院大连化学物理研究所", "Dalian Institute of Chemical Physics, CAS"), date="2026",
         kind="reprint", note=GH_CITED.format(repo="brighthe/dut-postdoc")),
    dict(id="dlnu-2025-sci-tech-talent-call", url="https://new.dlnu.edu.cn/dlnu_office/info/1135/1635.htm",
         title=("大连民族大学：2025年科技人才项目申报通知", "Dalian Minzu University: 2025 call of the S&T talent programmes"),
         office=("大连民族大学", "Dalian Minzu University"), date="2025", kind="reprint",
         note=GH_CITED.format(repo="brighthe/dut-postdoc")),
    dict(id="dlut-2025-sci-tech-talent-call", url="https://scidep.dlut.edu.cn/info/1108/65292.htm",
         title=("大连理工大学科学技术研究院：2025年科技人才项目通知",
                "DUT research office: 2025 call of the S&T talent programmes"),
         office=("大连理工大学", "Dalian University of Technology"), date="2025", kind="reprint",
         note=GH_CITED.format(repo="brighthe/dut-postdoc")),
    dict(id="catalogue-2024-high-level-talents", url=None,
         title=("大连市高层次人才分类目录（2024年修订）", "Dalian High-level Talent Classification Catalogue (2024 revision)"),
         date="2024", kind="reprint",
         note=GH_CITED.format(repo="brighthe/dut-postdoc") + "; a PDF copy is at rlzyb.dmu.edu.cn; content not seen"),
    dict(id="chinanews-ln-2024-tuition-subsidy", url="https://www.ln.chinanews.com.cn/news/2024/1016/347043.html",
         title=("中新网辽宁：大连高校毕业生学费补助报道（2024年10月16日）",
                "China News Service Liaoning on Dalian's tuition subsidy for graduates (16 October 2024)"),
         office=("中国新闻网辽宁", "China News Service, Liaoning"), date="2024-10-16", kind="reprint",
         note=GH_CITED.format(repo="brighthe/dut-postdoc")),
    dict(id="hrss-2025-one-off-purchase-subsidy-notice", url=None,
         title=("关于组织开展2025年度高校毕业生一次性购房补贴申领工作的通知",
                "Notice on the 2025 claims for the graduates' one-off home-purchase subsidy"),
         office=("大连市人力资源和社会保障局", "Dalian Municipal Human Resources and Social Security Bureau"),
         date="2025", kind="reprint", note=GH_CITED.format(repo="chi-ga/city-subsidy-radar")),
    dict(id="notice-2025-tuition-subsidy", url=None,
         title=("关于组织开展2025年度高校毕业生学费补助项目申报工作的通知",
                "Notice on the 2025 applications for the graduates' tuition subsidy"),
         date="2025", kind="reprint", note=GH_CITED.format(repo="chi-ga/city-subsidy-radar")),
    dict(id="rule-xinglian-graduate-housing-subsidy", url=None,
         title=("《兴连英才计划》高校毕业生住房补贴实施细则",
                "Xinglian Talent Plan: implementing rules of the graduate housing subsidy"),
         date="2023-01", kind="reprint", note=GH_CITED.format(repo="chi-ga/city-subsidy-radar")),
    dict(id="b502-2019-shortage-catalogue", url="http://www.b502.com/information/100111",
         title=("《大连市城市发展紧缺人才开发目录(2019-2020)》（繁体转载）",
                "Dalian City Development Catalogue of Shortage Talents, 2019-2020 (traditional-Chinese reprint)"),
         date="2019", kind="reprint"),
    dict(id="b502-2017-jinpu-measures", url="http://www.b502.com/information/24964",
         title=("金普新区19条人才政策（2017年）", "Jinpu New Area's 19 talent measures (2017)"),
         office=("金普新区", "Jinpu New Area"), date="2017", kind="reprint"),
    dict(id="hydxgh-high-level-talent-provisions", url="https://hydxgh.com/html/zczn..info10433801.html",
         title=("《大连市支持高层次人才创新创业若干规定》（全文）",
                "Several Provisions of Dalian on Supporting High-level Talents' Innovation and Entrepreneurship "
                "(full text)"),
         kind="reprint"),
    dict(id="dlrcw-5-22-rules", url="https://dlrcw.cn/article/158.html",
         title=("大连“5+22”人才政策配套细则与青年才俊认定",
                "Dalian's '5+22' implementing rules and the young-talent criteria"), kind="reprint"),
    dict(id="chacewang-2022-changxing-notice", url="https://www.chacewang.com/newsdetail/news48793.html",
         title=("长兴岛人才政策通知（2022年4月2日）", "Changxing Island talent notice (2 April 2022)"),
         office=("长兴岛", "Changxing Island"), date="2022-04-02", kind="reprint"),
    dict(id="chacewang-2022-sci-tech-midterm", url="https://chacewang.com/newsdetail/news201520.html",
         title=("大连市科学技术局：2020年度科技人才项目中期评估结果通知（2022年11月7日）",
                "Dalian Science and Technology Bureau: mid-term results of the 2020 S&T talent programmes "
                "(notice of 7 November 2022)"),
         office=("大连市科学技术局", "Dalian Municipal Science and Technology Bureau"), date="2022-11-07",
         kind="reprint"),
    dict(id="ly0477-2024-foreign-talent-call", url="https://0477ly.com/newsdetail/news574377.html",
         title=("2024年大连市外国高层次人才项目申报通知", "2024 call of Dalian's programme for foreign high-level talent"),
         office=("大连市科学技术局", "Dalian Municipal Science and Technology Bureau"), date="2024", kind="reprint"),
    dict(id="news43b-2025-foreign-talent-call", url="http://news.43b.com.cn/a/1270086.html",
         title=("2025年大连市外国高层次人才项目申报通知（2025年9月18日）",
                "2025 call of Dalian's programme for foreign high-level talent (18 September 2025)"),
         office=("大连市科学技术局", "Dalian Municipal Science and Technology Bureau"), date="2025-09-18",
         kind="reprint"),
    dict(id="shuipu-2024-sci-tech-rules", url="https://shuipu.net/law/v?id=237761",
         title=("进一步支持科技创新若干政策及实施细则（法规汇编转载）",
                "Further Supporting Science and Technology Innovation, with its implementation rules "
                "(legal-text aggregator)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), number="大政发〔2024〕23号",
         date="2024", kind="reprint"),
    dict(id="sjfzxm-leading-talent-project", url="http://tz.sjfzxm.com/body/17_011/444367",
         title=("大连市领军人才培养工程", "Dalian leading-talent cultivation project"), kind="reprint"),
    dict(id="scitoday-university-offer", url="http://bbs.scitoday.cn/talent/info-12314.aspx",
         title=("大连某高校优青（海外）项目人才招聘启事",
                "A Dalian university's call for NSFC Excellent Young Scientists (Overseas)"), kind="reprint"),
    dict(id="baogaosu-2018-talent-policy",
         url="http://shenyang.baogaosu.com/xinwen/%E5%A4%A7%E8%BF%9E%E5%B8%82%E4%BA%BA%E6%89%8D%E6%94%BF%E7%AD%96%E6%80%BB%E4%BD%93%E6%B0%B4%E5%B9%B3%E8%A6%81%E8%B7%BB%E8%BA%AB/66904765/",
         title=("大连市人才政策总体水平要跻身……（2018年5月11日报道）",
                "Dalian's talent policies to rank among the leaders (report of 11 May 2018)"),
         date="2018-05-11", kind="reprint", note="news reprint; byline 邵海峰"),
    dict(id="aimsen-5-22-commentary", url="https://aimsen.com/information/5008",
         title=("大连“5+22”人才政策评论（未注明日期）", "Commentary on Dalian's '5+22' talent policy (undated)"),
         kind="reprint"),
    dict(id="kreaytive-2018-talent-visa", url="https://kreaytive.com/en/article/543",
         title=("外国人才签证制度介绍（2018年1月）", "China's foreign talent visa system (January 2018)"),
         date="2018-01", kind="reprint"),
    dict(id="prolink-foreigner-registration",
         url="https://pro-linkglobal.com/p-r-china-dalian-re-registration-no-longer-required/",
         title=("大连：外国人再次入境无需重新办理住宿登记（搬迁服务公司通告）",
                "Dalian: re-registration of foreigners no longer required (relocation firm's notice)"),
         kind="reprint"),
    dict(id="zhongshan-hrss-2022-employment-policies", url=None,
         title=("中山区人社局就业创业政策汇编（2022年3月14日）",
                "Employment and entrepreneurship policies compiled by the Zhongshan District HRSS bureau "
                "(14 March 2022)"),
         office=("大连市中山区人力资源和社会保障局", "Zhongshan District HRSS Bureau, Dalian"), date="2022-03-14",
         kind="reprint", note=SMARTCITY),
    dict(id="dzf-2017-46", url=None,
         title=("大连市人民政府大政发〔2017〕46号文件（高校毕业生一次性求职创业补贴等就业政策）",
                "Dalian government document 大政发〔2017〕46号 (the graduates' job-seeking subsidy and other "
                "employment measures)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), number="大政发〔2017〕46号",
         date="2017", kind="reprint", note=SMARTCITY),
    dict(id="dzf-2019-10", url=None,
         title=("大连市人民政府大政发〔2019〕10号文件（就业见习等就业政策）",
                "Dalian government document 大政发〔2019〕10号 (employment internships and other measures)"),
         office=("大连市人民政府", "Dalian Municipal People's Government"), number="大政发〔2019〕10号",
         date="2019", kind="reprint", note=SMARTCITY),
    dict(id="dwbf-2017-70", url=None,
         title=("大委办发〔2017〕70号文件（高校毕业生到农村和县域就业）",
                "Document 大委办发〔2017〕70号 (graduates working in rural and county areas)"),
         office=("中共大连市委办公厅", "General Office of the Dalian Municipal Party Committee"),
         number="大委办发〔2017〕70号", date="2017", kind="reprint", note=SMARTCITY),
    dict(id="dzbf-2018-50", url=None,
         title=("大政办发〔2018〕50号文件（高校毕业生到农村和县域就业）",
                "Document 大政办发〔2018〕50号 (graduates working in rural and county areas)"),
         office=("大连市人民政府办公厅", "General Office of the Dalian Municipal People's Government"),
         number="大政办发〔2018〕50号", date="2018", kind="reprint", note=SMARTCITY),
    dict(id="hrss-address-data-file", url=None,
         title=("大连市人力资源和社会保障局地址及电话（第三方数据文件所载）",
                "Address and phone of the Dalian HRSS bureau (as given in a third-party data file)"),
         office=("大连市人力资源和社会保障局", "Dalian Municipal Human Resources and Social Security Bureau"),
         kind="reprint", note="a pension-calculator data file in a public code index (no address recorded); low; "
                              "not a policy source"),
]

# Source lines without an address: fact -> documents (by id).
EXTRA: dict[str, tuple[str, ...]] = {
    "F-08": ("plnmw-2004-provisions", "globalreg-2004-provisions"),
    "F-15": ("globalreg-2011-revision",),
    "F-20": ("chinanews-2025-01-reprint",),
    "F-23": ("pyt3-2023-talent-housing", "wodeyuanxiao-talent-housing"),
    "F-32": ("chinanews-2025-01-reprint",),
    "F-73": ("chinanews-2025-01-reprint",),
    "F-34": ("dzf-2017-46", "zhongshan-hrss-2022-employment-policies"),
    "F-35": ("dzf-2019-10", "zhongshan-hrss-2022-employment-policies"),
    "F-36": ("zhongshan-hrss-2022-employment-policies",),
    "F-37": ("zhongshan-hrss-2022-employment-policies",),
    "F-38": ("dwbf-2017-70", "dzbf-2018-50", "zhongshan-hrss-2022-employment-policies"),
    "F-66": ("zhongshan-hrss-2022-employment-policies",),
    "F-68": ("zhongshan-hrss-2022-employment-policies",),
    "F-69": ("zhongshan-hrss-2022-employment-policies",),
    "F-70": ("zhongshan-hrss-2022-employment-policies",),
    "F-82": ("catalogue-2024-high-level-talents",),
    "F-87": ("dicp-2026-certification-notice",),
    "F-88": ("catalogue-2024-high-level-talents",),
    "F-89": ("dlut-talent-policy-summary",),
    "F-92": ("rule-xinglian-graduate-housing-subsidy",),
    "F-93": ("rule-xinglian-graduate-housing-subsidy",),
    "F-94": ("hrss-2025-one-off-purchase-subsidy-notice",),
    "F-97": ("notice-2025-tuition-subsidy",),
    "F-109": ("hrss-2025-one-off-purchase-subsidy-notice", "hrss-address-data-file"),
}
# "Source: see F-54", "as F-05 and F-20", "as F-93, F-95 and F-81": the documents of those facts.
SAME_AS: dict[str, tuple[str, ...]] = {
    "F-53": ("F-54",), "F-67": ("F-05", "F-20"), "F-108": ("F-93", "F-95", "F-81"),
}


def blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(header, body lines) of each F fact."""
    found: list[tuple[str, list[str]]] = []
    for line in lines:
        if HEADER.match(line):
            found.append((line, []))
        elif found and (line.startswith("---") or line.startswith("## ")):
            found.append(("", []))
        elif found and found[-1][0]:
            found[-1][1].append(line)
    return [b for b in found if b[0]]


def bullets(body: list[str]) -> list[tuple[str, str]]:
    """(key, text) of each top-level bullet, continuation lines joined."""
    items: list[list[str]] = []
    for line in body:
        if line.startswith("- "):
            items.append([line[2:].strip()])
        elif items and line.strip():
            items[-1].append(line.strip())
    out = []
    for item in items:
        head = item[0]
        key = re.split(r"[:—(]", head, maxsplit=1)[0].strip()
        out.append((key, " ".join(item)))
    return out


def _fact_text(item: str) -> str:
    """"Fact: X" -> "X"; "Fact — amounts: X" -> "Amounts: X"."""
    match = re.match(r"^Fact(?: — ([^:]+))?:\s*", item)
    if not match:
        return item
    rest = item[match.end():]
    return f"{match.group(1).capitalize()}: {rest}" if match.group(1) else rest


def _clean(text: str) -> str:
    return re.sub(r"\*\*|\*", "", text).strip()


def parse_facts(text: str) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    lines = text.splitlines()
    facts: list[dict[str, Any]] = []
    urls: dict[str, list[str]] = {}
    for header, body in blocks(lines):
        match = HEADER.match(header)
        assert match
        fact_id, title, when, confidence = match.groups()
        statement, notes, found = [], [], []
        for key, item in bullets(body):
            if key.startswith(STATEMENT_KEYS):
                statement.append(_fact_text(item))
            elif key.startswith(NOTE_KEYS) or (fact_id == "F-05" and item.startswith("Related: a 2024 notice")):
                notes.append(re.sub(r"^Note:\s*", "", item))
            else:
                notes += DATED.findall(item)
            if key.startswith(SOURCE_KEYS) or (fact_id == "F-05" and item.startswith("Related: a 2024 notice")):
                found += [u.rstrip(".") for u in URL.findall(item)]
        status, superseded_by, remark = STATUS.get(fact_id, ("current", (), None))
        facts.append({
            "id": fact_id, "title": _clean(title), "date": _clean(when), "confidence": _clean(confidence),
            "status": status, "superseded_by": list(superseded_by),
            "statement": _clean(" ".join(statement)),
            "note": _clean(" ".join(([f"Status: {remark}."] if remark else []) + notes)) or None,
            "unused_reason": None,
        })
        urls[fact_id] = found
    for idx, line in enumerate(lines):
        match = NATIONAL.match(line.strip())
        if match:
            parts = [match.group(2)]
            for follow in lines[idx + 1:]:
                if not follow.startswith("  ") or follow.strip().startswith("- "):
                    break
                parts.append(follow.strip())
            statement = " ".join(parts)
            facts.append({"id": match.group(1), "title": "National fact that applies in Dalian",
                          "date": None, "confidence": "medium (general knowledge)", "status": "current",
                          "superseded_by": [], "statement": _clean(statement), "note": None, "unused_reason": None})
            urls[match.group(1)] = []
    return facts, urls


def sources_of(facts: list[dict[str, Any]], urls: dict[str, list[str]]) -> list[dict[str, Any]]:
    by_url = {d["url"]: d["id"] for d in DOCUMENTS if d.get("url")}
    cites: dict[str, list[str]] = {}
    for fact in facts:
        fact_id = fact["id"]
        ids = [by_url[u] for u in urls[fact_id] if u in by_url]
        missing = [u for u in urls[fact_id] if u not in by_url]
        if missing:
            raise SystemExit(f"{fact_id}: no document for {missing}")
        ids += list(EXTRA.get(fact_id, ()))
        cites[fact_id] = list(dict.fromkeys(ids))
    for fact_id, others in SAME_AS.items():
        cites[fact_id] = list(dict.fromkeys(cites[fact_id] + [d for o in others for d in cites[o]]))
    records = []
    for doc in DOCUMENTS:
        supported = [f["id"] for f in facts if doc["id"] in cites[f["id"]]]
        if not supported:
            raise SystemExit(f"document {doc['id']} supports no fact")
        record: dict[str, Any] = {"id": doc["id"], "title": {"zh": doc["title"][0], "en": doc["title"][1]}}
        if doc.get("office"):
            record["office"] = {"zh": doc["office"][0], "en": doc["office"][1]}
        record.update({"number": doc.get("number"), "url": doc.get("url"), "date": doc.get("date"),
                       "kind": doc["kind"], "facts": supported})
        if doc.get("note"):
            record["note"] = doc["note"]
        records.append(record)
    lacking = [f["id"] for f in facts if not cites[f["id"]] and f["id"].startswith("F-")]
    if lacking:
        raise SystemExit(f"facts without a document: {lacking}")
    return records


def main(argv: list[str]) -> int:
    sheet = Path(argv[1]) if len(argv) > 1 else DEFAULT_SHEET
    facts, urls = parse_facts(sheet.read_text(encoding="utf-8"))
    facts.sort(key=lambda f: (f["id"][0] != "F", int(f["id"][2:])))  # F-01 ... F-113, then N-01, N-02
    old_path = SEED / "facts.yaml"
    if old_path.is_file():
        kept = {f["id"]: f.get("unused_reason") for f in yaml.safe_load(old_path.read_text(encoding="utf-8")) or []}
        for fact in facts:
            fact["unused_reason"] = kept.get(fact["id"])
    records = sources_of(facts, urls)
    sys.path.insert(0, str(ROOT))
    from knowledge.seedfiles import dump_yaml

    head = ("# {what}, generated by tools/make_registers.py from the facts sheet (policy-facts.md).\n"
            "# Format: README.md beside this file. Edit by hand only unused_reason; rerun the script otherwise.\n\n")
    (SEED / "facts.yaml").write_text(head.format(what="The facts register: every fact an entry may cite")
                                     + dump_yaml(facts), encoding="utf-8")
    (SEED / "sources.yaml").write_text(head.format(what="The source register: one record per document")
                                       + dump_yaml(records), encoding="utf-8")
    print(f"{len(facts)} facts, {len(records)} sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
