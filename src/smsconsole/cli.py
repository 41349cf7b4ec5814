"""The ``smsconsole`` command (see cli.md for the contract).

Kept light: heavy modules (Textual, SQLAlchemy, the SDKs) are imported inside each
command, so ``smsconsole --version`` and the console's first paint stay fast.
Errors: one line on stderr, exit 1; usage errors exit 2; never a traceback (set
``SMSCONSOLE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

from smsconsole import __version__

EXPORT_KINDS = ("orders", "finance", "tasks", "records", "stats", "admin-log")


class CliError(Exception):
    """A refusal to print as one line (exit 1)."""


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; ``commands=False``: the console's own options only (what
    ``parse_args`` tries first)."""
    p = argparse.ArgumentParser(
        prog="smsconsole",
        description="Terminal admin console for a bulk-SMS platform on Alibaba Cloud SMS.",
        add_help=commands, exit_on_error=commands,
    )
    p.add_argument("--version", action="version", version=f"smsconsole {__version__}")
    p.add_argument("--data-dir", help="data directory (env SMSCONSOLE_DATA_DIR)")
    p.add_argument("--db", dest="db_url", help="database URL (env SMSCONSOLE_DB_URL)")
    p.add_argument("--lang", choices=("zh", "en"), help="language (env SMSCONSOLE_LANG)")
    if not commands:
        p.set_defaults(command=None)
        return p
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("setup", help="the first-launch wizard, non-interactive")
    s.add_argument("--sandbox", action="store_true", help="use the built-in cloud emulator")
    s.add_argument("--admin-email", required=True)
    s.add_argument("--admin-phone", required=True)
    s.add_argument("--password-stdin", action="store_true", required=True,
                   help="read the admin password from the first line of stdin")
    s.add_argument("--company", default="")
    s.add_argument("--name", default="")
    s.add_argument("--purchase-order", default="")
    s.add_argument("--access-key-id", default="",
                   help="Aliyun AccessKey ID (without --sandbox); its secret is the second "
                        "line of stdin")
    s.add_argument("--sign-name", default="", help="signature for the three scenarios")
    s.add_argument("--template-code", default="", help="template CODE for the three scenarios")
    s.add_argument("--template-param", default="code")
    s.add_argument("--report-queue", default="")
    s.add_argument("--reply-queue", default="")
    s.add_argument("--address", default="")
    s.add_argument("--site-email", default="")
    s.add_argument("--site-phone", default="")
    s.add_argument("--logo", default="")

    sb = sub.add_parser("sandbox", help="run the cloud emulator in the foreground")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=0)
    sb.add_argument("--keys-dir", default=None)
    sb.add_argument("--access-key-id", default=None)
    sb.add_argument("--access-key-secret", default=None)
    sb.add_argument("--seed", type=int, default=None)

    w = sub.add_parser("worker", help="consume the status-report and reply queues")
    w.add_argument("--once", action="store_true", help="drain what is there and exit")
    w.add_argument("--max-seconds", type=float, default=None)

    d = sub.add_parser("demo", help="fill the database with a realistic platform history")
    d.add_argument("--users", type=int, default=200)
    d.add_argument("--days", type=int, default=90)
    d.add_argument("--seed", type=int, default=1)

    e = sub.add_parser("export", help="export a list to CSV or XLSX")
    e.add_argument("kind", choices=EXPORT_KINDS)
    e.add_argument("--out", required=True)
    e.add_argument("--format", choices=("csv", "xlsx"), default=None)
    e.add_argument("--from", dest="first", default=None, help="first day, YYYY-MM-DD")
    e.add_argument("--to", dest="last", default=None, help="last day, YYYY-MM-DD")
    e.add_argument("--user", default=None, help="user account")
    e.add_argument("--status", default=None)
    e.add_argument("--phone", default=None)
    e.add_argument("--template", default=None, help="template CODE")
    e.add_argument("--sign", default=None, help="signature name")
    e.add_argument("--type", dest="sms_type", default=None, help="SMS type")
    e.add_argument("--action", default=None, help="admin-log action")

    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION")
    dbsub.add_parser("upgrade", help="apply migrations")
    dbsub.add_parser("current", help="print the schema revision")

    sub.add_parser("check", help="test the configured cloud settings")

    sv = sub.add_parser("serve", help="run the customer gateway (Aliyun-compatible SMS API)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    sv.add_argument("--workers", type=int, default=1)
    sv.add_argument("--forwarded-allow-ips", default=None,
                    help="proxies whose X-Forwarded-For is trusted (comma-separated; "
                         "env FORWARDED_ALLOW_IPS; default 127.0.0.1)")

    k = sub.add_parser("keys", help="customers' AccessKeys for the gateway")
    ksub = k.add_subparsers(dest="keys_command", metavar="ACTION")
    for name, arg in (("create", "account"), ("list", "account"), ("disable", "id"),
                      ("enable", "id"), ("delete", "id")):
        ksub.add_parser(name).add_argument(arg, metavar=arg.upper())
    return p


def _config(args):
    from smsconsole.config import load_config

    try:
        return load_config(args.data_dir, args.db_url, args.lang)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _services(cfg, migrate: bool = True):
    from smsconsole.services import build

    return build(cfg.db_url, cfg.data_dir, migrate=migrate)


def _wait_when_busy() -> None:
    """A busy database (another program writing) makes a command wait, saying so once,
    instead of failing with "database is locked"."""
    from smsconsole.store import engine

    def say() -> None:
        print("smsconsole: the database is busy (another program is writing); waiting…",
              file=sys.stderr, flush=True)

    engine.on_busy = say


def read_only_services(cfg):
    """Services for a command that only reads (export, check): no migration, so no
    write lock (a schema behind the program is refused with what to run)."""
    from smsconsole.services import build_read_only

    return build_read_only(cfg.db_url, cfg.data_dir)


def _fail_message(exc: BaseException, lang: str) -> str:
    from smsconsole.services.errors import ServiceError

    if isinstance(exc, ServiceError):
        msg = exc.message(lang)
        return f"{exc.field}: {msg}" if exc.field else msg
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text


def cmd_setup(args, cfg) -> int:
    from smsconsole.services.auth import AdminInput, AuthorizationInput, SetupInput
    from smsconsole.services.settings import AccessInput, ScenarioInput, SiteInput

    lines = sys.stdin.read().splitlines()
    password = lines[0] if lines else ""
    secret = lines[1] if len(lines) > 1 else ""
    email = args.admin_email.strip()
    company = args.company.strip() or "SMS Platform"
    name = args.name.strip() or (email.split("@")[0] if "@" in email else "admin")
    services = _services(cfg)
    try:
        if services.auth.is_set_up():
            raise CliError("already set up: this database has an admin")
        if args.sandbox:
            access = AccessInput(sandbox=True)
        else:
            if not args.access_key_id:
                raise CliError("without --sandbox, give --access-key-id (secret on stdin line 2),"
                               " --sign-name, --template-code, --report-queue, --reply-queue")
            sc = ScenarioInput(args.sign_name, args.template_code, args.template_param)
            access = AccessInput(access_key_id=args.access_key_id, access_key_secret=secret,
                                 scenarios={k: sc for k in ("register", "reset_password",
                                                            "change_phone")},
                                 report_queue=args.report_queue, reply_queue=args.reply_queue)
        data = SetupInput(
            authorization=AuthorizationInput(name=name, company=company, email=email,
                                             phone=args.admin_phone,
                                             purchase_order_no=args.purchase_order),
            admin=AdminInput(password=password, password_confirm=password, login=email),
            access=access,
            site=SiteInput(logo_path=args.logo, company=company, address=args.address,
                           email=args.site_email, phone=args.site_phone),
        )
        admin = services.auth.setup(data)
        if args.sandbox:
            from smsconsole.services.cloud_access import sandbox_payment_values
            from smsconsole.services.context import Actor

            actor = Actor(admin.id, admin.name)
            services.settings.update_payment(actor, sandbox_payment_values(services.ctx))
        print(f"set up: admin {admin.email} / {admin.phone}"
              + (" (sandbox mode)" if args.sandbox else ""))
        return 0
    finally:
        services.close()


def cmd_db(args, cfg) -> int:
    from smsconsole.store.engine import current_revision, open_store, upgrade

    store = open_store(cfg.db_url)
    try:
        if args.db_command == "upgrade":
            upgrade(store)
            print(f"database at revision {current_revision(store)}")
        elif args.db_command == "current":
            print(current_revision(store) or "empty")
        else:
            raise CliError("usage: smsconsole db upgrade|current")
        return 0
    finally:
        store.dispose()


def cmd_check(args, cfg) -> int:
    services = read_only_services(cfg)
    try:
        if not services.auth.is_set_up():
            raise CliError("not set up yet: run `smsconsole` or `smsconsole setup` first")
        from smsconsole.widgets.check_labels import field_label, item_name

        items = services.settings.check()
        bad = 0
        for item in items:
            bad += not item.ok
            state = "ok" if item.ok else "FAIL"
            # The detail of a passing item is "ok" / "正常" again: said once.
            detail = f" — {item.detail}" if item.detail and not item.ok else ""
            where = f" [{field_label(item.field)}]" if item.field and not item.ok else ""
            print(f"{item_name(item)}: {state}{where}{detail}")
        return 1 if bad else 0
    finally:
        services.close()


def cmd_sandbox(args, cfg) -> int:
    from smsconsole.cloud.sandbox.command import run

    # Only the options given: the sandbox's defaults (its fixed AccessKey pair) stand.
    given = {k: v for k, v in (("keys_dir", args.keys_dir), ("access_key_id", args.access_key_id),
                               ("access_key_secret", args.access_key_secret),
                               ("seed", args.seed)) if v is not None}
    return run(host=args.host, port=args.port, data_dir=cfg.data_dir, **given)


def cmd_worker(args, cfg) -> int:
    from smsconsole.worker_command import run_worker

    return run_worker(cfg, once=args.once, max_seconds=args.max_seconds)


def cmd_demo(args, cfg) -> int:
    from smsconsole.demo.command import run_cli

    return run_cli(cfg, users=args.users, days=args.days, seed=args.seed)


def cmd_export(args, cfg) -> int:
    """``smsconsole export KIND --out FILE ...``: prints the path and row count at the end."""
    from smsconsole.services import build_read_only
    from smsconsole.services.errors import Invalid
    from smsconsole.services.exports import ExportFilter, ExportService, user_id_for

    def day(text, name):
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise Invalid("error.date.invalid", name, value=text) from None

    services = build_read_only(cfg.db_url, cfg.data_dir)  # never takes the write lock
    try:
        flt = ExportFilter(first=day(args.first, "from"), last=day(args.last, "to"),
                           user_id=user_id_for(services, args.user), status=args.status,
                           phone=args.phone or "", template_code=args.template or "",
                           sign_name=args.sign or "", sms_type=args.sms_type,
                           action=args.action or "")
        result = ExportService(services.ctx).export(args.kind, args.out, args.format, flt,
                                                    lang=cfg.lang)
        print(f"{result.rows} rows written to {result.path.resolve()}")
        return 0
    finally:
        services.close()


def cmd_console(args, cfg) -> int:
    import gc

    # No collections until the first frame is drawn (the App turns the collector back on:
    # ``app._resume_collector``): start-up is imports and screens, not garbage.
    gc.disable()
    from smsconsole.app import run_console

    return run_console(cfg)


def cmd_serve(args, cfg) -> int:
    from smsconsole.gateway.server import run_cli

    return run_cli(cfg, host=args.host, port=args.port, workers=args.workers,
                   forwarded_allow_ips=args.forwarded_allow_ips)


def cmd_keys(args, cfg) -> int:
    from smsconsole.services.context import Actor, ssh_origin

    if not args.keys_command:
        raise CliError("usage: smsconsole keys create|list|disable|enable|delete")
    origin = ssh_origin()
    actor = Actor(None, "shell", "shell" if origin == "local" else f"shell {origin}")
    services = _services(cfg)
    try:
        keys = services.keys
        cmd = args.keys_command
        if cmd == "create":
            issued = keys.create(actor, keys.user_id_for(args.account))
            print(f"access-key-id {issued.key.access_key_id}")
            print(f"access-key-secret {issued.secret}")
        elif cmd == "list":
            for view in keys.list(keys.user_id_for(args.account)):
                used = view.last_used_at.isoformat(timespec="seconds") if view.last_used_at \
                    else "never"
                print(f"{view.access_key_id} {view.status.value} "
                      f"{view.created_at.isoformat(timespec='seconds')} {used}")
        else:
            getattr(keys, cmd)(actor, args.id)
            print(f"{args.id} {cmd}d")
        return 0
    finally:
        services.close()


COMMANDS = {"setup": cmd_setup, "db": cmd_db, "check": cmd_check, "sandbox": cmd_sandbox,
            "worker": cmd_worker, "demo": cmd_demo, "export": cmd_export, "serve": cmd_serve,
            "keys": cmd_keys}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The console's own options alone need no subcommands: building every command's
    parser costs the console's start-up ~6 ms. Anything else (a command, ``--help``, a
    mistake) goes to the whole parser, which says what it says."""
    try:
        args, rest = build_parser(commands=False).parse_known_args(argv)
    except argparse.ArgumentError:  # a mistake: the whole parser's message
        rest = ["…"]
    return build_parser().parse_args(argv) if rest else args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    lang = "en"
    try:
        cfg = _config(args)
        lang = cfg.lang
        from smsconsole.i18n import set_lang

        set_lang(cfg.lang)
        handler = COMMANDS.get(args.command, cmd_console)
        if handler is not cmd_console:  # the console shows its own state, not stderr
            _wait_when_busy()
        return handler(args, cfg) or 0
    except KeyboardInterrupt:
        return 130
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - one line, never a traceback
        if os.environ.get("SMSCONSOLE_DEBUG"):
            raise
        print(f"smsconsole: {_fail_message(exc, lang)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
