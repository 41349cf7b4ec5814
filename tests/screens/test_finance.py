"""Finance's Source column in words, not codes (issue 18, item 12: it showed
``admin`` / ``order``)."""

from __future__ import annotations

from types import SimpleNamespace

from smsconsole.i18n import set_lang
from smsconsole.screens.finance import source_text
from smsconsole.store.models import HoldingSource


def test_source_in_words_in_both_languages():
    order = SimpleNamespace(source=HoldingSource.ORDER)
    admin = SimpleNamespace(source=HoldingSource.ADMIN)
    set_lang("en")
    assert (source_text(order), source_text(admin)) == ("Purchase", "Allocated")
    set_lang("zh")
    assert (source_text(order), source_text(admin)) == ("订单", "管理员分配")
    set_lang("en")
