"""Demo data: a realistic, repeatable world of users, pools, leads and customers.

`build_demo` fills an empty database (schema already created) so the console can be
tried: mixed Chinese and English leads from all seven sources over the last half
year, pooled / assigned / converted, with follow-ups, customers, contacts, deals,
audit history and a few unread notifications for the operator.

It must make a million leads in a few minutes, so it draws from `random.Random(seed)`
and fixed word lists (no Faker), writes with Core `executemany` in chunks, and does it
all in one transaction: an interrupted build leaves an empty database, never half a
demo that `leadtui demo` would take for real data. The same seed and the same clock
give the same database.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Index, func, insert, select
from sqlalchemy.orm import Session

from leadtui import clock
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid
from leadtui.store.fields import SOURCES
from leadtui.store.leads.convert import email_norm, mobile_norm
from leadtui.store.leads.intake import lead_values
from leadtui.store.models import (
    AssignRule,
    AuditEvent,
    Contact,
    Counter,
    Customer,
    Deal,
    FollowUp,
    Lead,
    LeadCollaborator,
    Notification,
    Pool,
    User,
)
from leadtui.store.pools import settings as pools_mod
from leadtui.store.search import index as search_index
from leadtui.store.users import accounts as users_mod

CHUNK = 20_000
DAYS = 180  # how far back the submissions go
DEMO_COUNTER = "demo.leads"  # its presence tells a demo database from a real one
T = TypeVar("T")

# ----------------------------------------------------------------------------- word lists

# (surname, pinyin, weight): the common ones often, a few compound ones rarely.
_SURNAMES = [
    ("王", "wang", 72), ("李", "li", 72), ("张", "zhang", 68), ("刘", "liu", 54), ("陈", "chen", 45),
    ("杨", "yang", 32), ("黄", "huang", 24), ("赵", "zhao", 22), ("吴", "wu", 20), ("周", "zhou", 20),
    ("徐", "xu", 16), ("孙", "sun", 15), ("马", "ma", 15), ("朱", "zhu", 14), ("胡", "hu", 13),
    ("郭", "guo", 12), ("何", "he", 12), ("高", "gao", 11), ("林", "lin", 11), ("罗", "luo", 11),
    ("郑", "zheng", 10), ("梁", "liang", 10), ("谢", "xie", 8), ("宋", "song", 8), ("唐", "tang", 8),
    ("许", "xu", 7), ("韩", "han", 7), ("冯", "feng", 7), ("邓", "deng", 7), ("曹", "cao", 7),
    ("彭", "peng", 6), ("曾", "zeng", 6), ("肖", "xiao", 6), ("田", "tian", 6), ("董", "dong", 6),
    ("袁", "yuan", 5), ("潘", "pan", 5), ("于", "yu", 5), ("蒋", "jiang", 5), ("蔡", "cai", 5),
    ("余", "yu", 5), ("杜", "du", 5), ("叶", "ye", 5), ("程", "cheng", 5), ("苏", "su", 4),
    ("魏", "wei", 4), ("吕", "lv", 4), ("丁", "ding", 4), ("任", "ren", 4), ("沈", "shen", 4),
    ("姚", "yao", 3), ("卢", "lu", 3), ("姜", "jiang", 3), ("崔", "cui", 3), ("钟", "zhong", 3),
    ("谭", "tan", 3), ("陆", "lu", 3), ("汪", "wang", 3), ("范", "fan", 3), ("金", "jin", 3),
    ("欧阳", "ouyang", 1), ("司马", "sima", 1), ("上官", "shangguan", 1), ("诸葛", "zhuge", 1),
    ("慕容", "murong", 1), ("东方", "dongfang", 1),
]
_GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"),
    ("建", "jian"), ("国", "guo"), ("文", "wen"), ("辉", "hui"), ("鹏", "peng"), ("宇", "yu"),
    ("浩", "hao"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("晨", "chen"), ("欣", "xin"),
    ("怡", "yi"), ("佳", "jia"), ("子", "zi"), ("涵", "han"), ("梓", "zi"), ("萱", "xuan"),
    ("博", "bo"), ("文", "wen"), ("思", "si"), ("雨", "yu"), ("嘉", "jia"), ("俊", "jun"),
    ("志", "zhi"), ("海", "hai"), ("峰", "feng"), ("亮", "liang"), ("红", "hong"), ("玲", "ling"),
    ("凯", "kai"), ("斌", "bin"), ("慧", "hui"), ("晓", "xiao"), ("东", "dong"), ("波", "bo"),
    ("宁", "ning"), ("瑶", "yao"), ("倩", "qian"), ("颖", "ying"), ("阳", "yang"), ("帆", "fan"),
    ("天", "tian"), ("一", "yi"), ("诗", "shi"), ("梦", "meng"), ("泽", "ze"), ("瑞", "rui"),
]
_FIRST_EN = ["John", "Emma", "Michael", "Olivia", "David", "Sophia", "James", "Isabella", "Robert",
             "Mia", "William", "Charlotte", "Daniel", "Amelia", "Thomas", "Grace", "Peter", "Lucy",
             "Kevin", "Anna", "Mark", "Laura", "Paul", "Sarah", "Chris", "Kate", "Tom", "Alice",
             "George", "Helen", "Lukas", "Marie", "Hiroshi", "Yuki", "Carlos", "Sofia"]
_LAST_EN = ["Smith", "Brown", "Johnson", "Williams", "Jones", "Miller", "Davis", "Wilson", "Taylor",
            "Anderson", "Thomas", "Moore", "Martin", "Clark", "Lewis", "Walker", "Hall", "Young",
            "King", "Wright", "Green", "Baker", "Turner", "Parker", "Evans", "Collins", "Müller",
            "Schmidt", "Tanaka", "Sato", "Garcia", "Rossi"]
_NICK_EN = {"John": "Johnny", "Michael": "Mike", "David": "Dave", "James": "Jim", "Robert": "Bob",
            "William": "Bill", "Daniel": "Dan", "Thomas": "Tommy", "Christopher": "Chris",
            "Isabella": "Bella", "Olivia": "Liv", "Charlotte": "Lottie", "Katherine": "Kate"}

_MOBILE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
                    "152", "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "185",
                    "186", "187", "188", "189", "191", "193", "195", "196", "198", "199"]


@dataclass(frozen=True)
class _City:
    province: str
    city: str
    short: str
    en: str
    districts: tuple[str, ...]
    area_code: str
    postcode: str
    region: str  # "east", "south" or "" (which regional pool its leads lean to)


_CITIES = [
    _City("", "北京市", "北京", "Beijing", ("朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区"),
          "010", "100", ""),
    _City("", "上海市", "上海", "Shanghai", ("浦东新区", "徐汇区", "静安区", "黄浦区", "闵行区", "长宁区"),
          "021", "200", "east"),
    _City("广东省", "广州市", "广州", "Guangzhou", ("天河区", "越秀区", "海珠区", "番禺区", "白云区"),
          "020", "510", "south"),
    _City("广东省", "深圳市", "深圳", "Shenzhen", ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区"),
          "0755", "518", "south"),
    _City("浙江省", "杭州市", "杭州", "Hangzhou", ("西湖区", "滨江区", "余杭区", "上城区", "拱墅区"),
          "0571", "310", "east"),
    _City("江苏省", "南京市", "南京", "Nanjing", ("鼓楼区", "玄武区", "建邺区", "江宁区"), "025", "210", "east"),
    _City("江苏省", "苏州市", "苏州", "Suzhou", ("工业园区", "姑苏区", "吴中区", "相城区"), "0512", "215", "east"),
    _City("四川省", "成都市", "成都", "Chengdu", ("武侯区", "锦江区", "高新区", "青羊区"), "028", "610", ""),
    _City("湖北省", "武汉市", "武汉", "Wuhan", ("江汉区", "洪山区", "武昌区", "东湖高新区"), "027", "430", ""),
    _City("", "天津市", "天津", "Tianjin", ("和平区", "河西区", "南开区", "滨海新区"), "022", "300", ""),
    _City("", "重庆市", "重庆", "Chongqing", ("渝中区", "江北区", "南岸区", "渝北区"), "023", "400", ""),
    _City("陕西省", "西安市", "西安", "Xi'an", ("雁塔区", "碑林区", "未央区", "高新区"), "029", "710", ""),
    _City("福建省", "厦门市", "厦门", "Xiamen", ("思明区", "湖里区", "集美区"), "0592", "361", "south"),
    _City("山东省", "青岛市", "青岛", "Qingdao", ("市南区", "崂山区", "黄岛区"), "0532", "266", ""),
    _City("广东省", "东莞市", "东莞", "Dongguan", ("南城街道", "东城街道", "长安镇", "虎门镇"),
          "0769", "523", "south"),
    _City("浙江省", "宁波市", "宁波", "Ningbo", ("鄞州区", "海曙区", "江北区"), "0574", "315", "east"),
]
_CITY_WEIGHTS = [12, 16, 9, 12, 8, 5, 6, 5, 4, 3, 3, 3, 3, 3, 4, 3]
_ROADS = ["人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "科技路", "创业路", "文化路", "新华路",
          "南京路", "淮海路", "学院路", "滨江大道", "世纪大道", "高新南一道", "天府大道", "金融街",
          "工业大道", "振兴路", "青年路", "友谊路", "幸福路", "朝阳路", "环城北路"]
_BUILDINGS = ["国际大厦", "科技园", "创新中心", "商务中心", "金融中心", "软件园", "产业园", "广场"]
_ROADS_EN = ["Century Avenue", "Nanjing Road West", "Huaihai Road", "Jianguo Road", "Tianhe Road",
             "Shennan Boulevard", "Keji Road", "Wensan Road", "Zhongshan Road", "Renmin Road"]
_FOREIGN_ADDRESSES = ["221B Baker Street, London NW1 6XE, UK", "350 Fifth Avenue, New York, NY 10118, USA",
                      "Friedrichstraße 43, 10117 Berlin, Germany", "1-1 Marunouchi, Chiyoda, Tokyo 100-0005",
                      "10 Anson Road, Singapore 079903", "Via Roma 12, 20121 Milano, Italy"]

# (word, pinyin) for company names and their web domains.
_BRANDS = [
    ("星辰", "xingchen"), ("华信", "huaxin"), ("恒达", "hengda"), ("鼎盛", "dingsheng"), ("金桥", "jinqiao"),
    ("远航", "yuanhang"), ("博远", "boyuan"), ("中和", "zhonghe"), ("天成", "tiancheng"), ("瑞丰", "ruifeng"),
    ("宏图", "hongtu"), ("汇通", "huitong"), ("新锐", "xinrui"), ("明德", "mingde"), ("海纳", "haina"),
    ("凯旋", "kaixuan"), ("卓越", "zhuoyue"), ("永泰", "yongtai"), ("安信", "anxin"), ("聚能", "juneng"),
    ("云帆", "yunfan"), ("启航", "qihang"), ("华创", "huachuang"), ("精诚", "jingcheng"), ("康达", "kangda"),
    ("同创", "tongchuang"), ("银河", "yinhe"), ("盛世", "shengshi"), ("东方红", "dongfanghong"),
    ("蓝海", "lanhai"), ("正泰", "zhengtai"), ("长城", "changcheng"), ("九州", "jiuzhou"), ("鸿运", "hongyun"),
    ("绿源", "lvyuan"), ("万通", "wantong"), ("飞扬", "feiyang"), ("泰和", "taihe"), ("德隆", "delong"),
    ("润丰", "runfeng"),
]
# (industry, domain suffix, English industry)
_INDUSTRIES = [
    ("科技", "tech", "Technology"), ("贸易", "trade", "Trading"), ("电子", "elec", "Electronics"),
    ("信息技术", "it", "IT Services"), ("实业", "group", "Industries"), ("物流", "logistics", "Logistics"),
    ("医疗器械", "medical", "Medical"), ("机械设备", "machinery", "Machinery"), ("食品", "food", "Foods"),
    ("文化传媒", "media", "Media"), ("网络科技", "net", "Networks"), ("生物科技", "bio", "Biotech"),
    ("新能源", "energy", "Energy"), ("企业管理咨询", "consulting", "Consulting"), ("建材", "build", "Building Materials"),
    ("教育科技", "edu", "Education"), ("服饰", "fashion", "Apparel"), ("餐饮管理", "catering", "Catering"),
    ("家居", "home", "Home Furnishing"), ("环保科技", "eco", "Environmental"),
]
_SHOPS = ["商行", "五金店", "便利店", "工作室", "经营部", "餐厅", "建材店", "服装店", "烟酒店", "电器行"]
_BRANDS_EN = ["Acme", "Northwind", "Blue Ocean", "Silver Peak", "Golden Bridge", "Evergreen", "Pacific Rim",
              "Red Lantern", "Sunrise", "Summit", "Harbor", "Brightway", "Contoso", "Fabrikam", "Globex",
              "Initech", "Orient Star", "Jade Dragon"]
_SUFFIXES_EN = ["Ltd", "Co., Ltd.", "Inc.", "Limited", "(Shanghai) Co., Ltd.", "GmbH", "LLC",
                "(Shenzhen) Co., Ltd.", "Pte. Ltd."]
_FULLWIDTH_COMPANIES = ["ＡＢＣ贸易有限公司", "ＸＹＺ科技（深圳）有限公司", "ＩＢＭ中国有限公司", "ＴＣＬ电子（惠州）有限公司",
                        "Ａｃｍｅ　Ｔｒａｄｉｎｇ　Ｌｔｄ", "３Ｍ中国有限公司", "ＵＰＳ物流（上海）有限公司"]
# company_type -> weight
_COMPANY_TYPES = [("有限责任公司", 46), ("股份有限公司", 12), ("个体工商户", 14), ("外资企业", 8),
                  ("国有企业", 5), ("合伙企业", 4), ("中外合资企业", 4), ("", 7)]
_DEPARTMENTS = ["采购部", "市场部", "销售部", "技术部", "行政部", "财务部", "人力资源部", "总经办", "研发中心",
                "运营部", "信息部", "客服部"]
_DEPARTMENTS_EN = ["Purchasing", "Marketing", "IT", "Operations", "Finance", "R&D", "Sales", "HR"]
_TITLES = ["经理", "总监", "主管", "采购专员", "总经理", "助理", "工程师", "董事长", "负责人", "副总经理",
           "项目经理", "采购经理", "市场经理", "技术总监", "行政主管", "店长"]
_TITLES_EN = ["Purchasing Manager", "CEO", "Director", "Engineer", "Office Manager", "CTO",
              "Project Manager", "Marketing Manager", "Founder", "Buyer"]
_BUSINESS = ["设备采购", "软件选型", "渠道合作", "市场推广", "供应链管理", "办公用品采购", "招投标", "品牌合作",
             "员工培训", "海外业务", "工程项目", "IT运维", "门店管理", "电商运营", "行政采购", "生产管理"]
_BUSINESS_EN = ["Procurement", "IT sourcing", "Channel partnerships", "Marketing", "Supply chain",
                "Facilities", "Export business"]
_NICK_PREFIX = ["小", "老", "阿"]
_NICK_SUFFIX = ["总", "经理", "工", "姐", "哥", "老师"]
_EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com", "foxmail.com",
                  "hotmail.com", "139.com", "yeah.net"]
_EMAIL_WEIGHTS = [30, 22, 10, 5, 8, 8, 6, 4, 4, 3]

_PRODUCTS = ["CRM系统", "智能门锁", "工业传感器", "办公家具", "企业网盘", "净水设备", "小程序开发", "财税服务",
             "LED显示屏", "云服务器", "空气净化器", "ERP软件", "监控摄像头", "商用咖啡机", "展会展台搭建",
             "员工体检套餐", "激光打印机", "新风系统", "企业邮箱", "网站建设"]
_PRODUCTS_EN = ["CRM software", "smart locks", "industrial sensors", "office furniture", "cloud storage",
                "water purifiers", "LED displays", "cloud servers", "ERP licences", "security cameras",
                "coffee machines", "website design"]
_EVENTS = ["线上直播公开课", "年度客户大会", "新品发布会", "行业沙龙（上海站）", "渠道招商会", "免费试用活动"]
_UNITS = ["台", "套", "件", "箱", "个"]
_WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六"]

_MESSAGES_ZH: dict[str, list[str]] = {
    "intent": ["对贵公司的{p}很感兴趣，请尽快联系我。", "想了解一下{p}，方便的话电话联系。", "我们公司最近在看{p}，想要一份方案。",
               "有{p}的需求，预算在谈，请销售联系。"],
    "booking": ["预订{d}的{p}演示，{n}人参加。", "在线预订{p}体验，{d}上午有空。", "想预订{d}的会议室讲解{p}。"],
    "appointment": ["预约{w}下午上门讲解{p}。", "申请预约工程师{w}上门勘测。", "预约{w}到展厅看{p}。"],
    "signup": ["报名参加{e}。", "报名{e}，共{n}人。", "我想报名{e}，请发一下议程。"],
    "inquiry": ["请报{p}的价格，采购数量约{n}{u}。", "{p}批量采购有优惠吗？大概{n}{u}。", "询价：{p}，含税含运费，{n}{u}。"],
    "sample": ["申请{p}样品{n}份，寄到公司地址。", "能否先寄一份{p}样品试用？", "申请免费样品，{p}，收件人就是我。"],
    "message": ["你们的{p}支持定制吗？", "之前买的{p}有点问题，怎么售后？", "{p}的交货周期多久？", "请问[含税]报价单能发PDF吗？"],
}
_MESSAGES_EN: dict[str, list[str]] = {
    "intent": ["Interested in your {p}, please call me.", "We are evaluating {p} for our team."],
    "booking": ["Booking a demo of {p} on {d}, {n} people.", "Would like to book a product tour on {d}."],
    "appointment": ["Please arrange a visit next week to present {p}.", "Appointment request: site survey."],
    "signup": ["Signing up for the webinar.", "Register {n} people for the launch event, please."],
    "inquiry": ["Please quote {n} units of {p}, delivered to Shanghai.", "Price for {p}? We need about {n}."],
    "sample": ["Could you send a sample of {p}?", "Requesting {n} samples of {p} for testing."],
    "message": ["Do your {p} come with an English manual?", "What is the lead time for {p}?"],
}
_SOURCE_WEIGHTS = {"intent": 24, "booking": 10, "appointment": 10, "signup": 12, "inquiry": 20, "sample": 8,
                   "message": 16}
_TAGS = ["VIP", "展会", "老客户推荐", "重点跟进", "海外", "官网", "抖音", "百度推广", "Trade show", "Referral"]

_NOTES_ZH = ["客户对价格比较敏感，下周再跟进", "已加微信，发了产品资料", "客户需要和老板商量，月底前答复", "需求明确，准备报价",
             "客户在对比两家供应商", "预算还没批下来", "关注售后服务和交付周期", "已转交技术同事评估方案",
             "客户要求先试用一个月", "决策人是财务总监，约了下周见面"]
_NOTES_EN = ["Asked for a volume discount; follow up next week", "Sent the brochure", "Decision maker is the CFO",
             "Comparing us with two other vendors", "Budget approval expected at month end"]
_CALL_OK_ZH = ["已接通，有意向", "已接通，约了拜访", "已接通，暂无需求", "已接通，要求发报价", "已接通，让下周再打"]
_CALL_FAIL_ZH = ["未接通", "占线", "关机", "无人接听"]
_CALL_OK_EN = ["Connected, interested", "Connected, meeting booked", "Connected, no need right now"]
_CALL_FAIL_EN = ["No answer", "Voicemail", "Line busy"]
_CALL_TEXT_ZH = ["聊了需求和预算", "介绍了产品和价格", "确认了收货地址", "客户说在开会", ""]
_CALL_TEXT_EN = ["Talked about needs and budget", "Walked through pricing", ""]
_REPLIES_ZH = ["已回复询价，发送报价单", "回复了样品寄送时间", "已回复留言，约电话沟通", "回复了售后处理方式"]
_REPLIES_EN = ["Replied with the price list", "Answered the questions about delivery"]
_EMAILS_ZH = ["发送了报价单和合同模板", "邮件发送产品手册", "发了案例介绍和资质文件"]
_EMAILS_EN = ["Emailed the quotation", "Sent the contract draft", "Sent case studies"]
_VISITS_ZH = ["上门拜访，见了采购负责人", "带工程师现场勘查", "参观了客户工厂", "在客户公司做了产品演示"]
_VISITS_EN = ["Visited the office, met the purchasing team", "On-site demo done"]
_FOLLOWUP_KINDS = ["call", "note", "reply", "email", "visit"]
_FOLLOWUP_WEIGHTS = [40, 22, 14, 14, 10]
_DEAL_NAMES_ZH = ["{p}采购项目", "{y}年度服务合同", "{p}首批订单", "{p}框架协议"]
_DEAL_NAMES_EN = ["{p} pilot", "Annual subscription {y}", "First order of {p}"]
_STAGES = [("new", 25), ("contacted", 25), ("qualified", 18), ("proposal", 14), ("won", 12), ("lost", 6)]

_RETURN_REASONS = ["联系不上", "客户无意向", "重复线索", "不在服务区域", "已被其他同事跟进", "其他"]
_RETURN_REASONS_KEY = ["Not a key account", "No budget this year", "Duplicate lead", "Other"]
_FW = {c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000}


def _fullwidth(text: str) -> str:
    return text.translate(_FW)


# ----------------------------------------------------------------------------- people and pools


@dataclass(frozen=True)
class _DemoUser:
    login: str
    name: str
    role: str
    dept: str | None
    weight: float  # how many leads they work, relative to the others


EAST, SOUTH, KEY = "华东销售部", "华南销售部", "大客户部"
_USERS = [
    _DemoUser("sun.li", "孙丽", "admin", None, 0.0),
    _DemoUser("zhou.min", "周敏", "manager", EAST, 0.4),
    _DemoUser("david.lee", "David Lee", "manager", SOUTH, 0.4),
    _DemoUser("zhang.wei", "张伟", "sales", EAST, 1.3),
    _DemoUser("li.na", "李娜", "sales", EAST, 1.0),
    _DemoUser("wang.fang", "王芳", "sales", EAST, 0.8),
    _DemoUser("zhao.lei", "赵磊", "sales", SOUTH, 1.2),
    _DemoUser("chen.jing", "陈静", "sales", SOUTH, 1.0),
    _DemoUser("emma.brown", "Emma Brown", "sales", SOUTH, 0.9),
    _DemoUser("liu.yang", "刘洋", "sales", KEY, 1.1),
    _DemoUser("john.smith", "John Smith", "sales", KEY, 0.9),
]
OS_WEIGHT = 0.3


@dataclass
class _PoolInfo:
    id: int
    name: str
    protect_days: int | None
    max_protect_days: int | None
    holding_cap: int | None
    admins: list[int]
    owners: list[int]  # members who work its leads
    owner_cum: list[float] = field(default_factory=list)
    held: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.held = {u: 0 for u in self.owners}


# ----------------------------------------------------------------------------- the generator


class _Gen:
    """Draws the fields of one lead at a time from the word lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = [(s, p) for s, p, _w in _SURNAMES]
        self.surname_cum = list(accumulate(w for _s, _p, w in _SURNAMES))
        self.city_cum = list(accumulate(_CITY_WEIGHTS))
        self.email_cum = list(accumulate(_EMAIL_WEIGHTS))
        self.type_names = [t for t, _w in _COMPANY_TYPES]
        self.type_cum = list(accumulate(w for _t, w in _COMPANY_TYPES))
        self.sources = list(SOURCES)
        self.source_cum = list(accumulate(_SOURCE_WEIGHTS[s] for s in SOURCES))
        self.fu_cum = list(accumulate(_FOLLOWUP_WEIGHTS))
        self.stage_names = [s for s, _w in _STAGES]
        self.stage_cum = list(accumulate(w for _s, w in _STAGES))
        self.rand = rng.random

    # random.choice / randrange cost several times more than one random(): these
    # two are called a hundred million times for a big demo.
    def ch(self, seq: Sequence[T]) -> T:
        return seq[int(self.rand() * len(seq))]

    def rr(self, start: int, stop: int | None = None) -> int:
        if stop is None:
            return int(self.rand() * start)
        return start + int(self.rand() * (stop - start))

    def pick(self, items: Sequence[T], cum: list[int]) -> T:
        """A weighted choice (cum: the running sums of the weights)."""
        return items[bisect.bisect_right(cum, self.rand() * cum[-1])]

    def mobile(self) -> tuple[str, str]:
        """(as typed by the person, the 11 digits)."""
        rand, ch, rr = self.rand, self.ch, self.rr
        digits = ch(_MOBILE_PREFIXES) + f"{rr(100_000_000):08d}"
        x = rand()
        if x < 0.62:
            shown = digits
        elif x < 0.77:
            shown = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        elif x < 0.87:
            shown = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
        elif x < 0.92:
            shown = f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
        elif x < 0.95:
            shown = "+86" + digits
        elif x < 0.97:
            shown = _fullwidth(digits)
        else:
            shown = digits
        return shown, digits

    def landline(self, city: _City) -> str:
        rand, rr = self.rand, self.rr
        n = 8 if len(city.area_code) == 3 or rand() < 0.6 else 7
        number = f"{rr(2, 10)}{rr(10 ** (n - 1)):0{n - 1}d}"
        text = f"{city.area_code}-{number}"
        if rand() < 0.12:
            text += f"-{rr(800, 8999)}"
        elif rand() < 0.05:
            text = f"({city.area_code}){number}"
        return text

    def chinese_person(self) -> tuple[str, str, str]:
        """(name, pinyin, given name)"""
        rand, ch = self.rand, self.ch
        surname, sp = self.pick(self.surnames, self.surname_cum)  # type: ignore[misc]
        g1, p1 = ch(_GIVEN)
        if rand() < 0.62:
            g2, p2 = ch(_GIVEN)
            return surname + g1 + g2, sp + p1 + p2, g1 + g2
        return surname + g1, sp + p1, g1

    def city(self) -> _City:
        return self.pick(_CITIES, self.city_cum)  # type: ignore[return-value]

    def address_zh(self, city: _City) -> str:
        rand, ch, rr = self.rand, self.ch, self.rr
        text = f"{city.province}{city.city}{ch(city.districts)}{ch(_ROADS)}{rr(1, 999)}号"
        x = rand()
        if x < 0.3:
            text += f"{rr(1, 12)}栋{rr(1, 30)}{rr(1, 20):02d}室"
        elif x < 0.55:
            text += f"{ch(_BUILDINGS)}{rr(2, 40)}楼"
        elif x < 0.65:
            text += f"{ch(_BUILDINGS)}{ch('ABCD')}座{rr(101, 2999)}"
        return text

    def address_en(self, city: _City) -> str:
        rand, ch, rr = self.rand, self.ch, self.rr
        if rand() < 0.12:
            return ch(_FOREIGN_ADDRESSES)
        return (f"Room {rr(1, 40)}{rr(1, 20):02d}, {rr(1, 999)} "
                f"{ch(_ROADS_EN)}, {city.en} {city.postcode}{rr(1000):03d}")

    def company(self, city: _City, english: bool) -> tuple[str, str, str]:
        """(company, website domain, company_type)"""
        rand, ch = self.rand, self.ch
        if rand() < 0.015:
            return ch(_FULLWIDTH_COMPANIES), "", ch(["外资企业", "有限责任公司"])
        if english or rand() < 0.06:
            brand = ch(_BRANDS_EN)
            _zh, dom, ind = ch(_INDUSTRIES)
            name = f"{brand} {ind} {ch(_SUFFIXES_EN)}"
            domain = f"{brand.lower().replace(' ', '')}-{dom}.com"
            return name, domain, ch(["外资企业", "外资企业", "中外合资企业", "有限责任公司"])
        kind = self.pick(self.type_names, self.type_cum)
        brand, bp = ch(_BRANDS)
        ind, dom, _en = ch(_INDUSTRIES)
        if kind == "个体工商户":
            shop = ch(_SHOPS)
            name = f"{ch(city.districts)}{brand}{shop}" if rand() < 0.5 else f"{city.short}市{brand}{shop}"
            return name, "", kind  # type: ignore[return-value]
        if kind == "股份有限公司":
            name = f"{city.short}{brand}{ind}股份有限公司"
        elif kind == "国有企业":
            name = f"{city.short}{brand}{ch(['集团有限公司', '实业集团有限公司', '投资有限公司'])}"
        elif kind == "合伙企业":
            name = f"{city.short}{brand}{ind}合伙企业（有限合伙）"
        elif kind in ("外资企业", "中外合资企业"):
            name = f"{brand}{ind}（{city.short}）有限公司"
        else:
            x = rand()
            name = f"{city.short}{brand}{ind}有限公司" if x < 0.75 else f"{brand}{ind}（{city.short}）有限公司"
        tld = ch([".com", ".com", ".cn", ".com.cn", ".net"])
        domain = f"{bp}{dom}{tld}" if rand() < 0.6 else f"{bp}-{dom}{tld}"
        return name, domain, kind  # type: ignore[return-value]

    def message(self, source: str, english: bool) -> str:
        ch, rr = self.ch, self.rr
        if english:
            text = ch(_MESSAGES_EN[source])
            return text.format(p=ch(_PRODUCTS_EN), d=f"{rr(1, 13)}/{rr(1, 29)}",
                               n=ch([2, 5, 10, 20, 50, 100, 200, 500]))
        text = ch(_MESSAGES_ZH[source])
        return text.format(p=ch(_PRODUCTS), d=f"{rr(1, 13)}月{rr(1, 29)}日",
                           n=ch([1, 2, 3, 5, 10, 20, 50, 100, 200, 500]), u=ch(_UNITS),
                           w=ch(_WEEKDAYS), e=ch(_EVENTS))

    def lead_fields(self, source: str) -> tuple[dict[str, str], _City, bool]:
        """The SPEC 2.1 fields (+ message, tags) of one lead, its city, and whether the
        person writes English."""
        rand, ch, rr = self.rand, self.ch, self.rr
        english = rand() < 0.25
        city = self.city()
        f: dict[str, str] = {}
        if english:
            first, last = ch(_FIRST_EN), ch(_LAST_EN)
            f["contact"] = f"{first} {last}"
            local = ch([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rr(1, 99)}",
                              f"{first}_{last}"]).lower()
            handle = f"{first.lower()}{last.lower()}"
            if rand() < 0.3:
                f["nickname"] = _NICK_EN.get(first, first)
        else:
            name, py, given = self.chinese_person()
            f["contact"] = name
            local = ch([py, py, f"{py}{rr(1, 99)}", f"{py}{rr(1970, 2005)}",
                              f"{py}_{rr(100, 999)}"])
            handle = py
            x = rand()
            if x < 0.15:
                f["nickname"] = ch(_NICK_PREFIX) + given[-1]
            elif x < 0.3:
                f["nickname"] = name[0] + ch(_NICK_SUFFIX)
            elif x < 0.34:
                f["nickname"] = ch(_FIRST_EN)
        digits = ""
        if rand() < 0.9:
            f["mobile"], digits = self.mobile()
        company_lead = rand() < 0.65
        domain = ""
        if company_lead:
            f["company"], domain, f["company_type"] = self.company(city, english)
            if domain and rand() < 0.8:
                f["website"] = ("https://www." if rand() < 0.3 else "www.") + domain
            if rand() < 0.45:
                f["phone"] = self.landline(city)
            if rand() < 0.1:
                f["fax"] = self.landline(city)
            if rand() < 0.6:
                f["department"] = ch(_DEPARTMENTS_EN if english else _DEPARTMENTS)
            if rand() < 0.75:
                f["job_title"] = ch(_TITLES_EN if english else _TITLES)
            if rand() < 0.55:
                f["business"] = ch(_BUSINESS_EN if english else _BUSINESS)
        elif rand() < 0.15:
            f["phone"] = self.landline(city)
        qq = ""
        if not english and rand() < 0.3:
            qq = str(rr(10_000, 3_999_999_999))
            f["qq"] = qq
        if rand() < 0.7:
            if domain and rand() < 0.45:
                email = f"{local}@{domain}"
            else:
                mail_domain = self.pick(_EMAIL_DOMAINS, self.email_cum)
                email = f"{qq}@qq.com" if mail_domain == "qq.com" and qq else f"{local}@{mail_domain}"
            if rand() < 0.03:
                email = email.upper() if rand() < 0.5 else email.capitalize()
            f["email"] = email
        if rand() < (0.15 if english else 0.5):
            x = rand()
            if x < 0.35:
                f["wechat"] = f"wxid_{rr(1 << 56):014x}"
            elif x < 0.75:
                f["wechat"] = f"{handle}{rr(1, 9999)}"
            else:
                f["wechat"] = digits or f"{handle}_{rr(10, 99)}"
        if rand() < 0.75:
            f["address"] = self.address_en(city) if english and rand() < 0.7 else self.address_zh(city)
        if rand() < 0.4:
            f["postcode"] = f"{city.postcode}{rr(1000):03d}"
        if rand() < 0.85:
            f["message"] = self.message(source, english)
        if rand() < 0.12:  # comma-separated, as nothing else says otherwise yet
            f["tags"] = ",".join(self.rng.sample(_TAGS, ch((1, 1, 2))))
        return f, city, english

    def followup_text(self, kind: str, english: bool) -> tuple[str, str, int | None]:
        """(text, outcome, duration_s)"""
        rand, ch, rr = self.rand, self.ch, self.rr
        if kind == "call":
            if rand() < 0.7:
                outcome = ch(_CALL_OK_EN if english else _CALL_OK_ZH)
                return ch(_CALL_TEXT_EN if english else _CALL_TEXT_ZH), outcome, rr(30, 900)
            return "", ch(_CALL_FAIL_EN if english else _CALL_FAIL_ZH), 0
        source = {"note": (_NOTES_EN, _NOTES_ZH), "reply": (_REPLIES_EN, _REPLIES_ZH),
                  "email": (_EMAILS_EN, _EMAILS_ZH), "visit": (_VISITS_EN, _VISITS_ZH)}[kind]
        return ch(source[0] if english else source[1]), "", None


