"""Per-AccessKey QPS limits of the gateway (``Throttling.User``), for the Aliyun-compatible
API and the REST API's sends alike.

- With a Redis URL (``SMSCONSOLE_REDIS_URL``, e.g. ``redis://127.0.0.1:6379/0``) the
  limit holds across every process and machine using that Redis: one counter per key
  and second, taken and checked in one atomic script (``RedisLimiter``).
- Without one, a token bucket in this process (``LocalLimiter``). ``smsconsole serve
  --workers N`` tells each worker N (``SMSCONSOLE_GATEWAY_WORKERS``) and each allows
  1/N of the limit, so one machine as a whole holds it (uvicorn's workers share one
  listening socket, which spreads connections over them). Several machines need Redis.

A limiter that cannot reach Redis lets the request through (and logs once a minute):
the QPS limit protects the platform, it must not take the gateway down with Redis.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time

log = logging.getLogger("smsconsole.gateway")

REDIS_ENV = "SMSCONSOLE_REDIS_URL"
PREFIX_ENV = "SMSCONSOLE_REDIS_PREFIX"  # several platforms on one Redis: one each
WORKERS_ENV = "SMSCONSOLE_GATEWAY_WORKERS"

# KEYS[1]: the key's counter for this second. ARGV[1]: the limit. → 1 allowed, 0 not.
_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
if n > tonumber(ARGV[1]) then return 0 end
return 1
"""


class LocalLimiter:
    """Token buckets in this process; each allows ``qps / share`` a second."""

    def __init__(self, share: int = 1, clock=time.monotonic) -> None:
        self.share = max(1, share)
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def allow(self, key: str, qps: int) -> bool:
        rate = max(qps / self.share, 1e-9)
        burst = max(1.0, rate)
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True


class RedisLimiter:
    """One counter per key and second in Redis, shared by every gateway process: at most
    ``qps`` requests of a key in any one second, whichever process serves them."""

    def __init__(self, url: str, prefix: str = "smsconsole:qps:", clock=time.time) -> None:
        import redis

        self.prefix, self.clock = prefix, clock
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(_SCRIPT)
        self._warned = 0.0

    def allow(self, key: str, qps: int) -> bool:
        second = math.floor(self.clock())
        try:
            return bool(self._script(keys=[self.counter(key, second)], args=[qps]))
        except Exception:  # noqa: BLE001 - Redis away: serve rather than refuse everyone
            mono = time.monotonic()
            if mono - self._warned > 60:
                self._warned = mono
                log.warning("QPS limiter: Redis unavailable, requests not limited",
                            exc_info=True)
            return True

    def counter(self, key: str, second: int) -> str:
        """The Redis key counting ``key``'s requests in ``second`` (Unix time)."""
        return f"{self.prefix}{key}:{second}"

    def close(self) -> None:
        self._redis.close()


def make_limiter(env: dict | None = None) -> LocalLimiter | RedisLimiter:
    """The limiter the environment asks for (module docstring)."""
    env = os.environ if env is None else env
    url = (env.get(REDIS_ENV) or "").strip()
    if url:
        return RedisLimiter(url, env.get(PREFIX_ENV) or "smsconsole:qps:")
    try:
        share = int(env.get(WORKERS_ENV) or 1)
    except ValueError:
        share = 1
    return LocalLimiter(share)
