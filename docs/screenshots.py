"""Regenerate the README's screenshots (home and statistics) from a demo database.

    smsconsole --data-dir /tmp/shots demo && python docs/screenshots.py /tmp/shots

The console runs headless at 120×36 in English, logged in as the demo admin.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from smsconsole.config import load_config
from smsconsole.demo import DEMO_PASSWORD
from smsconsole.services import Actor, build


async def shoot(data_dir: Path, out: Path) -> None:
    from smsconsole.app import make_app
    from smsconsole.i18n import set_lang

    set_lang("en")
    cfg = load_config(data_dir, lang="en")
    services = build(cfg.db_url, cfg.data_dir)
    admin = services.auth.login("demo@example.com", DEMO_PASSWORD, origin="screenshots")
    app = make_app(services, cfg, start_worker=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.logged_in(Actor(admin.admin_id, admin.name, "screenshots"))
        for key, name in (("1", "home"), ("0", "statistics")):
            await pilot.press(key)
            for _ in range(20):
                await app.workers.wait_for_complete()
                await pilot.pause(0.1)
            (out / f"{name}.svg").write_text(app.export_screenshot(title="smsconsole"))
    services.close()


if __name__ == "__main__":
    asyncio.run(shoot(Path(sys.argv[1]), Path(__file__).parent))
