"""Input rules the console relies on (issue 18): every field's error at once (item 10)
and a logo path that names an image file (item 9)."""

from __future__ import annotations

import pytest

from smsconsole.services.auth import AuthorizationInput
from smsconsole.services.errors import InvalidFields
from smsconsole.services.packages import PackageInput
from smsconsole.services.settings import SiteInput


def test_wizard_step_one_reports_every_field_at_once(services):
    with pytest.raises(InvalidFields) as caught:
        services.auth.validate_authorization(AuthorizationInput(
            name="", company="Cloudtop", email="not-an-email", phone="12345"))
    assert [e.field for e in caught.value.errors] == ["name", "email", "phone"]


def test_package_form_reports_every_field_at_once(services):
    with pytest.raises(InvalidFields) as caught:
        services.packages.validate(PackageInput(name="p", message_count="3千",
                                                unit_price="0.001", validity_days="1e3",
                                                price="150"))
    assert [(e.field, e.key) for e in caught.value.errors] == [
        ("message_count", "error.number.not_integer"), ("unit_price", "error.money.invalid"),
        ("validity_days", "error.number.not_integer")]


def test_logo_path_must_be_an_image_file(services, tmp_path):
    site = SiteInput(company="Cloudtop")
    for path, key in (("/nonexistent/logo.png", "error.file.not_found"),
                      ("/etc", "error.file.not_found"),
                      (str(tmp_path / "notes.txt"), "error.file.not_image")):
        (tmp_path / "notes.txt").write_text("x")
        with pytest.raises(InvalidFields) as caught:
            services.settings.validate_site(SiteInput(logo_path=path, company="Cloudtop"))
        assert [(e.field, e.key) for e in caught.value.errors] == [("logo_path", key)], path
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert services.settings.validate_site(SiteInput(logo_path=str(logo),
                                                     company="Cloudtop")).logo_path == str(logo)
    assert services.settings.validate_site(site).logo_path == ""


def test_only_a_package_on_sale_can_be_recommended(services):
    """Issue 18, item 12: "Recommended" could be on while the package was off sale."""
    with pytest.raises(InvalidFields) as caught:
        services.packages.validate(PackageInput(name="p", message_count=100, unit_price="0.04",
                                                validity_days=30, price="4", recommended=True,
                                                on_sale=False))
    assert [(e.field, e.key) for e in caught.value.errors] == [
        ("recommended", "error.package.recommended_off_sale")]


def test_counts_say_one_row_and_one_column():
    from smsconsole.i18n import set_lang
    from smsconsole.widgets.paged_table import _count

    set_lang("en")
    assert _count("table.rows", 1) == "1 row" and _count("table.rows", 2) == "2 rows"
    assert _count("table.hidden", 1).startswith("1 more column:")
    assert _count("table.rows", 1234) == "1,234 rows"


def test_user_edit_reports_every_field_at_once(services):
    from smsconsole.services.users import UserUpdate
    from tests import factories

    actor = factories.set_up(services)
    user = factories.user(services)
    with pytest.raises(InvalidFields) as caught:
        services.users.update(actor, user.id, UserUpdate(name="", email="nope", phone="123",
                                                         max_signatures="3千"))
    assert [e.field for e in caught.value.errors] == ["name", "email", "phone",
                                                      "max_signatures"]
