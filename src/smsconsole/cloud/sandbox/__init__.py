"""A loopback emulator of Aliyun SMS (Dysmsapi + dybaseapi), MNS and the Alipay gateway
that the real SDKs talk to unchanged. See ``server.Sandbox`` and ``runtime.ensure_sandbox``.
"""

from .server import Sandbox, SandboxBusy, SandboxEndpoints

__all__ = ["Sandbox", "SandboxBusy", "SandboxEndpoints", "ensure_sandbox"]


def ensure_sandbox(data_dir, **options) -> SandboxEndpoints:
    from .runtime import ensure_sandbox as _ensure

    return _ensure(data_dir, **options)
