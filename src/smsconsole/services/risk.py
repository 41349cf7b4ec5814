"""Risk control (风控, product.md §7): the rules every send passes before it is charged.

``screen`` is the one hook in the send service. It runs in the send's transaction, after
the numbers are validated and before the quota is charged, and either

* refuses the whole task (``RiskRefused``, nothing written but the hit): a blocked word
  in the rendered content, a promotion in quiet hours when the setting says refuse, or
  no number left after the per-number rules;
* drops single numbers with Aliyun's code (``Verdict.refused``): the platform
  blacklist, the frequency caps per number (verification codes counted across the whole
  platform, other types per customer) and the customer's daily/monthly limits; the rest
  of the task is still sent;
* holds the task (charged, records pending, not dispatched): a promotion in quiet hours
  (released by ``release_due`` when the window ends) or a task far above the customer's
  usual volume (released or rejected by an admin).

Counting is right under concurrency: the send holds the customer's row lock (per
customer counts) and, on PostgreSQL, a transaction advisory lock per number for
verification codes (platform-wide counts); SQLite has one writer at a time. It is cheap:
one settings read, one word-list read, one query per 900 numbers for the blacklist and
the verification counts, one rollup read for the limits and the volume average.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from smsconsole.services import adminlog, pushes
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import Conflict, Invalid, NotFound, Refused
from smsconsole.services.reports import fail_records
from smsconsole.services.users import get_user
from smsconsole.services.views import Plain
from smsconsole.store.fastsql import Driver
from smsconsole.store.models import (
    AppSetting,
    DailyStat,
    DeliveryStatus,
    OptOut,
    RiskBlacklist,
    RiskEvent,
    RiskHold,
    RiskLimit,
    RiskWord,
    SendRecord,
    SendTask,
    SmsType,
    TaskStatus,
    User,
)

# Aliyun's codes, as the gateway returns them.
BUSINESS_LIMIT = "isv.BUSINESS_LIMIT_CONTROL"
DAY_LIMIT = "isv.DAY_LIMIT_CONTROL"
MONTH_LIMIT = "isv.MONTH_LIMIT_CONTROL"
BLACK_KEY = "isv.BLACK_KEY_CONTROL_LIMIT"
REJECTED_CODE = "RISK_REJECTED"  # err_code of the records of a task an admin rejected

# Rules, in the order the console lists them.
RULES = ("frequency", "day_limit", "month_limit", "word", "blacklist", "quiet_hours", "volume")
RULE_CODES = {"frequency": BUSINESS_LIMIT, "day_limit": DAY_LIMIT, "month_limit": MONTH_LIMIT,
              "word": BLACK_KEY, "blacklist": BLACK_KEY, "quiet_hours": BUSINESS_LIMIT,
              "volume": ""}
CAPPED_TYPES = (SmsType.VERIFICATION, SmsType.NOTIFICATION, SmsType.PROMOTION)
WINDOWS = ("minute", "hour", "day")
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_CAP = 1_000_000_000
_PREFIX = "risk."
_LOCK_SPACE = 17 << 40  # advisory-lock keys of numbers: this offset + the number


class RiskRefused(Refused):
    """The whole task refused by a rule. ``code`` is Aliyun's code for it."""

    def __init__(self, key: str, code: str, rule: str, user_id: int, field: str | None = None,
                 **params: object) -> None:
        super().__init__(key, field, **params)
        self.code = code
        self.rule = rule
        self.user_id = user_id
        self.hits: list[tuple[str, int, str]] = []  # recorded after the rollback


# --- settings --------------------------------------------------------------------------


@dataclass
class RiskSettings:
    """Every setting of the rules. Caps and limits: 0 = off. (``words_version`` is the
    blocked-word list's version, read with them.)"""

    enabled: bool = True  # master switch (all rules)
    verification_minute: int = 1  # platform-wide, per number (Aliyun's defaults)
    verification_hour: int = 5
    verification_day: int = 10
    notification_minute: int = 0  # per customer, per number; off by default
    notification_hour: int = 0
    notification_day: int = 0
    promotion_minute: int = 0
    promotion_hour: int = 0
    promotion_day: int = 0
    day_limit: int = 0  # messages a customer may send a day (default for every customer)
    month_limit: int = 0
    quiet_mode: str = "off"  # off | hold | refuse (promotions only)
    quiet_start: str = "22:00"
    quiet_end: str = "08:00"
    volume_hold: bool = False
    volume_multiple: int = 10  # held above this × the customer's 30-day daily average...
    volume_floor: int = 1000  # ...when the task has more numbers than this
    volume_absolute: int = 50_000  # held above this many numbers whatever the average
    words_version: str = field(default="0", compare=False, repr=False)  # not a setting

    def cap(self, sms_type: SmsType, window: str) -> int:
        return getattr(self, f"{sms_type.value}_{window}", 0)


SETTING_FIELDS = [f for f in fields(RiskSettings) if f.name != "words_version"]
QUIET_MODES = ("off", "hold", "refuse")
_BOOLS = {"enabled", "volume_hold"}
_TEXTS = {"quiet_mode", "quiet_start", "quiet_end"}


