"""The ``smsconsole`` command as scripts use it: real processes, real databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest

from smsconsole import __version__


def run(args, data_dir, stdin="", env=None, timeout=120):
    full_env = dict(os.environ, SMSCONSOLE_DATA_DIR=str(data_dir), SMSCONSOLE_LANG="en")
    full_env.pop("SMSCONSOLE_DB_URL", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "smsconsole", *args], input=stdin,
                          capture_output=True, text=True, env=full_env, timeout=timeout)


def test_version(tmp_path):
    out = run(["--version"], tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == f"smsconsole {__version__}"


def test_usage_error_exits_2(tmp_path):
    out = run(["export", "nothing", "--out", "x.csv"], tmp_path)
    assert out.returncode == 2


def test_console_options_parse_as_the_whole_parser_does(capsys):
    """The console's start reads its options without building the commands' parsers;
    what it reads, and what a mistake prints, is the whole parser's."""
    from smsconsole.cli import build_parser, parse_args

    for argv in ([], ["--lang", "en"], ["--db", "sqlite://", "--data-dir", "/tmp/x"]):
        assert parse_args(argv) == build_parser().parse_args(argv)
    assert parse_args(["--lang", "zh", "db", "current"]).db_command == "current"
    for argv in (["--lang", "xx"], ["nothing"], ["--help"]):
        with pytest.raises(SystemExit):
            parse_args(argv)
        printed = capsys.readouterr()
        assert "COMMAND" in printed.out + printed.err, argv  # the whole usage


def test_setup_sandbox_then_upgrade_then_refuse_twice(tmp_path):
    args = ["setup", "--sandbox", "--admin-email", "ops@example.com", "--admin-phone",
            "13800138000", "--password-stdin", "--company", "云顶短信"]
    first = run(args, tmp_path, stdin="Secret#2026pass\n")
    assert first.returncode == 0, first.stderr
    assert "ops@example.com" in first.stdout and "sandbox" in first.stdout
    assert (tmp_path / "smsconsole.db").exists()
    up = run(["db", "upgrade"], tmp_path)
    assert up.returncode == 0, up.stderr
    assert re.search(r"database at revision \d{4}\b", up.stdout), up.stdout
    again = run(args, tmp_path, stdin="Secret#2026pass\n")
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1 and "already set up" in again.stderr
    assert "Traceback" not in again.stderr


def test_setup_bad_values_one_line_and_nothing_saved(tmp_path):
    args = ["setup", "--sandbox", "--admin-email", "not-an-email", "--admin-phone",
            "13800138000", "--password-stdin"]
    out = run(args, tmp_path, stdin="Secret#2026pass\n")
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "email" in out.stderr and "Traceback" not in out.stderr
    weak = run(["setup", "--sandbox", "--admin-email", "a@example.com", "--admin-phone",
                "13800138000", "--password-stdin"], tmp_path, stdin="short\n")
    assert weak.returncode == 1 and "password" in weak.stderr
    # Still not set up: a good setup works now.
    ok = run(["setup", "--sandbox", "--admin-email", "a@example.com", "--admin-phone",
              "13800138000", "--password-stdin"], tmp_path, stdin="Secret#2026pass\n")
    assert ok.returncode == 0, ok.stderr


def test_check_on_a_sandbox_install(tmp_path):
    setup = run(["setup", "--sandbox", "--admin-email", "ops@example.com", "--admin-phone",
                 "13800138000", "--password-stdin"], tmp_path, stdin="Secret#2026pass\n")
    assert setup.returncode == 0, setup.stderr
    out = run(["--lang", "en", "check"], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) >= 6 and all(line.endswith(": ok") for line in lines), out.stdout
    # In words, as the settings pages say them; "ok" said once (issue 18, item 14).
    assert "AccessKey: ok" in lines and "Status report queue: ok" in lines, out.stdout
    assert not any(key in out.stdout for key in ("aliyun.", "scenario.", "queue.", "— ok"))


@pytest.mark.postgres
def test_setup_and_upgrade_on_postgres(tmp_path, pg_server):
    import psycopg

    name = f"smsconsole_cli_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_server.rsplit("/", 1)[0] + "/" + name
    try:
        up = run(["--db", url, "db", "upgrade"], tmp_path)
        assert up.returncode == 0, up.stderr
        setup = run(["--db", url, "setup", "--sandbox", "--admin-email", "pg@example.com",
                     "--admin-phone", "13900139000", "--password-stdin"], tmp_path,
                    stdin="Secret#2026pass\n")
        assert setup.returncode == 0, setup.stderr
        cur = run(["--db", url, "db", "current"], tmp_path)
        from tests.store.test_store import head_revision

        assert cur.stdout.strip() == head_revision()
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s", (name,))
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_bad_database_url_is_one_line(tmp_path):
    out = run(["--db", "postgresql://nobody@127.0.0.1:1/none", "db", "upgrade"], tmp_path)
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr


def test_sandbox_prints_its_endpoints_and_serves(tmp_path):
    """`smsconsole sandbox` prints the cli.md key/value lines, and the SDKs can use them."""
    import signal

    env = dict(os.environ, SMSCONSOLE_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "smsconsole", "sandbox"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = {}
        while "alipay-public-key" not in lines:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            key, _, value = line.strip().partition(" ")
            lines[key] = value
        assert lines["sms"].startswith("http://127.0.0.1:")
        assert lines["mns"].startswith("http://127.0.0.1:")
        assert lines["alipay"].endswith("/gateway.do")
        assert lines["access-key-id"] not in ("", "None")
        assert lines["report-queue"] == f"Alicom-Queue-{lines['uid']}-SmsReport"
        assert lines["reply-queue"] == f"Alicom-Queue-{lines['uid']}-SmsUp"
        from smsconsole.cloud.sms import SmsClient
        from smsconsole.cloud.types import AliyunSettings

        client = SmsClient(AliyunSettings(lines["access-key-id"], lines["access-key-secret"],
                                          sms_endpoint=lines["sms"].removeprefix("http://"),
                                          sms_protocol="http"))
        assert any(s.status == "approved" for s in client.list_signs())
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert proc.returncode == 0
