"""风控 (product.md §7) in the console: the rules with their hits, the held tasks (release,
reject with a reason), the blocked words and the blacklist (add, import, search), the
settings form (errors next to the field, nothing saved) — snapshots in en and zh — and
home's count of tasks waiting for review, the user detail's limits and hits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_textual_snapshot import SVGImageExtension
from sqlalchemy import select

from smsconsole.screens.dialogs import ConfirmDialog, DetailDialog, FormDialog
from smsconsole.services.errors import Refused
from smsconsole.services.sending import SendRequest
from smsconsole.store.models import (
    AppSetting,
    DeliveryStatus,
    SendRecord,
    SendTask,
    TaskStatus,
)
from tests.helpers import SIZE, Text, build_app, field_error, fill, logs, open_page, press, text_of
from tests.screens.test_admin_snapshots import keys, walk
from tests.seeds.admin import NOW


@pytest.fixture
def svg_snapshot(snapshot):
    return snapshot.use_extension(SVGImageExtension)


def _send(svc, seed, phones, name="张先生"):
    tid = seed.templates["订单发货通知"]
    return svc.sending.send(SendRequest(seed.users["acct01"], tid, "速达科技", phones,
                                        {"name": name, "order": "A1001"}))


@pytest.fixture
def risky(admin_services, seed, clock):
    """The seeded platform with rules on: a week of small sends, a blacklisted number and
    a blocked word hit, a task held for its volume."""
    svc, actor = admin_services, seed.actor
    svc.risk.save_settings(actor, {"volume_hold": True, "volume_floor": 2,
                                   "volume_multiple": 10, "volume_absolute": 1000,
                                   "notification_day": 3})
    svc.risk.add_word(actor, "代开发票")
    svc.risk.add_word(actor, "加微信")
    svc.risk.add_number(actor, "13700009999", "投诉")
    for days in range(6, 0, -1):
        clock.set(NOW - timedelta(days=days))
        _send(svc, seed, ["13700000001", "13700009999"])
    clock.set(NOW - timedelta(hours=2))
    with pytest.raises(Refused):
        _send(svc, seed, ["13700000002"], name="代 开 发 票")
    clock.set(NOW - timedelta(hours=1))
    held = _send(svc, seed, [f"1370000{i:04d}" for i in range(100, 105)])
    assert held.status == TaskStatus.HELD
    clock.set(NOW)
    return held.task_id


async def test_snapshots(admin_services, seed, risky, svg_snapshot):
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, svg_snapshot, "risk", [
            ("held", keys("enter"), ("escape",)),
            ("reject", keys("enter", "j"), ("escape",)),
            ("settings", keys("s"), ("escape",)),
            ("words", keys("w"), ("h",)),
            ("blacklist", keys("b"), ("h",)),
            ("import", keys("b", "i"), ("escape", "h")),
        ])


async def test_review_queue_release_and_reject(admin_services, seed, risky):
    svc = admin_services
    app = build_app(svc, lang="zh", actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "risk")
        summary = text_of(page.query_one("#risk-summary"))
        assert "待审核任务：1" in summary and "黑名单" in summary
        # Reject: the reason is required (shown next to the field), then the quota is back.
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        await press(pilot, "j")
        assert isinstance(app.screen, FormDialog)
        await press(pilot, "ctrl+s")
        assert field_error(app, "reason")
        await fill(pilot, {"reason": "疑似群发营销，请补充报备"})
        await press(pilot, "ctrl+s")
        assert app.screen.id == "main"
        with svc.store.read() as s:
            task = s.get(SendTask, risky)
            recs = s.scalars(select(SendRecord).where(SendRecord.task_id == risky)).all()
        assert task.status == TaskStatus.REJECTED
        assert {(r.status, r.err_msg, r.refunded) for r in recs} == {
            (DeliveryStatus.FAILED, "疑似群发营销，请补充报备", True)}
        assert [e.data["reason"] for e in logs(svc, "risk.hold.reject")] == [
            "疑似群发营销，请补充报备"]
        assert "待审核任务：0" in text_of(page.query_one("#risk-summary"))

    # Another held task, released after the confirmation.
    clock = svc.ctx.clock
    clock.set(NOW + timedelta(minutes=5))
    again = _send(svc, seed, [f"1370000{i:04d}" for i in range(200, 206)])
    assert again.status == TaskStatus.HELD
    app = build_app(svc, lang="en", actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "risk")
        await press(pilot, "enter", "a")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")  # not yet: nothing happens
        assert svc.risk.waiting_count() == 1
        await press(pilot, "enter", "a", "y")
        assert svc.risk.waiting_count() == 0
        with svc.store.read() as s:
            assert s.get(SendTask, again.task_id).status == TaskStatus.SUBMITTED


async def test_settings_errors_next_to_the_field_nothing_saved(admin_services, seed, risky):
    svc = admin_services
    before = _settings_rows(svc)
    app = build_app(svc, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "risk")
        for values, name in (({"verification_minute": "-1"}, "verification_minute"),
                             ({"verification_minute": "9"}, "verification_minute"),
                             ({"quiet_start": "7pm"}, "quiet_start"),
                             ({"volume_multiple": "0"}, "volume_multiple")):
            await press(pilot, "s")
            await fill(pilot, values)
            await press(pilot, "ctrl+s")
            assert isinstance(app.screen, FormDialog) and field_error(app, name), values
            await press(pilot, "escape")
        assert _settings_rows(svc) == before
        await press(pilot, "s")
        await fill(pilot, {"quiet_mode": "hold", "quiet_start": "21:30"})
        await press(pilot, "ctrl+s")
        assert app.screen.id == "main"
    st = svc.risk.settings()
    assert (st.quiet_mode, st.quiet_start, st.quiet_end) == ("hold", "21:30", "08:00")
    assert "quiet_mode" in logs(svc, "risk.settings")[-1].data


def _settings_rows(svc):
    with svc.store.read() as s:
        return sorted(s.execute(select(AppSetting.key, AppSetting.value)
                                .where(AppSetting.key.like("risk.%"))).all())


async def test_words_and_blacklist_add_import_search(admin_services, seed, risky, tmp_path):
    svc = admin_services
    bad = tmp_path / "bad.txt"
    bad.write_text("13800000001\n12345\n13800000002,骚扰\nabc\n", encoding="utf-8")
    app = build_app(svc, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "risk")
        await press(pilot, "b", "i")
        await fill(pilot, {"path": str(bad)})
        await press(pilot, "ctrl+s")
        error = field_error(app, "path")
        assert "2, 4" in error and isinstance(app.screen, FormDialog)
        assert [r.phone for r in svc.risk.numbers()] == ["13700009999"]  # nothing imported
        await fill(pilot, {"path": str(tmp_path / "missing.txt")})
        await press(pilot, "ctrl+s")
        assert "missing.txt" in field_error(app, "path")
        await fill(pilot, {"path": str(bad), "partial": True})
        await press(pilot, "ctrl+s")
        assert app.screen.id == "main"
        assert [r.phone for r in svc.risk.numbers()] == [
            "13700009999", "13800000001", "13800000002"]
        # Search, then remove with the confirmation.
        await press(pilot, "slash", Text("骚扰"), "enter")
        assert [r.phone for r in page.query_one("#risk-blacklist").rows] == ["13800000002"]
        await press(pilot, "d", "y")
        assert [r.phone for r in svc.risk.numbers()] == ["13700009999", "13800000001"]
        # Words: add one that matches an existing one whatever the spacing: refused there.
        await press(pilot, "w", "n")
        await fill(pilot, {"word": "加 微 信"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "word")
        await fill(pilot, {"word": "刷单返利"})
        await press(pilot, "ctrl+s")
        assert sorted(w.word for w in svc.risk.words()) == ["代开发票", "刷单返利", "加微信"]


async def test_home_and_user_detail(admin_services, seed, risky):
    svc = admin_services
    app = build_app(svc, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "home")
        assert "Tasks waiting for risk review: 1" in text_of(page.query_one("#home-basic"))
        users = await open_page(pilot, "users")
        from tests.helpers import select_row

        await select_row(pilot, users, lambda r: r.account == "acct01")
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        shown = text_of(app.screen.query_one("#detail-body").children[0])
        assert "Risk hits" in shown and "Blocked words" in shown
        assert "Volume hold" in shown and "Opt-outs" in shown
        await press(pilot, "l")
        await fill(pilot, {"day_limit": "50", "month_limit": "10"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "day_limit")
        await fill(pilot, {"day_limit": "5", "month_limit": ""})
        await press(pilot, "ctrl+s")
        assert app.screen.id == "main"
    cr = svc.risk.customer(seed.users["acct01"])
    assert (cr.day_limit, cr.month_limit) == (5, None)


async def test_lists_keep_their_search_esc_clears_it_r_refreshes_the_summary(
        admin_services, seed, risky):
    """Each list keeps its own ``/`` text across ``h``/``w``/``b``; ``esc`` clears the
    shown list's text first (then goes home); ``r`` in a list reloads the summary too."""
    svc = admin_services
    svc.risk.add_number(seed.actor, "13800000002", "骚扰")
    app = build_app(svc, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "risk")
        await press(pilot, "b", "slash", Text("骚扰"), "enter")
        blacklist = page.query_one("#risk-blacklist")
        assert [r.phone for r in blacklist.rows] == ["13800000002"]
        await press(pilot, "w")
        assert sorted(r.word for r in page.query_one("#risk-words").rows) == ["代开发票", "加微信"]
        await press(pilot, "b")
        assert [r.phone for r in blacklist.rows] == ["13800000002"]
        # A task held meanwhile: r (focus in the list) shows it in the summary and the list.
        svc.ctx.clock.set(NOW + timedelta(minutes=5))
        _send(svc, seed, [f"1370000{i:04d}" for i in range(300, 306)])
        await press(pilot, "h", "r")
        assert "Tasks waiting for review: 2" in text_of(page.query_one("#risk-summary"))
        assert len(page.query_one("#risk-held").rows) == 2
        await press(pilot, "b", "escape")
        assert app.screen.id == "main"
        assert [r.phone for r in blacklist.rows] == ["13700009999", "13800000002"]
        await press(pilot, "escape")
        assert app.screen.current == "home"


async def test_a_long_blacklist_is_paged_like_every_list(admin_services, seed, risky):
    """The lists page through ``memory_page`` (50 rows a page, ``]`` next, ``[`` back) —
    before, the whole blacklist filled one table."""
    svc = admin_services
    svc.risk.import_numbers(seed.actor, [f"1380000{i:04d}" for i in range(60)])
    app = build_app(svc, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "risk")
        await press(pilot, "b")
        table = page.query_one("#risk-blacklist")
        assert len(table.rows) == 50 and table.has_next
        await press(pilot, "right_square_bracket")
        assert len(table.rows) == 11 and not table.has_next
        await press(pilot, "left_square_bracket")
        assert table.rows[0].phone == "13700009999" and len(table.rows) == 50
