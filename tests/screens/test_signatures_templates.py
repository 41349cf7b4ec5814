"""签名管理 / 模板管理 (product.md §2.6) by keys, against the session's cloud sandbox:
filters (status, user; and from another page), view, submit, reject, sync one, sync all
(with progress), delete, assign a signature / a template (looked up and shown first) —
and the refusals: over the limit, unknown template CODE, rejected / unapproved signature,
wrong type."""

from __future__ import annotations

import itertools
import os

from textual.widgets import Input

from smsconsole.cloud.sandbox import client as sandbox_client
from smsconsole.screens.dialogs import ConfirmDialog, DetailDialog, FormDialog, ProgressDialog
from smsconsole.screens.dialogs.signatures_assign import AssignDialog
from smsconsole.store.models import ReviewStatus, SignType, SmsType
from tests.helpers import (
    SIZE,
    Text,
    build_app,
    field_error,
    fill,
    logs,
    notes,
    open_page,
    press,
    select_row,
    settle,
    text_of,
)

_seq = itertools.count(1)


def fresh_name(prefix: str = "测") -> str:
    """A signature name the session's sandbox has not seen (2–12 characters)."""
    return f"{prefix}{os.getpid() % 100000}{next(_seq)}"


def names(page) -> list[str]:
    return [row.name for row in page.table.rows]


def user_error(app) -> str:
    label = app.screen.query_one("#assign-user-error")
    return text_of(label) if label.has_class("-shown") else ""