# ----------------------------------------------------------------------------- helpers


def _json(values: dict[str, object]) -> str:
    # The form audit.record writes.
    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True)


def _batch_id(seed: int, *parts: object) -> str:
    """A batch id that the seed decides (audit.new_batch_id is random)."""
    return hashlib.md5(f"demo{seed}:{':'.join(map(str, parts))}".encode()).hexdigest()[:16]


def _next_id(session: Session, model: type) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1  # type: ignore[attr-defined]


def _submit_times(rng: random.Random, n: int, now: datetime) -> list[datetime]:
    """n submission times over the last DAYS days, oldest first: more recent than
    old (the business grows), mostly in Chinese office hours, some today."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since_midnight = max(1, int((now - today).total_seconds()))
    # China office hours (UTC+8) in UTC: 09:00–21:00 local is 01:00–13:00 UTC.
    hour_weights = [6, 9, 10, 10, 9, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 2, 4]
    hour_cum = list(accumulate(hour_weights))
    total = hour_cum[-1]
    rand, bis = rng.random, bisect.bisect_right
    seconds: list[int] = []
    for _ in range(n):
        x = rand()
        if x < 0.02:
            age = int(rand() * since_midnight)  # today
        else:
            if x < 0.11:
                day = 1 + int(rand() * 7)  # the last week
            else:
                day = 1 + int((rand() ** 1.25) * (DAYS - 1))
            hour = bis(hour_cum, rand() * total)
            offset = hour * 3600 + int(rand() * 3600)
            age = since_midnight + (day - 1) * 86400 + (86400 - offset)
        seconds.append(age)
    seconds.sort(reverse=True)  # oldest first
    return [now - timedelta(seconds=s) for s in seconds]


# ----------------------------------------------------------------------------- the build


def build_demo(db: Database, os_login: str, os_name: str, leads: int = 5000, *, seed: int = 42,
               progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Fill an empty database (schema created, no users, no leads) with demo data.

    `os_login` (named `os_name`) becomes an admin who also works a few leads, so the
    operator's own lists, customers and inbox are not empty. `progress(done, total)`
    is called after each chunk of leads. Everything is one transaction.

    Returns the counts made: users, departments, pools (lead pools), seas, leads,
    pooled / assigned / converted (pooled includes the few in the trash), customers
    (of which sea_customers sit in the public sea), contacts, deals, followups,
    collaborators, returned (pooled leads someone held before), trash, audit_events,
    notifications, days (with order numbers).
    """
    if leads < 0:
        raise ValueError("leads must be 0 or more")
    rng = random.Random(seed)
    gen = _Gen(rng)
    now = clock.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with db.write() as session:
        if session.scalar(select(User.id).limit(1)) is not None or session.scalar(select(Lead.id).limit(1)):
            raise ValueError("build_demo needs an empty database")
        restore_cache = _tune_sqlite(session, db)
        try:
            indexes = _drop_indexes(session)
            world = _World(session, rng, gen, seed, now, today, os_login, os_name, leads)
            world.make_people_and_pools()
            times = _submit_times(rng, leads, now)
            for start in range(0, leads, CHUNK):
                world.make_chunk(times[start:start + CHUNK])
                if progress is not None:
                    progress(min(leads, start + CHUNK), leads)
            world.make_sea_customers()
            world.make_notifications()
            world.write_counters(leads)
            for index in indexes:
                index.create(session.connection())
            search_index.rebuild(session)  # in bulk: cheaper than lead by lead
            _fix_sequences(session, db)
        finally:
            if restore_cache is not None:  # the connection goes back to the pool
                session.connection().exec_driver_sql(f"PRAGMA cache_size={restore_cache}")
        return world.summary(leads)


