"""A big platform history for the scale benchmark (issue 9).

Builds the schema through our migrations, sets the console up (admin ``bench@example.com``
/ ``Bench2026secret``, through the services), then bulk-loads a year of activity ending now —
raw ``sqlite3`` ``executemany`` on SQLite, ``COPY`` on PostgreSQL, never the per-row
service path — with N messages (default 10,000,000):

- users (≈ N/5,000), their signatures and templates (most approved, some pending, in
  review or rejected), the package products, orders (paid, unpaid, void) and the
  holdings they bought or the admin allocated, charged earliest expiry first;
- send tasks (verification codes one or two numbers each, notifications tens,
  promotions hundreds to tens of thousands) in a weekday/hour rhythm of Asia/Shanghai,
  with growth over the year and a few campaign days (618, 双11);
- one send record per number: ~8% failed (Aliyun's error codes; refunded to the
  holding), the last minutes' reports still pending, BizIds per 1,000-number call;
- replies (some of them unsubscribe words, which put the number on the user's opt-out
  list; later sends skip it), a little admin log;
- the daily rollups (``daily_stat``, ``daily_total``, ``daily_type``), the tasks' counts and the
  holdings' ``used`` exactly as the services keep them (equal to a recount).

Times are stored as the app stores them (UTC; on SQLite ``UTCDateTime``'s naive text
``YYYY-MM-DD HH:MM:SS.ffffff``). Ids follow time, as they do when the app writes them.

    python bench/make_big.py [--messages N] [--db URL] [--out PATH] [--seed S] [--check]

``--out`` is the SQLite file (default /tmp/smsconsole-big/smsconsole.db); ``--db`` a URL
(``postgresql://postgres@127.0.0.1:5432/big``: the database must exist and be empty).
``--check`` recounts the rollups, task counts and holdings in SQL afterwards.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import queue
import random
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ADMIN_PHONE,
    DEFAULT_DB,
    FULL_MESSAGES,
    data_dir_for,
    human,
    is_pg,
    pg_dsn,
    secret_key,
    sqlite_path,
)

from smsconsole.clock import Clock  # noqa: E402
from smsconsole.cloud.segments import count_segments  # noqa: E402
from smsconsole.services.reports import is_unsubscribe  # noqa: E402

US = 1_000_000
DAY_US = 86_400 * US

# --- the shapes of a platform ---------------------------------------------------------------

# Local (platform) hour weights for verification codes and notifications.
HOURS = [0.25, 0.12, 0.06, 0.05, 0.05, 0.1, 0.3, 0.8, 1.6, 2.3, 2.5, 2.3, 1.7, 1.6, 2.0,
         2.2, 2.1, 1.9, 1.7, 1.9, 2.1, 1.7, 1.0, 0.5]
# Promotions go out in campaign slots (hour, weight).
PROMO_SLOTS = [(10, 3.0), (12, 1.0), (15, 2.0), (18, 1.0), (20, 3.0)]
WEEKDAY = [1.0, 1.02, 1.0, 0.98, 1.05, 0.72, 0.6]  # Monday first

# Message shares by template type, failure rates, and task sizes.
TYPES = ("verification", "notification", "promotion")
SHARE = {"verification": 0.35, "notification": 0.40, "promotion": 0.25}
FAIL_RATE = {"verification": 0.06, "notification": 0.08, "promotion": 0.13}
REJECT_RATE = 0.001  # tasks the cloud refused outright (every record failed)
REPLY_RATE = 0.003  # delivered messages that get a reply
ERRORS = [  # Aliyun SmsReport err_code, err_msg, weight
    ("MOBILE_NOT_ON_SERVICE", "停机或空号", 30), ("MOBILE_ACCOUNT_ABNORMAL", "用户账户异常", 14),
    ("UNDELIV", "无法送达", 15), ("MOBILE_IN_BLACK", "手机号在黑名单", 9),
    ("MK:0001", "关机或不在服务区", 10), ("IC:0001", "运营商内部错误", 6),
    ("DB:0141", "黑名单", 8), ("MOBILE_TERMINAL_ERROR", "手机终端问题", 8),
]
REJECT_CODES = [("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控"),
                ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"), ("isv.OUT_OF_SERVICE", "业务停机")]
REPLIES = ["好的", "收到", "谢谢", "TD", "退订", "T", "N", "1", "已收到，谢谢", "什么时候到",
           "退订", "TD", "不需要", "?", "ok", "已签收"]
MOBILE_PREFIXES = ("130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 "
                   "157 158 159 166 170 171 173 175 176 177 178 180 181 182 183 184 185 186 "
                   "187 188 189 191 193 195 196 197 198 199").split()

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然欣怡子涵梓轩"
CITIES = ["杭州", "上海", "北京", "深圳", "广州", "成都", "南京", "武汉", "苏州", "西安", "重庆",
          "厦门", "宁波", "长沙", "郑州", "青岛", "合肥", "福州", "天津", "济南"]
TRADES = ["科技", "物流", "电商", "教育", "医疗", "金融", "文旅", "零售", "网络", "信息", "餐饮",
          "健康", "汽车", "家居", "传媒"]
ACCOUNT_WORDS = ["shop", "edu", "express", "bank", "game", "health", "travel", "retail", "app",
                 "fin", "food", "auto", "home", "media", "cloud", "pay"]
SIGN_A = ["云顶", "速达", "优选", "智联", "易行", "乐享", "安信", "恒通", "鑫源", "华创", "星辰",
          "蓝海", "金桥", "百川", "天禾", "众诚", "博远", "瑞丰", "新程", "启航", "嘉禾", "明德",
          "同创", "卓越", "海纳", "盛世", "远景", "正道", "万象", "和信", "东方", "青禾", "九州",
          "银河", "长风", "锦程", "泰和", "宏图", "凯旋", "鼎盛"]
SIGN_B = ["科技", "物流", "商城", "教育", "健康", "出行", "金融", "生活", "网络", "信息", "医疗",
          "文旅", "优品", "超市", "餐饮", "汽车", "家居", "传媒", "快递", "保险", "证券", "银行",
          "游戏", "音乐", "阅读", "影视", "旅行", "酒店", "租车", "外卖", "生鲜", "母婴", "宠物",
          "美妆", "服饰", "家电", "数码", "图书", "药房", "体检"]
TEMPLATES = {
    "verification": [
        ("登录验证码", "您的验证码为${code}，该验证码5分钟内有效，请勿泄漏于他人！"),
        ("注册验证码", "验证码${code}，您正在注册成为平台会员，感谢您的支持！"),
        ("身份验证", "验证码${code}，您正在进行身份验证，打死不要告诉别人哦！"),
        ("修改密码", "验证码${code}，您正在尝试修改登录密码，请妥善保管账户信息。"),
    ],
    "notification": [
        ("快递到件通知", "您的快递${no}已到达${site}，请凭取件码${code}及时取件，如有疑问请联系快递员。"),
        ("订单发货通知", "亲爱的${name}，您购买的商品已发货，运单号${no}，请注意查收，祝您购物愉快！"),
        ("预约提醒", "尊敬的${name}，您预约的服务将于${time}开始，请提前10分钟到达，如需改期请回复。"),
        ("账单提醒", "尊敬的客户，您本月账单${amount}元，最后还款日为${date}，请按时还款以免影响信用记录。若已还款请忽略本短信。"),
        ("课程提醒", "${name}同学，您报名的课程将于${time}开课，上课地点${site}，请准时参加。"),
    ],
    "promotion": [
        ("会员日促销", "会员日狂欢！全场商品低至5折，满299减50，更有新人专享大礼包等你来领，活动时间${date}，立即登录APP抢购！戳链接了解详情，回T退订"),
        ("双十一预告", "双11狂欢倒计时！爆款直降，跨店满减每满300减50，定金膨胀翻倍，现在加购收藏即可领取${amount}元无门槛券，回T退订"),
        ("新品上市", "新品首发！${name}系列全新上市，首发当天下单享8折优惠并赠精美礼品一份，数量有限先到先得，回T退订"),
        ("周末特惠", "周末特惠来袭，指定商品第二件半价，门店与线上同步，详询客服，回T退订"),
    ],
}
PRODUCTS = [  # name, type, count, unit price fen, validity days, recommended
    ("通知短信 1千条", "notification", 1_000, 5, 365, False),
    ("通知短信 1万条", "notification", 10_000, 4, 365, True),
    ("通知短信 10万条", "notification", 100_000, 4, 365, False),
    ("通知短信 100万条", "notification", 1_000_000, 3, 730, False),
    ("验证码短信 1千条", "verification", 1_000, 5, 365, False),
    ("验证码短信 1万条", "verification", 10_000, 4, 365, True),
    ("验证码短信 10万条", "verification", 100_000, 4, 365, False),
    ("验证码短信 100万条", "verification", 1_000_000, 3, 730, False),
    ("推广短信 1万条", "promotion", 10_000, 5, 180, False),
    ("推广短信 10万条", "promotion", 100_000, 5, 365, True),
    ("推广短信 100万条", "promotion", 1_000_000, 4, 365, False),
    ("通用短信 5千条", "general", 5_000, 6, 365, False),
    ("通用短信 5万条", "general", 50_000, 5, 365, False),
]

SCHEMA = {  # the columns written, checked against the models at start
    "users": "id account name company phone email password_hash status freeze_reason "
             "max_signatures max_templates registered_at",
    "package_product": "id name sms_type message_count unit_price_fen validity_days price_fen "
                       "recommended on_sale retired created_at updated_at",
    "holding": "id user_id sms_type total used expires_at status source order_id admin_id "
               "allocated_at",
    "orders": "id order_no user_id package_id package_name sms_type count validity_days "
              "amount_fen list_amount_fen status created_at paid_at trade_no",
    "signature": "id user_id name sign_type source remark status reason origin applied_at "
                 "submitted_at reviewed_at",
    "template": "id user_id name code sms_type content remark status reason origin applied_at "
                "submitted_at reviewed_at",
    "send_task": "id user_id created_at sign_name template_id template_code template_name "
                 "sms_type content params_json numbers invalid_numbers duplicate_numbers "
                 "opted_out_numbers segments_each delivered failed status result_code "
                 "result_message request_id",
    "send_record": "id task_id user_id phone sign_name template_code sms_type content segments "
                   "biz_id status err_code err_msg send_time report_time holding_id refunded",
    "reply": "id user_id phone content sign_name dest_code sequence_id send_time received_at "
             "unsubscribe",
    "opt_out": "id user_id phone source created_at",
    "daily_stat": "day user_id sign_name template_code sms_type total delivered failed segments",
    "daily_total": "day total delivered failed segments",
    "daily_type": "day sms_type total delivered failed segments",
    "admin_log": "id at admin_id admin_name action target_type target_id target detail origin",
    "kept_aside": "id queue message_id body reason received_at",
}
BULK = ("send_record", "send_task", "reply")  # tables loaded without their indexes


# --- time as integer microseconds since the epoch (UTC) ---------------------------------------

_PREFIX: dict[int, str] = {}
_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]


def _day_prefix(day: int) -> str:
    prefix = _PREFIX[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat() + " "
    return prefix


def ts(us: int | None) -> str | None:
    """UTC microseconds -> ``UTCDateTime``'s SQLite text (naive UTC, microseconds)."""
    if us is None:
        return None
    sec, frac = divmod(us, US)
    day, sod = divmod(sec, 86_400)
    prefix = _PREFIX.get(day) or _day_prefix(day)
    return f"{prefix}{_HMS[sod]}.{frac:06d}"


