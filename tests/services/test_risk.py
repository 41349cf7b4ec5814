"""Risk control (风控) on the real send path: SQLite and PostgreSQL, the SDK against the
sandbox, concurrent senders in threads and processes."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from smsconsole.services.errors import Conflict, Invalid
from smsconsole.services.risk import (
    BLACK_KEY,
    BUSINESS_LIMIT,
    DAY_LIMIT,
    MONTH_LIMIT,
    REJECTED_CODE,
    RiskRefused,
    in_quiet_hours,
    normalize_text,
    validate_settings,
)
from smsconsole.services.sending import SendRequest
from smsconsole.store.models import (
    AdminLog,
    AppSetting,
    DeliveryStatus,
    Holding,
    RiskEvent,
    SendRecord,
    SmsType,
    TaskStatus,
)
from tests import factories as f
from tests.services.cloudseed import sender, verification_sign
from tests.services.test_sending import params_for, request


@pytest.fixture
def admin(cloud_services):
    from smsconsole.services import Actor

    a = cloud_services.auth.login("admin@example.com", f.PASSWORD)
    return Actor(a.admin_id, a.name)


def number() -> str:
    """A fresh number: the sandbox (and its own 1-a-minute limit) outlives each test."""
    return f"135{random.randrange(10**8):08d}"


def hits(svc, rule: str) -> int:
    with svc.store.read() as s:
        return int(s.scalar(select(func.coalesce(func.sum(RiskEvent.count), 0))
                            .where(RiskEvent.rule == rule)))


def used(svc, user_id: int) -> int:
    with svc.store.read() as s:
        return int(s.scalar(select(func.coalesce(func.sum(Holding.used), 0))
                            .where(Holding.user_id == user_id)))


def ver_request(svc, who, phones):
    return request(svc, who, phones, SmsType.VERIFICATION, verification_sign(svc))


# --- settings ------------------------------------------------------------------------------

@pytest.mark.parametrize("data, field", [
    ({"verification_minute": -1}, "verification_minute"),
    ({"notification_day": "abc"}, "notification_day"),
    ({"verification_minute": 6, "verification_hour": 5}, "verification_minute"),
    ({"promotion_hour": 20, "promotion_day": 10}, "promotion_hour"),
    ({"day_limit": 100, "month_limit": 50}, "day_limit"),
    ({"quiet_start": "25:00"}, "quiet_start"),
    ({"quiet_start": "08:00", "quiet_end": "08:00"}, "quiet_end"),
    ({"quiet_mode": "maybe"}, "quiet_mode"),
    ({"volume_multiple": 0}, "volume_multiple"),
    ({"volume_absolute": -5}, "volume_absolute"),
    ({"volume_floor": -1}, "volume_floor"),
])
def test_bad_settings_name_the_field_and_save_nothing(cloud_services, admin, data, field):
    svc = cloud_services
    with pytest.raises(Invalid) as info:
        svc.risk.save_settings(admin, data)
    assert info.value.field == field
    assert info.value.message("zh") and info.value.message("en") != info.value.key
    with svc.store.read() as s:
        assert s.scalar(select(func.count()).select_from(AppSetting)
                        .where(AppSetting.key.like("risk.%"))) == 0
        assert s.scalar(select(func.count()).select_from(AdminLog)
                        .where(AdminLog.action == "risk.settings")) == 0


def test_settings_saved_with_the_admin_log(cloud_services, admin):
    svc = cloud_services
    assert svc.risk.settings().verification_minute == 1  # Aliyun's defaults
    assert (svc.risk.settings().verification_hour, svc.risk.settings().verification_day) == (5, 10)
    svc.risk.save_settings(admin, {"verification_hour": "4", "quiet_mode": "hold"})
    st = svc.risk.settings()
    assert st.verification_hour == 4 and st.quiet_mode == "hold" and st.verification_day == 10
    with svc.store.read() as s:
        log = s.scalars(select(AdminLog).where(AdminLog.action == "risk.settings")).one()
    assert '"verification_hour": [5, 4]' in log.detail and "quiet_mode" in log.detail


def test_quiet_window_across_midnight():
    st = validate_settings({"quiet_start": "22:00", "quiet_end": "08:00"})
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    assert in_quiet_hours(st, datetime(2026, 11, 25, 21, 59, tzinfo=sh)) is None
    assert in_quiet_hours(st, datetime(2026, 11, 25, 23, 0, tzinfo=sh)) == datetime(
        2026, 11, 26, 8, 0, tzinfo=sh)
    assert in_quiet_hours(st, datetime(2026, 11, 26, 7, 59, tzinfo=sh)) == datetime(
        2026, 11, 26, 8, 0, tzinfo=sh)
    assert in_quiet_hours(st, datetime(2026, 11, 26, 8, 0, tzinfo=sh)) is None
    day = validate_settings({"quiet_start": "12:00", "quiet_end": "14:00"})
    assert in_quiet_hours(day, datetime(2026, 11, 25, 13, 0, tzinfo=sh)) is not None
    assert in_quiet_hours(day, datetime(2026, 11, 25, 23, 0, tzinfo=sh)) is None


def test_matching_survives_spaces_punctuation_and_full_width():
    assert normalize_text("代 开-发.票 ＶＸ：１２３") == "代开发票vx123"
    assert normalize_text("　加　微　信") == "加微信"


# --- frequency caps -------------------------------------------------------------------------

def test_verification_caps_count_across_customers(cloud_services, admin):
    """Customer A sends a code to a number; customer B's code to the same number within
    the minute is refused for that number only, the rest of B's task is sent."""
    svc = cloud_services
    a, b = sender(svc, admin), sender(svc, admin)
    for who in (a, b):
        f.quota(svc, admin, who.user_id, 10, SmsType.VERIFICATION)
    shared, other = number(), number()
    first = svc.sending.send(ver_request(svc, a, [shared]))
    assert first.status == TaskStatus.SUBMITTED and first.refused == {}
    second = svc.sending.send(ver_request(svc, b, [shared, other]))
    assert second.status == TaskStatus.SUBMITTED
    assert second.refused == {shared: BUSINESS_LIMIT} and second.accepted == 1
    assert used(svc, b.user_id) == second.charged == second.segments_each
    with svc.store.read() as s:
        assert list(s.scalars(select(SendRecord.phone)
                              .where(SendRecord.task_id == second.task_id))) == [other]
    assert hits(svc, "frequency") == 1
    # Only the refused number: a task of it alone is refused whole, nothing charged.
    with pytest.raises(RiskRefused) as info:
        svc.sending.send(ver_request(svc, b, [shared]))
    assert info.value.code == BUSINESS_LIMIT
    assert used(svc, b.user_id) == second.charged
    assert hits(svc, "frequency") == 2


