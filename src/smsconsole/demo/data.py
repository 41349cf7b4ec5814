"""The demo's reference data: names, brands, cities, the templates customers apply for,
their profiles (how much of what they send, and when), the package catalog and the
sandbox's behaviour during the run. Data only: no code reads the database here.
"""

from __future__ import annotations

from dataclasses import dataclass

from smsconsole.store.models import SmsType

DEMO_ADMIN_EMAIL = "demo@example.com"
DEMO_ADMIN_PHONE = "13800138000"
DEMO_PASSWORD = "DemoSms2026"  # the demo admin's and every demo user's password (documented)
DEMO_COMPANY = "云汇通短信平台"
RETURN_URL = "http://127.0.0.1/portal/pay/return"
WORKER_ID = "demo-worker"

# Sandbox behaviour while the demo runs (restored afterwards). Reports arrive a few
# (virtual) seconds after the send; flush_reports makes them visible at once.
SANDBOX_RUN = {"report_delay": 4.0, "duplicate_rate": 0.01, "review_delay": 7200.0,
               "review_reject_share": 0.2, "reply_rate": 0.01, "unsubscribe_share": 0.55}

# Sends per active user-day (Profile rates × the user's scale) are multiplied by this.
# What a run costs here: ~18 ms per send task (the SDK call, the sandbox, three
# transactions), ~0.35 ms per message's report through MNS (the MNS SDK's minidom parse
# bounds that at ~3k reports/s) and ~6 ms per application or payment the admin handles.
# 0.16 gives the defaults (200 users, 90 days) ~30k messages in ~45 s here.
VOLUME = 0.16
CAMPAIGNS = 0.08  # promotion campaigns per promoting user and day (about one in 12 days)

# --- words ------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余"
            "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷")
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
         "涛", "明", "超", "霞", "平", "刚", "晓明", "志强", "建华", "海燕", "丽娟", "子涵",
         "浩然", "宇轩", "欣怡", "思远", "嘉怡", "俊杰", "雨桐", "文博", "佳琪", "国庆",
         "秀英", "春梅", "凯", "鹏", "婷", "晨", "昊", "蕾")
# Brand syllables with their pinyin (accounts and e-mail domains are made from them).
BRAND_A = (("云", "yun"), ("鼎", "ding"), ("优", "you"), ("星", "xing"), ("蓝", "lan"),
           ("极", "ji"), ("智", "zhi"), ("易", "yi"), ("恒", "heng"), ("华", "hua"),
           ("金", "jin"), ("瑞", "rui"), ("天", "tian"), ("博", "bo"), ("汇", "hui"),
           ("安", "an"), ("橙", "cheng"), ("青", "qing"), ("麦", "mai"), ("乐", "le"),
           ("美", "mei"), ("新", "xin"), ("聚", "ju"), ("悦", "yue"), ("嘉", "jia"),
           ("盛", "sheng"), ("卓", "zhuo"), ("万", "wan"), ("同", "tong"), ("知", "zhi"))
BRAND_B = (("帆", "fan"), ("信", "xin"), ("选", "xuan"), ("河", "he"), ("海", "hai"),
           ("光", "guang"), ("联", "lian"), ("达", "da"), ("通", "tong"), ("程", "cheng"),
           ("桥", "qiao"), ("丰", "feng"), ("澜", "lan"), ("远", "yuan"), ("邦", "bang"),
           ("途", "tu"), ("果", "guo"), ("禾", "he"), ("田", "tian"), ("享", "xiang"),
           ("创", "chuang"), ("阳", "yang"), ("品", "pin"), ("兴", "xing"), ("越", "yue"),
           ("航", "hang"), ("象", "xiang"), ("米", "mi"), ("格", "ge"), ("朗", "lang"))
CITIES = ("北京", "上海", "杭州", "深圳", "广州", "成都", "武汉", "南京", "天津", "苏州",
          "西安", "重庆", "厦门", "长沙", "郑州", "青岛", "合肥", "宁波")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                   "151", "152", "155", "156", "157", "158", "159", "166", "176", "177",
                   "180", "181", "182", "183", "185", "186", "187", "188", "189", "191",
                   "198", "199")