def demo_leads(db: Database) -> int | None:
    """How many leads the demo in `db` was built with; None when `db` is empty. A
    database with users but no demo counter holds real data: refused (Invalid)."""
    from sqlalchemy import inspect

    if not inspect(db.engine).has_table("users"):
        return None
    with db.read() as session:
        held = session.scalar(select(Counter.value).where(Counter.name == DEMO_COUNTER))
        if held is None and session.scalar(select(User.id).limit(1)) is not None:
            raise Invalid("{db} holds real data, not a demo: give --db another file", db=db.describe())
    return held


def discard_demo(db: Database) -> Database:
    """Delete a SQLite demo's files (to rebuild it); the same URL, opened afresh."""
    if not db.is_sqlite:
        raise Invalid("Rebuilding a demo only works on SQLite; drop the database yourself")
    path = db.engine.url.database
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return Database(db.url)


def _tune_sqlite(session: Session, db: Database) -> int | None:
    """A big page cache for the build (SQLite's default is 2 MiB); returns the old size."""
    if not db.is_sqlite:
        return None
    conn = session.connection()
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB
    return int(before) if before is not None else None


def _drop_indexes(session: Session) -> list[Index]:
    """Drop the plain indexes of the big tables for the build; the caller makes
    them again at the end. Building an index from a full table sorts once, which
    is much cheaper than keeping random-order indexes (mobile, email) up to date
    over a million inserts. All inside the build's transaction."""
    dropped = []
    for model in (Lead, FollowUp, AuditEvent, Customer):
        for index in sorted(model.__table__.indexes, key=lambda i: str(i.name)):
            if not index.unique:
                index.drop(session.connection())
                dropped.append(index)
    return dropped


