"""Home keeps the manual's "Remaining" (allocated minus used, every holding) and shows
the usable figure beside it: normal holdings not expired (issue 18, item 13)."""

from __future__ import annotations

from smsconsole.store.models import HoldingStatus, SmsType
from tests import factories


def test_usable_leaves_out_frozen_invalid_and_expired(services):
    actor = factories.set_up(services)
    user = factories.user(services)
    factories.quota(services, actor, user.id, 500)
    frozen = factories.quota(services, actor, user.id, 300)
    invalid = factories.quota(services, actor, user.id, 200)
    factories.quota(services, actor, user.id, 100, days=1)  # expires after tomorrow
    services.holdings.set_status(actor, frozen.id, HoldingStatus.FROZEN)
    services.holdings.set_status(actor, invalid.id, HoldingStatus.INVALID)
    services.ctx.clock.advance(days=3)
    board = services.stats.dashboard()
    assert board.quota[SmsType.NOTIFICATION] == (1100, 0, 1100)  # the manual's figure
    assert board.usable[SmsType.NOTIFICATION] == 500
    assert board.usable[SmsType.PROMOTION] == 0