def ts_sec(sec: int) -> str:
    """Whole UTC seconds (report times: Aliyun's have no fraction) -> the same text."""
    day, sod = divmod(sec, 86_400)
    return (_PREFIX.get(day) or _day_prefix(day)) + _HMS[sod] + ".000000"


def to_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


# --- sinks: where the rows go ----------------------------------------------------------------

class Sink:
    """Rows are queued and written by a thread, so generating and writing overlap."""

    def __init__(self) -> None:
        self.q: queue.Queue = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def put(self, table: str, rows: list) -> None:
        if self.error:
            raise self.error
        if rows:
            self.q.put((table, rows))

    def _drain(self) -> None:
        while True:
            item = self.q.get()
            if item is None:
                return
            if self.error is None:
                try:
                    self.write(*item)
                except BaseException as exc:  # noqa: BLE001 - raised in the main thread
                    self.error = exc

    def flush(self) -> None:
        self.q.put(None)
        self.thread.join()
        if self.error:
            raise self.error

    def write(self, table: str, rows: list) -> None:
        raise NotImplementedError


class SqliteSink(Sink):
    def __init__(self, path: Path) -> None:
        import sqlite3

        self.con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        con = self.con
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-262144")
        con.execute("PRAGMA foreign_keys=OFF")
        # The bulk tables' indexes are dropped and built once at the end (sorting once
        # beats 10M random B-tree inserts); the UNIQUE constraints' automatic indexes
        # stay (BizIds grow with time, so theirs is appended to).
        self.indexes = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND "
            f"tbl_name IN ({','.join('?' * len(BULK))})", BULK).fetchall()
        for name, _ in self.indexes:
            con.execute(f"DROP INDEX {name}")
        con.execute("BEGIN")
        self.sql = {t: f"INSERT INTO {t} ({', '.join(c.split())}) VALUES "
                       f"({','.join('?' * len(c.split()))})" for t, c in SCHEMA.items()}
        self.written = 0
        super().__init__()

    def write(self, table: str, rows: list) -> None:
        self.con.executemany(self.sql[table], rows)
        self.written += len(rows)
        if self.written >= 2_000_000:
            self.con.execute("COMMIT")
            self.con.execute("BEGIN")
            self.written = 0

    def finish(self, log) -> None:
        con = self.con
        con.execute("COMMIT")
        for name, sql in self.indexes:
            t0 = time.perf_counter()
            con.execute(sql)
            log(f"index {name}: {time.perf_counter() - t0:.1f} s")
        con.execute("PRAGMA journal_mode=WAL")
        con.close()