def _to_store(value) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


def load_settings(s: Session) -> RiskSettings:
    """The settings (one plain query: every send reads them)."""
    rows = dict(Driver(s).rows("SELECT key, value FROM app_setting WHERE key LIKE ?",
                               (_PREFIX + "%",)))
    out = RiskSettings()
    out.words_version = rows.get(_PREFIX + "words_version", "0")
    for f in SETTING_FIELDS:
        raw = rows.get(_PREFIX + f.name)
        if raw is None:
            continue
        try:
            if f.name in _BOOLS:
                setattr(out, f.name, raw == "1")
            elif f.name in _TEXTS:
                setattr(out, f.name, raw)
            else:
                setattr(out, f.name, int(raw))
        except ValueError:
            pass  # never stored (validated); keep the default
    return out


def validate_settings(data: dict) -> RiskSettings:
    """Settings from a form (strings or values); the first bad field raises ``Invalid``
    naming it."""
    out = RiskSettings()
    for f in SETTING_FIELDS:
        if f.name not in data:
            continue
        raw = data[f.name]
        if f.name in _BOOLS:
            value = raw if isinstance(raw, bool) else str(raw).strip().lower() in (
                "1", "true", "yes", "on")
        elif f.name == "quiet_mode":
            value = str(raw).strip()
            if value not in QUIET_MODES:
                raise Invalid("error.risk.quiet_mode", f.name)
        elif f.name in ("quiet_start", "quiet_end"):
            value = str(raw).strip()
            if not HHMM.match(value):
                raise Invalid("error.risk.hhmm", f.name, value=value)
        elif f.name in ("volume_multiple", "volume_absolute"):
            value = v.positive_int(raw, f.name, maximum=MAX_CAP)
        else:
            value = v.positive_int(raw, f.name, maximum=MAX_CAP, allow_zero=True)
        setattr(out, f.name, value)
    for kind in CAPPED_TYPES:
        caps = [(w, out.cap(kind, w)) for w in WINDOWS]
        for i, (w1, c1) in enumerate(caps):
            if c1 and any(c2 and c1 > c2 for _, c2 in caps[i + 1:]):
                raise Invalid("error.risk.cap_order", f"{kind.value}_{w1}")
    if out.day_limit and out.month_limit and out.day_limit > out.month_limit:
        raise Invalid("error.risk.day_over_month", "day_limit")
    if out.quiet_start == out.quiet_end:
        raise Invalid("error.risk.quiet_empty", "quiet_end")
    return out


def in_quiet_hours(st: RiskSettings, local: datetime) -> datetime | None:
    """The end of the quiet window (aware, in ``local``'s zone) when ``local`` is inside
    it, else None. The window may cross midnight (22:00-08:00)."""
    start = time.fromisoformat(st.quiet_start)
    end = time.fromisoformat(st.quiet_end)
    now_t = local.timetz().replace(tzinfo=None)
    if start < end:
        inside = start <= now_t < end
        end_day = local.date()
    else:
        inside = now_t >= start or now_t < end
        end_day = local.date() + timedelta(days=1) if now_t >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=local.tzinfo)


# --- matching ----------------------------------------------------------------------------


def normalize_text(raw: str) -> str:
    """The matching form: NFKC (full-width → half-width), casefolded, without spaces,
    punctuation, symbols or control characters, so ``代 开 发 票`` and ``ＶＸ`` match."""
    folded = unicodedata.normalize("NFKC", raw or "").casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


_WORDS_VERSION = _PREFIX + "words_version"  # bumped with every change to the list
_words_cache: dict[str, tuple[str, list[tuple[str, str]]]] = {}  # db url -> (version, words)


def _bump_words(s: Session) -> None:
    """In the transaction that changes the list: a new version, so every process's cached
    list (checked on each send with the settings, no extra query) is read again."""
    token = uuid.uuid4().hex  # never reused, even by a database rebuilt under the same URL
    row = s.get(AppSetting, _WORDS_VERSION, with_for_update=True)
    if row is None:
        s.add(AppSetting(key=_WORDS_VERSION, value=token))
    else:
        row.value = token


def _word_list(s: Session, version: str) -> list[tuple[str, str]]:
    key = str(s.get_bind().url)
    cached = _words_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    words = [(w, n) for w, n in s.execute(select(RiskWord.word, RiskWord.norm)
                                          .order_by(RiskWord.id)) if n]
    _words_cache[key] = (version, words)
    return words


def blocked_word(s: Session, content: str, version: str | None = None) -> str | None:
    """The first blocked word found in ``content`` (its listed form), else None.
    ``version``: the list's version from the settings (None: read it now)."""
    norm = normalize_text(content)
    if not norm:
        return None
    if version is None:
        row = s.get(AppSetting, _WORDS_VERSION)
        version = row.value if row else "0"
    for word, w_norm in _word_list(s, version):
        if w_norm in norm:
            return word
    return None


