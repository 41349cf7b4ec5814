"""Tunable behaviour of the sandbox (``POST /_sandbox/config``), persisted with its state."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

DEFAULT_ACCESS_KEY_ID = "sandbox-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "sandbox-access-key-secret-0000"
DEFAULT_UID = "1380013800138000"
DEFAULT_ALIPAY_APP_ID = "2021000100000001"


@dataclass
class SandboxConfig:
    seed: int = 20240601
    failure_rate: float = 0.08  # share of accepted numbers whose report says failed
    duplicate_rate: float = 0.02  # share of reports delivered twice
    reply_rate: float = 0.05  # share of delivered numbers that reply (SmsUp)
    unsubscribe_share: float = 0.4  # share of replies that are unsubscribe words
    report_delay: float = 1.0  # seconds (real) from send to report in the queue
    review_delay: float = 30.0  # seconds (virtual) from create to review decision
    review_reject_share: float = 0.2
    token_ttl: float = 600.0  # seconds an STS token from QueryTokenForMnsQueue lives
    notify_retry_delays: list[float] = field(default_factory=lambda: [1.0, 2.0, 5.0, 10.0])

    _RATES = ("failure_rate", "duplicate_rate", "reply_rate", "unsubscribe_share",
              "review_reject_share")

    def update(self, values: dict) -> list[str]:
        """Apply known keys from ``values``; returns the unknown ones. Raises ValueError."""
        known = {f.name: f for f in fields(self)}
        unknown = [k for k in values if k not in known]
        staged = asdict(self)
        for key, value in values.items():
            if key not in known:
                continue
            if key == "seed":
                staged[key] = int(value)
            elif key == "notify_retry_delays":
                staged[key] = [float(v) for v in value]
            else:
                staged[key] = float(value)
                if key in self._RATES and not 0.0 <= staged[key] <= 1.0:
                    raise ValueError(f"{key} must be between 0 and 1")
                if staged[key] < 0:
                    raise ValueError(f"{key} must not be negative")
        for key, value in staged.items():
            setattr(self, key, value)
        return unknown

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict | None) -> SandboxConfig:
        cfg = cls()
        if values:
            cfg.update({k: v for k, v in values.items() if k in cls.__dataclass_fields__})
        return cfg