def test_per_customer_caps_by_window(cloud_services, admin, clock):
    """Notification caps (off by default) count per customer: minute, hour and day."""
    svc = cloud_services
    a, b = sender(svc, admin), sender(svc, admin)
    for who in (a, b):
        f.quota(svc, admin, who.user_id, 50)
    n = number()
    assert svc.sending.send(request(svc, a, [n])).refused == {}
    assert svc.sending.send(request(svc, a, [n])).refused == {}  # off by default
    svc.risk.save_settings(admin, {"notification_minute": 1, "notification_hour": 3,
                                   "notification_day": 4})
    with pytest.raises(RiskRefused):  # 2 in this minute already
        svc.sending.send(request(svc, a, [n]))
    assert svc.sending.send(request(svc, b, [n])).refused == {}  # another customer
    clock.advance(minutes=2)
    assert svc.sending.send(request(svc, a, [n])).refused == {}  # 3rd this hour
    clock.advance(minutes=2)
    out = svc.sending.send(request(svc, a, [n, number()]))  # 4th would pass the hour cap
    assert out.refused == {n: BUSINESS_LIMIT}
    clock.advance(hours=1)
    assert svc.sending.send(request(svc, a, [n])).refused == {}  # 4th today
    clock.advance(hours=1)
    assert svc.sending.send(request(svc, a, [n, number()])).refused == {n: BUSINESS_LIMIT}
    clock.advance(days=1)  # a new day
    assert svc.sending.send(request(svc, a, [n])).refused == {}


def _prepare_concurrent(svc, admin, count):
    senders = [sender(svc, admin) for _ in range(count)]
    for who in senders:
        f.quota(svc, admin, who.user_id, 10, SmsType.VERIFICATION)
    return senders


def test_eight_threads_of_eight_customers_one_code_to_one_number(cloud_services, admin):
    svc = cloud_services
    senders = _prepare_concurrent(svc, admin, 8)
    target = number()
    results, refusals, errors = [], [], []
    barrier = threading.Barrier(8)

    def one(who):
        barrier.wait()
        try:
            results.append(svc.sending.send(ver_request(svc, who, [target])))
        except RiskRefused as exc:
            refusals.append(exc.code)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=one, args=(who,)) for who in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(results) == 1 and refusals == [BUSINESS_LIMIT] * 7
    with svc.store.read() as s:
        assert s.scalar(select(func.count()).select_from(SendRecord)
                        .where(SendRecord.phone == target)) == 1