# --- the hook --------------------------------------------------------------------------


@dataclass
class Verdict:
    refused: dict[str, str] = field(default_factory=dict)  # number -> Aliyun code
    hold: str = ""  # "" | quiet_hours | volume
    hold_until: datetime | None = None
    hold_detail: str = ""
    hits: list[tuple[str, int, str]] = field(default_factory=list)  # (rule, count, detail)

    @property
    def held(self) -> bool:
        return bool(self.hold)

    @property
    def task_status(self) -> TaskStatus:
        return TaskStatus.HELD if self.hold else TaskStatus.SENDING


def _lock_numbers(s: Session, phones: list[str]) -> None:
    """PostgreSQL: a transaction lock per number, in order (no deadlock), so two
    customers' verification sends to one number count one after the other."""
    if s.get_bind().dialect.name != "postgresql" or not phones:
        return
    keys = sorted({_LOCK_SPACE + int(p) for p in phones if p.isdigit()})
    s.execute(text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) "
                   "AS k ORDER BY k"), {"keys": keys})


def _frequency(s: Session, ctx: Context, st: RiskSettings, user_id: int, sms_type: SmsType,
               phones: list[str], now: datetime) -> set[str]:
    """The numbers over a frequency cap for this type (one more message each)."""
    caps = {w: st.cap(sms_type, w) for w in WINDOWS}
    if sms_type not in CAPPED_TYPES or not any(caps.values()):
        return set()
    platform = sms_type == SmsType.VERIFICATION
    if platform:
        _lock_numbers(s, phones)
    starts = {"minute": now - timedelta(minutes=1), "hour": now - timedelta(hours=1),
              "day": ctx.clock.day_start(ctx.clock.day_of(now))}
    since = min(starts[w] for w, c in caps.items() if c)
    counts = {w: Counter() for w in WINDOWS}
    db = Driver(s)  # plain SQL: the hot path of every send (ix_record_phone_time)
    scope = "" if platform else " AND user_id = ?"
    for start in range(0, len(phones), 900):
        chunk = phones[start:start + 900]
        rows = db.rows(f"SELECT phone, send_time FROM send_record WHERE phone IN "
                       f"({db.marks(len(chunk))}) AND send_time >= ? AND sms_type = ?{scope}",
                       [*chunk, db.time_in(since), sms_type.value,
                        *(() if platform else (user_id,))])
        for phone, raw in rows:
            sent = db.time_out(raw)
            for w in WINDOWS:
                if caps[w] and sent >= starts[w]:
                    counts[w][phone] += 1
    return {p for w in WINDOWS if caps[w] for p, n in counts[w].items() if n + 1 > caps[w]}


def _customer_limits(s: Session, st: RiskSettings, user_id: int) -> tuple[int, int]:
    rows = Driver(s).rows("SELECT day_limit, month_limit FROM risk_limit WHERE user_id = ?",
                          (user_id,))
    own_day, own_month = rows[0] if rows else (None, None)
    return (st.day_limit if own_day is None else own_day,
            st.month_limit if own_month is None else own_month)


def _volumes(s: Session, ctx: Context, user_id: int, today: date) -> tuple[int, int, float]:
    """(today's messages, this month's, the daily average of the 30 days before today),
    from the daily rollup (one short index read)."""
    month_start = today.replace(day=1)
    first = min(month_start, today - timedelta(days=30))
    db = Driver(s)
    per_day = {d if isinstance(d, date) else date.fromisoformat(d): n for d, n in db.rows(
        "SELECT day, SUM(total) FROM daily_stat WHERE user_id = ? AND day >= ? AND day <= ? "
        "GROUP BY day", (user_id, db.day_in(first), db.day_in(today)))}
    month = sum(int(n or 0) for d, n in per_day.items() if d >= month_start)
    before = sum(int(n or 0) for d, n in per_day.items()
                 if today - timedelta(days=30) <= d < today)
    return int(per_day.get(today, 0) or 0), month, before / 30


@dataclass
class Batch:
    """What screening remembers across the sends of one transaction (a gateway group):
    the settings, each customer's own limits, and each customer's messages written but
    not in the daily rollup yet (written once, at the end), which the day and month
    limits count."""

    settings: RiskSettings
    limits: dict[int, tuple[int, int]] = field(default_factory=dict)
    uncounted: Counter = field(default_factory=Counter)