async def test_signature_filters_view_submit_sync_reject_delete(admin_services, seed, admin_sandbox):
    services = admin_services
    name = fresh_name()
    services.signatures.apply(seed.users["acct02"], name, SignType.GENERAL)
    app = build_app(services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "signatures")
        assert names(page)[0] == name and len(names(page)) == 6

        # f: status and user; an unknown user is refused next to the field.
        await press(pilot, "f")
        await fill(pilot, {"status": ReviewStatus.PENDING.value, "user": "nobody"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "user") == "No user matches “nobody”."
        await fill(pilot, {"user": "acct02"})
        await press(pilot, "ctrl+s")
        assert names(page) == [name, "星河贸易"]
        assert "User acct02 (李娜)" in text_of(page.query_one("#signatures-filters"))
        await press(pilot, "escape")
        assert len(names(page)) == 6

        # Filters handed over by another page (home's counts do this).
        app.open_page("signatures", status=ReviewStatus.IN_REVIEW)
        await settle(pilot)
        assert names(page) == ["云顶科技"]
        await press(pilot, "escape")

        # enter: view; s on it submits to the sandbox after a confirmation.
        await select_row(pilot, page, lambda r: r.name == name)
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        await press(pilot, "s")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        assert f"Submitted “{name}” to Aliyun: in review." in notes(app)
        assert page.table.rows[0].status == ReviewStatus.IN_REVIEW
        assert services.signatures.lookup(name).status == "reviewing"

        # u: sync it once the sandbox has decided.
        sandbox_client.advance_reviews(admin_sandbox.endpoints, "approve")
        await press(pilot, "u")
        assert f"“{name}”: Approved." in notes(app)
        assert page.table.rows[0].status == ReviewStatus.APPROVED
        await press(pilot, "s")  # not pending any more: said, nothing sent
        assert "only pending applications" in notes(app)[-1]

        # x: reject a pending one with a reason (required).
        await select_row(pilot, page, lambda r: r.name == "陈记小馆")
        await press(pilot, "x")
        assert isinstance(app.screen, FormDialog)
        await press(pilot, "ctrl+s")
        assert field_error(app, "reason") == "Required."
        await press(pilot, Text("blurry licence"), "ctrl+s")
        assert "Rejected “陈记小馆”." in notes(app)
        row = next(r for r in page.table.rows if r.name == "陈记小馆")
        assert (row.status, row.reason) == (ReviewStatus.REJECTED, "blurry licence")

        # d: delete, the confirmation naming what goes.
        await press(pilot, "d")
        message = text_of(app.screen.query_one("#confirm-message"))
        assert "陈记小馆" in message and "acct05" in message and "Rejected" in message
        await press(pilot, "y")
        assert "陈记小馆" not in names(page)

    assert [e.data for e in logs(services, "signature.submit")][-1] == {
        "status": ["pending", "in_review"]}
    assert logs(services, "signature.sync")[-1].data == {"status": ["in_review", "approved"],
                                                         "reason": ""}
    assert logs(services, "signature.reject")[-1].data == {"status": ["pending", "rejected"],
                                                           "reason": "blurry licence"}
    assert logs(services, "signature.delete")[-1].target == "陈记小馆"


async def test_template_sync_all_with_progress(admin_services, seed, admin_sandbox):
    services = admin_services
    created = []
    for i in range(2):
        tpl = services.templates.apply(seed.users["acct02"], f"批量{fresh_name('')}",
                                       SmsType.NOTIFICATION, f"您的包裹{i}已到，取件码${{code}}")
        services.templates.submit(seed.actor, tpl.id)
        created.append(tpl.id)
    sandbox_client.advance_reviews(admin_sandbox.endpoints, "reject")
    app = build_app(services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "templates")
        await press(pilot, "U")
        assert not isinstance(app.screen, ProgressDialog)  # done and closed
        summary = next(n for n in notes(app) if n.startswith("Synced "))
        assert "errors" in summary
        for row in page.table.rows:
            if row.id in created:
                assert row.status == ReviewStatus.REJECTED and row.reason
    assert len([e for e in logs(services, "template.sync")]) >= 2


async def test_assign_signature_and_its_refusals(admin_services, seed, admin_sandbox):
    services = admin_services
    reviewing = fresh_name("审")
    services.signatures.apply(seed.users["acct05"], reviewing, SignType.GENERAL)
    services.signatures.submit(seed.actor, services.signatures.page().rows[0].id)
    app = build_app(services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "signatures")
        await press(pilot, "a")
        dialog = app.screen
        assert isinstance(dialog, AssignDialog)
        # Nothing chosen: said under the user picker.
        await fill(pilot, {"name": "优品商城"})
        await press(pilot, "ctrl+s")
        assert user_error(app) == "Choose a user from the list."
        # Pick acct03 by typing (account prefix) and enter.
        dialog.query_one("#assign-user", Input).focus()
        await pilot.pause()
        await press(pilot, Text("acct03"), "enter")
        assert dialog.user.account == "acct03"
        # Not on Aliyun at all.
        await fill(pilot, {"name": "没有这个签名"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "name") == "Aliyun has no signature “没有这个签名”."
        # On Aliyun but still in review: shown, then refused on confirm.
        await fill(pilot, {"name": reviewing})
        await press(pilot, "ctrl+s")
        assert "In review" in text_of(dialog.query_one("#assign-info"))
        await press(pilot, "ctrl+s")
        assert "is not approved (reviewing)" in field_error(app, "name")
        # Approved, but acct03 is at its limit (1 signature). Changing the name drops
        # what Aliyun said about the old one: the next ctrl+s asks again.
        await fill(pilot, {"name": "优品商城"})
        assert text_of(dialog.query_one("#assign-info")) == ""
        assert str(dialog.query_one("#submit").label) == "Look up"
        await press(pilot, "ctrl+s")
        assert "Approved" in text_of(dialog.query_one("#assign-info"))
        await press(pilot, "ctrl+s")
        assert user_error(app) == "acct03 has reached the signature limit (1)."
        # Another user: looked up, shown, assigned.
        dialog.query_one("#assign-user", Input).value = ""
        dialog.query_one("#assign-user", Input).focus()
        await pilot.pause()
        await press(pilot, Text("acct05"), "enter")
        await fill(pilot, {"name": "速达验证", "sign_type": SignType.VERIFICATION.value})
        await press(pilot, "ctrl+s")
        assert "Approved" in text_of(dialog.query_one("#assign-info"))
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, AssignDialog)
        assert "Assigned the signature “速达验证” to acct05: usable now." in notes(app)
        row = page.table.rows[0]
        assert (row.name, row.account, row.status) == ("速达验证", "acct05",
                                                       ReviewStatus.APPROVED)
        # A rejected signature is refused too.
        rejected = fresh_name("拒")
        services.signatures.apply(seed.users["acct02"], rejected, SignType.GENERAL)
        services.signatures.submit(seed.actor, services.signatures.page().rows[0].id)
        sandbox_client.advance_reviews(admin_sandbox.endpoints, "reject")
        await press(pilot, "a")
        await press(pilot, Text("acct01"), "enter")
        await fill(pilot, {"name": rejected})
        await press(pilot, "ctrl+s", "ctrl+s")
        assert "is not approved (rejected)" in field_error(app, "name")
    entry = logs(services, "signature.assign")[-1]
    assert entry.target == "acct05"
    assert entry.data == {"signature": "速达验证", "type": "verification"}


async def test_assign_signature_refuses_a_type_that_differs_from_aliyuns(admin_services, seed):
    before = admin_services.signatures.for_user(seed.users["acct05"])
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        await open_page(pilot, "signatures")
        await press(pilot, "a")
        await press(pilot, Text("acct05"), "enter")
        # 速达验证 is a verification signature on Aliyun.
        await fill(pilot, {"name": "速达验证", "sign_type": SignType.GENERAL.value})
        await press(pilot, "ctrl+s", "ctrl+s")
        assert isinstance(app.screen, AssignDialog)
        assert "is a verification signature, not general" in field_error(app, "sign_type")
    assert admin_services.signatures.for_user(seed.users["acct05"]) == before


async def test_assign_template_shown_before_confirming(admin_services, seed):
    services = admin_services
    app = build_app(services, lang="zh", actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "templates")
        await press(pilot, "a")
        dialog = app.screen
        await press(pilot, Text("acct03"), "enter")
        # Unknown CODE: "not found", under the field.
        await fill(pilot, {"code": "SMS_999999999"})
        await press(pilot, "ctrl+s")
        assert field_error(app, "code") == "未查询到模板 SMS_999999999 的信息。"
        # Found: name, type and content shown; nothing assigned yet.
        await fill(pilot, {"code": "SMS_100000005"})
        await press(pilot, "ctrl+s")
        info = text_of(dialog.query_one("#assign-info"))
        assert "会员日推广" in info and "推广" in info and "本周六会员日全场8折" in info
        assert len(services.templates.for_user(seed.users["acct03"])) == 1
        # Confirm: acct03 is at its limit (1 template).
        await press(pilot, "ctrl+s")
        assert user_error(app) == "acct03 的模板数量已达上限（1）。"
        # Aliyun's rejected template: shown as rejected, refused on confirm.
        await fill(pilot, {"code": "SMS_100000009"})
        await press(pilot, "ctrl+s")
        assert "审核未通过" in text_of(dialog.query_one("#assign-info"))
        await press(pilot, "ctrl+s")
        assert "未审核通过" in field_error(app, "code")
        # Another user: assigned.
        dialog.query_one("#assign-user", Input).value = ""
        dialog.query_one("#assign-user", Input).focus()
        await pilot.pause()
        await press(pilot, Text("acct05"), "enter")
        await fill(pilot, {"code": "SMS_100000005"})
        await press(pilot, "ctrl+s", "ctrl+s")
        assert not isinstance(app.screen, AssignDialog)
        assert "已将模板 SMS_100000005“会员日推广”分配给 acct05，可立即使用。" in notes(app)
        row = page.table.rows[0]
        assert (row.code, row.account, row.kind) == ("SMS_100000005", "acct05",
                                                     SmsType.PROMOTION.value)
    entry = logs(services, "template.assign")[-1]
    assert entry.data == {"template": "SMS_100000005", "name": "会员日推广",
                          "type": "promotion"}
