"""Bounded exponential backoff with jitter, shared by the adapters.

The SDKs themselves do not retry (tea-openapi's default is one attempt, aliyun-mns-sdk
and python-alipay-sdk never retry), so the adapters decide what is safe to repeat and
use this policy for how long to wait. ``sleep`` is injectable so tests run fast.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RetryPolicy:
    retries: int = 3  # attempts after the first one
    base_delay: float = 0.2  # seconds
    max_delay: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before retry number ``attempt`` (1-based): a random wait between half
        and all of base·2^(n-1), capped at ``max_delay``.

        A server's ``retry_after`` hint (seconds) is honoured, capped at ``max_delay``.
        """
        if retry_after is not None and retry_after > 0:
            return min(float(retry_after), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)

    def wait(self, attempt: int, retry_after: float | None = None) -> None:
        self.sleep(self.delay(attempt, retry_after))


NO_RETRY = RetryPolicy(retries=0)
