"""The services' shape (issue 14): the Context comes with its cloud provider, the site
info is a plain value rather than a detached row, and no service prints (the commands
do, beside ``smsconsole.cli``)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import smsconsole.services as services_pkg
from smsconsole.services.cloud_access import CloudProvider
from smsconsole.services.context import Context
from smsconsole.services.settings import SiteInput, SiteView
from tests import factories as f

SERVICES_DIR = Path(services_pkg.__file__).parent


def test_a_context_has_its_cloud_provider_from_construction(services):
    ctx = Context(store=services.store, clock=services.ctx.clock,
                  secrets=services.ctx.secrets, data_dir=services.ctx.data_dir)
    assert isinstance(ctx.cloud, CloudProvider)
    assert ctx.cloud.ctx is ctx
    assert services.cloud is services.ctx.cloud  # the facade shares the context's


def test_the_site_info_is_a_frozen_value_not_a_row(services):
    actor = f.set_up(services)
    saved = services.settings.update_site(actor, SiteInput(company="云顶短信", address="杭州",
                                                           email="a@b.cn"))
    shown = services.settings.site()
    for site in (saved, shown):
        assert type(site) is SiteView
        assert (site.company, site.address, site.email) == ("云顶短信", "杭州", "a@b.cn")
        with pytest.raises(dataclasses.FrozenInstanceError):
            site.company = "x"


def _prints(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "print"]


def _imports_rich(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    return any(name == "rich" or name.startswith("rich.") for name in names)


@pytest.mark.parametrize("path", sorted(SERVICES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_service_prints_or_draws(path):
    assert _prints(path) == [], f"{path.name} prints (the commands print, not the services)"
    assert not _imports_rich(path), f"{path.name} imports rich"
