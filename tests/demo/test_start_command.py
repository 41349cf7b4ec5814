"""The demo's last line names the command that opens what it filled (issue 18, item
12): with ``--data-dir`` it says so, not a bare ``smsconsole``."""

from __future__ import annotations

from smsconsole.config import default_data_dir, load_config
from smsconsole.demo.command import start_command


def test_start_command_carries_the_data_dir_and_database(tmp_path):
    assert start_command(load_config(data_dir=tmp_path, db_url=None, env={})) == \
        f"smsconsole --data-dir {tmp_path}"
    spaced = tmp_path / "my data"
    assert start_command(load_config(data_dir=spaced, env={})) == \
        f"smsconsole --data-dir '{spaced}'"
    pg = "postgresql+psycopg://127.0.0.1/sms"
    assert start_command(load_config(data_dir=tmp_path, db_url=pg, env={})) == \
        f"smsconsole --data-dir {tmp_path} --db {pg}"
    assert start_command(load_config(data_dir=default_data_dir(), env={})) == "smsconsole"
