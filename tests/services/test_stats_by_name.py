"""Statistics by template name (issue 19): read from ``daily_template_name``, kept by the
send and the report worker, equal to ``daily_stat`` summed over the codes of the name."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from smsconsole.services import rollups
from smsconsole.services.stats import StatsFilter
from smsconsole.store.engine import alembic_config, open_store, upgrade
from smsconsole.store.models import DailyStat, DailyTemplateName, SmsType, Template
from tests import factories as f
from tests.consistency import assert_consistent
from tests.services.cloudseed import sender
from tests.services.test_worker import drain, send_many


def by_codes(svc, name: str, first, last) -> dict:
    """The old way: every daily_stat row of the codes whose template carries ``name``."""
    codes = set(svc.records.template_codes_named(name))
    out: dict = {}
    with svc.store.read() as s:
        for d in s.scalars(select(DailyStat).where(DailyStat.day >= first, DailyStat.day <= last)):
            if d.template_code in codes:
                row = out.setdefault(d.day, [0, 0, 0, 0])
                for i, c in enumerate(rollups.COUNTERS):
                    row[i] += getattr(d, c)
    return out


def test_statistics_by_template_name_come_from_their_rollup(wsvc, box):
    svc = wsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 1000)
    send_many(svc, who, 120)
    drain(svc, box)
    assert_consistent(svc)  # daily_template_name equals daily_stat summed by name
    with svc.store.read() as s:
        tpl = s.get(Template, who.templates[SmsType.NOTIFICATION])
        named = s.scalars(select(DailyTemplateName)).all()
    assert {r.template_name for r in named} >= {tpl.name}
    today = svc.ctx.clock.today()
    first = today - timedelta(days=30)
    flt = StatsFilter(template_name=tpl.name[1:-1] or tpl.name)  # a substring of it
    assert flt.name_only
    rows = svc.stats.daily(first, today, flt)
    got = {r.day: [r.total, r.delivered, r.failed, r.segments] for r in rows if r.total}
    assert got == by_codes(svc, flt.template_name, first, today)
    assert sum(r.total for r in rows) == 120
    assert sum(r.delivered + r.failed for r in rows) == 120
    # It reads the rollup by name: what is there is what statistics show.
    with svc.store.session() as s:
        row = s.get(DailyTemplateName, (tpl.name, today))
        row.total += 5
    assert svc.stats.totals(first, today, flt).total == 125
    # A filter matching no template's name shows nothing; % and _ are characters there,
    # as in every other search (LIKE's wildcards made them match every name).
    assert svc.stats.totals(first, today, StatsFilter(template_name="no such name")).total == 0
    assert "_" not in tpl.name and "%" not in tpl.name
    for wildcard in ("_", "%"):
        assert svc.stats.totals(first, today, StatsFilter(template_name=wildcard)).total == 0
    # The screen's one read: the same days, and the CODEs the name matches.
    days, codes = svc.stats.daily_named(first, today, flt)
    assert [r.total for r in days] == [r.total for r in svc.stats.daily(first, today, flt)]
    assert codes == sorted(set(svc.records.template_codes_named(flt.template_name)))
    assert codes


def test_the_migration_fills_the_rollup_from_daily_stat(wsvc, box, db_url):
    svc = wsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 1000)
    send_many(svc, who, 40)
    drain(svc, box)
    with svc.store.read() as s:
        before = {(r.template_name, r.day): (r.total, r.delivered, r.failed, r.segments)
                  for r in s.scalars(select(DailyTemplateName))}
    assert before
    from alembic import command

    store = open_store(db_url)
    try:
        cfg = alembic_config(db_url)
        from alembic.script import ScriptDirectory

        # Down to just below 0008, on alembic's own connection (as `alembic downgrade`
        # would run): SQLite's batch moves rebuild send_task, which the console's
        # connections (foreign keys on) refuse while other tables point at it.
        below = ScriptDirectory.from_config(cfg).get_revision("0008").down_revision
        store.engine.dispose()
        command.downgrade(cfg, below)  # the table goes
        with store.read() as s:
            assert s.connection().dialect.has_table(s.connection(), "daily_template_name") is False
        upgrade(store)  # and comes back, filled from daily_stat
    finally:
        store.dispose()
    with svc.store.read() as s:
        after = {(r.template_name, r.day): (r.total, r.delivered, r.failed, r.segments)
                 for r in s.scalars(select(DailyTemplateName))}
    assert after == before