class PgSink(Sink):
    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(pg_dsn(url))
        con = self.con
        con.execute("SET session_replication_role = replica")  # no FK triggers while loading
        con.execute("SET TimeZone = 'UTC'")  # naive timestamps in the COPY data are UTC
        con.execute("SET synchronous_commit = off")
        con.execute("SET maintenance_work_mem = '512MB'")
        self.constraints = con.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM "
            "pg_constraint WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
            [list(BULK)]).fetchall()
        for table, name, _ in self.constraints:
            con.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        self.indexes = con.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND i.indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(BULK)]).fetchall()
        for name, _ in self.indexes:
            con.execute(f'DROP INDEX "{name}"')
        con.commit()
        self.copy = {t: f"COPY {t} ({', '.join(c.split())}) FROM STDIN" for t, c in SCHEMA.items()}
        super().__init__()

    @staticmethod
    def _text(v) -> str:
        if v is None:
            return "\\N"
        if v is True or v is False:
            return "t" if v else "f"
        if isinstance(v, str):
            if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
                v = (v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                     .replace("\r", "\\r"))
            return v
        return str(v)

    def write(self, table: str, rows: list) -> None:
        conv = self._text
        data = "".join("\t".join([conv(v) for v in row]) + "\n" for row in rows).encode()
        with self.con.cursor() as cur, cur.copy(self.copy[table]) as cp:
            cp.write(data)

    def finish(self, log) -> None:
        con = self.con
        con.commit()
        con.execute("SET session_replication_role = DEFAULT")
        for table, name, definition in self.constraints:
            t0 = time.perf_counter()
            con.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            con.commit()
            log(f"constraint {name}: {time.perf_counter() - t0:.1f} s")
        for name, sql in self.indexes:
            t0 = time.perf_counter()
            con.execute(sql)
            con.commit()
            log(f"index {name}: {time.perf_counter() - t0:.1f} s")
        # The rows came with their ids: move the id sequences past them.
        for table, seq in con.execute(
                "SELECT table_name, pg_get_serial_sequence(quote_ident(table_name), 'id') FROM "
                "information_schema.columns WHERE table_schema = current_schema() AND "
                "column_name = 'id'").fetchall():
            if seq and table in SCHEMA:
                con.execute(f"SELECT setval('{seq}', GREATEST((SELECT max(id) FROM {table}), 1))")
        con.commit()
        # What autovacuum would do soon after such a load: statistics, visibility map.
        con.autocommit = True
        t0 = time.perf_counter()
        con.execute("VACUUM (ANALYZE)")
        log(f"vacuum analyze: {time.perf_counter() - t0:.1f} s")
        con.close()


# --- the world ---------------------------------------------------------------------------------

@dataclass
class Holding:
    id: int
    user_id: int
    sms_type: str
    total: int
    used: int
    expires: int
    status: str
    source: str
    order_id: int | None
    admin_id: int | None
    allocated: int


@dataclass
class UserState:
    id: int
    account: str
    registered: int
    active_from: int
    weight: float
    mix: dict[str, float]
    pool_start: int
    pool_size: int
    share: float = 0.0
    signs: list[str] = field(default_factory=list)
    templates: dict[str, list[tuple]] = field(default_factory=dict)  # type -> [(id, code, name, content)]
    holdings: list[Holding] = field(default_factory=list)
    optouts: set[int] = field(default_factory=set)