SIGN_ADMIN_REJECT = (
    "签名与企业名称不一致，请上传商标注册证或授权委托书后重新申请",
    "请补充加盖公章的营业执照复印件",
    "签名含有营销性质词汇，请修改后重新提交",
    "个人账号不支持申请企业签名，请先完成企业认证",
)
TEMPLATE_ADMIN_REJECT = (
    "通知类模板不得包含营销内容，请改为推广短信类型申请",
    "模板变量过多且含义不明，请减少变量并补充说明",
    "模板内容须与签名主体的业务相关",
    "请在备注中补充模板的具体使用场景",
)
SIGN_TAKEN_REASON = "该签名已被其他账号注册，请更换签名名称后重新申请"
FREEZE_REASONS = (
    "多次被用户投诉发送未经同意的营销短信，暂停发送待核实",
    "短信内容涉嫌违规（含高风险链接），已暂停发送",
    "企业资质已过期，请重新上传营业执照后恢复",
)
PRICE_REASONS = ("大客户协议价", "老客户续费优惠", "线下商务协商价", "活动补差价")
FIRST_FATES = ("pay", "close", "pay", "abandon", "negotiate", "pay")


@dataclass(frozen=True)
class Tpl:
    name: str
    sms_type: SmsType
    content: str
    flawed: bool = False  # the admin rejects most of these before they reach Aliyun


VERIFY_TPLS = (
    Tpl("注册验证码", SmsType.VERIFICATION, "您的注册验证码为${code}，5分钟内有效，请勿泄露于他人。"),
    Tpl("登录验证码", SmsType.VERIFICATION, "验证码${code}，您正在登录，若非本人操作，请勿泄露。"),
    Tpl("修改密码验证码", SmsType.VERIFICATION, "您正在修改登录密码，验证码为${code}，10分钟内有效。"),
    Tpl("支付确认验证码", SmsType.VERIFICATION, "您正在进行支付确认，验证码${code}，请勿向任何人提供。"),
)
NOTIFY_TPLS = {
    "shop": Tpl("订单发货通知", SmsType.NOTIFICATION,
                "您购买的商品已由${express}发出，运单号${no}，请留意查收。"),
    "logistics": Tpl("快件派送通知", SmsType.NOTIFICATION,
                     "您的快件${no}正在派送中，派送员${courier}，请保持电话畅通。"),
    "finance": Tpl("账单提醒", SmsType.NOTIFICATION,
                   "尊敬的客户，您${month}月账单已出，应还金额${amount}元，最后还款日${date}。"
                   "请按时还款以免影响个人信用记录，如已还款请忽略本短信。"),
    "edu": Tpl("开课提醒", SmsType.NOTIFICATION,
               "亲爱的同学，您报名的《${course}》将于${time}开课，请准时进入直播间。"),
    "health": Tpl("预约提醒", SmsType.NOTIFICATION,
                  "您预约的${service}将于${time}开始，请提前15分钟到达，如需改约请致电客服。"),
    "app": Tpl("系统维护通知", SmsType.NOTIFICATION,
               "尊敬的用户，系统将于${time}进行升级维护，预计持续${hours}小时，敬请谅解。"),
    "marketing": Tpl("活动开奖通知", SmsType.NOTIFICATION,
                     "您参与的${activity}已开奖，请于${date}前登录领取奖品。"),
}
PROMO_TPLS = (
    Tpl("会员日推广", SmsType.PROMOTION,
        "会员日全场低至5折，满199减50，活动仅限本周末，先到先得。拒收请回复R"),
    Tpl("大促预热", SmsType.PROMOTION,
        "年度大促提前购！全场满300减50，叠加店铺券更优惠，速来抢购。拒收请回复R"),
    Tpl("新品上市", SmsType.PROMOTION,
        "新品${product}限时首发，前100名下单赠好礼，详情请进入官方小程序。拒收请回复R"),
    Tpl("课程早鸟价", SmsType.PROMOTION,
        "新学期课程报名开启，早鸟价立减300元，名额有限先到先得。拒收请回复R"),
)
FLAWED_TPLS = (
    Tpl("订单通知", SmsType.NOTIFICATION, "您的订单已发货！全场5折限时抢购中，点击领取优惠券。",
        flawed=True),
    Tpl("通用通知", SmsType.NOTIFICATION, "${a}${b}${c}${d}${e}", flawed=True),
)
EXPRESS = ("顺丰速运", "中通快递", "圆通速递", "韵达快递", "京东物流", "申通快递")
COURSES = ("Python数据分析实战", "高中数学提分营", "雅思7分冲刺班", "少儿编程入门", "会计实务")
SERVICES = ("口腔检查", "洁牙", "体检", "理疗", "复诊")
PRODUCTS = ("智能手表S3", "冬季羽绒服", "有机茶礼盒", "降噪耳机Pro")