def _fix_sequences(session: Session, db: Database) -> None:
    """The demo writes ids itself; on PostgreSQL the sequences must follow."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Lead, Customer, Contact, Deal):
        table = model.__table__
        session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"),
                                           select(func.coalesce(func.max(table.c.id), 1)).scalar_subquery())))


class _World:
    """The state of one build: users, pools, id counters and what was made."""

    def __init__(self, session: Session, rng: random.Random, gen: _Gen, seed: int, now: datetime,
                 today: datetime, os_login: str, os_name: str, leads: int) -> None:
        self.session, self.rng, self.gen, self.seed = session, rng, gen, seed
        # About 1% of assigned leads are past their protection (for auto-recycle to
        # find), but never so many that the first rules run turns into a flood.
        self.expire_rate = min(0.01, 1000 / max(1, leads))
        self.now, self.today = now, today
        self.os_login, self.os_name = os_login, os_name
        self.counts: dict[str, int] = dict.fromkeys(
            ("pooled", "assigned", "converted", "customers", "contacts", "deals", "followups", "audit_events",
             "collaborators", "trash", "returned", "notifications"), 0)
        self.day_seq: dict[str, int] = {}
        self.first_owned: dict[int, int] = {}  # user -> a lead they hold (for their inbox)
        self.os_owned: list[int] = []
        self.os_reclaimed: list[int] = []
        self.trash_ids: list[int] = []
        self._states: dict[tuple[int, int | None, str], str] = {}
        self._batches: dict[tuple[object, ...], str] = {}

    # -- users and pools ------------------------------------------------------------

    def make_people_and_pools(self) -> None:
        s = self.session
        self.user_ids: dict[str, int] = {}
        self.login_of: dict[int, str] = {}
        self.name_of: dict[int, str] = {}
        self.os_id = users_mod._create(s, None, self.os_login, self.os_name or self.os_login, "admin", None).id
        self.user_ids[self.os_login] = self.os_id
        weights: dict[int, float] = {self.os_id: OS_WEIGHT}
        dept_users: dict[str, list[int]] = {EAST: [], SOUTH: [], KEY: []}
        for u in _USERS:
            if u.login == self.os_login:
                continue  # the operator already is an admin
            rec = users_mod._create(s, self.os_id, u.login, u.name, u.role, u.dept)
            self.user_ids[u.login] = rec.id
            weights[rec.id] = u.weight
            if u.dept:
                dept_users[u.dept].append(rec.id)
        for login, uid in self.user_ids.items():
            self.login_of[uid] = login
        self.name_of = {uid: name for uid, name in s.execute(select(User.id, User.name))}
        dept_ids = {name: users_mod.department(s, name).id for name in (EAST, SOUTH, KEY)}
        self.weights = weights
        admin2 = self.user_ids.get("sun.li", self.os_id)

        def ids(*logins: str) -> list[int]:
            return [self.user_ids[x] for x in logins if x in self.user_ids]

        reasons = "\n".join(_RETURN_REASONS)
        default = pools_mod.create_pool(
            s, "默认线索池", is_default=True, admins=ids("sun.li") or [self.os_id],
            member_users=[self.os_id], member_departments=list(dept_ids.values()),
            daily_claim_limit=50, protect_days=30, max_protect_days=90, cooldown_days=7, notify_before_days=3,
            return_reasons=reasons)
        east = pools_mod.create_pool(
            s, "华东线索池", admins=ids("zhou.min"), member_users=ids("liu.yang"), member_departments=[dept_ids[EAST]],
            holding_cap=200, cap_counts_own_created=True, daily_claim_limit=30, protect_days=15,
            max_protect_days=45, cooldown_days=7, notify_before_days=3, return_reasons=reasons)
        south = pools_mod.create_pool(
            s, "华南线索池", admins=ids("david.lee"), member_departments=[dept_ids[SOUTH]], holding_cap=150,
            daily_claim_limit=20, protect_days=10, max_protect_days=30, cooldown_days=5, notify_before_days=2,
            return_to="choose", hide_assigned=True, return_reasons=reasons)
        key = pools_mod.create_pool(
            s, "大客户池 Key Accounts", admins=ids("liu.yang"), member_users=ids("liu.yang", "john.smith", "zhang.wei"),
            holding_cap=50, daily_claim_limit=5, protect_days=30, max_protect_days=90, cooldown_days=30,
            notify_before_days=7, return_to="pool", return_pool_id=default.id, hide_converted=True,
            members_see_detail=True, recycle_own_created=False, return_reasons="\n".join(_RETURN_REASONS_KEY))
        sea = pools_mod.create_pool(
            s, "公海", kind="sea", is_default=True, admins=[admin2], member_departments=list(dept_ids.values()),
            holding_cap=300, daily_claim_limit=20, protect_days=30, max_protect_days=90, cooldown_days=15,
            notify_before_days=5, return_reasons="客户无意向\n长期未成交\n联系方式失效\n其他")
        self.sea_id = sea.id
        # Auto-assign rules for new intake (SPEC 5): the demo's leads are generated
        # already placed, so these act on what comes in afterwards.
        rules = [(key.id, [["company_type", "in", "国有企业,外资企业,中外合资企业"]], ids("liu.yang", "john.smith")),
                 (east.id, [["address", "contains", "上海"], ["source", "in", "booking,inquiry"]],
                  ids("zhou.min", "li.na")),
                 (south.id, [["address", "contains", "深圳"]], ids("david.lee"))]
        for pool_id, conditions, targets in rules:
            if targets:
                s.add(AssignRule(pool_id=pool_id, position=1, conditions=json.dumps(conditions, ensure_ascii=False),
                                 targets=json.dumps(targets), next_target=0))
        every_dept = [u for d in (EAST, SOUTH, KEY) for u in dept_users[d]]

        def info(pool: Pool, owners: list[int]) -> _PoolInfo:
            owners = list(dict.fromkeys(owners))
            p = _PoolInfo(pool.id, pool.name, pool.protect_days, pool.max_protect_days, pool.holding_cap,
                          admins=_admins_of(s, pool.id) or [self.os_id], owners=owners)
            p.owner_cum = list(accumulate(self.weights.get(o, 1.0) for o in owners))
            return p

        self.default = info(default, every_dept + [self.os_id])
        self.east = info(east, dept_users[EAST] + ids("liu.yang"))
        self.south = info(south, dept_users[SOUTH])
        self.key = info(key, ids("liu.yang", "john.smith", "zhang.wei"))
        self.pools = [self.default, self.east, self.south, self.key]
        self.return_to = {self.default.id: self.default, self.east.id: self.east, self.south.id: self.south,
                          self.key.id: self.default}
        self.next_lead = _next_id(s, Lead)
        self.next_customer = _next_id(s, Customer)
        self.next_contact = _next_id(s, Contact)
        self.next_deal = _next_id(s, Deal)

    def _choose_pool(self, city: _City, fields: dict[str, str]) -> _PoolInfo:
        x = self.rng.random()
        if fields.get("company_type") in ("股份有限公司", "国有企业", "外资企业") and x < 0.25:
            return self.key
        if city.region == "east" and x < 0.6:
            return self.east
        if city.region == "south" and x < 0.6:
            return self.south
        return self.default

    def _choose_owner(self, pool: _PoolInfo) -> tuple[_PoolInfo, int]:
        """An owner for a new assignment: a member below (80% of) the pool's cap; when
        all are there, the lead goes to the default pool, which has no cap."""
        rng = self.rng
        if not pool.owners:
            pool = self.default
        if pool.holding_cap is None:
            return pool, pool.owners[bisect.bisect_right(pool.owner_cum, rng.random() * pool.owner_cum[-1])]
        limit = int(pool.holding_cap * 0.8)
        first = bisect.bisect_right(pool.owner_cum, rng.random() * pool.owner_cum[-1])
        for step in range(len(pool.owners)):
            owner = pool.owners[(first + step) % len(pool.owners)]
            if pool.held[owner] < limit:
                return pool, owner
        return self._choose_owner(self.default)

    # -- leads ----------------------------------------------------------------------

    def make_chunk(self, times: list[datetime]) -> None:
        s, rng, gen, now = self.session, self.rng, self.gen, self.now
        rand = rng.random
        lead_rows: list[dict[str, object]] = []
        customers: list[dict[str, object]] = []
        contacts: list[dict[str, object]] = []
        deals: list[dict[str, object]] = []
        followups: list[dict[str, object]] = []
        events: list[dict[str, object]] = []
        collaborators: list[dict[str, object]] = []
        counts = self.counts
        for submitted in times:
            lead_id = self.next_lead
            self.next_lead += 1
            day = f"{submitted:%Y%m%d}"
            seq = self.day_seq.get(day, 0) + 1
            self.day_seq[day] = seq
            source = gen.pick(gen.sources, gen.source_cum)
            fields, city, english = gen.lead_fields(source)  # type: ignore[arg-type]
            pool = self._choose_pool(city, fields)
            row = lead_values(fields, pool_id=pool.id, order_no=f"L{day}-{seq:06d}", submitted_at=submitted,
                              source=source)  # type: ignore[arg-type]
            row.update(id=lead_id, owner_id=None, created_by_id=None, handled=False, assigned_at=None,
                       protect_until=None, last_followup_at=None, previous_owner_id=None, released_at=None,
                       converted_at=None, customer_id=None, deleted_at=None)
            lead_rows.append(row)
            age_h = (now - submitted).total_seconds() / 3600
            x = rand()
            if age_h < 1 or (age_h < 24 and x < 0.6):
                x = 1.0  # the newest leads are still in their pool
            if x < 0.10:
                state = "converted"
            elif x < 0.45:
                state = "assigned"
            else:
                state = "pooled"
            if state == "pooled":
                counts["pooled"] += 1
                if age_h > 72 and rand() < 0.06:
                    self._returned(row, pool, submitted, events)
                elif rand() < 0.002 and len(self.trash_ids) < 60:
                    self._trashed(row, pool, submitted, events)
                continue
            pool, owner = self._choose_owner(pool)
            row["pool_id"] = pool.id
            row["owner_id"] = owner
            if rand() < 0.03:
                row["created_by_id"] = owner  # typed in by the sales person
            if owner == self.os_id and len(self.os_owned) < 20 and state == "assigned":
                self.os_owned.append(lead_id)
            if state == "assigned":
                self.first_owned.setdefault(owner, lead_id)
                row["status"] = "assigned"
                counts["assigned"] += 1
                pool.held[owner] = pool.held.get(owner, 0) + 1
                self._assigned(row, pool, owner, submitted, english, followups, events)
                if rand() < 0.02 and len(pool.owners) > 1:
                    other = self.gen.ch(pool.owners)
                    if other != owner:
                        collaborators.append({"lead_id": lead_id, "user_id": other})
            else:
                counts["converted"] += 1
                self._converted(row, pool, owner, submitted, english, customers, contacts, deals, followups,
                                events)
        if customers:
            s.execute(insert(Customer.__table__), customers)
        s.execute(insert(Lead.__table__), lead_rows)
        if collaborators:
            s.execute(insert(LeadCollaborator.__table__), collaborators)
        if followups:
            s.execute(insert(FollowUp.__table__), followups)
        if contacts:
            s.execute(insert(Contact.__table__), contacts)
        if deals:
            s.execute(insert(Deal.__table__), deals)
        if events:
            s.execute(insert(AuditEvent.__table__), events)
        counts["customers"] += len(customers)
        counts["contacts"] += len(contacts)
        counts["deals"] += len(deals)
        counts["followups"] += len(followups)
        counts["audit_events"] += len(events)
        counts["collaborators"] += len(collaborators)

    def _event(self, at: datetime, actor: int | None, action: str, entity: str, entity_id: int,
               before: dict[str, object] | str, after: dict[str, object] | str, reason: str = "", batch: str = "",
               pool_id: int | None = None) -> dict[str, object]:
        """An audit row as audit.record writes it, but at the time it happened."""
        return {"at": at, "actor_id": actor, "action": action, "entity": entity, "entity_id": entity_id,
                "before": before if isinstance(before, str) else _json(before),
                "after": after if isinstance(after, str) else _json(after),
                "reason": reason, "batch_id": batch, "pool_id": pool_id}

    def _state(self, pool: _PoolInfo, owner: int | None, status: str) -> str:
        """The JSON of a lead's state, the form pool_actions._state writes (cached: a
        big demo writes it a million times, with a few dozen distinct values)."""
        key = (pool.id, owner, status)
        text = self._states.get(key)
        if text is None:
            text = self._states[key] = _json({
                "owner_id": owner, "owner": self.login_of.get(owner) if owner else None, "pool_id": pool.id,
                "pool": pool.name, "status": status})
        return text

    def _batch(self, *parts: object) -> str:
        text = self._batches.get(parts)
        if text is None:
            text = self._batches[parts] = _batch_id(self.seed, *parts)
        return text

    def _take_event(self, row: dict[str, object], pool: _PoolInfo, owner: int, at: datetime
                    ) -> dict[str, object]:
        """A claim by the owner, or an assignment by a pool admin. Today's are all
        assignments, so the demo does not use up anyone's daily claim limit."""
        if at < self.today and self.rng.random() < 0.55:
            actor, action = owner, "claim"
        else:
            actor, action = self.gen.ch(pool.admins), "assign"
        return self._event(at, actor, action, "lead", row["id"], self._state(pool, None, "pooled"),  # type: ignore[arg-type]
                           self._state(pool, owner, "assigned"),
                           batch=self._batch(action, actor, f"{at:%Y%m%d%H}"), pool_id=pool.id)

    def _returned(self, row: dict[str, object], pool: _PoolInfo, submitted: datetime,
                  events: list[dict[str, object]]) -> None:
        """A pooled lead that someone held before (for the cooldown and the history)."""
        rng = self.rng
        span = (self.now - submitted).total_seconds()
        taken = submitted + timedelta(seconds=int(span * rng.uniform(0.05, 0.4)))
        released = taken + timedelta(seconds=int((self.now - taken).total_seconds() * rng.uniform(0.1, 0.9)))
        owner = pool.owners[bisect.bisect_right(pool.owner_cum, rng.random() * pool.owner_cum[-1])]
        row.update(previous_owner_id=owner, released_at=released)
        events.append(self._take_event(row, pool, owner, taken))
        before = self._state(pool, owner, "assigned")
        if rng.random() < 0.7:
            dest = self.return_to[pool.id]
            row["pool_id"] = dest.id
            reason = self.gen.ch(_RETURN_REASONS_KEY if pool is self.key else _RETURN_REASONS)
            events.append(self._event(released, owner, "return", "lead", row["id"], before,  # type: ignore[arg-type]
                                      self._state(dest, None, "pooled"), reason=reason, pool_id=pool.id))
        else:
            actor = self.gen.ch(pool.admins)
            if owner == self.os_id:
                self.os_reclaimed.append(row["id"])  # type: ignore[arg-type]
            events.append(self._event(released, actor, "reclaim", "lead", row["id"], before,  # type: ignore[arg-type]
                                      self._state(pool, None, "pooled"), reason="长期未跟进",
                                      batch=self._batch("reclaim", actor, f"{released:%Y%m%d}"),
                                      pool_id=pool.id))
        self.counts["returned"] += 1

    def _trashed(self, row: dict[str, object], pool: _PoolInfo, submitted: datetime,
                 events: list[dict[str, object]]) -> None:
        age = (self.now - submitted).total_seconds()
        deleted = self.now - timedelta(seconds=int(min(age, 20 * 86400) * self.rng.random()))
        row["deleted_at"] = deleted
        actor = self.gen.ch(pool.admins)
        events.append(self._event(deleted, actor, "delete", "lead", row["id"], {"deleted_at": None},  # type: ignore[arg-type]
                                  {"deleted_at": deleted}, reason="测试数据", pool_id=pool.id))
        self.trash_ids.append(row["id"])  # type: ignore[arg-type]
        self.counts["trash"] += 1

    def _followups(self, lead_id: int, author: int, start: datetime, end: datetime, n: int, english: bool,
                   followups: list[dict[str, object]]) -> datetime | None:
        """n follow-ups between start and end; returns the last one's time."""
        if n <= 0 or end <= start:
            return None
        gen, rng = self.gen, self.rng
        span = (end - start).total_seconds()
        ats = sorted(start + timedelta(seconds=int(span * rng.random())) for _ in range(n))
        for at in ats:
            kind = gen.pick(_FOLLOWUP_KINDS, gen.fu_cum)
            text, outcome, duration = gen.followup_text(kind, english)  # type: ignore[arg-type]
            followups.append({"lead_id": lead_id, "customer_id": None, "author_id": author, "kind": kind,
                              "text": text, "duration_s": duration, "outcome": outcome, "created_at": at})
        return ats[-1]

    def _assigned(self, row: dict[str, object], pool: _PoolInfo, owner: int, submitted: datetime,
                  english: bool, followups: list[dict[str, object]], events: list[dict[str, object]]) -> None:
        rng, now = self.rng, self.now
        age = (now - submitted).total_seconds()
        pd, maxpd = pool.protect_days, pool.max_protect_days
        expired = pd is not None and age > (pd + 2) * 86400 and rng.random() < self.expire_rate
        if expired:
            # Its protection ran out: the auto-recycle rule has something to do.
            back = (pd + rng.uniform(0.1, 4)) * 86400  # type: ignore[operator]
            assigned_at = now - timedelta(seconds=int(min(back, age * 0.95)))
        else:
            # Most are taken within a few days of arriving; a lead that waited long in
            # its pool was taken recently (protection still running).
            delay = min(age * 0.9, rng.expovariate(1 / (2 * 86400)))
            assigned_at = submitted + timedelta(seconds=max(60, int(delay)))
            if pd is not None:
                window = pd * 86400 * 0.97
                if (now - assigned_at).total_seconds() > window:
                    assigned_at = now - timedelta(seconds=int(min(age * 0.95, window * rng.random())))
        row["assigned_at"] = assigned_at
        last = None
        if not expired and rng.random() < 0.55:
            last = self._followups(row["id"], owner, assigned_at, now, self.gen.ch((1, 1, 2, 2, 3, 4)),  # type: ignore[arg-type]
                                   english, followups)
        if last is not None:
            row["handled"] = True
            row["last_followup_at"] = last
        if pd is not None:
            until = assigned_at + timedelta(days=pd)
            if last is not None:  # a follow-up extends protection, up to max_protect_days
                extended = last + timedelta(days=pd)
                if maxpd:
                    extended = min(extended, assigned_at + timedelta(days=maxpd))
                until = max(until, extended)
            row["protect_until"] = until
        events.append(self._take_event(row, pool, owner, assigned_at))

    def _converted(self, row: dict[str, object], pool: _PoolInfo, owner: int, submitted: datetime, english: bool,
                   customers: list[dict[str, object]], contacts: list[dict[str, object]],
                   deals: list[dict[str, object]], followups: list[dict[str, object]],
                   events: list[dict[str, object]]) -> None:
        rng, now, gen = self.rng, self.now, self.gen
        age = (now - submitted).total_seconds()
        assigned_at = submitted + timedelta(seconds=max(60, int(min(age * 0.5, rng.expovariate(1 / (2 * 86400))))))
        converted_at = assigned_at + timedelta(seconds=int((now - assigned_at).total_seconds() * rng.uniform(0.05, 0.9)))
        lead_id: int = row["id"]  # type: ignore[assignment]
        last = None
        if rng.random() < 0.9:
            last = self._followups(lead_id, owner, assigned_at, converted_at, self.gen.ch((1, 2, 2, 3, 3, 4)),
                                   english, followups)
        if rng.random() < 0.25:  # and some after the conversion
            after = self._followups(lead_id, owner, converted_at, now, 1, english, followups)
            last = after or last
        customer_id = self.next_customer
        self.next_customer += 1
        company = str(row["company"])
        contact = str(row["contact"])
        kind = "enterprise" if company else "individual"
        name = company or contact or str(row["nickname"]) or str(row["mobile"]) or str(row["email"]) or str(
            row["order_no"])
        customers.append({
            "id": customer_id, "kind": kind, "name": name, "nickname": row["nickname"], "mobile": row["mobile"],
            "phone": row["phone"], "email": row["email"], "wechat": row["wechat"], "qq": row["qq"],
            "address": row["address"], "company": company, "website": row["website"],
            "external_id": f"ERP-{customer_id:07d}" if rng.random() < 0.1 else "",
            "mobile_norm": mobile_norm(str(row["mobile"])), "email_norm": email_norm(str(row["email"])),
            "status": "following", "owner_id": owner, "public_sea_id": self.sea_id,
            "locked": rng.random() < 0.05, "tags": row["tags"], "source": row["source"],
            "stage": gen.pick(gen.stage_names, gen.stage_cum), "created_at": converted_at,
            # Protection in the public sea's terms: a few ran out (the recycle rule
            # has customers to act on), the rest end within its 30 days.
            "assigned_at": converted_at, "last_followup_at": None,
            "protect_until": self.now + timedelta(seconds=int(rng.uniform(-1, 29) * 86400)),
            "previous_owner_id": None, "released_at": None, "deleted_at": None,
        })
        contact_id = deal_id = None
        if contact and rng.random() < 0.3:
            contact_id = self.next_contact
            self.next_contact += 1
            contacts.append({"id": contact_id, "customer_id": customer_id, "name": contact, "mobile": row["mobile"],
                             "email": row["email"], "job_title": row["job_title"], "created_at": converted_at})
        if rng.random() < 0.15:
            deal_id = self.next_deal
            self.next_deal += 1
            template = self.gen.ch(_DEAL_NAMES_EN if english else _DEAL_NAMES_ZH)
            deal_name = template.format(p=self.gen.ch(_PRODUCTS_EN if english else _PRODUCTS), y=converted_at.year)
            amount = Decimal(self.gen.ch((5, 8, 12, 20, 30, 50, 80, 120, 200, 500)) * 100 * self.gen.rr(10, 100))
            deals.append({"id": deal_id, "customer_id": customer_id, "name": deal_name, "amount": amount,
                          "stage": gen.pick(gen.stage_names, gen.stage_cum), "created_at": converted_at})
        row.update(status="converted", assigned_at=assigned_at, converted_at=converted_at, customer_id=customer_id)
        if pool.protect_days:
            row["protect_until"] = assigned_at + timedelta(days=pool.protect_days)
        if last is not None:
            row["handled"] = True
            row["last_followup_at"] = last
        events.append(self._take_event(row, pool, owner, assigned_at))
        events.append(self._event(converted_at, owner, "create", "customer", customer_id, {},
                                  {"from_lead": lead_id, "kind": kind, "name": name, "owner_id": owner}))
        events.append(self._event(converted_at, owner, "convert", "lead", lead_id,
                                  {"customer_id": None, "status": "assigned"},
                                  {"contact_id": contact_id, "customer_id": customer_id, "deal_id": deal_id,
                                   "linked_existing": False, "status": "converted"}))

    # -- the rest -------------------------------------------------------------------

    def make_sea_customers(self) -> None:
        """Customers nobody owns any more, in the public sea (the fifth screen)."""
        rng, gen, now = self.rng, self.gen, self.now
        n = max(5, min(2000, self.counts["converted"] // 10))
        sales = [self.user_ids[u.login] for u in _USERS if u.role == "sales" and u.login in self.user_ids]
        rows = []
        events = []
        for _ in range(n):
            source = gen.pick(gen.sources, gen.source_cum)
            fields, _city, _english = gen.lead_fields(source)  # type: ignore[arg-type]
            company = fields.get("company", "")
            created = now - timedelta(seconds=int(rng.uniform(40, DAYS) * 86400))
            released = created + timedelta(seconds=int((now - created).total_seconds() * rng.uniform(0.3, 0.95)))
            cid = self.next_customer
            self.next_customer += 1
            previous = self.gen.ch(sales) if sales else None
            rows.append({
                "id": cid, "kind": "enterprise" if company else "individual",
                "name": company or fields["contact"], "nickname": fields.get("nickname", ""),
                "mobile": fields.get("mobile", ""), "phone": fields.get("phone", ""), "email": fields.get("email", ""),
                "wechat": fields.get("wechat", ""), "qq": fields.get("qq", ""), "address": fields.get("address", ""),
                "company": company, "website": fields.get("website", ""), "external_id": "",
                "mobile_norm": mobile_norm(fields.get("mobile", "")), "email_norm": email_norm(fields.get("email", "")),
                "status": "public_sea", "owner_id": None, "public_sea_id": self.sea_id, "locked": False,
                "tags": fields.get("tags", ""), "source": source,
                "stage": self.gen.ch(("contacted", "qualified", "lost")), "created_at": created,
                "assigned_at": None, "last_followup_at": None, "protect_until": None,
                "previous_owner_id": previous, "released_at": released, "deleted_at": None,
            })
            events.append(self._event(released, None, "recycle", "customer", cid,
                                      {"owner_id": previous, "status": "following"},
                                      {"owner_id": None, "public_sea_id": self.sea_id, "status": "public_sea"},
                                      reason="超过保护期未跟进", pool_id=self.sea_id))
        self.session.execute(insert(Customer.__table__), rows)
        self.session.execute(insert(AuditEvent.__table__), events)
        self.counts["customers"] += n
        self.counts["sea_customers"] = n
        self.counts["audit_events"] += len(events)

    def make_notifications(self) -> None:
        """Unread ones for the operator (the status line shows the count), a few for
        the sales people; each about a lead it speaks of. The texts are the patterns
        of pool_actions.NOTICES, which the inbox translates."""
        rng, now = self.rng, self.now
        rows: list[dict[str, object]] = []

        def add(user: int, kind: str, lead: int, text: str, minutes: int, read: bool) -> None:
            at = now - timedelta(minutes=minutes)
            rows.append({"user_id": user, "at": at, "kind": kind, "entity": "lead", "entity_id": lead,
                         "text": text, "read_at": at + timedelta(minutes=5) if read else None})

        def said(actor: str, n: int) -> str:
            # The facts, as the store keeps them: the inbox words them in the reader's language.
            return json.dumps({"actor": actor, "n": n}, ensure_ascii=False)

        def name(login: str) -> str:
            return self.name_of[self.user_ids.get(login, self.os_id)]

        owned = self.os_owned
        if owned:
            add(self.os_id, "assigned", owned[0], said(name('zhou.min'), self.gen.rr(5, 20)),
                12, False)
            add(self.os_id, "assigned", owned[-1], said(name('sun.li'), 3), 95, False)
            add(self.os_id, "assigned", owned[len(owned) // 2], said(name('sun.li'), 8),
                60 * 50, True)
        if self.os_reclaimed:
            add(self.os_id, "reclaimed", self.os_reclaimed[-1], said(name('sun.li'), 1),
                60 * 5, False)
        heads = {EAST: "zhou.min", SOUTH: "david.lee", KEY: "liu.yang"}
        for u in _USERS:
            uid = self.user_ids.get(u.login)
            lead = self.first_owned.get(uid) if uid is not None else None
            if lead is None or u.role != "sales" or uid == self.os_id:
                continue
            head = name(heads[u.dept]) if u.dept and heads[u.dept] != u.login else name("sun.li")
            add(uid, "assigned", lead, said(head, self.gen.rr(2, 30)),  # type: ignore[arg-type]
                self.gen.rr(10, 3000), rng.random() < 0.5)
        if rows:
            self.session.execute(insert(Notification.__table__), rows)
        self.counts["notifications"] = len(rows)

    def write_counters(self, leads: int) -> None:
        rows = [{"name": f"order_no.{day}", "value": seq} for day, seq in sorted(self.day_seq.items())]
        rows.append({"name": DEMO_COUNTER, "value": leads})
        self.session.execute(insert(Counter.__table__), rows)

    def summary(self, leads: int) -> dict[str, int]:
        c = self.counts
        return {
            "users": len(self.user_ids), "departments": 3, "pools": len(self.pools), "seas": 1, "leads": leads,
            "pooled": c["pooled"], "assigned": c["assigned"], "converted": c["converted"],
            "customers": c["customers"], "sea_customers": c.get("sea_customers", 0), "contacts": c["contacts"],
            "deals": c["deals"], "followups": c["followups"], "collaborators": c["collaborators"],
            "returned": c["returned"], "trash": c["trash"], "audit_events": c["audit_events"],
            "notifications": c["notifications"], "days": len(self.day_seq),
        }


def _admins_of(session: Session, pool_id: int) -> list[int]:
    from leadtui.store.models import PoolAdmin

    return list(session.scalars(select(PoolAdmin.user_id).where(PoolAdmin.pool_id == pool_id)
                                .order_by(PoolAdmin.user_id)))