class World:
    def __init__(self, n: int, seed: int, end: datetime, days: int, log) -> None:
        self.n, self.log = n, log
        self.rng = random.Random(seed)
        self.clock = Clock()
        self.end_us = to_us(end)
        self.last_day = self.clock.day_of(end)
        self.first_day = self.last_day - timedelta(days=days - 1)
        self.start_us = to_us(self.clock.day_start(self.first_day))
        scale = n / FULL_MESSAGES
        self.n_users = max(30, round(2000 * scale))
        self.pool = max(5000, n // 5)
        self.ids = defaultdict(int)
        self.holdings: list[Holding] = []
        self.orders: list[tuple] = []
        self.admin_log: list[tuple] = []
        self.stats: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.stat_type: dict[tuple, str] = {}
        self.totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.optout_rows: list[tuple] = []
        self.counts = defaultdict(int)
        self._biz = 900_000_000_000_000_000 + self.rng.randrange(10**12)
        self._seq = 10**6

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def phone(self, idx: int) -> str:
        return phone_of(idx)

    # --- people, products, applications ----------------------------------------------------

    def make_users(self, sink: Sink, admin_id: int) -> None:
        rng = self.rng
        users, signs, templates, products = [], [], [], []
        now = self.end_us
        for pid, (name, typ, count, unit, days, rec) in enumerate(PRODUCTS, start=1):
            created = self.start_us - rng.randrange(400, 700) * DAY_US
            products.append((pid, name, typ, count, unit, days, count * unit, rec, True, False,
                             ts(created), ts(created)))
        products.append((len(products) + 1, "推广短信 5千条（旧）", "promotion", 5_000, 6, 180,
                         30_000, False, False, True, ts(self.start_us - 800 * DAY_US),
                         ts(self.start_us - 100 * DAY_US)))
        self.ids["package_product"] = len(products)
        self.products = products
        sign_names = [a + b for a in SIGN_A for b in SIGN_B]
        rng.shuffle(sign_names)
        sign_iter = iter(sign_names)
        self.users: list[UserState] = []
        ranks = list(range(self.n_users))
        rng.shuffle(ranks)
        profiles = [  # verification, notification, promotion affinity
            {"verification": 1.0, "notification": 0.1, "promotion": 0.0},
            {"verification": 0.1, "notification": 1.0, "promotion": 0.05},
            {"verification": 0.05, "notification": 0.2, "promotion": 1.0},
            {"verification": 0.5, "notification": 0.5, "promotion": 0.3},
        ]
        for uid in range(1, self.n_users + 1):
            rank = ranks[uid - 1]
            inactive = rng.random() < 0.2
            weight = 0.0 if inactive else 1.0 / (rank + 1) ** 1.05
            # Most users registered before the year; some during it (they start sending then).
            if rng.random() < 0.75:
                registered = self.start_us - rng.randrange(1, 700) * DAY_US
            else:
                registered = self.start_us + rng.randrange(0, 300) * DAY_US
            registered += rng.randrange(8 * 3600, 20 * 3600) * US + rng.randrange(US)
            registered = min(registered, now - 3 * DAY_US)
            word = rng.choice(ACCOUNT_WORDS)
            account = f"{word}{uid:05d}"
            person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            company = rng.choice(CITIES) + rng.choice(SIGN_A) + rng.choice(TRADES) + "有限公司"
            users.append((uid, account, person, company, f"199{uid:08d}",
                          f"{account}@example.com", "", "normal", "", 5, 10, ts(registered)))
            mix = dict(rng.choice(profiles))
            state = UserState(uid, account, registered, registered + 2 * DAY_US, weight, mix,
                              rng.randrange(self.pool), 0)
            self.users.append(state)
            # Signatures: 1-2 approved (+ applications in other states).
            applied = registered + 3600 * US
            for k in range(rng.choice((1, 1, 1, 2))):
                name = next(sign_iter, None) or f"{rng.choice(SIGN_A)}{uid}{k}"
                state.signs.append(name)
                signs.append(self._application("signature", uid, name, "approved", applied,
                                               sign_type="general"))
            for status in self._other_statuses():
                name = next(sign_iter, None) or f"{rng.choice(SIGN_A)}{uid}x"
                signs.append(self._application("signature", uid, name, status,
                                               self._later(registered), sign_type="general"))
            # Templates: the types the user sends, approved; some other applications.
            for typ in TYPES:
                if mix[typ] <= 0.0:
                    continue
                picks = rng.sample(TEMPLATES[typ], k=min(len(TEMPLATES[typ]), rng.choice((1, 1, 2))))
                for name, content in picks:
                    tid = self.ids["template"] + 1
                    code = f"SMS_{480_000_000 + tid * 7:09d}"
                    state.templates.setdefault(typ, []).append(
                        (tid, code, name, content, re_vars(content)))
                    templates.append(self._application("template", uid, name, "approved",
                                                       applied, sms_type=typ, content=content,
                                                       code=code))
            for status in self._other_statuses():
                typ = rng.choice(TYPES)
                name, content = rng.choice(TEMPLATES[typ])
                templates.append(self._application("template", uid, name, status,
                                                   self._later(registered), sms_type=typ,
                                                   content=content, code=""))
            # A trial: the admin allocates 100 general messages, valid 30 days.
            self._holding(state, "general", 100, registered + DAY_US, 30, "admin", None,
                          admin_id)
        total_w = sum(u.weight for u in self.users) or 1.0
        for u in self.users:  # a customer base in proportion to the volume
            u.share = u.weight / total_w
            u.pool_size = int(min(self.pool, max(300, self.pool * 4 * u.weight / total_w)))
        self.users_by_type = {}
        for typ in TYPES:
            eligible = [u for u in self.users if u.weight > 0 and u.mix[typ] > 0 and u.templates.get(typ)]
            cum, acc = [], 0.0
            for u in eligible:
                acc += u.weight * u.mix[typ]
                cum.append(acc)
            self.users_by_type[typ] = (eligible, cum)
        sink.put("users", users)
        sink.put("package_product", products)
        sink.put("signature", signs)
        sink.put("template", templates)
        self.counts["users"] = len(users)
        self.counts["signatures"] = len(signs)
        self.counts["templates"] = len(templates)

    def _other_statuses(self) -> list[str]:
        r = self.rng.random()
        if r < 0.04:
            return ["pending"]
        if r < 0.06:
            return ["in_review"]
        if r < 0.12:
            return ["rejected"]
        return []

    def _later(self, registered: int) -> int:
        lo = max(registered, self.start_us)
        return min(self.end_us - 3600 * US, lo + self.rng.randrange(max(1, (self.end_us - lo) // US)) * US)

    def _application(self, table: str, uid: int, name: str, status: str, applied: int, *,
                     sign_type: str = "", sms_type: str = "", content: str = "", code: str = ""):
        aid = self.next_id(table)
        submitted = None if status == "pending" else applied + 600 * US
        reviewed = applied + 7200 * US if status in ("approved", "rejected") else None
        reason = "签名与企业名称不符，请补充证明材料" if status == "rejected" else ""
        if table == "signature":
            return (aid, uid, name, sign_type, 0, "", status, reason, "applied", ts(applied),
                    ts(submitted), ts(reviewed))
        return (aid, uid, name, code, sms_type, content, "", status, reason, "applied",
                ts(applied), ts(submitted), ts(reviewed))

    # --- quota ---------------------------------------------------------------------------------

    def _holding(self, u: UserState, typ: str, total: int, at: int, days: int, source: str,
                 order_id: int | None, admin_id: int | None) -> Holding:
        expires_on = self.clock.day_of(datetime.fromtimestamp(at / US, UTC)) + timedelta(days=days)
        expires = to_us(self.clock.day_start(expires_on + timedelta(days=1)))
        h = Holding(self.next_id("holding"), u.id, typ, total, 0, expires, "normal", source,
                    order_id, admin_id, at)
        self.holdings.append(h)
        u.holdings.append(h)
        u.holdings.sort(key=lambda x: (x.expires, x.id))
        if source == "admin":
            self.admin_log.append((at + self.rng.randrange(1000), admin_id, "holding.allocate",
                                   "user", str(u.id), u.account,
                                   json.dumps({"holding": h.id, "type": typ, "count": total,
                                               "expires_on": expires_on.isoformat()},
                                              ensure_ascii=False)))
        return h

    def _buy(self, u: UserState, typ: str, need: int, at: int) -> None:
        rng = self.rng
        choices = [p for p in self.products if p[2] == typ and p[8]]
        want = max(need, int(self.n * u.share * u.mix[typ] / 6 * rng.uniform(0.5, 1.5)))
        product = next((p for p in choices if p[3] >= want), choices[-1])
        copies = max(1, -(-need // product[3]))
        for _ in range(copies):
            paid = at - rng.randrange(2, 120) * US
            if rng.random() < 0.1:  # an offline purchase the admin allocates
                self._holding(u, typ, product[3], paid, product[5], "admin", None, 1)
                continue
            created = paid - rng.randrange(20, 900) * US
            oid = self.next_id("orders")
            local_day = self.clock.day_of(datetime.fromtimestamp(created / US, UTC))
            h = self._holding(u, typ, product[3], paid, product[5], "order", oid, None)
            trade = f"2026{rng.randrange(10**23):023d}"
            self.orders.append((oid, f"{local_day:%Y%m%d}{oid:08d}", u.id, product[0], product[1],
                                typ, product[3], product[5], product[6], product[6], "paid",
                                ts(created), ts(paid), trade))
            self.admin_log.append((paid + 5 * US, None, "order.paid", "order", str(oid),
                                   f"{local_day:%Y%m%d}{oid:08d}",
                                   json.dumps({"status": ["unpaid", "paid"], "trade_no": trade,
                                               "holding": h.id}, ensure_ascii=False)))

    def charge(self, u: UserState, typ: str, n: int, seg: int, at: int) -> list[tuple[Holding, int]]:
        """Messages per holding: earliest expiry first, never split across holdings.
        ``u.holdings`` is kept sorted by (expiry, id)."""
        live = u.holdings
        while live and live[0].expires <= at:
            live.pop(0)
        out = []
        need = n
        for attempt in range(2):
            for h in live:
                if h.status != "normal" or (h.sms_type != typ and h.sms_type != "general"):
                    continue
                k = (h.total - h.used) // seg
                if k <= 0:
                    continue
                if k > need:
                    k = need
                h.used += k * seg
                out.append((h, k))
                need -= k
                if not need:
                    return out
            if attempt == 0:
                self._buy(u, typ, need * seg, at)
        raise AssertionError("quota plan failed")

    # --- sending ----------------------------------------------------------------------------

    def day_targets(self) -> list[tuple[date, int, float]]:
        """(day, messages, fraction of the day that has happened) for every day."""
        days = []
        d = self.first_day
        total_days = (self.last_day - self.first_day).days
        hour_total = sum(HOURS)
        while d <= self.last_day:
            i = (d - self.first_day).days
            w = WEEKDAY[d.weekday()] * (0.75 + 0.5 * i / max(1, total_days))
            if (d.month, d.day) in ((11, 11), (6, 18)):
                w *= 2.4
            elif (d.month, d.day) in ((11, 10), (11, 12), (6, 17), (12, 12)):
                w *= 1.4
            elif (d.month, d.day) in ((1, 1), (10, 1), (10, 2), (10, 3)):
                w *= 0.7
            frac = 1.0
            if d == self.last_day:
                start = to_us(self.clock.day_start(d))
                hours = (self.end_us - start) / (3600 * US)
                whole = int(hours)
                frac = (sum(HOURS[:whole]) + (hours - whole) * HOURS[min(whole, 23)]) / hour_total
            days.append((d, w * frac, frac))
            d += timedelta(days=1)
        weight = sum(w for _, w, _ in days)
        raw = [self.n * w / weight for _, w, _ in days]
        counts = [int(x) for x in raw]
        for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
                : self.n - sum(counts)]:
            counts[i] += 1
        return [(d, c, f) for (d, _, f), c in zip(days, counts, strict=True)]

    def send_all(self, sink: Sink) -> None:
        rng = self.rng
        rand = rng.random
        hour_cum = list(itertools.accumulate(HOURS))
        slot_cum = list(itertools.accumulate(w for _, w in PROMO_SLOTS))
        mean_size = {"verification": 1.18, "notification": 21.0, "promotion": 640.0}
        type_w = [SHARE[t] / mean_size[t] for t in TYPES]
        type_cum = list(itertools.accumulate(type_w))
        err_cum = list(itertools.accumulate(w for _, _, w in ERRORS))
        errors = [ERRORS[bisect.bisect(err_cum, (i + 0.5) / 4096 * err_cum[-1])][:2]
                  for i in range(4096)]
        # report delays (seconds): a table sampled once, indexed by a random number
        ok_delay = [2 + int(rng.expovariate(1 / 5)) for _ in range(4096)]
        fail_delay = [3 + int(rng.expovariate(1 / 60)) if i % 10 else rng.randrange(600, 48 * 3600)
                      for i in range(4096)]
        self.log("phone numbers")
        phones = [self.phone(i) for i in range(self.pool)]
        pool = self.pool
        t_start = time.perf_counter()
        next_report = 1_000_000
        recs: list[tuple] = []
        tasks: list[tuple] = []
        replies: list[tuple] = []
        rid = 0
        end_us = self.end_us
        end_sec = end_us // US
        stats, totals, stat_type = self.stats, self.totals, self.stat_type
        for day, target, _frac in self.day_targets():
            day_start = to_us(self.clock.day_start(day))
            day_len = to_us(self.clock.day_start(day + timedelta(days=1))) - day_start
            limit = min(day_start + day_len, end_us)
            local = day.isoformat()
            planned = []
            left = target
            while left > 0:
                typ = TYPES[bisect.bisect(type_cum, rand() * type_cum[-1])]
                if typ == "verification":
                    size = 1 if rand() < 0.88 else rng.randint(2, 5)
                elif typ == "notification":
                    size = min(5000, max(1, int(rng.lognormvariate(2.3, 1.2))))
                else:
                    size = min(50_000, max(50, int(rng.lognormvariate(6.3, 1.1))))
                size = min(size, left)
                eligible, cum = self.users_by_type[typ]
                for _ in range(20):
                    u = eligible[bisect.bisect(cum, rand() * cum[-1])]
                    if typ == "promotion":
                        hour, _ = PROMO_SLOTS[bisect.bisect(slot_cum, rand() * slot_cum[-1])]
                        offset = hour * 3600 * US + int(rand() * 1800 * US)
                    else:
                        hour = bisect.bisect(hour_cum, rand() * hour_cum[-1])
                        offset = hour * 3600 * US + int(rand() * 3600 * US)
                    at = day_start + offset * day_len // DAY_US
                    if u.active_from < at < limit:
                        break
                else:  # e.g. the first minutes of today: any time that has happened
                    ready = [u for u in eligible if u.active_from < limit - US]
                    if not ready:
                        break
                    u = rng.choice(ready)
                    lo = max(day_start, u.active_from + 1)
                    at = lo + rng.randrange(limit - lo)
                if typ != "verification":
                    size = min(size, u.pool_size)
                planned.append((at, typ, u, size))
                left -= size
            planned.sort(key=lambda p: p[0])
            for at, typ, u, size in planned:
                tid = self.next_id("send_task")
                choices = u.templates[typ]
                tpl_id, code, tname, content, names = choices[int(rand() * len(choices))]
                sign = u.signs[int(rand() * len(u.signs))]
                body = content
                parts = []
                for k in names:
                    val = _param(rng, k)
                    body = body.replace("${" + k + "}", val)
                    parts.append(f'"{k}": "{val}"')
                params_json = "{" + ", ".join(parts) + "}"  # json.dumps' output for these
                text = f"【{sign}】{body}"
                seg = count_segments(text)
                # the numbers: distinct, none opted out of this user's sends
                if size == 1 and typ == "verification":
                    idxs = [int(rand() * pool)]
                elif typ == "verification":
                    idxs = rng.sample(range(pool), size)
                else:
                    base, span = u.pool_start, u.pool_size
                    if size <= 64:
                        seen = set()
                        while len(seen) < size:
                            seen.add(int(rand() * span))
                        idxs = [(base + i) % pool for i in seen]
                    else:
                        idxs = [(base + i) % pool for i in rng.sample(range(span), size)]
                opted = 0
                if u.optouts:
                    optouts = u.optouts
                    if any(i in optouts for i in idxs):
                        clean = []
                        taken = set(idxs)
                        for i in idxs:
                            while i in optouts:
                                opted += 1
                                i = int(rand() * pool)
                                while i in taken:
                                    i = int(rand() * pool)
                                taken.add(i)
                            clean.append(i)
                        idxs = clean
                invalid = rng.randint(1, 3) if size > 20 and rand() < 0.3 else 0
                dups = rng.randint(1, 5) if size > 20 and rand() < 0.2 else 0
                plan = self.charge(u, typ, size, seg, at)
                rejected = rand() < REJECT_RATE
                send_text = ts(at)
                fail_p = FAIL_RATE[typ]
                reply_from = 1 - REPLY_RATE
                delivered = failed = 0
                key = (local, u.id, sign, code)
                stat_type[key] = typ
                holding_iter = iter(plan)
                hold, hold_left = next(holding_iter)
                hid = hold.id
                refunds = 0
                uid = u.id
                at_sec = at // US
                biz = None
                add = recs.append
                for j, idx in enumerate(idxs):
                    if hold_left == 0:
                        hold.used -= refunds * seg
                        refunds = 0
                        hold, hold_left = next(holding_iter)
                        hid = hold.id
                    hold_left -= 1
                    rid += 1
                    ph = phones[idx]
                    if rejected:
                        rcode, rmsg = REJECT_CODES[tid % len(REJECT_CODES)]
                        refunds += 1
                        failed += 1
                        add((rid, tid, uid, ph, sign, code, typ, None, seg, None, "failed",
                             rcode, rmsg, send_text, ts(at + 150_000), hid, 1))
                        continue
                    if j % 1000 == 0:
                        self._biz += 1 + int(rand() * 5000)
                        biz = f"{self._biz}^0"
                    r = rand()
                    if r < fail_p:
                        report = at_sec + fail_delay[int(rand() * 4096)]
                        if report > end_sec:
                            add((rid, tid, uid, ph, sign, code, typ, None, seg, biz, "pending",
                                 "", "", send_text, None, hid, 0))
                            continue
                        ecode, emsg = errors[int(rand() * 4096)]
                        refunds += 1
                        failed += 1
                        add((rid, tid, uid, ph, sign, code, typ, None, seg, biz, "failed",
                             ecode, emsg, send_text, ts_sec(report), hid, 1))
                    else:
                        report = at_sec + ok_delay[int(rand() * 4096)]
                        if report > end_sec:
                            add((rid, tid, uid, ph, sign, code, typ, None, seg, biz, "pending",
                                 "", "", send_text, None, hid, 0))
                            continue
                        delivered += 1
                        add((rid, tid, uid, ph, sign, code, typ, None, seg, biz, "delivered",
                             "DELIVERED", "用户接收成功", send_text, ts_sec(report), hid, 0))
                        if r > reply_from:
                            self._reply(u, idx, ph, sign, report * US, replies)
                hold.used -= refunds * seg
                n_recs = len(idxs)
                st = stats[key]
                st[0] += n_recs
                st[1] += delivered
                st[2] += failed
                st[3] += n_recs * seg
                tot = totals[local]
                tot[0] += n_recs
                tot[1] += delivered
                tot[2] += failed
                tot[3] += n_recs * seg
                if rejected:
                    status, rcode, rmsg = ("rejected",) + REJECT_CODES[tid % len(REJECT_CODES)]
                else:
                    status, rcode, rmsg = "submitted", "OK", "OK"
                tasks.append((tid, uid, send_text, sign, tpl_id, code, tname, typ, text,
                              params_json, n_recs, invalid, dups, opted, seg, delivered, failed,
                              status, rcode, rmsg, f"{rng.getrandbits(64):016X}-{tid:08X}"))
                if len(recs) >= 50_000:
                    sink.put("send_task", tasks)
                    sink.put("send_record", recs)
                    tasks, recs = [], []
                    if rid >= next_report:
                        rate = rid / (time.perf_counter() - t_start)
                        self.log(f"records {rid:,} / {self.n:,} ({rid * 100 / self.n:.0f}%) "
                                 f"{rate:,.0f}/s, day {local}")
                        next_report += 1_000_000
            if replies:
                sink.put("reply", replies)
                replies = []
        sink.put("send_task", tasks)
        sink.put("send_record", recs)
        sink.put("reply", replies)
        self.counts["records"] = rid
        self.counts["tasks"] = self.ids["send_task"]

    def _reply(self, u: UserState, idx: int, ph: str, sign: str, report: int, buf: list) -> None:
        rng = self.rng
        at = report + rng.randrange(5, 7200) * US
        if at > self.end_us:
            return
        at = at // US * US
        content = rng.choice(REPLIES)
        unsub = is_unsubscribe(content)
        self._seq += 1
        received = at + rng.randrange(1, 5) * US
        buf.append((self.next_id("reply"), u.id, ph, content, sign, f"{rng.randrange(10000):04d}",
                    str(self._seq), ts(at), ts(received), unsub))
        if unsub and idx not in u.optouts:
            u.optouts.add(idx)
            self.optout_rows.append((self.next_id("opt_out"), u.id, ph, "reply", ts(received)))

    # --- the rest ------------------------------------------------------------------------------

    def finish(self, sink: Sink, admin_id: int, admin_name: str) -> None:
        rng = self.rng
        # Unpaid and void orders (abandoned checkouts, cancelled ones).
        paid = len(self.orders)
        for _ in range(max(5, paid // 6)):
            u = rng.choice(self.users)
            p = rng.choice([p for p in self.products if p[8]])
            created = self.start_us + rng.randrange((self.end_us - self.start_us) // US) * US
            created = max(created, u.registered + US)
            oid = self.next_id("orders")
            local_day = self.clock.day_of(datetime.fromtimestamp(created / US, UTC))
            status = "void" if rng.random() < 0.35 else "unpaid"
            self.orders.append((oid, f"{local_day:%Y%m%d}{oid:08d}", u.id, p[0], p[1], p[2], p[3],
                                p[5], p[6], p[6], status, ts(created), None, ""))
        sink.put("orders", self.orders)
        sink.put("holding", [(h.id, h.user_id, h.sms_type, h.total, h.used, ts(h.expires),
                              h.status, h.source, h.order_id, h.admin_id, ts(h.allocated))
                             for h in self.holdings])
        sink.put("opt_out", self.optout_rows)
        sink.put("daily_stat", [(k[0], k[1], k[2], k[3], self.stat_type[k], *v)
                                for k, v in sorted(self.stats.items())])
        sink.put("daily_total", [(d, *v) for d, v in sorted(self.totals.items())])
        by_type: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for k, v in self.stats.items():
            acc = by_type[(k[0], self.stat_type[k])]
            for i in range(4):
                acc[i] += v[i]
        sink.put("daily_type", [(*k, *v) for k, v in sorted(by_type.items())])
        # A few frozen users (after their sends).
        frozen = rng.sample(self.users, max(1, len(self.users) // 50))
        self.frozen = [u.id for u in frozen]
        # Admin log: logins on working days, the allocations and payments above.
        d = self.first_day
        while d <= self.last_day:
            if d.weekday() < 5:
                at = to_us(self.clock.day_start(d)) + (9 * 3600 + rng.randrange(3600)) * US
                if at < self.end_us:
                    self.admin_log.append((at, admin_id, "auth.login", "admin", str(admin_id),
                                           ADMIN_EMAIL, ""))
            d += timedelta(days=1)
        for u in frozen:
            self.admin_log.append((self.end_us - rng.randrange(3600, 86400) * US, admin_id,
                                   "user.freeze", "user", str(u.id), u.account,
                                   json.dumps({"status": ["normal", "frozen"], "reason": "欠费停机"},
                                              ensure_ascii=False)))
        self.admin_log.sort(key=lambda r: r[0])
        self.admin_log_rows = self.admin_log
        self.counts["holdings"] = len(self.holdings)
        self.counts["orders"] = len(self.orders)
        self.counts["replies"] = self.ids["reply"]
        self.counts["opt_outs"] = len(self.optout_rows)
        self.counts["daily_stat rows"] = len(self.stats)


def phone_of(idx: int) -> str:
    """The idx-th number of the platform's audience: distinct for distinct idx, spread
    over the mainland mobile prefixes."""
    k = len(MOBILE_PREFIXES)
    return MOBILE_PREFIXES[idx % k] + f"{(idx // k * 54_435_761 + 7_654_321) % 10**8:08d}"


def re_vars(content: str) -> list[str]:
    import re

    return re.findall(r"\$\{(\w+)\}", content)


def _param(rng: random.Random, name: str) -> str:
    if name == "code":
        return f"{rng.randrange(10**6):06d}"
    if name == "no":
        return f"SF{rng.randrange(10**12):012d}"
    if name == "site":
        return rng.choice(["菜鸟驿站", "丰巢柜", "小区门卫", "快递超市"])
    if name == "name":
        return rng.choice(SURNAMES) + rng.choice(GIVEN)
    if name == "amount":
        return f"{rng.randrange(10, 5000)}"
    if name == "date":
        return f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    if name == "time":
        return f"{rng.randint(8, 20)}:{rng.choice(('00', '30'))}"
    return "x"


# --- the run ------------------------------------------------------------------------------------

def setup_console(url: str, data_dir: Path, when: datetime):
    """The schema through our migrations, and the wizard's result through the services."""
    from smsconsole.clock import FixedClock
    from smsconsole.services import build
    from smsconsole.services.auth import AdminInput, AuthorizationInput, SetupInput
    from smsconsole.services.secrets import SecretBox
    from smsconsole.services.settings import AccessInput, ScenarioInput, SiteInput

    services = build(url, data_dir, clock=FixedClock(when), secrets=SecretBox(secret_key()))
    try:
        sc = ScenarioInput("云顶科技", "SMS_100001", "code")
        admin = services.auth.setup(SetupInput(
            AuthorizationInput("Bench", "Bench SMS", ADMIN_EMAIL, ADMIN_PHONE),
            AdminInput(ADMIN_PASSWORD, ADMIN_PASSWORD),
            AccessInput(access_key_id="BENCHAKID", access_key_secret="bench-secret",
                        scenarios={k: sc for k in ("register", "reset_password", "change_phone")},
                        report_queue="Alicom-Queue-1-SmsReport",
                        reply_queue="Alicom-Queue-1-SmsUp"),
            SiteInput(company="Bench SMS")))
        return admin.id, admin.name
    finally:
        services.close()


def check(url: str, log) -> bool:
    """Recounts in SQL: rollups, task counts, holdings (Asia/Shanghai days)."""
    if is_pg(url):
        import psycopg

        con = psycopg.connect(pg_dsn(url))
        day = "(send_time AT TIME ZONE 'Asia/Shanghai')::date"
    else:
        import sqlite3

        con = sqlite3.connect(sqlite_path(url))
        day = "date(send_time, '+8 hours')"
    queries = {
        "daily_total": f"""
            SELECT count(*) FROM (SELECT {day} AS day, count(*) AS total,
                sum(CASE WHEN status='delivered' THEN 1 ELSE 0 END) AS delivered,
                sum(CASE WHEN status='failed' THEN 1 ELSE 0 END) AS failed,
                sum(segments) AS segments FROM send_record GROUP BY 1) r
            FULL OUTER JOIN daily_total t ON t.day = r.day
            WHERE t.day IS NULL OR r.day IS NULL OR t.total <> r.total
               OR t.delivered <> r.delivered OR t.failed <> r.failed OR t.segments <> r.segments""",
        "daily_stat": f"""
            SELECT count(*) FROM (SELECT {day} AS day, user_id, sign_name, template_code,
                count(*) AS total, sum(CASE WHEN status='delivered' THEN 1 ELSE 0 END) AS delivered,
                sum(CASE WHEN status='failed' THEN 1 ELSE 0 END) AS failed,
                sum(segments) AS segments FROM send_record GROUP BY 1, 2, 3, 4) r
            FULL OUTER JOIN daily_stat t ON t.day = r.day AND t.user_id = r.user_id
                AND t.sign_name = r.sign_name AND t.template_code = r.template_code
            WHERE t.day IS NULL OR r.day IS NULL OR t.total <> r.total
               OR t.delivered <> r.delivered OR t.failed <> r.failed OR t.segments <> r.segments""",
        "daily_type": f"""
            SELECT count(*) FROM (SELECT {day} AS day, sms_type, count(*) AS total,
                sum(CASE WHEN status='delivered' THEN 1 ELSE 0 END) AS delivered,
                sum(CASE WHEN status='failed' THEN 1 ELSE 0 END) AS failed,
                sum(segments) AS segments FROM send_record GROUP BY 1, 2) r
            FULL OUTER JOIN daily_type t ON t.day = r.day AND t.sms_type = r.sms_type
            WHERE t.day IS NULL OR r.day IS NULL OR t.total <> r.total
               OR t.delivered <> r.delivered OR t.failed <> r.failed OR t.segments <> r.segments""",
        "send_task": """
            SELECT count(*) FROM send_task t LEFT JOIN (SELECT task_id, count(*) AS n,
                sum(CASE WHEN status='delivered' THEN 1 ELSE 0 END) AS d,
                sum(CASE WHEN status='failed' THEN 1 ELSE 0 END) AS f
                FROM send_record GROUP BY task_id) r ON r.task_id = t.id
            WHERE coalesce(r.n, 0) <> t.numbers OR coalesce(r.d, 0) <> t.delivered
               OR coalesce(r.f, 0) <> t.failed""",
        "holding": """
            SELECT count(*) FROM holding h LEFT JOIN (SELECT holding_id, sum(segments) AS used
                FROM send_record WHERE refunded = false GROUP BY holding_id) r
                ON r.holding_id = h.id
            WHERE coalesce(r.used, 0) <> h.used OR h.used < 0 OR h.used > h.total""",
        "refund without failure": """
            SELECT count(*) FROM send_record WHERE refunded = true AND status <> 'failed'""",
    }
    if not is_pg(url):
        queries = {k: q.replace("= false", "= 0").replace("= true", "= 1")
                   for k, q in queries.items()}
    ok = True
    for name, sql in queries.items():
        t0 = time.perf_counter()
        bad = con.execute(sql).fetchone()[0]
        log(f"check {name}: {bad} mismatches ({time.perf_counter() - t0:.1f} s)")
        ok &= bad == 0
    con.close()
    return ok


def build_big(url: str, n: int, seed: int = 1, days: int = 365, *, data_dir: Path | None = None,
              end: datetime | None = None, verbose: bool = True) -> dict:
    """Build the database at ``url`` (which must not hold data yet). Returns the counts."""
    t0 = time.perf_counter()

    def log(text: str) -> None:
        if verbose:
            print(f"[{time.perf_counter() - t0:6.1f} s] {text}", flush=True)

    end = (end or datetime.now(UTC)).replace(microsecond=0)
    if data_dir is None:
        data_dir = data_dir_for(url)
    data_dir.mkdir(parents=True, exist_ok=True)
    log(f"migrating and setting up {url}")
    admin_id, admin_name = setup_console(url, data_dir, end - timedelta(days=days + 1))
    world = World(n, seed, end, days, log)
    world.ids["admin_log"] = 100  # after the setup's own rows
    sink = PgSink(url) if is_pg(url) else SqliteSink(sqlite_path(url))
    world.make_users(sink, admin_id)
    log(f"{world.n_users:,} users; sending {n:,} messages over {days} days")
    world.send_all(sink)
    world.finish(sink, admin_id, admin_name)
    sink.put("admin_log", [(world.next_id("admin_log"), ts(at), aid,
                            admin_name if aid else "alipay", action, ttype, tid, target,
                            detail, "local") for at, aid, action, ttype, tid, target, detail
                           in world.admin_log_rows])
    sink.put("kept_aside", [(i + 1, "Alicom-Queue-1-SmsReport", f"MSG{i:08d}", "not json {",
                             "invalid JSON: Expecting property name enclosed in double quotes",
                             ts(world.end_us - (i + 1) * 3_600 * US)) for i in range(3)])
    sink.flush()
    log(f"rows written ({world.counts['records']:,} records); building indexes")
    sink.finish(log)
    _fill_name_rollup(url)
    log("rollup by template name filled")
    _freeze(url, world.frozen)
    world.counts["seconds"] = round(time.perf_counter() - t0, 1)
    log("done: " + ", ".join(f"{k} {human(v) if isinstance(v, int) else v}"
                             for k, v in world.counts.items()))
    return dict(world.counts)


def _fill_name_rollup(url: str) -> None:
    """``daily_template_name`` from ``daily_stat``, as migration 0008 fills it."""
    from smsconsole.services.rollups import NAME_BACKFILL

    if is_pg(url):
        import psycopg

        with psycopg.connect(pg_dsn(url)) as con:
            con.execute(NAME_BACKFILL)
            con.commit()
            con.autocommit = True
            con.execute("VACUUM (ANALYZE) daily_template_name")
    else:
        import sqlite3

        con = sqlite3.connect(sqlite_path(url), isolation_level=None)
        con.execute(NAME_BACKFILL)
        con.close()


def _freeze(url: str, user_ids: list[int]) -> None:
    marks = ",".join(str(int(u)) for u in user_ids)
    sql = f"UPDATE users SET status='frozen', freeze_reason='欠费停机' WHERE id IN ({marks})"
    if is_pg(url):
        import psycopg

        with psycopg.connect(pg_dsn(url)) as con:
            con.execute(sql)
    else:
        import sqlite3

        con = sqlite3.connect(sqlite_path(url), isolation_level=None)
        con.execute(sql)
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=FULL_MESSAGES)
    ap.add_argument("--db", help="database URL (PostgreSQL: an existing, empty database)")
    ap.add_argument("--out", help=f"SQLite file (default {DEFAULT_DB})")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="replace an existing SQLite file")
    ap.add_argument("--check", action="store_true", help="recount everything afterwards")
    args = ap.parse_args()
    if args.db and args.out:
        ap.error("give --db or --out, not both")
    if args.db and "://" in args.db:
        url = args.db
    else:
        path = Path(args.out or args.db or DEFAULT_DB).expanduser().resolve()
        if path.exists():
            if not args.force:
                ap.error(f"{path} exists (use --force to replace it)")
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    build_big(url, args.messages, args.seed, args.days)
    if args.check:
        return 0 if check(url, print) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
