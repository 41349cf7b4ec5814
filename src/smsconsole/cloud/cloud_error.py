"""One error type for all three cloud services, and what each result code means.

``CloudError`` is what every adapter raises. ``explain(code, lang)`` turns any code the
console may show (an Aliyun business or gateway code, an MNS code, an Alipay gateway
code or ``sub_code``, or a carrier delivery code from a status report) into a short
meaning and what the admin should do, in Chinese or English.
"""

from __future__ import annotations

import functools
import re

from smsconsole.i18n import load_catalog

SERVICES = ("sms", "mns", "alipay")

# code -> (zh meaning, zh advice, en meaning, en advice)
_Entry = tuple[str, str, str, str]

# The texts are in i18n/cloud_codes.toml ("cloud_code.<table>.<code>.meaning|advice"),
# zh and en side by side like every other text; read on first use.
_PREFIX = "cloud_code."
# The service tables; a code several services share takes the service's wording first.
_SERVICE_TABLES = {"sms": ("gateway", "sms"), "mns": ("mns",), "alipay": ("alipay",)}
# One flat table for explain() without a service; later tables win for shared codes
# (SignatureDoesNotMatch, InternalError): the Aliyun gateway wording wins.
_FLAT_ORDER = ("carrier", "own", "alipay", "mns", "gateway", "sms")


@functools.cache
def _tables() -> dict[str, dict[str, _Entry]]:
    """table -> code -> entry, from the catalog (``fallback`` and ``carrier_family`` too;
    a part the catalog lacks is empty: a carrier family has only a meaning)."""
    parts: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for key, texts in load_catalog().items():
        if key.startswith(_PREFIX):
            table, rest = key[len(_PREFIX):].split(".", 1)
            code, part = rest.rsplit(".", 1)
            parts.setdefault(table, {}).setdefault(code, {})[part] = texts
    empty = {"zh": "", "en": ""}
    return {
        table: {
            code: (p.get("meaning", empty)["zh"], p.get("advice", empty)["zh"],
                   p.get("meaning", empty)["en"], p.get("advice", empty)["en"])
            for code, p in codes.items()
        }
        for table, codes in parts.items()
    }


@functools.cache
def _by_service() -> dict[str, dict[str, _Entry]]:
    tables = _tables()
    return {service: {code: e for name in names for code, e in tables[name].items()}
            for service, names in _SERVICE_TABLES.items()}


@functools.cache
def _codes() -> dict[str, _Entry]:
    tables = _tables()
    return {code: e for name in _FLAT_ORDER for code, e in tables[name].items()}


def __getattr__(name: str):
    # ``CODES``: every known code -> (zh meaning, zh advice, en meaning, en advice).
    if name == "CODES":
        return _codes()
    raise AttributeError(name)


_CARRIER_CODE = re.compile(r"^([A-Z]{2}):\d{4}$")


def _entry(code: str, service: str | None = None) -> _Entry | None:
    if service in _SERVICE_TABLES:
        hit = _by_service()[service].get(code) or _tables()["own"].get(code)
        if hit:
            return hit
    return _codes().get(code)


def explain(code: str, lang: str = "en", service: str | None = None) -> tuple[str, str]:
    """(meaning, what the admin should do) for a result code, in ``lang`` ("zh" or "en").

    Unknown codes get a generic explanation (a carrier family wording when the code looks
    like ``XX:NNNN``). ``service`` ("sms"/"mns"/"alipay") picks the service's wording for
    codes that several services share.
    """
    code = (code or "").strip()
    zh = lang.lower().startswith("zh")
    hit = _entry(code, service)
    tables = _tables()
    if hit is None and code.startswith("Throttling"):
        hit = tables["gateway"]["Throttling"]
    if hit is None and code.startswith("Missing"):  # MissingPhoneNumbers, MissingSignName…
        hit = tables["gateway"]["MissingParameter"]
    if hit is None:
        m = _CARRIER_CODE.match(code)
        if m and m.group(1) in tables["carrier_family"]:
            fam_zh, _, fam_en, _ = tables["carrier_family"][m.group(1)]
            fam_advice = tables["fallback"]["carrier_family"]
            if zh:
                return f"{fam_zh}（{code}）", fam_advice[1]
            return f"{fam_en} ({code})", fam_advice[3]
        hit = tables["fallback"]["unknown"]
    return (hit[0], hit[1]) if zh else (hit[2], hit[3])


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CloudError(Exception):
    """An error from (or on the way to) Aliyun SMS, MNS or Alipay.

    ``code`` is the service's own code (``isv.MOBILE_NUMBER_ILLEGAL``, ``MessageNotExist``,
    ``ACQ.TRADE_NOT_EXIST`` …) or ours (``Timeout``, ``NetworkError``, ``InvalidResponse``,
    ``ResponseSignatureInvalid``, ``InvalidKey``). ``retryable`` tells the caller whether
    trying the same call again later can succeed. ``str()`` is one English line with no
    secret in it.
    """

    def __init__(
        self,
        service: str,
        code: str,
        raw_message: str = "",
        *,
        http_status: int | None = None,
        request_id: str = "",
        retryable: bool = False,
        action: str = "",
        field: str | None = None,
    ) -> None:
        self.service = service
        self.code = code or "Unknown"
        self.raw_message = _one_line(raw_message or "", 500)
        self.http_status = http_status
        self.request_id = request_id or ""
        self.retryable = retryable
        self.action = action
        self.field = field  # settings field to point at, when the adapter knows it
        super().__init__(self._line())

    def meaning(self, lang: str = "en") -> str:
        return explain(self.code, lang, self.service)[0]

    def advice(self, lang: str = "en") -> str:
        return explain(self.code, lang, self.service)[1]

    def _line(self) -> str:
        where = {"sms": "Aliyun SMS", "mns": "MNS", "alipay": "Alipay"}.get(
            self.service, self.service
        )
        if self.action:
            where += f" {self.action}"
        known = _entry(self.code, self.service) is not None
        text = self.meaning("en")
        if not known and self.raw_message and self.raw_message.isascii():
            text = _one_line(self.raw_message, 160)
        parts = [f"{where} failed: {self.code}: {text}"]
        extra = []
        if self.http_status is not None:
            extra.append(f"HTTP {self.http_status}")
        if self.request_id:
            extra.append(f"request id {self.request_id}")
        if extra:
            parts.append(f"({', '.join(extra)})")
        return " ".join(parts)

    def __str__(self) -> str:
        return self._line()

    def __repr__(self) -> str:
        return (
            f"CloudError(service={self.service!r}, code={self.code!r}, "
            f"http_status={self.http_status!r}, request_id={self.request_id!r}, "
            f"retryable={self.retryable!r})"
        )

    def __reduce__(self):  # keep pickling (e.g. across processes) working
        return (
            _rebuild,
            (self.service, self.code, self.raw_message, self.http_status, self.request_id,
             self.retryable, self.action, self.field),
        )


def _rebuild(service, code, raw, status, rid, retryable, action, field):
    return CloudError(service, code, raw, http_status=status, request_id=rid,
                      retryable=retryable, action=action, field=field)