def screen(s: Session, ctx: Context, p, now: datetime, batch: Batch | None = None) -> Verdict:
    """Apply the rules to a prepared send ``p`` (sending._Prepared): drops refused
    numbers from ``p.phones``, returns the verdict, or raises ``RiskRefused``."""
    st = batch.settings if batch is not None else load_settings(s)
    verdict = Verdict()
    if not st.enabled:
        return verdict
    sms_type = p.template.sms_type
    user_id = p.user_id

    def refuse(key: str, code: str, rule: str, **params) -> RiskRefused:
        exc = RiskRefused(key, code, rule, user_id, "phones" if rule != "word" else "params",
                          **params)
        exc.hits = verdict.hits + [(rule, 1, str(params.get("detail", ""))[:256])]
        return exc

    word = blocked_word(s, p.content, st.words_version)
    if word is not None:
        raise refuse("error.risk.blocked_word", BLACK_KEY, "word", word=word, detail=word)
    if sms_type == SmsType.PROMOTION and st.quiet_mode != "off":
        end = in_quiet_hours(st, now.astimezone(ctx.clock.tz))
        if end is not None:
            window = f"{st.quiet_start}-{st.quiet_end}"
            if st.quiet_mode == "refuse":
                raise refuse("error.risk.quiet_hours", BUSINESS_LIMIT, "quiet_hours",
                             window=window, detail=window)
            verdict.hold, verdict.hold_until, verdict.hold_detail = "quiet_hours", end, window
            verdict.hits.append(("quiet_hours", 1, window))

    phones = p.phones
    black: set[str] = set()
    db = Driver(s)
    for start in range(0, len(phones), 900):
        chunk = phones[start:start + 900]
        black.update(r[0] for r in db.rows(
            f"SELECT phone FROM risk_blacklist WHERE phone IN ({db.marks(len(chunk))})", chunk))
    over = _frequency(s, ctx, st, user_id, sms_type, [x for x in phones if x not in black], now)
    for phone in phones:
        if phone in black:
            verdict.refused[phone] = BLACK_KEY
        elif phone in over:
            verdict.refused[phone] = BUSINESS_LIMIT
    if black:
        verdict.hits.append(("blacklist", len(black), ""))
    if over:
        verdict.hits.append(("frequency", len(over), sms_type.value))
    phones = [x for x in phones if x not in verdict.refused]

    if batch is None:
        day_cap, month_cap = _customer_limits(s, st, user_id)
    else:
        if user_id not in batch.limits:
            batch.limits[user_id] = _customer_limits(s, st, user_id)
        day_cap, month_cap = batch.limits[user_id]
    need_volumes = day_cap or month_cap or st.volume_hold
    if need_volumes and phones:
        today = ctx.clock.day_of(now)
        sent_today, sent_month, average = _volumes(s, ctx, user_id, today)
        if batch is not None:
            uncounted = batch.uncounted[user_id]
            sent_today, sent_month = sent_today + uncounted, sent_month + uncounted
        allowed = len(phones)
        rule = ""
        if day_cap and sent_today + allowed > day_cap:
            allowed, rule = max(0, day_cap - sent_today), "day_limit"
        if month_cap and sent_month + allowed > month_cap:
            allowed, rule = max(0, month_cap - sent_month), "month_limit"
        if rule:
            for phone in phones[allowed:]:
                verdict.refused[phone] = RULE_CODES[rule]
            verdict.hits.append((rule, len(phones) - allowed, ""))
            phones = phones[:allowed]
        if st.volume_hold and phones and not verdict.hold:
            n = len(phones)
            usual = st.volume_multiple * average
            if n > st.volume_absolute or (n > st.volume_floor and n > usual):
                verdict.hold = "volume"
                verdict.hold_detail = f"{n} / {average:.1f}"
                verdict.hits.append(("volume", 1, verdict.hold_detail))
    if not phones:
        code = next(iter(verdict.refused.values()))
        rule = next(r for r, c in RULE_CODES.items() if c == code and
                    any(h[0] == r for h in verdict.hits))
        exc = RiskRefused("error.risk.all_refused", code, rule, user_id, "phones",
                          aliyun_code=code, count=len(verdict.refused))
        exc.hits = verdict.hits
        raise exc
    p.phones = phones
    return verdict


def attach(s: Session, ctx: Context, task: SendTask, verdict: Verdict, now: datetime) -> None:
    """After the task row exists (same transaction): its hold and this send's hits."""
    _record_hits(s, ctx, task.user_id, task.id, verdict.hits, now)
    if verdict.hold:
        s.add(RiskHold(task_id=task.id, user_id=task.user_id, kind=verdict.hold,
                       detail=verdict.hold_detail[:256], created_at=now,
                       hold_until=verdict.hold_until, status="waiting"))


def _record_hits(s: Session, ctx: Context, user_id: int, task_id: int | None,
                 hits: list[tuple[str, int, str]], now: datetime) -> None:
    if not hits:
        return
    day = ctx.clock.day_of(now)
    s.add_all([RiskEvent(at=now, day=day, user_id=user_id, rule=rule, task_id=task_id,
                         count=count, detail=detail[:256]) for rule, count, detail in hits])


@contextmanager
def counting_refusals(ctx: Context):
    """Around the send's transaction: a whole-task refusal rolled everything back, so its
    hit is written in a transaction of its own."""
    try:
        yield
    except RiskRefused as exc:
        record_refusal(ctx, exc)
        raise