@dataclass(frozen=True)
class Profile:
    key: str
    weight: float
    industry: str
    sign_suffixes: tuple[str, ...]
    sign_source: int  # Aliyun SignSource: 0 company, 2 app, 5 online shop
    verification: float  # verification-code sends per active day (one number each)
    notification: float  # notification messages per active day
    promotion: float  # promotion messages per active day


PROFILES = (
    Profile("shop", 0.22, "电子商务有限公司", ("商城", "优选", "好物"), 5, 0.5, 13, 20),
    Profile("app", 0.15, "网络科技有限公司", ("科技", "APP"), 2, 1.6, 5, 0),
    Profile("logistics", 0.11, "供应链管理有限公司", ("物流", "快运"), 0, 0.2, 26, 0),
    Profile("finance", 0.07, "信息服务有限公司", ("金服", "财富"), 0, 0.6, 12, 0),
    Profile("edu", 0.12, "教育科技有限公司", ("教育", "课堂"), 0, 0.4, 7, 9),
    Profile("health", 0.08, "健康管理有限公司", ("健康", "口腔"), 0, 0.2, 6, 4),
    Profile("marketing", 0.10, "文化传媒有限公司", ("传媒", "生活"), 0, 0.0, 3, 34),
    Profile("idle", 0.15, "贸易有限公司", ("贸易", "实业"), 0, 0.0, 0, 0),
)

# Relative activity by local hour: people ask for codes all day and evening, businesses
# notify in office hours, promotions go out at lunch and early evening, never at night.
HOURS = {
    SmsType.VERIFICATION: (1, .5, .3, .2, .2, .3, .8, 2, 4, 6, 7, 7, 6, 6, 6.5, 6.5, 6, 6, 6,
                           7, 8, 8, 6, 3),
    SmsType.NOTIFICATION: (.2, .1, .1, .1, .1, .2, .5, 1.5, 4, 7, 8, 7, 5, 5, 6, 7, 7, 6, 5, 4,
                           3, 2, 1, .5),
    SmsType.PROMOTION: (0, 0, 0, 0, 0, 0, 0, 0, .5, 2, 6, 5, 3, 2, 2, 2, 2, 3, 6, 7, 4, 1, 0,
                        0),
}
BUSINESS_HOURS = (0, 0, 0, 0, 0, 0, 0, .3, 2, 5, 6, 5, 2, 3, 5, 5, 5, 4, 2, 1.5, 1.5, 1, .5,
                  .2)
# Monday..Sunday.
WEEKDAY = {
    SmsType.VERIFICATION: (1, 1, 1, 1, 1.05, 1.15, 1.15),
    SmsType.NOTIFICATION: (1.05, 1, 1, 1, 1, .55, .5),
    SmsType.PROMOTION: (.7, .7, .8, .8, 1.2, 1.6, 1.3),
}
SHOPPING_DAYS = ((11, 11), (12, 12), (6, 18))  # 双11, 双12, 618: promotions before, parcels after


@dataclass(frozen=True)
class PackageSpec:
    name: str
    sms_type: SmsType
    count: int
    unit_fen: int
    price_fen: int
    days: int
    recommended: bool = False


# Sized for small and medium customers (most of a reseller's accounts): a package lasts
# them weeks to months.
CATALOG = (
    PackageSpec("通用短信包·2千条", SmsType.GENERAL, 2_000, 5, 10_000, 365, True),
    PackageSpec("通用短信包·2万条", SmsType.GENERAL, 20_000, 4, 80_000, 365),
    PackageSpec("通知短信包·1千条", SmsType.NOTIFICATION, 1_000, 6, 6_000, 365),
    PackageSpec("通知短信包·1万条", SmsType.NOTIFICATION, 10_000, 5, 50_000, 365, True),
    PackageSpec("通知月包·5千条", SmsType.NOTIFICATION, 5_000, 5, 25_000, 30),
    PackageSpec("验证码短信包·500条", SmsType.VERIFICATION, 500, 6, 3_000, 365),
    PackageSpec("验证码短信包·5千条", SmsType.VERIFICATION, 5_000, 5, 25_000, 365, True),
    PackageSpec("推广短信包·5千条", SmsType.PROMOTION, 5_000, 6, 30_000, 180),
    PackageSpec("推广短信包·5万条", SmsType.PROMOTION, 50_000, 5, 250_000, 180, True),
)
OLD_PACKAGE = PackageSpec("体验包·100条（旧版）", SmsType.NOTIFICATION, 100, 8, 800, 90)
SALE_PACKAGE = PackageSpec("限时特惠推广包·2万条", SmsType.PROMOTION, 20_000, 4, 80_000, 60, True)