def test_eight_threads_one_customer_day_limit(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 500)
    svc.risk.set_customer_limits(admin, who.user_id, 25, "")
    outs, errors = [], []
    barrier = threading.Barrier(8)

    def one(i):
        barrier.wait()
        try:
            outs.append(svc.sending.send(request(svc, who, f.phones(10, 4000 + i * 10))))
        except RiskRefused as exc:
            outs.append(exc)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    sent = sum(o.accepted for o in outs if not isinstance(o, RiskRefused))
    assert sent == 25
    with svc.store.read() as s:
        assert s.scalar(select(func.count()).select_from(SendRecord)
                        .where(SendRecord.user_id == who.user_id)) == 25
    assert hits(svc, "day_limit") == 80 - 25


def _proc_send_code(db_url, data_dir, endpoints, user_id, template_id, sign, params, phone, q):
    from smsconsole.services import build
    from smsconsole.services.secrets import SecretBox
    from tests.conftest import TEST_SECRET_KEY

    svc = build(db_url, data_dir, migrate=False, secrets=SecretBox(TEST_SECRET_KEY))
    svc.ctx.extra["sandbox_endpoints"] = endpoints
    try:
        out = svc.sending.send(SendRequest(user_id, template_id, sign, [phone], params))
        q.put(("ok", out.accepted))
    except RiskRefused as exc:
        q.put(("refused", exc.code))
    except Exception as exc:  # noqa: BLE001
        q.put(("error", repr(exc)))
    finally:
        svc.close()