def record_refusal(ctx: Context, exc: RiskRefused) -> None:
    """A whole-task refusal's hits, in a transaction of their own (the send's was rolled
    back, or never wrote the refused task)."""
    if exc.hits:
        with ctx.store.session() as s:
            _record_hits(s, ctx, exc.user_id, None, exc.hits, ctx.clock.now())


def held_outcome(outcome_cls, task_id: int, p, verdict: Verdict):
    """The outcome of a held send: charged, records pending, nothing dispatched yet."""
    return outcome_cls(task_id=task_id, accepted=len(p.phones), invalid=p.invalid,
                       duplicates=p.duplicates, opted_out=p.opted_out,
                       segments_each=p.segments, charged=p.segments * len(p.phones),
                       status=TaskStatus.HELD, result_code="OK", result_message="held",
                       biz_ids=[], refused=dict(verdict.refused))


# --- the admin side --------------------------------------------------------------------


@dataclass(frozen=True)
class HeldRow:
    task_id: int
    user_id: int
    account: str
    user_name: str
    created_at: datetime
    kind: str
    detail: str
    hold_until: datetime | None
    numbers: int
    content: str
    status: str
    reason: str
    sms_type: SmsType


_CODE = re.compile(r"\d{4,8}")


def _held_row(row) -> HeldRow:
    """A held task as the console shows it: a verification code in the content is masked
    (codes are secrets, never on a screen)."""
    held = HeldRow(*row)
    if held.sms_type == SmsType.VERIFICATION:
        held = replace(held, content=_CODE.sub(lambda m: "*" * len(m.group(0)), held.content))
    return held


@dataclass(frozen=True)
class RiskWordView(Plain):
    """A blocked word, as ``add_word`` and ``words`` return it."""

    id: int
    word: str
    norm: str  # its matching form
    created_at: datetime


@dataclass(frozen=True)
class BlacklistView(Plain):
    """A blacklisted number, as ``add_number`` and ``numbers`` return it."""

    phone: str
    note: str
    created_at: datetime


@dataclass(frozen=True)
class ImportResult:
    added: int
    existing: int
    bad: list[tuple[int, str]]  # (line number, the line) of the lines not imported


@dataclass(frozen=True)
class CustomerRisk:
    day_limit: int | None  # the customer's own (None = platform default)
    month_limit: int | None
    effective_day: int  # what applies (0 = none)
    effective_month: int
    opt_outs: int
    recent_hits: list[RiskEvent]


