"""Signatures and templates with Aliyun's review lifecycle.

A created signature/template is "reviewing" (status 0). Its decision — approved (1) or
rejected (2) with a reason — is drawn at creation from the seed and shows once the
virtual clock passes ``created + review_delay``. A fresh sandbox holds a few approved
signatures of both types and approved templates of every domestic type, so a client can
send at once.

Numbering kept in the store is the "outer" one of AddSmsTemplate/GetSmsTemplate:
template type 0 verification, 1 notification, 2 promotion, 3 international; sign type
0 verification, 1 general; status 0 reviewing, 1 approved, 2 rejected, 10 cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import outcomes
from .config import SandboxConfig
from .store import Store, next_counter
from .virtual_clock import Clock

SIGN_VERIFICATION, SIGN_GENERAL = 0, 1
T_VERIFICATION, T_NOTIFICATION, T_PROMOTION, T_INTERNATIONAL = 0, 1, 2, 3
REVIEWING, APPROVED, REJECTED, CANCELLED = 0, 1, 2, 10

BUILTIN_SIGNS = (
    ("速达科技", SIGN_GENERAL),
    ("速达验证", SIGN_VERIFICATION),
    ("优品商城", SIGN_GENERAL),
)
BUILTIN_TEMPLATES = (
    ("SMS_100000001", "注册验证码", T_VERIFICATION,
     "您的注册验证码为${code}，5分钟内有效，请勿泄露于他人。"),
    ("SMS_100000002", "找回密码验证码", T_VERIFICATION,
     "您正在找回密码，验证码为${code}，5分钟内有效。如非本人操作，请忽略本短信。"),
    ("SMS_100000003", "更换手机号验证码", T_VERIFICATION,
     "您正在更换绑定手机号，验证码为${code}，5分钟内有效。"),
    ("SMS_100000004", "订单发货通知", T_NOTIFICATION,
     "尊敬的${name}，您的订单${order}已发货，请注意查收。"),
    ("SMS_100000005", "会员日推广", T_PROMOTION,
     "${name}您好，本周六会员日全场8折，登录官网即可参与。拒收请回复R"),
    ("SMS_100000006", "账单提醒", T_NOTIFICATION,
     "尊敬的${name}，您本月的账单已生成，应还金额${amount}元，最后还款日为${date}。"
     "请您按时还款，以免产生逾期记录，影响您的信用。如已还款请忽略本短信，感谢您的支持。"),
)
# A rejected example, so the console shows all states from the start.
BUILTIN_REJECTED_TEMPLATE = (
    "SMS_100000009", "双十一大促", T_PROMOTION, "双十一全场5折，点击 http://t.cn/x 抢购",
    "推广短信须在结尾添加“拒收请回复R”",
)

# Scenario key -> (sign, template, param name) using the builtins above.
BUILTIN_SCENARIOS = {
    "register": ("速达验证", "SMS_100000001", "code"),
    "reset_password": ("速达验证", "SMS_100000002", "code"),
    "change_phone": ("速达科技", "SMS_100000003", "code"),
}


@dataclass(frozen=True)
class Sign:
    name: str
    sign_type: int
    source: int
    remark: str
    status: int
    reason: str
    created_ms: int
    order_id: str
    tag: str
    decide_ms: int


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    type: int
    content: str
    remark: str
    related_sign: str
    status: int
    reason: str
    created_ms: int
    order_id: str
    tag: int
    decide_ms: int

    @property
    def variables(self) -> list[str]:
        return outcomes.template_variables(self.content)


_SIGN_COLS = ("name, sign_type, source, remark, status, reason, created_ms, order_id, tag, "
              "decide_ms")
_TPL_COLS = ("code, name, type, content, remark, related_sign, status, reason, created_ms, "
             "order_id, tag, decide_ms")


class Catalog:
    def __init__(self, store: Store, clock: Clock, config: SandboxConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config

    def seed_builtins(self) -> None:
        with self.store.tx() as db:
            if db.execute("SELECT COUNT(*) FROM signs").fetchone()[0]:
                return
            now = self.clock.now_ms() - 30 * 86400_000
            for i, (name, stype) in enumerate(BUILTIN_SIGNS):
                db.execute(
                    "INSERT INTO signs VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                    (name, stype, 0, "sandbox builtin", APPROVED, "", APPROVED, "",
                     now + i * 1000, now, f"20030{i:05d}", "3"),
                )
            for i, (code, name, ttype, content) in enumerate(BUILTIN_TEMPLATES):
                db.execute(
                    "INSERT INTO templates VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (code, name, ttype, content, "sandbox builtin", "", APPROVED, "",
                     APPROVED, "", now + i * 1000, now, f"20031{i:05d}", 3),
                )
            code, name, ttype, content, reason = BUILTIN_REJECTED_TEMPLATE
            db.execute(
                "INSERT INTO templates VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (code, name, ttype, content, "sandbox builtin", "", REJECTED, reason,
                 REJECTED, reason, now + 9000, now, "2003199999", 2),
            )

    def _settle(self, db) -> None:
        """Show the decision of every review whose deadline has passed."""
        now = self.clock.now_ms()
        for table in ("signs", "templates"):
            db.execute(
                f"UPDATE {table} SET status=final_status, reason=final_reason "
                "WHERE status=? AND decide_ms<=?",
                (REVIEWING, now),
            )

    def advance_reviews(self, decision: str | None = None) -> int:
        """Decide every pending review now (``decision``: "approve"/"reject" overrides)."""
        with self.store.tx() as db:
            n = 0
            for table in ("signs", "templates"):
                if decision == "approve":
                    cur = db.execute(
                        f"UPDATE {table} SET status=1, reason='' WHERE status=?", (REVIEWING,)
                    )
                elif decision == "reject":
                    cur = db.execute(
                        f"UPDATE {table} SET status=2, reason=CASE WHEN final_reason='' "
                        "THEN '资料不完整，请补充后重新提交' ELSE final_reason END "
                        "WHERE status=?",
                        (REVIEWING,),
                    )
                else:
                    cur = db.execute(
                        f"UPDATE {table} SET status=final_status, reason=final_reason "
                        "WHERE status=?",
                        (REVIEWING,),
                    )
                n += cur.rowcount
            return n

    # --- signatures -----------------------------------------------------------------

    def get_sign(self, name: str) -> Sign | None:
        with self.store.tx() as db:
            self._settle(db)
            row = db.execute(f"SELECT {_SIGN_COLS} FROM signs WHERE name=?", (name,)).fetchone()
        return Sign(*row) if row else None

    def list_signs(self, offset: int = 0, limit: int = 1000) -> tuple[list[Sign], int]:
        with self.store.tx() as db:
            self._settle(db)
            total = db.execute("SELECT COUNT(*) FROM signs").fetchone()[0]
            rows = db.execute(
                f"SELECT {_SIGN_COLS} FROM signs ORDER BY created_ms, name LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [Sign(*r) for r in rows], total

    def add_sign(self, name: str, sign_type: int, source: int, remark: str) -> Sign:
        now = self.clock.now_ms()
        status, reason = outcomes.review(self.config, "sign", name)
        with self.store.tx() as db:
            order = next_counter(db, "order")
            db.execute(
                "INSERT INTO signs VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                (name, sign_type, source, remark, REVIEWING, "", status, reason, now,
                 now + int(self.config.review_delay * 1000), f"{2004000000 + order}", "2"),
            )
        sign = self.get_sign(name)
        assert sign is not None
        return sign

    # --- templates ------------------------------------------------------------------

    def get_template(self, code: str) -> Template | None:
        with self.store.tx() as db:
            self._settle(db)
            row = db.execute(
                f"SELECT {_TPL_COLS} FROM templates WHERE code=?", (code,)
            ).fetchone()
        return Template(*row) if row else None

    def list_templates(self, offset: int = 0, limit: int = 1000) -> tuple[list[Template], int]:
        with self.store.tx() as db:
            self._settle(db)
            total = db.execute("SELECT COUNT(*) FROM templates").fetchone()[0]
            rows = db.execute(
                f"SELECT {_TPL_COLS} FROM templates ORDER BY created_ms, code LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [Template(*r) for r in rows], total

    def add_template(
        self, name: str, ttype: int, content: str, remark: str, related_sign: str = ""
    ) -> Template:
        now = self.clock.now_ms()
        with self.store.tx() as db:
            n = next_counter(db, "template")
            code = f"SMS_{200000000 + n}"
            status, reason = outcomes.review(self.config, "template", code)
            order = next_counter(db, "order")
            db.execute(
                "INSERT INTO templates VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (code, name, ttype, content, remark, related_sign, REVIEWING, "", status,
                 reason, now, now + int(self.config.review_delay * 1000),
                 f"{2004000000 + order}", 2),
            )
        tpl = self.get_template(code)
        assert tpl is not None
        return tpl