def test_four_processes_of_four_customers_one_code_to_one_number(cloud_services, admin,
                                                                 db_url, tmp_path, sandbox):
    """Separate processes (their own connections and clocks), SQLite file and PostgreSQL."""
    import multiprocessing as mp

    svc = cloud_services
    senders = _prepare_concurrent(svc, admin, 4)
    sign = verification_sign(svc)
    target = number()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = []
    for who in senders:
        tid = who.templates[SmsType.VERIFICATION]
        procs.append(ctx.Process(target=_proc_send_code,
                                 args=(db_url, tmp_path, sandbox.endpoints, who.user_id, tid,
                                       sign, params_for(svc, tid), target, q)))
    for p in procs:
        p.start()
    outcomes = [q.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(30)
    assert sorted(outcomes) == [("ok", 1)] + [("refused", BUSINESS_LIMIT)] * 3, outcomes
    with svc.store.read() as s:
        assert s.scalar(select(func.count()).select_from(SendRecord)
                        .where(SendRecord.phone == target)) == 1


# --- limits, words, blacklist -----------------------------------------------------------------

def test_daily_and_monthly_limits(cloud_services, admin, clock):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    svc.risk.save_settings(admin, {"day_limit": 5, "month_limit": 8})
    assert svc.sending.send(request(svc, who, f.phones(3, 100))).refused == {}
    out = svc.sending.send(request(svc, who, f.phones(4, 200)))
    assert out.accepted == 2 and set(out.refused.values()) == {DAY_LIMIT}
    assert len(out.refused) == 2
    with pytest.raises(RiskRefused) as info:
        svc.sending.send(request(svc, who, f.phones(1, 300)))
    assert info.value.code == DAY_LIMIT
    clock.advance(days=1)  # 2026-11-26: 5 sent this month, 3 left
    out = svc.sending.send(request(svc, who, f.phones(5, 400)))
    assert out.accepted == 3 and set(out.refused.values()) == {MONTH_LIMIT}
    # A customer's own limit beats the platform default; blank goes back to it.
    svc.risk.set_customer_limits(admin, who.user_id, 0, 0)
    assert svc.sending.send(request(svc, who, f.phones(5, 500))).refused == {}
    with pytest.raises(Invalid) as bad:
        svc.risk.set_customer_limits(admin, who.user_id, -1, "")
    assert bad.value.field == "day_limit"
    cr = svc.risk.customer(who.user_id)
    assert (cr.day_limit, cr.month_limit, cr.effective_day) == (0, 0, 0)
    assert {e.rule for e in cr.recent_hits} == {"day_limit", "month_limit"}


def test_blocked_words_refuse_the_task_whatever_the_spacing(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    svc.risk.add_word(admin, "代开发票")
    with pytest.raises(Conflict):
        svc.risk.add_word(admin, "代 开 发 票")  # the same word for matching
    tid = who.templates[SmsType.NOTIFICATION]
    for value in ("代开发票", "代 开　发-票", "代　开　发　票ＶＸ"):
        params = {k: value for k in params_for(svc, tid)}
        with pytest.raises(RiskRefused) as info:
            svc.sending.send(SendRequest(who.user_id, tid, who.sign_name, f.phones(3, 600),
                                         params))
        assert info.value.code == BLACK_KEY and "代开发票" in info.value.message("zh")
    assert used(svc, who.user_id) == 0 and hits(svc, "word") == 3
    assert svc.sending.send(request(svc, who, f.phones(1, 600), value="发票已开")).refused == {}


def test_a_word_added_or_removed_applies_to_the_next_send(cloud_services, admin):
    """The word list is cached per process; every change to it is seen at once."""
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    assert svc.sending.send(request(svc, who, f.phones(1, 650), value="新词")).refused == {}
    word = svc.risk.add_word(admin, "新词")
    with pytest.raises(RiskRefused):
        svc.sending.send(request(svc, who, f.phones(1, 651), value="新 词"))
    svc.risk.remove_word(admin, word.id)
    assert svc.sending.send(request(svc, who, f.phones(1, 652), value="新词")).refused == {}
    svc.risk.import_words(admin, ["旧词", "新词"])
    with pytest.raises(RiskRefused):
        svc.sending.send(request(svc, who, f.phones(1, 653), value="新词"))


def test_blacklisted_numbers_are_dropped(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    svc.risk.add_number(admin, "+86 137-0000-0701", "投诉")
    out = svc.sending.send(request(svc, who, f.phones(3, 700)))
    assert out.refused == {"13700000701": BLACK_KEY} and out.accepted == 2
    assert [r.phone for r in svc.risk.numbers("0701")] == ["13700000701"]
    svc.risk.remove_number(admin, "13700000701")
    assert svc.sending.send(request(svc, who, ["13700000701"])).refused == {}


def test_import_with_bad_lines_imports_nothing_unless_asked(cloud_services, admin):
    svc = cloud_services
    lines = ["# blacklist", "13700000801", "not a number", "", "13700000802,骚扰", "12"]
    with pytest.raises(Invalid) as info:
        svc.risk.import_numbers(admin, lines)
    assert info.value.field == "path" and "3, 6" in info.value.message("en")
    assert svc.risk.numbers() == []
    result = svc.risk.import_numbers(admin, lines, partial=True)
    assert (result.added, result.existing, [no for no, _ in result.bad]) == (2, 0, [3, 6])
    again = svc.risk.import_numbers(admin, ["13700000801", "13700000803"])
    assert (again.added, again.existing) == (1, 1)
    with pytest.raises(Invalid):
        svc.risk.import_words(admin, ["加微信", "   ", "!!!"])  # "!!!" has nothing to match
    assert svc.risk.words() == []
    assert svc.risk.import_words(admin, ["加微信", "加 微 信", "刷单"]).added == 2


# --- holds -----------------------------------------------------------------------------------

def test_night_promotion_held_until_the_window_ends(cloud_services, admin, clock):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100, SmsType.PROMOTION)
    svc.risk.save_settings(admin, {"quiet_mode": "hold", "quiet_start": "22:00",
                                   "quiet_end": "08:00"})
    clock.set(datetime(2026, 11, 25, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai
    out = svc.sending.send(request(svc, who, f.phones(3, 900), SmsType.PROMOTION))
    assert out.status == TaskStatus.HELD and out.biz_ids == [] and out.charged == 3
    assert svc.risk.waiting_count() == 1
    held = svc.risk.held()[0]
    assert (held.task_id, held.kind, held.numbers) == (out.task_id, "quiet_hours", 3)
    assert svc.records.task(out.task_id).pending == 3  # customers see them pending
    clock.advance(hours=8)  # 07:30
    assert svc.risk.release_due() == 0
    clock.advance(minutes=31)  # 08:01
    assert svc.risk.release_due() == 1
    task = svc.records.task(out.task_id)
    assert task.status == TaskStatus.SUBMITTED and svc.risk.waiting_count() == 0
    # Refuse instead of holding: nothing charged.
    svc.risk.save_settings(admin, {"quiet_mode": "refuse"})
    clock.set(datetime(2026, 11, 25, 15, 30, tzinfo=UTC))
    with pytest.raises(RiskRefused):
        svc.sending.send(request(svc, who, f.phones(3, 950), SmsType.PROMOTION))
    assert used(svc, who.user_id) == 3
    # Notifications are never held for quiet hours.
    f.quota(svc, admin, who.user_id, 10)
    assert svc.sending.send(request(svc, who, f.phones(1, 960))).status == TaskStatus.SUBMITTED


def test_volume_hold_release_and_reject(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    svc.risk.save_settings(admin, {"volume_hold": True, "volume_absolute": 3,
                                   "volume_floor": 0, "volume_multiple": 10})
    small = svc.sending.send(request(svc, who, f.phones(1, 1100)))
    assert small.status == TaskStatus.HELD  # no history: 1 > 10 × 0
    big = svc.sending.send(request(svc, who, f.phones(5, 1200)))
    assert big.status == TaskStatus.HELD and used(svc, who.user_id) == 6
    assert svc.risk.customer_days(who.user_id)[-1][1] == 6
    svc.risk.reject(admin, big.task_id, "内容与报备不符")
    assert used(svc, who.user_id) == 1  # the quota is back
    task = svc.records.task(big.task_id)
    assert task.status == TaskStatus.REJECTED and task.failed == 5
    with svc.store.read() as s:
        recs = s.scalars(select(SendRecord).where(SendRecord.task_id == big.task_id)).all()
    assert {(r.status, r.err_code, r.err_msg) for r in recs} == {
        (DeliveryStatus.FAILED, REJECTED_CODE, "内容与报备不符")}
    with pytest.raises(Conflict):
        svc.risk.release(admin, big.task_id)
    with pytest.raises(Invalid):
        svc.risk.reject(admin, small.task_id, "  ")
    released = svc.risk.release(admin, small.task_id)
    assert released.status == TaskStatus.SUBMITTED and len(released.biz_ids) == 1
    with pytest.raises(Conflict):
        svc.risk.reject(admin, small.task_id, "too late")
    with svc.store.read() as s:
        actions = list(s.scalars(select(AdminLog.action)))
    assert "risk.hold.reject" in actions and "risk.hold.release" in actions
    assert svc.risk.hits_today()["volume"] == 2
    assert svc.risk.trend()[-1][1]["volume"] == 2


def test_rules_off_pass_everything(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    svc.risk.add_word(admin, "会员")
    svc.risk.add_number(admin, "13700001301")
    svc.risk.save_settings(admin, {"enabled": False})
    out = svc.sending.send(request(svc, who, f.phones(2, 1300), value="会员"))
    assert out.refused == {} and out.accepted == 2


def test_reject_shows_the_reason_in_the_records_list(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 10)
    svc.risk.save_settings(admin, {"volume_hold": True, "volume_absolute": 1, "volume_floor": 0})
    out = svc.sending.send(request(svc, who, f.phones(2, 1400)))
    svc.risk.reject(admin, out.task_id, "疑似营销轰炸")
    row = svc.records.records().rows[0]
    assert row.task_id == out.task_id and row.err_msg == "疑似营销轰炸"
    assert timedelta(0) <= svc.ctx.clock.now() - row.send_time


def test_the_worker_releases_quiet_hour_holds_once_the_window_ends(cloud_services, admin,
                                                                     clock):
    from smsconsole.services.worker import ReportWorker

    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 10, SmsType.PROMOTION)
    svc.risk.save_settings(admin, {"quiet_mode": "hold"})
    clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    held = svc.sending.send(request(svc, who, f.phones(2, 1500), SmsType.PROMOTION))
    assert held.status == TaskStatus.HELD
    ReportWorker(svc, wait_seconds=0).run(once=True, max_seconds=30, kinds=("report",))
    assert svc.records.task(held.task_id).status == TaskStatus.HELD  # still night
    clock.set(datetime(2026, 11, 26, 0, 1, tzinfo=UTC))  # 08:01
    ReportWorker(svc, wait_seconds=0).run(once=True, max_seconds=30, kinds=("report",))
    assert svc.records.task(held.task_id).status == TaskStatus.SUBMITTED
    assert svc.risk.held("released")[0].task_id == held.task_id


def test_a_held_verification_code_is_masked_on_screen(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 10, SmsType.VERIFICATION)
    svc.risk.save_settings(admin, {"volume_hold": True, "volume_absolute": 1,
                                   "volume_floor": 0, "verification_minute": 0})
    out = svc.sending.send(request(svc, who, [number(), number()], SmsType.VERIFICATION,
                                   verification_sign(svc), value="583914"))
    assert out.status == TaskStatus.HELD
    shown = svc.risk.held_task(out.task_id).content
    assert "583914" not in shown and "******" in shown
    assert "583914" not in svc.risk.held()[0].content