class RiskService:
    def __init__(self, ctx: Context, cloud=None) -> None:
        self.ctx = ctx
        self.cloud = cloud

    # settings

    def settings(self) -> RiskSettings:
        with self.ctx.store.read() as s:
            return load_settings(s)

    def save_settings(self, actor: Actor, data: dict) -> RiskSettings:
        """Validate every field (``Invalid`` names the first bad one, nothing saved),
        then store the changes with the admin log in one transaction."""
        current = self.settings()
        merged = {f.name: getattr(current, f.name) for f in SETTING_FIELDS}
        merged.update(data)
        new = validate_settings(merged)
        with self.ctx.store.session() as s:
            old = load_settings(s)
            changed = adminlog.changes(
                {f.name: getattr(old, f.name) for f in SETTING_FIELDS},
                {f.name: getattr(new, f.name) for f in SETTING_FIELDS})
            if not changed:
                return new
            for name in changed:
                key = _PREFIX + name
                row = s.get(AppSetting, key)
                value = _to_store(getattr(new, name))
                if row is None:
                    s.add(AppSetting(key=key, value=value))
                else:
                    row.value = value
            adminlog.record(s, self.ctx, actor, "risk.settings", target_type="risk",
                            target="risk", detail=changed)
        return new

    def set_customer_limits(self, actor: Actor, user_id: int, day_limit, month_limit) -> None:
        """A customer's own limits; blank = the platform default, 0 = no limit."""
        def parse(raw, name):
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                return None
            return v.positive_int(raw, name, maximum=MAX_CAP, allow_zero=True)

        day, month = parse(day_limit, "day_limit"), parse(month_limit, "month_limit")
        if day and month and day > month:
            raise Invalid("error.risk.day_over_month", "day_limit")
        with self.ctx.store.session() as s:
            user = get_user(s, user_id)
            row = s.get(RiskLimit, user_id)
            old = {"day_limit": row.day_limit if row else None,
                   "month_limit": row.month_limit if row else None}
            new = {"day_limit": day, "month_limit": month}
            changed = adminlog.changes(old, new)
            if not changed:
                return
            if row is None:
                s.add(RiskLimit(user_id=user_id, day_limit=day, month_limit=month,
                                updated_at=self.ctx.clock.now()))
            else:
                row.day_limit, row.month_limit = day, month
                row.updated_at = self.ctx.clock.now()
            adminlog.record(s, self.ctx, actor, "risk.limits", target_type="user",
                            target_id=user.id, target=user.account, detail=changed)

    def customer(self, user_id: int, hits: int = 10) -> CustomerRisk:
        with self.ctx.store.read() as s:
            get_user(s, user_id)
            st = load_settings(s)
            row = s.get(RiskLimit, user_id)
            day, month = _customer_limits(s, st, user_id)
            opt = s.scalar(select(func.count()).select_from(OptOut)
                           .where(OptOut.user_id == user_id)) or 0
            recent = list(s.scalars(select(RiskEvent).where(RiskEvent.user_id == user_id)
                                    .order_by(RiskEvent.at.desc(), RiskEvent.id.desc())
                                    .limit(hits)))
            return CustomerRisk(row.day_limit if row else None, row.month_limit if row else None,
                                day, month, int(opt), recent)

    # blocked words

    def _word(self, raw: str) -> tuple[str, str]:
        word = v.text(raw, "word", max_len=64)
        norm = normalize_text(word)
        if not norm:
            raise Invalid("error.risk.word_empty", "word")
        return word, norm[:64]

    def add_word(self, actor: Actor, raw: str) -> RiskWordView:
        word, norm = self._word(raw)
        with self.ctx.store.session() as s:
            if s.scalar(select(RiskWord.id).where(RiskWord.norm == norm)) is not None:
                raise Conflict("error.risk.word_exists", "word", word=word)
            row = RiskWord(word=word, norm=norm, created_at=self.ctx.clock.now())
            s.add(row)
            s.flush()
            _bump_words(s)
            adminlog.record(s, self.ctx, actor, "risk.word.add", target_type="risk_word",
                            target_id=row.id, target=word)
            return RiskWordView.of(row)

    def remove_word(self, actor: Actor, word_id: int) -> None:
        with self.ctx.store.session() as s:
            row = s.get(RiskWord, word_id)
            if row is None:
                raise NotFound("error.risk.word_not_found", id=word_id)
            s.delete(row)
            _bump_words(s)
            adminlog.record(s, self.ctx, actor, "risk.word.remove", target_type="risk_word",
                            target_id=word_id, target=row.word)

    def words(self, search: str = "", limit: int = 500) -> list[RiskWordView]:
        with self.ctx.store.read() as s:
            stmt = select(RiskWord).order_by(RiskWord.word, RiskWord.id).limit(limit)
            if search.strip():
                stmt = stmt.where(RiskWord.norm.like(f"%{normalize_text(search)}%")
                                  | RiskWord.word.like(f"%{search.strip()}%"))
            return [RiskWordView.of(w) for w in s.scalars(stmt)]

    def import_words(self, actor: Actor, lines: list[str], partial: bool = False) -> ImportResult:
        """One word a line (blank lines and ``#`` comments skipped). Bad lines refuse the
        whole file unless ``partial``."""
        good: dict[str, str] = {}
        bad: list[tuple[int, str]] = []
        for no, line in _content_lines(lines):
            try:
                word, norm = self._word(line)
            except Invalid:
                bad.append((no, line))
                continue
            good.setdefault(norm, word)
        return self._import(actor, "risk.word.import", good, bad, partial, self._store_words)

    def _store_words(self, s: Session, good: dict[str, str]) -> tuple[int, int]:
        have = set()
        keys = list(good)
        for start in range(0, len(keys), 900):
            have.update(s.scalars(select(RiskWord.norm)
                                  .where(RiskWord.norm.in_(keys[start:start + 900]))))
        now = self.ctx.clock.now()
        new = [RiskWord(word=w, norm=n, created_at=now) for n, w in good.items() if n not in have]
        s.add_all(new)
        if new:
            _bump_words(s)
        return len(new), len(have)

    # blacklist

    def add_number(self, actor: Actor, raw: str, note: str = "") -> BlacklistView:
        phone = v.mobile(raw, "phone")
        note = v.text(note, "note", max_len=256, required=False)
        with self.ctx.store.session() as s:
            if s.get(RiskBlacklist, phone) is not None:
                raise Conflict("error.risk.number_exists", "phone", phone=phone)
            row = RiskBlacklist(phone=phone, note=note, created_at=self.ctx.clock.now())
            s.add(row)
            adminlog.record(s, self.ctx, actor, "risk.blacklist.add", target_type="phone",
                            target_id=phone, target=phone, detail=note or None)
            return BlacklistView.of(row)

    def remove_number(self, actor: Actor, raw: str) -> None:
        phone = v.normalize_phone(raw) or str(raw)
        with self.ctx.store.session() as s:
            row = s.get(RiskBlacklist, phone)
            if row is None:
                raise NotFound("error.risk.number_not_found", phone=phone)
            s.delete(row)
            adminlog.record(s, self.ctx, actor, "risk.blacklist.remove", target_type="phone",
                            target_id=phone, target=phone)

    def numbers(self, search: str = "", limit: int = 500) -> list[BlacklistView]:
        with self.ctx.store.read() as s:
            stmt = select(RiskBlacklist).order_by(RiskBlacklist.phone).limit(limit)
            if search.strip():
                stmt = stmt.where(RiskBlacklist.phone.like(f"%{search.strip()}%")
                                  | RiskBlacklist.note.like(f"%{search.strip()}%"))
            return [BlacklistView.of(b) for b in s.scalars(stmt)]

    def import_numbers(self, actor: Actor, lines: list[str], partial: bool = False) -> ImportResult:
        """One number a line, optionally ``,note``. Bad lines refuse the whole file unless
        ``partial``."""
        good: dict[str, str] = {}
        bad: list[tuple[int, str]] = []
        for no, line in _content_lines(lines):
            number, _, note = line.partition(",")
            phone = v.normalize_phone(number.strip())
            if phone is None or len(note.strip()) > 256:
                bad.append((no, line))
                continue
            good.setdefault(phone, note.strip())
        return self._import(actor, "risk.blacklist.import", good, bad, partial,
                            self._store_numbers)

    def _store_numbers(self, s: Session, good: dict[str, str]) -> tuple[int, int]:
        have = set()
        keys = list(good)
        for start in range(0, len(keys), 900):
            have.update(s.scalars(select(RiskBlacklist.phone)
                                  .where(RiskBlacklist.phone.in_(keys[start:start + 900]))))
        now = self.ctx.clock.now()
        new = [RiskBlacklist(phone=p, note=n, created_at=now) for p, n in good.items()
               if p not in have]
        s.add_all(new)
        return len(new), len(have)

    def _import(self, actor, action, good, bad, partial, store) -> ImportResult:
        if bad and not partial:
            shown = ", ".join(str(no) for no, _ in bad[:20]) + (" …" if len(bad) > 20 else "")
            raise Invalid("error.risk.import_bad_lines", "path", lines=shown, count=len(bad))
        if not good:
            raise Invalid("error.risk.import_empty", "path")
        with self.ctx.store.session() as s:
            added, existing = store(s, good)
            adminlog.record(s, self.ctx, actor, action, target_type="risk",
                            target=action.split(".")[1],
                            detail={"added": added, "existing": existing,
                                    "bad_lines": [no for no, _ in bad]})
        return ImportResult(added, existing, bad)

    # held tasks

    def _held_select(self):
        return (select(RiskHold.task_id, RiskHold.user_id, User.account, User.name,
                       RiskHold.created_at, RiskHold.kind, RiskHold.detail, RiskHold.hold_until,
                       SendTask.numbers, SendTask.content, RiskHold.status, RiskHold.reason,
                       SendTask.sms_type)
                .join(User, User.id == RiskHold.user_id)
                .join(SendTask, SendTask.id == RiskHold.task_id))

    def held(self, status: str = "waiting", limit: int = 200) -> list[HeldRow]:
        with self.ctx.store.read() as s:
            stmt = self._held_select().order_by(RiskHold.created_at, RiskHold.task_id)
            if status:
                stmt = stmt.where(RiskHold.status == status)
            return [_held_row(r) for r in s.execute(stmt.limit(limit))]

    def held_task(self, task_id: int) -> HeldRow:
        with self.ctx.store.read() as s:
            row = s.execute(self._held_select().where(RiskHold.task_id == task_id)).first()
            if row is None:
                raise NotFound("error.risk.hold_not_found", id=task_id)
            return _held_row(row)

    def waiting_count(self) -> int:
        with self.ctx.store.read() as s:
            return int(s.scalar(select(func.count()).select_from(RiskHold)
                                .where(RiskHold.status == "waiting")) or 0)

    def customer_days(self, user_id: int, days: int = 30) -> list[tuple[date, int]]:
        """The customer's messages a day over the last ``days`` days (oldest first)."""
        today = self.ctx.clock.today()
        first = today - timedelta(days=days - 1)
        with self.ctx.store.read() as s:
            got = dict(s.execute(select(DailyStat.day, func.sum(DailyStat.total))
                                 .where(DailyStat.user_id == user_id, DailyStat.day >= first)
                                 .group_by(DailyStat.day)).all())
        return [(first + timedelta(days=i), int(got.get(first + timedelta(days=i), 0) or 0))
                for i in range(days)]

    def _decide(self, s: Session, actor: Actor, task_id: int, status: str, reason: str) -> RiskHold:
        hold = s.scalar(select(RiskHold).where(RiskHold.task_id == task_id).with_for_update())
        if hold is None:
            raise NotFound("error.risk.hold_not_found", id=task_id)
        done = s.execute(update(RiskHold)
                         .where(RiskHold.task_id == task_id, RiskHold.status == "waiting")
                         .values(status=status, decided_at=self.ctx.clock.now(),
                                 decided_by=actor.name[:64], reason=reason[:256])
                         .execution_options(synchronize_session=False)).rowcount
        if done != 1:
            raise Conflict("error.risk.hold_decided", id=task_id)
        s.refresh(hold)
        return hold

    def release(self, actor: Actor, task_id: int):
        """Send a held task now (its quota was charged when it was held)."""
        # A true cycle, left for now: services.sending imports this module at its top.
        from smsconsole.services.sending import SendService, _Prepared, out_id_nonce

        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            hold = self._decide(s, actor, task_id, "released", "")
            task = s.get(SendTask, task_id)
            user = s.get(User, task.user_id)
            # beat_at: a live sender owns the task from now (else reconciliation takes it).
            s.execute(update(SendTask).where(SendTask.id == task_id)
                      .values(status=TaskStatus.SENDING, beat_at=now)
                      .execution_options(synchronize_session=False))
            rows = s.execute(select(SendRecord.phone, SendRecord.out_id)
                             .where(SendRecord.task_id == task_id,
                                    SendRecord.status == DeliveryStatus.PENDING)
                             .order_by(SendRecord.id)).all()
            phones = [r.phone for r in rows]
            # The records carry the OutIds their calls will use (sending.out_id_for):
            # the dispatch must use the same nonce for reconciliation to find them.
            nonce = out_id_nonce(rows[0].out_id) if rows else ""
            adminlog.record(s, self.ctx, actor, "risk.hold.release", target_type="task",
                            target_id=task_id, target=f"{user.account} #{task_id}",
                            detail={"kind": hold.kind, "numbers": len(phones)})
            p = _Prepared(task.user_id, SimpleNamespace(code=task.template_code,
                                                        sms_type=task.sms_type),
                          task.sign_name, task.content, task.segments_each, task.params_json,
                          phones, [], task.duplicate_numbers, task.opted_out_numbers)
        return SendService(self.ctx, self.cloud)._dispatch(task_id, p, now, nonce)

    def reject(self, actor: Actor, task_id: int, reason: str) -> None:
        """Refuse a held task: its records fail with the reason (what the customer sees in
        their records and reports) and their quota comes back."""
        reason = v.text(reason, "reason", max_len=200)
        with self.ctx.store.session() as s:
            hold = self._decide(s, actor, task_id, "rejected", reason)
            task = s.get(SendTask, task_id)
            user = s.get(User, task.user_id)
            ids = list(s.scalars(select(SendRecord.id).where(
                SendRecord.task_id == task_id, SendRecord.status == DeliveryStatus.PENDING)))
            fail_records(s, self.ctx, ids, REJECTED_CODE, reason, refund=True)
            pushes.enqueue_records(s, self.ctx, ids)  # the customer's report, same commit
            s.execute(update(SendTask).where(SendTask.id == task_id)
                      .values(status=TaskStatus.REJECTED, result_code=REJECTED_CODE,
                              result_message=reason)
                      .execution_options(synchronize_session=False))
            adminlog.record(s, self.ctx, actor, "risk.hold.reject", target_type="task",
                            target_id=task_id, target=f"{user.account} #{task_id}",
                            detail={"kind": hold.kind, "numbers": len(ids), "reason": reason})

    def release_due(self, limit: int = 100) -> int:
        """Quiet-hour holds whose window has ended are sent (the worker calls this)."""
        now = self.ctx.clock.now()
        with self.ctx.store.read() as s:
            due = list(s.scalars(select(RiskHold.task_id)
                                 .where(RiskHold.status == "waiting",
                                        RiskHold.kind == "quiet_hours",
                                        RiskHold.hold_until <= now)
                                 .order_by(RiskHold.hold_until).limit(limit)))
        done = 0
        for task_id in due:
            try:
                self.release(Actor.system("risk"), task_id)
                done += 1
            except Conflict:
                continue  # another worker released it
        return done

    # hits

    def hits_today(self) -> dict[str, int]:
        today = self.ctx.clock.today()
        with self.ctx.store.read() as s:
            got = dict(s.execute(select(RiskEvent.rule, func.sum(RiskEvent.count))
                                 .where(RiskEvent.day == today)
                                 .group_by(RiskEvent.rule)).all())
        return {r: int(got.get(r, 0) or 0) for r in RULES}

    def trend(self, days: int = 30) -> list[tuple[date, dict[str, int]]]:
        today = self.ctx.clock.today()
        first = today - timedelta(days=days - 1)
        out = {first + timedelta(days=i): {r: 0 for r in RULES} for i in range(days)}
        with self.ctx.store.read() as s:
            for day, rule, n in s.execute(select(RiskEvent.day, RiskEvent.rule,
                                                 func.sum(RiskEvent.count))
                                          .where(RiskEvent.day >= first)
                                          .group_by(RiskEvent.day, RiskEvent.rule)):
                if day in out and rule in out[day]:
                    out[day][rule] = int(n or 0)
        return sorted(out.items())


def read_lines(path: str, field: str = "path") -> list[str]:
    """The lines of an import file (UTF-8, BOM allowed); ``Invalid`` on ``field`` when it
    cannot be read."""
    raw = (path or "").strip()
    if not raw:
        raise Invalid("error.field.required", field)
    try:
        return Path(raw).expanduser().read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise Invalid("error.risk.file_missing", field, path=raw) from None
    except (OSError, UnicodeDecodeError):
        raise Invalid("error.risk.file_unreadable", field, path=raw) from None


def _content_lines(lines: list[str]):
    for no, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if line and not line.startswith("#"):
            yield no, line
