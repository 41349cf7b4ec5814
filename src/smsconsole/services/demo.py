"""``smsconsole demo``: a believable platform history, made through the services and the
sandbox, so that every screen has something true to show.

Nothing is written behind the services' back: users register, apply for signatures
and templates, order and pay packages at the sandbox's Alipay cashier, and send
through ``SendService.send``; the admin submits, syncs, rejects, allocates, changes
prices, freezes…; delivery reports and replies come back through the real
``ReportWorker`` from the sandbox's MNS queues. To replay the past, the services' clock
and the sandbox's virtual clock are moved together, event by event, from ``days`` ago up
to now; after each simulated day the report queues are drained.

While it runs, the sandbox's virtual clock and behaviour (the day's failure rate, a
few failure spikes, reply and review settings, its seed) are the demo's; both are
restored at the end, so a console started afterwards sees the sandbox as usual. The
admin (set up if there is none) and every demo user have the password ``DemoSms2026``.

Determinism: the same seed on an empty database with a fresh sandbox gives the same
data (ids, counts, statuses, times), except what depends on the wall clock: which days
"the last ``days`` days" are and how far into today the history reaches. Running it
again adds new users (new accounts and phones) with their own history.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import json
import math
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from smsconsole.clock import FixedClock
from smsconsole.services.context import Actor
from smsconsole.services.errors import (
    AuthError,
    CloudFailure,
    Conflict,
    Invalid,
    NotFound,
    Refused,
)
from smsconsole.store.models import (
    Admin,
    Holding,
    HoldingStatus,
    OptOut,
    Order,
    OrderStatus,
    PackageProduct,
    Reply,
    ReviewStatus,
    SendRecord,
    SendTask,
    Signature,
    SignType,
    SmsType,
    Template,
    User,
)

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


# --- the result ---------------------------------------------------------------------------

@dataclass
class DemoSummary:
    users: int = 0
    tasks: int = 0
    messages: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    refused_sends: int = 0  # sends the service refused (no quota, frozen): nothing written
    orders: Counter = field(default_factory=Counter)  # by OrderStatus value, as they ended
    signatures: Counter = field(default_factory=Counter)  # by ReviewStatus value
    templates: Counter = field(default_factory=Counter)
    replies: int = 0
    opt_outs: int = 0
    admin_created: bool = False
    admin_login: str = ""
    admin_phone: str = ""
    admin_password: str = ""  # "" when unknown (an admin set up before the demo)
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0


# --- the simulation -------------------------------------------------------------------------

@dataclass
class _User:
    seq: int
    profile: Profile
    brand: str
    brand_py: str
    scale: float
    at: datetime  # registration time
    rng: random.Random
    id: int = 0
    account: str = ""
    buys: bool = True  # tops up by ordering; False: lets the balance run down
    signs: list[tuple[str, SignType]] = field(default_factory=list)  # approved
    templates: dict[SmsType, list[tuple[int, str]]] = field(default_factory=dict)  # approved
    audience: list[str] = field(default_factory=list)
    frozen: bool = False
    open_order: bool = False
    wants_trial: bool = False
    offline_buyer: bool = False
    sign_attempts: int = 0
    planned: date | None = None  # the day whose sends are planned
    assigned: bool = False  # gets an existing Aliyun signature/template from the admin

    def sign_for(self, sms_type: SmsType) -> str | None:
        for name, kind in self.signs:
            if kind == SignType.GENERAL or sms_type == SmsType.VERIFICATION:
                return name
        return None


@dataclass
class _App:
    kind: str  # "signature" | "template"
    id: int
    user: _User
    applied: datetime
    flawed: bool = False
    attempt: int = 1
    sms_type: SmsType | None = None
    submitted: datetime | None = None


class _Sim:
    def __init__(self, services, *, users: int, days: int, seed: int, end: datetime,
                 volume: float, progress: Callable[[int, int, DemoSummary], None] | None
                 ) -> None:
        self.svc = services
        self.volume = VOLUME * volume
        self.n_users = users
        self.n_days = days
        self.seed = seed
        self.end = end
        self.progress = progress
        self.rng = random.Random()  # seeded in plan(), once earlier runs are known
        self.summary = DemoSummary()
        self.clock: FixedClock = services.ctx.clock
        tz = self.clock.tz
        self.last_day = end.astimezone(tz).date()
        self.first_day = self.last_day - timedelta(days=days - 1)
        self.start = self.clock.day_start(self.first_day)
        self.eps = None
        self.control: _Control | None = None
        self.contents: dict[int, str] = {}  # template id -> content
        self.actor: Actor | None = None
        self.password_known = False
        self.users: list[_User] = []
        self.pending_apps: list[_App] = []
        self.in_review: list[_App] = []
        self.unpaid: dict[int, dict] = {}  # order id -> what happens to it
        self.packages: dict[str, int] = {}  # spec name -> product id
        self.package_specs: dict[str, PackageSpec] = {}
        self.trial_queue: list[_User] = []
        self.heap: list = []
        self._seq = 0
        self._cloud_at: datetime | None = None
        self._cloud_cfg: dict = {}
        self.logged_in_day: date | None = None
        self.worker = None
        self.spikes: dict[date, tuple[float, float, float]] = {}
        self.base_fail: dict[date, float] = {}
        self.taken_names: set[str] = set()
        self.brands: set[str] = set()
        self.existing_pair: tuple | None = None  # (SignInfo, TemplateInfo) to assign
        self.my_user_ids: list[int] = []
        # From existing(): what is in the database already.
        self.taken_accounts: set[str] = set()
        self.taken_phones: set[str] = set()
        self.package_names: set[str] = set()
        self.demo_seq = 0
        self.password_hash = ""  # every demo user's (DEMO_PASSWORD), hashed once
        self.synced_all = False

    # --- time -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def _set(self, at: datetime) -> None:
        self.clock.set(at)

    def _cloud_now(self) -> None:
        """Move the sandbox's virtual clock to the simulated now (send and report times,
        review deadlines, frequency limits and trade times follow it)."""
        at = self.now()
        if self._cloud_at != at:
            # Held: the sandbox's times (payments, reports) must not depend on how fast
            # this machine replays (same seed, same history).
            self.control.call("/clock", {"now": at.isoformat(), "hold": True})
            self._cloud_at = at

    def _configure(self, **cfg) -> None:
        changed = {k: v for k, v in cfg.items() if self._cloud_cfg.get(k) != v}
        if changed:
            self.control.call("/config", changed)
            self._cloud_cfg.update(changed)

    def at(self, day: date, hours: float) -> datetime:
        return self.clock.day_start(day) + timedelta(hours=hours)

    def push(self, at: datetime, fn: Callable, *args) -> None:
        if at >= self.end - timedelta(minutes=1):
            return  # the future: does not happen
        self._seq += 1
        heapq.heappush(self.heap, (at, self._seq, fn, args))

    @staticmethod
    def pick_hour(rng: random.Random, weights) -> float:
        hour = rng.choices(range(24), weights=weights)[0]
        return hour + rng.random()

    @staticmethod
    def poisson(rng: random.Random, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    # --- setup --------------------------------------------------------------------------

    def ensure_admin(self) -> None:
        from smsconsole.services.auth import AdminInput, AuthorizationInput, SetupInput
        from smsconsole.services.cloud_access import sandbox_endpoints, sandbox_payment_values
        from smsconsole.services.secrets import verify_password
        from smsconsole.services.settings import AccessInput, SiteInput

        svc = self.svc
        s = self.summary
        self._set(self.at(self.first_day, 8.5))
        if not svc.auth.is_set_up():
            admin = svc.auth.setup(SetupInput(
                authorization=AuthorizationInput(name="演示管理员", company=DEMO_COMPANY,
                                                 email=DEMO_ADMIN_EMAIL, phone=DEMO_ADMIN_PHONE),
                admin=AdminInput(password=DEMO_PASSWORD, password_confirm=DEMO_PASSWORD,
                                 login=DEMO_ADMIN_EMAIL),
                access=AccessInput(sandbox=True),
                site=SiteInput(company=DEMO_COMPANY, address="杭州市西湖区文三路 90 号",
                               email="service@example.com", phone="0571-8888-6666"),
            ))
            s.admin_created = True
            self.password_known = True
        else:
            with svc.store.read() as ses:
                admin = ses.scalar(select(Admin).order_by(Admin.id).limit(1))
            self.password_known = verify_password(admin.password_hash, DEMO_PASSWORD)
        s.admin_login, s.admin_phone = admin.email, admin.phone
        s.admin_password = DEMO_PASSWORD if self.password_known else ""
        self.actor = Actor(admin.id, admin.name, "local")
        view = svc.settings.access()
        if view is None or not view.sandbox:
            raise Refused("demo.error.not_sandbox")
        payment = svc.settings.payment()
        if payment is None:
            svc.settings.update_payment(self.actor, sandbox_payment_values(svc.ctx))
        elif not payment.sandbox:
            raise Refused("demo.error.not_sandbox")
        self.eps = sandbox_endpoints(svc.ctx)

    def existing(self) -> None:
        """What earlier runs (or other data) left: names and numbers not to reuse."""
        with self.svc.store.read() as s:
            self.taken_names.update(s.scalars(select(Signature.name)))
            self.taken_accounts = set(s.scalars(select(User.account)))
            self.taken_phones = set(s.scalars(select(User.phone)))
            self.demo_seq = len(self.taken_accounts)
            products = list(s.scalars(select(PackageProduct)))
        for sign in self.svc.cloud.sms().list_signs():
            self.taken_names.add(sign.name)
        self.package_names = {p.name for p in products}
        for p in products:
            if not p.retired and p.on_sale:
                self.packages.setdefault(p.name, p.id)
        specs = {p.name: p for p in (*CATALOG, OLD_PACKAGE, SALE_PACKAGE)}
        self.package_specs = {n: specs[n] for n in self.packages if n in specs}

    # --- the plan -------------------------------------------------------------------------

    def plan(self) -> None:
        # A second run on the same database gets its own sequence of events.
        self.rng = rng = random.Random(f"smsconsole-demo:{self.seed}:{self.demo_seq}")
        days = [self.first_day + timedelta(days=i) for i in range(self.n_days)]
        for d in days:
            self.base_fail[d] = round(rng.uniform(0.02, 0.06), 3)
        n_spikes = max(1, round(self.n_days / 30)) if self.n_days >= 5 else 0
        candidates = days[1:-2]
        for d in sorted(rng.sample(candidates, min(n_spikes, len(candidates)))):
            start = rng.uniform(9, 15)
            self.spikes[d] = (start, start + rng.uniform(2, 4), round(rng.uniform(0.3, 0.5), 2))
        # The catalog on the first morning (unless an earlier run made one).
        if not self.packages:
            self.push(self.at(self.first_day, 8.75), self.create_catalog)
        # Users register over the period, more of them as the platform grows.
        span = (self.end - timedelta(minutes=30) - self.start).total_seconds()
        first_week = min(7, self.n_days) * 86400
        for i in range(self.n_users):
            seq = self.demo_seq + i + 1
            urng = random.Random(f"smsconsole-demo:{self.seed}:{seq}")
            if i < max(2, int(self.n_users * 0.3)):  # the launch: customers moving over
                offset = urng.uniform(0.3, 1.0) * min(first_week, max(86400, span * 0.1))
            else:
                offset = (urng.random() ** 0.85) * span
            day0 = self.clock.day_of(self.start + timedelta(seconds=offset))
            at = max(self.at(day0, self.pick_hour(urng, BUSINESS_HOURS)),
                     self.start + timedelta(hours=9))
            if at >= self.end - timedelta(minutes=30):  # (a history ending early in a day)
                at = max(self.start, self.end - timedelta(minutes=urng.uniform(30, 90)))
            profile = urng.choices(PROFILES, weights=[p.weight for p in PROFILES])[0]
            scale = min(8.0, math.exp(urng.gauss(0, 0.9)))
            brand, brand_py = self.new_brand(urng)
            u = _User(seq, profile, brand, brand_py, scale, at, urng)
            u.buys = urng.random() > 0.18
            u.wants_trial = urng.random() < 0.4
            u.offline_buyer = scale > 3.0 and urng.random() < 0.5
            # A subsidiary using its group's signature: the admin assigns existing ones.
            u.assigned = profile.key != "idle" and (i == 1 or urng.random() < 0.03)
            self.users.append(u)
            self.push(at, self.register, u)
        # Things the admin does once in a while.
        later = days[max(1, len(days) // 3)] if len(days) > 2 else days[-1]
        self.push(self.at(later, 11.2), self.retire_old_package)
        if len(days) >= 20:
            self.push(self.at(days[len(days) // 2], 10.4), self.reprice_package)
            self.push(self.at(days[int(len(days) * 0.6)], 10.1), self.create_sale_package)
            self.push(self.at(days[int(len(days) * 0.8)], 17.2), self.end_sale_package)
        if len(days) >= 60:
            self.push(self.at(days[int(len(days) * 0.6)], 16.5), self.purge_orders)
        for frac, restore in ((0.35, True), (0.7, False), (0.93, False)):
            d = days[min(len(days) - 1, max(1, int(len(days) * frac)))]
            self.push(self.at(d, rng.uniform(10, 17)), self.freeze_someone, restore)
        self.push(self.at(days[max(0, len(days) - 3)], 14.3), self.mistaken_allocation)
        self.push(self.at(days[len(days) // 2], 15.6), self.raise_limits)
        # The last hours: applications submitted by a late session (in review when the
        # history ends) and fresh ones (pending).
        self.push(self.end - timedelta(minutes=rng.uniform(35, 50)), self.session, "late")
        for k, kind in enumerate(("signature", "template", "signature", "template")):
            minutes = rng.uniform(75, 100) if k < 2 else rng.uniform(5, 25)
            self.push(self.end - timedelta(minutes=minutes), self.late_application, kind, k)

    def new_brand(self, rng: random.Random) -> tuple[str, str]:
        for _ in range(200):
            a, b = rng.choice(BRAND_A), rng.choice(BRAND_B)
            brand, py = a[0] + b[0], a[1] + b[1]
            if brand not in self.brands:
                self.brands.add(brand)
                return brand, py
        a, b, c = rng.choice(BRAND_A), rng.choice(BRAND_B), rng.choice(BRAND_B)
        return a[0] + b[0] + c[0], a[1] + b[1] + c[1]

    def plan_day(self, day: date) -> None:
        """The day's admin sessions, cloud behaviour, and the sends of every user who
        can send (one who becomes able to during the day starts then: ``kick``)."""
        rng = self.rng
        wd = day.weekday()
        if wd < 5:
            self.push(self.at(day, rng.uniform(9.2, 10.2)), self.session, "morning")
            self.push(self.at(day, rng.uniform(14.5, 16.5)), self.session, "afternoon")
        elif rng.random() < (0.6 if wd == 5 else 0.35):
            self.push(self.at(day, rng.uniform(10, 17)), self.session, "weekend")
        self.push(self.at(day, 0), self.set_failure_rate, self.base_fail[day])
        if day in self.spikes:
            start, stop, rate = self.spikes[day]
            self.push(self.at(day, start), self.set_failure_rate, rate)
            self.push(self.at(day, stop), self.set_failure_rate, self.base_fail[day])
        remaining = self.remaining_now()
        for u in self.users:
            if not u.id or u.frozen:
                continue
            self.plan_user_day(u, day, remaining.get(u.id, {}))

    def festival(self, day: date, sms_type: SmsType) -> float:
        for month, dom in SHOPPING_DAYS:
            try:
                big = date(day.year, month, dom)
            except ValueError:
                continue
            delta = (day - big).days
            if sms_type == SmsType.PROMOTION and -10 <= delta <= 0:
                return 3.0 if delta == 0 else 1.8
            if sms_type == SmsType.NOTIFICATION and 1 <= delta <= 4:
                return 1.7
        return 1.0

    def rates(self, u: _User) -> dict[SmsType, float]:
        p, s = u.profile, u.scale * self.volume
        return {SmsType.VERIFICATION: p.verification * math.sqrt(u.scale) * self.volume * 0.6,
                SmsType.NOTIFICATION: p.notification * s,
                SmsType.PROMOTION: p.promotion * s}

    def plan_user_day(self, u: _User, day: date, remaining: dict,
                      after: datetime | None = None) -> None:
        """The user's sends of the day (from ``after`` on, for one who just became
        ready), and an order when the balance will not last."""
        rng = u.rng
        rates = self.rates(u)
        self.maybe_order(u, remaining, day, after)
        if u.planned == day:
            return
        general = remaining.get(SmsType.GENERAL.value, 0)

        def push(hours: float, fn, *args) -> None:
            at = self.at(day, hours)
            if after is None or at > after:
                self.push(at, fn, *args)

        for sms_type, rate in rates.items():
            if rate <= 0 or sms_type not in u.templates or not u.sign_for(sms_type):
                continue
            if remaining.get(sms_type.value, 0) + general <= 0:
                continue  # nothing to send with (the portal says so before they try)
            u.planned = day
            lam = rate * WEEKDAY[sms_type][day.weekday()] * self.festival(day, sms_type)
            if sms_type == SmsType.VERIFICATION:
                for _ in range(self.poisson(rng, lam)):
                    push(self.pick_hour(rng, HOURS[sms_type]), self.send_code, u)
            elif sms_type == SmsType.NOTIFICATION:
                # A batch or two a day for the big senders, one every week or so for the
                # small ones (the day's volume in expectation either way).
                per_day = min(1.0, max(0.05, lam / 500))
                for _ in range(self.poisson(rng, per_day)):
                    size = max(1, round(lam / per_day * rng.uniform(0.5, 1.5)))
                    push(self.pick_hour(rng, HOURS[sms_type]), self.send_batch, u, sms_type,
                         size)
            elif rng.random() < CAMPAIGNS * min(2.0, self.festival(day, sms_type)):
                # Campaigns: now and then, each to a big part of the audience.
                size = max(20, round(lam / CAMPAIGNS * rng.uniform(0.6, 1.4)))
                push(self.pick_hour(rng, HOURS[sms_type]), self.send_batch, u, sms_type, size)

    def maybe_order(self, u: _User, remaining: dict, day: date, after: datetime | None) -> None:
        """Order a package when the balance will not last three more days."""
        if not u.buys or u.open_order or not u.templates:
            return
        if sum(remaining.values()) >= 3 * sum(self.rates(u).values()) + 50:
            return
        at = self.at(day, self.pick_hour(u.rng, BUSINESS_HOURS))
        if after is not None and at <= after:
            at = after + timedelta(minutes=u.rng.uniform(10, 180))
        self.push(at, self.order, u)

    def kick(self, u: _User) -> None:
        """The user just got what was missing (an approval, quota): sending starts now,
        or buying does."""
        if u.id and not u.frozen and u.templates:
            rem = self.remaining_now([u.id]).get(u.id, {})
            self.plan_user_day(u, self.clock.today(), rem, after=self.now())

    def remaining_now(self, ids: list[int] | None = None) -> dict[int, dict[str, int]]:
        """Usable quota per demo user and type, from the holdings."""
        ids = self.my_user_ids if ids is None else ids
        if not ids:
            return {}
        now = self.now()
        out: dict[int, dict[str, int]] = {}
        with self.svc.store.read() as s:
            rows = s.execute(
                select(Holding.user_id, Holding.sms_type, func.sum(Holding.total - Holding.used))
                .where(Holding.user_id.in_(ids),
                       Holding.status == HoldingStatus.NORMAL, Holding.expires_at > now)
                .group_by(Holding.user_id, Holding.sms_type))
            for uid, sms_type, rem in rows:
                out.setdefault(uid, {})[SmsType(sms_type).value] = int(rem or 0)
        return out

    # --- running ----------------------------------------------------------------------------

    def run(self) -> None:
        self.plan()
        days = [self.first_day + timedelta(days=i) for i in range(self.n_days)]
        for i, day in enumerate(days):
            self._set(self.at(day, 0))
            self.plan_day(day)
            day_end = min(self.at(day + timedelta(days=1), 0), self.end)
            while self.heap and self.heap[0][0] < day_end:
                at, _, fn, args = heapq.heappop(self.heap)
                self._set(at)
                fn(*args)
            self._set(day_end - timedelta(seconds=1) if day_end < self.end else self.end)
            self.drain()
            if self.progress:
                self.progress(i + 1, len(days), self.summary)

    def drain(self) -> None:
        """Every report and reply the sandbox has scheduled, through the real worker."""
        from smsconsole.services.worker import ReportWorker

        if self.worker is None:
            self.worker = ReportWorker(self.svc, WORKER_ID, wait_seconds=0)
        self.control.call("/reports/flush", {})
        self.worker.run(once=True)  # until both queues are empty
        if self.worker.failed:
            raise CloudFailure("demo.error.worker", detail=self.worker.health.error)

    # --- users ------------------------------------------------------------------------------

    def register(self, u: _User) -> None:
        from smsconsole.services.users import Registration

        rng = u.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        company = f"{rng.choice(CITIES)}{u.brand}{u.profile.industry}"
        for attempt in range(50):
            n = u.seq + attempt * 7919
            account = f"{u.brand_py}{n:03d}"
            phone = self.phone_of(n)
            if account in self.taken_accounts or phone in self.taken_phones:
                continue
            try:
                user = self.svc.users.register(
                    Registration(account=account, name=name, phone=phone, company=company,
                                 email=f"{u.brand_py}{n}@{u.brand_py}.cn"),
                    password_hash=self.password_hash)
            except Conflict:
                self.taken_accounts.add(account)
                self.taken_phones.add(phone)
                continue
            break
        else:  # pragma: no cover - 50 collisions in a row
            return
        u.id, u.account = user.id, user.account
        self.taken_accounts.add(account)
        self.taken_phones.add(phone)
        self.my_user_ids.append(user.id)
        self.summary.users += 1
        size = self.audience_size(u)
        seen: set[str] = set()
        while len(seen) < size:
            seen.add(self.random_phone(rng))
        u.audience = sorted(seen)
        rng.shuffle(u.audience)
        if u.profile.key == "idle" and rng.random() < 0.5:
            return  # registered, looked around, never applied
        self.push(self.awake(u.at + timedelta(minutes=rng.uniform(5, 480)), rng),
                  self.apply_signature, u)
        for k, tpl in enumerate(self.templates_for(u)):
            delay = timedelta(minutes=rng.uniform(20, 720) + 60 * k)
            self.push(self.awake(u.at + delay, rng), self.apply_template, u, tpl, 1)
        if u.wants_trial:
            self.trial_queue.append(u)

    def awake(self, at: datetime, rng: random.Random) -> datetime:
        """People do their portal work in the day: a time in the small hours moves to
        the morning."""
        local = at.astimezone(self.clock.tz)
        if local.hour < 7:
            return self.at(local.date(), rng.uniform(7.5, 10.5))
        return at

    def audience_size(self, u: _User) -> int:
        rates = self.rates(u)
        promo = rates[SmsType.PROMOTION] / CAMPAIGNS
        notify = rates[SmsType.NOTIFICATION] * 25  # a batch goes to a part of them
        return int(min(30_000, max(40, promo * 1.2, notify)))

    @staticmethod
    def phone_of(n: int) -> str:
        """A user's own mobile number: distinct for distinct ``n``."""
        prefix = MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]
        body = (n // len(MOBILE_PREFIXES) * 48_271 + 12_345_678) % 100_000_000
        return f"{prefix}{body:08d}"

    @staticmethod
    def random_phone(rng: random.Random) -> str:
        return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"

    def templates_for(self, u: _User) -> list[Tpl]:
        rng, key = u.rng, u.profile.key
        out: list[Tpl] = []
        p = u.profile
        if p.verification > 0 or (key == "idle" and rng.random() < 0.5):
            out.append(rng.choice(VERIFY_TPLS))
        if p.notification > 0:
            out.append(NOTIFY_TPLS.get(key, NOTIFY_TPLS["app"]))
        if p.promotion > 0:
            out.append(rng.choice(PROMO_TPLS))
        if rng.random() < 0.08:
            out.insert(0, rng.choice(FLAWED_TPLS))
        if key == "app" and rng.random() < 0.25:
            out.append(rng.choice(VERIFY_TPLS))
        return out

    # --- applications (portal side) --------------------------------------------------------

    def sign_name(self, u: _User) -> str:
        rng = u.rng
        suffixes = list(u.profile.sign_suffixes) + ["官方", "在线", "服务"]
        for _ in range(30):
            name = u.brand + rng.choice(suffixes)
            if name not in self.taken_names:
                return name
        return u.brand + str(u.seq)[-4:]

    def apply_signature(self, u: _User) -> None:
        rng = u.rng
        u.sign_attempts += 1
        if u.sign_attempts == 1 and rng.random() < 0.04:
            name = rng.choice(sorted(n for n in self.taken_names if 2 <= len(n) <= 12)
                              or [self.sign_name(u)])  # someone else's: Aliyun refuses it
        else:
            name = self.sign_name(u)
        kind = SignType.VERIFICATION if (u.profile.key == "app" and u.sign_attempts == 1
                                         and rng.random() < 0.3) else SignType.GENERAL
        try:
            sig = self.svc.signatures.apply(u.id, name, kind, source=u.profile.sign_source,
                                            remark=f"用于{u.brand}的会员注册、订单与服务通知")
        except (Conflict, Refused, Invalid):
            return
        self.taken_names.add(name)
        self.pending_apps.append(_App("signature", sig.id, u, self.now(),
                                      flawed=rng.random() < 0.07, attempt=u.sign_attempts))
        if kind == SignType.VERIFICATION:  # a general one too, for notifications
            self.push(self.now() + timedelta(hours=rng.uniform(2, 30)), self.apply_signature, u)

    def apply_template(self, u: _User, tpl: Tpl, attempt: int) -> None:
        try:
            row = self.svc.templates.apply(u.id, tpl.name if attempt == 1 else
                                           f"{tpl.name}（修改）", tpl.sms_type, tpl.content,
                                           remark=f"{u.brand}{tpl.name}")
        except (Refused, Invalid, Conflict):
            return
        self.pending_apps.append(_App("template", row.id, u, self.now(), flawed=tpl.flawed,
                                      attempt=attempt, sms_type=tpl.sms_type))

    def reapply(self, app: _App) -> None:
        u = app.user
        if app.kind == "signature":
            if u.sign_attempts < 3:
                self.apply_signature(u)
            return
        if app.attempt >= 3:
            return
        if app.flawed:  # fixed: a proper template of the type the user needs
            fixed = NOTIFY_TPLS.get(u.profile.key, NOTIFY_TPLS["app"])
        else:
            fixed = {SmsType.VERIFICATION: VERIFY_TPLS[0], SmsType.PROMOTION: PROMO_TPLS[0]}.get(
                app.sms_type, NOTIFY_TPLS.get(u.profile.key, NOTIFY_TPLS["app"]))
        self.apply_template(u, fixed, app.attempt + 1)

    def late_application(self, kind: str, k: int) -> None:
        """Applications of the last hour or two, so that the lists show every status:
        these stay pending, or (submitted by the late session) in review."""
        live = [u for u in self.users if u.id and not u.frozen]
        for i in range(len(live)):
            u = live[(k * 7 + i + self.seed) % len(live)]
            try:
                if kind == "signature":
                    name = self.sign_name(u)
                    sig = self.svc.signatures.apply(u.id, name, SignType.GENERAL,
                                                    source=u.profile.sign_source,
                                                    remark=f"{u.brand}新业务线")
                    self.taken_names.add(name)
                    self.pending_apps.append(_App("signature", sig.id, u, self.now()))
                else:
                    tpl = PROMO_TPLS[2] if k % 2 else VERIFY_TPLS[1]
                    row = self.svc.templates.apply(u.id, tpl.name, tpl.sms_type, tpl.content,
                                                   remark=f"{u.brand}{tpl.name}")
                    self.pending_apps.append(_App("template", row.id, u, self.now(),
                                                  sms_type=tpl.sms_type))
                return
            except (Refused, Invalid, Conflict):
                continue

    # --- the admin ------------------------------------------------------------------------------

    def session(self, kind: str) -> None:
        """An admin at the console: submit or reject new applications, sync reviews,
        check payments, allocate trials."""
        rng = self.rng
        svc, actor = self.svc, self.actor
        today = self.clock.today()
        logged = None
        if self.password_known and kind != "late" and self.logged_in_day != today and \
                rng.random() < 0.4:
            # The console session of the day (when the demo knows the password).
            login = self.summary.admin_login
            try:
                if rng.random() < 0.03:  # a typo first
                    with contextlib.suppress(AuthError):
                        svc.auth.login(login, DEMO_PASSWORD.lower(), origin="local")
                logged = svc.auth.login(login, DEMO_PASSWORD, origin="local")
            except AuthError:
                logged = None
            self.logged_in_day = today
        self._cloud_now()
        # Reviews Aliyun has finished (it takes about two hours: sooner finds nothing).
        due = self.now() - timedelta(seconds=SANDBOX_RUN["review_delay"])
        done = [a for a in self.in_review if a.submitted <= due]
        if kind != "late" and (done or not self.synced_all):
            # The run's first sync is 全部同步 (also what earlier runs left in review); later
            # ones ask only for what Aliyun may have finished (the others would answer "in
            # review": the same result, for many more calls).
            for service in (svc.signatures, svc.templates):
                only = [a.id for a in done if a.kind == service.kind] if self.synced_all else None
                if only != []:
                    service.sync_all(actor, only=only)
            self.synced_all = True
            self.reviewed()
        # New applications: reject the obviously wrong ones, submit the rest.
        ready = [a for a in self.pending_apps if self.now() - a.applied > timedelta(minutes=15)]
        for app in ready:
            self.pending_apps.remove(app)
            service = svc.signatures if app.kind == "signature" else svc.templates
            if app.flawed and rng.random() < 0.85:
                reasons = SIGN_ADMIN_REJECT if app.kind == "signature" else TEMPLATE_ADMIN_REJECT
                try:
                    service.reject(actor, app.id, rng.choice(reasons))
                except (Conflict, NotFound):
                    continue
                self.push(self.awake(self.now() + timedelta(hours=rng.uniform(3, 40)), rng),
                          self.reapply, app)
                continue
            try:
                service.submit(actor, app.id)
            except CloudFailure:
                # Aliyun refused it (a signature name someone else holds).
                try:
                    service.reject(actor, app.id, SIGN_TAKEN_REASON if app.kind == "signature"
                                   else rng.choice(TEMPLATE_ADMIN_REJECT))
                except (Conflict, NotFound):
                    continue
                self.push(self.awake(self.now() + timedelta(hours=rng.uniform(3, 40)), rng),
                          self.reapply, app)
                continue
            except (Conflict, NotFound):
                continue
            app.submitted = self.now()
            self.in_review.append(app)
        if kind == "late":
            return
        self.payments()
        for u in list(self.trial_queue):
            if self.now() - u.at > timedelta(hours=1):
                self.trial_queue.remove(u)
                self.allocate_trial(u)
        for u in self.users:
            if u.assigned and u.id:
                u.assigned = False
                self.assign_existing(u)
            if u.offline_buyer and u.id and u.templates:
                u.offline_buyer = False  # once: a signed contract, paid offline
                self.allocate(u, SmsType.GENERAL, rng.choice((10_000, 20_000, 50_000)), 365)
                self.kick(u)
        if logged is not None and kind == "afternoon":
            svc.auth.logout(logged)

    def assign_existing(self, u: _User) -> None:
        """分配签名 / 分配模板: an approved signature and notification template that
        already exist in the Aliyun account (the sandbox's own)."""
        from smsconsole.cloud.types import APPROVED

        if self.existing_pair is None:  # the first ones listed: the account's oldest
            sms = self.svc.cloud.sms()
            sign = next((x for x in sms.list_signs() if x.status == APPROVED
                         and x.sign_type == SignType.GENERAL.value), None)
            tpl = next((x for x in sms.list_templates() if x.status == APPROVED
                        and x.template_type == SmsType.NOTIFICATION.value), None)
            self.existing_pair = (sign, tpl)
        sign, tpl = self.existing_pair
        if sign is None or tpl is None:
            return
        try:
            self.svc.signatures.assign(self.actor, u.id, sign.name, SignType.GENERAL)
            row = self.svc.templates.assign(self.actor, u.id, tpl.code)
        except (Conflict, Refused, NotFound, Invalid, CloudFailure):
            return
        u.signs.append((sign.name, SignType.GENERAL))
        u.templates.setdefault(SmsType.NOTIFICATION, []).append((row.id, row.code))
        if u.rng.random() < 0.5 or not u.buys:
            self.allocate(u, SmsType.NOTIFICATION, 10_000, 365)  # the group pays offline
        self.kick(u)

    def reviewed(self) -> None:
        """React to what the sync found: approved ones get used, rejected ones are fixed
        and applied for again."""
        ids = {"signature": [a.id for a in self.in_review if a.kind == "signature"],
               "template": [a.id for a in self.in_review if a.kind == "template"]}
        status: dict[tuple[str, int], tuple] = {}
        with self.svc.store.read() as s:
            if ids["signature"]:
                for r in s.execute(select(Signature.id, Signature.status, Signature.name,
                                          Signature.sign_type)
                                   .where(Signature.id.in_(ids["signature"]))):
                    status[("signature", r[0])] = (r[1], r[2], r[3])
            if ids["template"]:
                for r in s.execute(select(Template.id, Template.status, Template.code,
                                          Template.sms_type)
                                   .where(Template.id.in_(ids["template"]))):
                    status[("template", r[0])] = (r[1], r[2], r[3])
        still = []
        for app in self.in_review:
            st = status.get((app.kind, app.id))
            if st is None or st[0] == ReviewStatus.IN_REVIEW:
                still.append(app)
                continue
            u = app.user
            if st[0] == ReviewStatus.APPROVED:
                if app.kind == "signature":
                    u.signs.append((st[1], SignType(st[2])))
                    self.kick(u)
                elif not app.flawed:  # (a flawed one that got through is not used)
                    u.templates.setdefault(SmsType(st[2]), []).append((app.id, st[1]))
                    self.kick(u)
            elif u.rng.random() < 0.75:
                self.push(self.awake(self.now() + timedelta(hours=u.rng.uniform(2, 48)), u.rng),
                          self.reapply, app)
        self.in_review = still

    def allocate(self, u: _User, sms_type: SmsType, count: int, days: int):
        expires = self.clock.today() + timedelta(days=days)
        try:
            return self.svc.holdings.allocate(self.actor, u.id, count, expires, sms_type)
        except (Invalid, NotFound):
            return None

    def allocate_trial(self, u: _User) -> None:
        rng = u.rng
        rates = self.rates(u)
        main = max(rates, key=lambda k: (rates[k], k.value)) if any(rates.values()) else \
            SmsType.NOTIFICATION
        days = rng.choice((7, 14, 14, 30))
        if self.end - self.now() < timedelta(days=9):
            days = rng.choice((5, 6, 7))  # recent trials: these expire within the week
        self.allocate(u, main, rng.choice((100, 200, 300, 500)), days)
        self.kick(u)

    # --- packages and orders ----------------------------------------------------------------

    def create_catalog(self) -> None:
        for spec in (OLD_PACKAGE, *CATALOG):
            self._create_package(spec)

    def _create_package(self, spec: PackageSpec) -> None:
        from smsconsole.services.packages import PackageInput

        pkg = self.svc.packages.create(self.actor, PackageInput(
            name=spec.name, sms_type=spec.sms_type.value, message_count=spec.count,
            unit_price=spec.unit_fen, validity_days=spec.days, price=spec.price_fen,
            recommended=spec.recommended, on_sale=True))
        self.packages[spec.name] = pkg.id
        self.package_specs[spec.name] = spec

    def retire_old_package(self) -> None:
        pid = self.packages.get(OLD_PACKAGE.name)
        if pid is None:
            return
        if self.svc.packages.order_count(pid) == 0 and self.now() < self.end - timedelta(days=1):
            self.push(self.now() + timedelta(days=1), self.retire_old_package)
            return
        self.svc.packages.delete(self.actor, pid)
        del self.packages[OLD_PACKAGE.name]

    def reprice_package(self) -> None:
        from smsconsole.services.packages import PackageInput

        spec = CATALOG[3]
        pid = self.packages.get(spec.name)
        if pid is None:
            return
        new = PackageSpec(spec.name, spec.sms_type, spec.count, 5, 45_000, spec.days, True)
        self.svc.packages.update(self.actor, pid, PackageInput(
            name=new.name, sms_type=new.sms_type.value, message_count=new.count,
            unit_price=new.unit_fen, validity_days=new.days, price=new.price_fen,
            recommended=True, on_sale=True))
        self.package_specs[spec.name] = new

    def create_sale_package(self) -> None:
        if SALE_PACKAGE.name not in self.package_names:  # (once: not again on a rerun)
            self._create_package(SALE_PACKAGE)
            self.package_names.add(SALE_PACKAGE.name)

    def end_sale_package(self) -> None:
        from smsconsole.services.packages import PackageInput

        pid = self.packages.pop(SALE_PACKAGE.name, None)
        if pid is None:
            return
        s = SALE_PACKAGE
        self.svc.packages.update(self.actor, pid, PackageInput(
            name=s.name, sms_type=s.sms_type.value, message_count=s.count,
            unit_price=s.unit_fen, validity_days=s.days, price=s.price_fen,
            recommended=False, on_sale=False))

    def choose_package(self, u: _User) -> PackageSpec | None:
        rates = self.rates(u)
        main = max(rates, key=lambda t: rates[t] * (1 if t != SmsType.VERIFICATION else 1))
        daily = sum(rates.values()) + 1
        options = [s for s in self.package_specs.values() if s.name in self.packages
                   and s.sms_type in (main, SmsType.GENERAL)]
        if not options:
            return None
        # Early customers try the small old package while it is on sale.
        if OLD_PACKAGE.name in self.packages and u.rng.random() < 0.5:
            return self.package_specs[OLD_PACKAGE.name]
        want = daily * u.rng.uniform(12, 40)
        fitting = sorted((s for s in options if s.count >= want), key=lambda s: s.price_fen)
        if fitting and u.rng.random() < 0.8:
            return fitting[0]
        return u.rng.choice(sorted(options, key=lambda s: s.name))

    def order(self, u: _User) -> None:
        """The user buys a package on the portal; what happens next is decided now."""
        if u.open_order or u.frozen:
            return
        spec = self.choose_package(u)
        if spec is None:
            return
        rng = u.rng
        try:
            order = self.svc.orders.create(u.id, self.packages[spec.name])
        except (NotFound, Conflict):
            return
        u.open_order = True
        roll = rng.random()
        n = self.summary.orders["created"]
        if n < len(FIRST_FATES):  # even a short history shows every kind of order
            fate = FIRST_FATES[n]
        elif roll < 0.08 and spec.price_fen >= 20_000:
            fate = "negotiate"
        elif roll < 0.78:
            fate = "pay"
        elif roll < 0.80:
            fate = "close"
        else:
            fate = "abandon"
        plan = {"user": u, "fate": fate, "created": self.now(), "paid": False, "checks": 0,
                "keep": n < len(FIRST_FATES)}  # (the first ones are never voided)
        self.unpaid[order.id] = plan
        self.summary.orders["created"] += 1
        if fate == "pay":
            self.push(self.now() + timedelta(minutes=rng.uniform(1, 25)), self.pay, order.id)
        elif fate == "close":
            self.push(self.now() + timedelta(minutes=rng.uniform(2, 60)), self.close, order.id)
        elif fate == "negotiate":
            self.push(self.now() + timedelta(hours=rng.uniform(1, 6)), self.negotiate, order.id)
        else:
            u.open_order = False  # gave up; orders again when the need is there

    def pay(self, order_id: int) -> None:
        from smsconsole.cloud.sandbox import client as sbc

        plan = self.unpaid.get(order_id)
        if plan is None:
            return
        self._cloud_now()
        try:
            url = self.svc.orders.pay_url(order_id, RETURN_URL)
        except Conflict:
            return
        sbc.pay(self.eps, url)
        plan["paid"] = True
        order = self.svc.orders.get(order_id)
        if _notified(self.eps, self.svc, order):
            self.settled(order_id)
        # Otherwise (no gateway to notify) the admin finds it paid with a trade query.

    def close(self, order_id: int) -> None:
        from smsconsole.cloud.sandbox import client as sbc

        self._cloud_now()
        try:
            url = self.svc.orders.pay_url(order_id, RETURN_URL)
        except Conflict:
            return
        sbc.close_trade(self.eps, page_pay_url=url)
        plan = self.unpaid.get(order_id)
        if plan:
            plan["user"].open_order = False

    def negotiate(self, order_id: int) -> None:
        plan = self.unpaid.get(order_id)
        if plan is None:
            return
        rng = plan["user"].rng
        order = self.svc.orders.get(order_id)
        new = max(100, round(order.amount_fen * rng.choice((0.85, 0.9, 0.92, 0.95)) / 100) * 100)
        try:
            self.svc.orders.change_price(self.actor, order_id, new, rng.choice(PRICE_REASONS))
        except (Conflict, Invalid):
            return
        if rng.random() < 0.7:
            self.push(self.now() + timedelta(hours=rng.uniform(0.5, 20)), self.pay, order_id)
        else:
            plan["user"].open_order = False

    def settled(self, order_id: int) -> None:
        plan = self.unpaid.pop(order_id, None)
        if plan:
            plan["user"].open_order = False
            self.kick(plan["user"])

    def payments(self) -> None:
        """Check payment of orders waiting (trade query); void stale ones."""
        rng = self.rng
        for order_id, plan in sorted(self.unpaid.items()):
            age = self.now() - plan["created"]
            if plan["paid"] or (plan["fate"] == "close" and age > timedelta(hours=2)) or (
                    plan["checks"] == 0 and age > timedelta(hours=3) and rng.random() < 0.3):
                plan["checks"] += 1
                try:
                    check = self.svc.orders.check_payment(self.actor, order_id)
                except (Conflict, CloudFailure, NotFound):
                    self.unpaid.pop(order_id, None)
                    continue
                if check.outcome in ("paid_now", "already_paid"):
                    self.settled(order_id)
                    continue
                if check.outcome == "closed":
                    self.svc.orders.void(self.actor, order_id)
                    self.settled(order_id)
                    continue
            if not plan["paid"] and not plan["keep"] and plan["fate"] in ("abandon", "negotiate") \
                    and age > timedelta(days=3):
                # Tidying up: some stale orders are voided, most are left to the purge.
                plan["keep"] = True
                if rng.random() > 0.3:
                    continue
                try:
                    self.svc.orders.void(self.actor, order_id)
                except Conflict:
                    pass
                self.settled(order_id)

    def purge_orders(self) -> None:
        if self.svc.orders.purge_count():
            self.svc.orders.purge(self.actor)

    # --- other admin chores -----------------------------------------------------------------

    def senders(self) -> list[_User]:
        return [u for u in self.users if u.id and u.templates and not u.frozen]

    def freeze_someone(self, restore: bool) -> None:
        live = self.senders()
        if not live:
            return
        rng = self.rng
        u = rng.choice(live)
        self.svc.users.freeze(self.actor, u.id, rng.choice(FREEZE_REASONS))
        u.frozen = True
        if restore:
            self.push(self.now() + timedelta(days=rng.uniform(2, 6)), self.restore, u)
        else:
            # The complaint was serious: the biggest package is frozen too.
            holdings = [h for h in self.svc.holdings.for_user(u.id)
                        if h.status == HoldingStatus.NORMAL and h.remaining > 0]
            if holdings:
                big = max(holdings, key=lambda h: (h.remaining, h.id))
                self.svc.holdings.set_status(self.actor, big.id, HoldingStatus.FROZEN)

    def restore(self, u: _User) -> None:
        try:
            self.svc.users.restore(self.actor, u.id)
        except Conflict:
            return
        u.frozen = False

    def mistaken_allocation(self) -> None:
        """Allocated the wrong type: invalidated, the right one allocated."""
        live = self.senders()
        if not live:
            return
        u = self.rng.choice(live)
        wrong = self.allocate(u, SmsType.PROMOTION, 5000, 90)
        if wrong is not None:
            self.svc.holdings.set_status(self.actor, wrong.id, HoldingStatus.INVALID)
            self.allocate(u, SmsType.NOTIFICATION, 5000, 90)

    def raise_limits(self) -> None:
        from smsconsole.services.users import UserUpdate

        big = sorted((u for u in self.users if u.id), key=lambda u: -u.scale)[:3]
        for u in big:
            self.svc.users.update(self.actor, u.id, UserUpdate(max_signatures=8,
                                                                max_templates=20))

    def set_failure_rate(self, rate: float) -> None:
        self._configure(failure_rate=rate)

    # --- sending ----------------------------------------------------------------------------

    def params(self, u: _User, content: str) -> dict[str, str]:
        from smsconsole.services.sending import VARIABLE

        rng = u.rng
        local = self.now().astimezone(self.clock.tz)
        values = {
            "code": f"{rng.randrange(1_000_000):06d}",
            "express": rng.choice(EXPRESS),
            "no": f"SF{rng.randrange(10**12):012d}",
            "courier": rng.choice(SURNAMES) + "师傅",
            "month": str(local.month),
            "amount": f"{rng.uniform(200, 9000):.2f}",
            "date": (local + timedelta(days=rng.randint(5, 20))).strftime("%m月%d日"),
            "course": rng.choice(COURSES),
            "time": (local + timedelta(days=1)).strftime("%m月%d日") + f"{rng.randint(9, 20)}:00",
            "service": rng.choice(SERVICES),
            "hours": str(rng.randint(1, 4)),
            "activity": "周年庆抽奖活动",
            "product": rng.choice(PRODUCTS),
        }
        return {name: values.get(name, "1") for name in VARIABLE.findall(content)}

    def _send(self, u: _User, sms_type: SmsType, phones: list[str]) -> bool:
        from smsconsole.services.sending import SendRequest

        if u.frozen or not u.templates.get(sms_type):
            return False
        sign = u.sign_for(sms_type)
        if sign is None:
            return False
        tpl_id, _code = u.rng.choice(u.templates[sms_type])
        content = self.contents.get(tpl_id)
        if content is None:
            with self.svc.store.read() as s:
                content = self.contents[tpl_id] = s.get(Template, tpl_id).content
        self._cloud_now()
        try:
            out = self.svc.sending.send(SendRequest(u.id, tpl_id, sign, phones,
                                                    self.params(u, content)))
        except (Refused, Invalid, NotFound):
            self.summary.refused_sends += 1
            if u.buys and not u.open_order:
                self.push(self.now() + timedelta(minutes=u.rng.uniform(10, 240)), self.order, u)
            return False
        self.summary.tasks += 1
        self.summary.messages += out.accepted
        return True

    def send_code(self, u: _User) -> None:
        phone = self.random_phone(u.rng)
        if self._send(u, SmsType.VERIFICATION, [phone]):
            roll = u.rng.random()
            if roll < 0.03:  # tapped "get code" twice: Aliyun's per-minute limit refuses it
                self.push(self.now() + timedelta(seconds=u.rng.uniform(15, 50)),
                          self.resend_code, u, phone)
            elif roll < 0.06:  # waited, asked again
                self.push(self.now() + timedelta(minutes=u.rng.uniform(2, 5)),
                          self.resend_code, u, phone)

    def resend_code(self, u: _User, phone: str) -> None:
        self._send(u, SmsType.VERIFICATION, [phone])

    def send_batch(self, u: _User, sms_type: SmsType, size: int) -> None:
        if not u.audience:
            return
        size = min(size, len(u.audience))
        if sms_type == SmsType.PROMOTION:
            start = u.rng.randrange(len(u.audience))
            phones = (u.audience[start:] + u.audience[:start])[:size]
        else:
            phones = u.rng.sample(u.audience, size)
        # A few typos and repeats, as pasted lists have.
        if size > 30 and u.rng.random() < 0.2:
            phones = phones + phones[:2] + ["1380013800", "138-0013-8abc"]
        self._send(u, sms_type, phones)

    # --- the end -------------------------------------------------------------------------

    def finish(self) -> None:
        """The summary, counted from the database (this run's users only)."""
        s = self.summary
        ids = self.my_user_ids
        if not ids:
            return
        with self.svc.store.read() as ses:
            for status, n in ses.execute(select(SendRecord.status, func.count())
                                         .where(SendRecord.user_id.in_(ids))
                                         .group_by(SendRecord.status)):
                setattr(s, str(getattr(status, "value", status)), int(n))
            s.orders = Counter({str(getattr(st, "value", st)): int(n) for st, n in ses.execute(
                select(Order.status, func.count()).where(Order.user_id.in_(ids))
                .group_by(Order.status))})
            for model, bucket in ((Signature, s.signatures), (Template, s.templates)):
                for st, n in ses.execute(select(model.status, func.count())
                                         .where(model.user_id.in_(ids)).group_by(model.status)):
                    bucket[str(getattr(st, "value", st))] = int(n)
            s.replies = ses.scalar(select(func.count()).select_from(Reply)
                                   .where(Reply.user_id.in_(ids))) or 0
            s.opt_outs = ses.scalar(select(func.count()).select_from(OptOut)
                                    .where(OptOut.user_id.in_(ids))) or 0
            s.tasks = ses.scalar(select(func.count()).select_from(SendTask)
                                 .where(SendTask.user_id.in_(ids))) or 0


def generate(services, *, users: int = 200, days: int = 90, seed: int = 1,
             end: datetime | None = None, volume: float = 1.0,
             progress: Callable[[int, int, DemoSummary], None] | None = None,
             announce: Callable[[DemoSummary], None] | None = None) -> DemoSummary:
    """Build ``days`` days of history ending at ``end`` (default: the services' clock
    now) with ``users`` new users. The services must be (or become) in sandbox mode.
    ``volume`` multiplies how much the users send (tests use more on short runs).
    ``announce(summary)`` is called once the admin is known (to print the login)."""
    from smsconsole.services.secrets import hash_password

    if users < 1 or days < 1:
        raise Invalid("demo.error.args", "users")
    t0 = time.perf_counter()
    original = services.ctx.clock
    end = (end or original.now()).astimezone(UTC).replace(microsecond=0)
    services.ctx.clock = FixedClock(end, tz=original.tz)
    sim = _Sim(services, users=users, days=days, seed=seed, end=end, volume=volume,
               progress=progress)
    saved_cfg: dict | None = None
    try:
        sim.ensure_admin()
        if announce:
            announce(sim.summary)
        sim.control = _Control(sim.eps)
        saved_cfg = {k: v for k, v in sim.control.call("/config").items()
                     if k in ("failure_rate", "duplicate_rate", "reply_rate", "seed",
                              "unsubscribe_share", "report_delay", "review_delay",
                              "review_reject_share")}
        # Outcomes follow the demo's seed (and the sandbox's own sequence numbers).
        sim._configure(seed=1_000 + seed, **SANDBOX_RUN)
        sim.password_hash = hash_password(DEMO_PASSWORD)
        sim.existing()
        with _notify_gateway(services):
            sim.run()
            _trip_risk_rules(sim, seed)
            sim.finish()
    finally:
        if sim.control is not None:
            try:
                sim.control.call("/clock", {"reset": True})
                if saved_cfg:
                    sim.control.call("/config", saved_cfg)
            except CloudFailure:  # the sandbox is gone: nothing to restore
                pass
            sim.control.close()
        services.ctx.clock = original
    s = sim.summary
    s.first_day, s.last_day = sim.first_day, sim.last_day
    s.seconds = time.perf_counter() - t0
    return s


@contextmanager
def _notify_gateway(services):
    """Serve the gateway (``/alipay/notify``) on a loopback port for the demo's duration
    and point the orders' notify address at it, so that the sandbox's Alipay notifies
    the payments the demo's buyers make (the real path, issue 16)."""
    import socket

    import uvicorn

    from smsconsole.gateway.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(services), log_level="warning",
                                           lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    cloud = services.ctx.cloud
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise CloudFailure("demo.error.gateway")
            time.sleep(0.02)
        cloud.notify_override = f"http://127.0.0.1:{port}/alipay/notify"
        yield
    finally:
        cloud.notify_override = ""
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _notified(eps, svc, order: Order) -> bool:
    """Have the sandbox POST the order's signed notification now (its notify loop may
    race it: the gateway answers a repeat alike) and say whether the order is paid. The
    demo's clocks are held meanwhile, so the payment's times are the same on every run."""
    from smsconsole.cloud.sandbox import client as sbc

    if not svc.ctx.cloud.notify_override:
        return False
    sbc.send_notify(eps, order.order_no)
    return svc.orders.get(order.id).status == OrderStatus.PAID


def _trip_risk_rules(sim: _Sim, seed: int) -> None:
    """Risk control (风控) with real hits for the screens: the rules switched on, a
    verification-code loop on one number, a promotion sent at night (held until 08:00),
    a blocked word in a variable and a spike held for review. Deterministic per seed."""
    from smsconsole.services.sending import SendRequest

    svc, actor, rng = sim.svc, sim.actor, random.Random(7_000 + seed)
    svc.risk.save_settings(actor, {"quiet_mode": "hold", "volume_hold": True,
                                   "volume_multiple": 10, "volume_floor": 50})
    svc.risk.import_words(actor, ["代开发票", "加微信", "刷单返利", "贷款秒批"])
    svc.risk.import_numbers(actor, ["13800138000,投诉号码", "13911112222,运营商通报"])
    live = [u for u in sim.users if u.id and not u.frozen]

    def send(u: _User, sms_type: SmsType, phones: list[str], **override: str) -> None:
        sign = u.sign_for(sms_type)
        if sign is None or not u.templates.get(sms_type):
            return
        tpl_id = u.templates[sms_type][0][0]
        with svc.store.read() as s:
            content = s.get(Template, tpl_id).content
        params = dict(sim.params(u, content), **override)
        if not params and override:
            return  # no variable to carry the word
        sim._cloud_now()
        try:
            out = svc.sending.send(SendRequest(u.id, tpl_id, sign, phones, params))
            sim.summary.tasks += 1
            sim.summary.messages += out.accepted
        except (Refused, Invalid, NotFound):
            sim.summary.refused_sends += 1

    end = sim.now()
    coders = [u for u in live if u.templates.get(SmsType.VERIFICATION)]
    if coders:  # a login page stuck in a loop: one number, every few seconds
        u, phone = coders[0], sim.random_phone(rng)
        sim.allocate(u, SmsType.VERIFICATION, 20, 30)
        for i in range(8):
            sim._set(end - timedelta(minutes=20) + timedelta(seconds=20 * i))
            send(u, SmsType.VERIFICATION, [phone])
    promoters = [u for u in live if u.templates.get(SmsType.PROMOTION) and u.audience]
    if promoters:  # last night at 23:10: held until the quiet hours end
        u = promoters[0]
        night = sim.at(sim.clock.day_of(end) - timedelta(days=1), 23 + 10 / 60)
        sim._set(night)
        sim.allocate(u, SmsType.PROMOTION, 200, 30)
        send(u, SmsType.PROMOTION, u.audience[:20])
    notifiers = [u for u in live if u.templates.get(SmsType.NOTIFICATION)]
    sim._set(end - timedelta(minutes=10))
    for u, word in zip(notifiers[:2], ("加 微 信 领红包", "代开发票"), strict=False):
        phones = u.audience[:3] or [sim.random_phone(rng)]
        with svc.store.read() as s:
            names = _variables(s.get(Template, u.templates[SmsType.NOTIFICATION][0][0]))
        if names:
            send(u, SmsType.NOTIFICATION, phones, **{names[0]: word})
    if notifiers:  # a spike: more than ten times the usual day
        u = notifiers[-1]
        usual = sum(n for _, n in svc.risk.customer_days(u.id, 30)) / 30
        size = max(60, int(usual * 10) + 10)
        phones = (u.audience + [sim.random_phone(rng) for _ in range(size)])[:size]
        sim.allocate(u, SmsType.NOTIFICATION, size, 30)
        sim._set(end - timedelta(minutes=5))
        send(u, SmsType.NOTIFICATION, phones)
    sim._set(end)
    svc.risk.release_due()  # last night's promotion: the quiet hours are over
    sim.drain()


def _variables(tpl) -> list[str]:
    from smsconsole.services.sending import VARIABLE

    return VARIABLE.findall(tpl.content) if tpl is not None else []


class _Control:
    """The sandbox's ``/_sandbox/`` endpoints (see ``cloud.sandbox.client``) over one
    kept-alive connection: the demo moves the virtual clock thousands of times, and a
    new connection per call would cost four times as much."""

    def __init__(self, endpoints) -> None:
        from urllib.parse import urlsplit

        url = urlsplit(endpoints.sms)
        self._new = lambda: http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self._conn = self._new()

    def call(self, path: str, payload: dict | None = None) -> dict:
        body = None if payload is None else json.dumps(payload)
        for attempt in (1, 2):
            try:
                self._conn.request("GET" if body is None else "POST", "/_sandbox" + path, body,
                                   {"Content-Type": "application/json"})
                resp = self._conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                self._conn.close()
                self._conn = self._new()  # the sandbox closed an idle connection: again
                if attempt == 2:
                    raise CloudFailure("demo.error.sandbox", exc,
                                       detail=f"{path}: {exc}"[:200]) from None
                continue
            if resp.status != 200:
                raise CloudFailure("demo.error.sandbox",
                                   detail=f"{path}: HTTP {resp.status} {data[:200]!r}")
            return json.loads(data or b"{}")
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._conn.close()


# --- the command ------------------------------------------------------------------------------

def run_cli(cfg, *, users: int = 200, days: int = 90, seed: int = 1) -> int:
    from smsconsole.i18n import t
    from smsconsole.services import build

    if not (1 <= users <= 100_000 and 1 <= days <= 3650):
        print(f"smsconsole: {t('demo.error.args')}", file=sys.stderr)
        return 2
    services = build(cfg.db_url, cfg.data_dir)
    bar = _Progress() if sys.stderr.isatty() else None
    try:
        def announce(s: DemoSummary) -> None:
            print(login_line(s), flush=True)  # (above the bar: rich redirects stdout)

        summary = generate(services, users=users, days=days, seed=seed, announce=announce,
                           progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
        services.close()
    for line in summary_lines(summary, start_command(cfg)):
        print(line, flush=True)
    return 0


def start_command(cfg) -> str:
    """The command that opens the console on what the demo just filled (its data dir and
    database when they are not the defaults)."""
    import shlex
    from pathlib import Path

    from smsconsole.config import default_data_dir, sqlite_url

    parts = ["smsconsole"]
    if Path(cfg.data_dir).expanduser().resolve() != default_data_dir().expanduser().resolve():
        parts += ["--data-dir", shlex.quote(str(cfg.data_dir))]
    if cfg.db_url != sqlite_url(Path(cfg.data_dir).expanduser() / "smsconsole.db"):
        parts += ["--db", shlex.quote(cfg.db_url)]
    return " ".join(parts)


def login_line(s: DemoSummary) -> str:
    from smsconsole.i18n import t

    if s.admin_password:
        return t("demo.login", email=s.admin_login, phone=s.admin_phone,
                 password=s.admin_password)
    return t("demo.login_existing", email=s.admin_login, phone=s.admin_phone)


def summary_lines(s: DemoSummary, command: str = "smsconsole") -> list[str]:
    from smsconsole.i18n import t

    lines = []
    orders = s.orders
    lines.append(t("demo.summary", users=f"{s.users:,}", tasks=f"{s.tasks:,}",
                   messages=f"{s.messages:,}", delivered=f"{s.delivered:,}",
                   failed=f"{s.failed:,}", pending=f"{s.pending:,}",
                   first=s.first_day, last=s.last_day))
    lines.append(t("demo.summary_orders", orders=f"{sum(orders.values()):,}",
                   paid=orders.get("paid", 0), unpaid=orders.get("unpaid", 0),
                   void=orders.get("void", 0), replies=f"{s.replies:,}",
                   opt_outs=f"{s.opt_outs:,}"))
    lines.append(t("demo.summary_time", seconds=f"{s.seconds:.1f}", command=command))
    return lines


class _Progress:
    """A progress bar on stderr (only when it is a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"),
                                 TimeElapsedColumn(), console=Console(stderr=True),
                                 transient=True)
        self.progress.start()
        self.task = None

    def update(self, done: int, total: int, s: DemoSummary) -> None:
        from smsconsole.i18n import t

        text = t("demo.progress", messages=f"{s.messages:,}", users=s.users)
        if self.task is None:
            self.task = self.progress.add_task(text, total=total)
        self.progress.update(self.task, completed=done, description=text)

    def close(self) -> None:
        self.progress.stop()
