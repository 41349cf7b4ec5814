"""MNS queue adapter for SMS status reports (SmsReport) and replies (SmsUp).

Two modes (``AliyunSettings.queue_mode``):

* ``"alicom"`` — Aliyun's own queues: STS credentials from dybaseapi
  QueryTokenForMnsQueue (MessageType from the queue name's suffix), refreshed when less
  than 2 minutes remain before ExpireTime (the buffer all of Alibaba's demos use). The
  mns ``Account`` is rebuilt on each refresh (``Account.set_client()`` is broken).
* ``"own"`` — a queue in the admin's MNS account, signed with the AccessKey itself.

Network failures, MNS 5xx/QPS errors and token errors (expired/unknown STS key, which
also force a token refresh) are retried with backoff and jitter; everything else raises
``CloudError(service="mns")``. One ``ReportQueue`` holds one HTTP connection (the SDK's
``http.client``): use it from one thread at a time (a lock enforces it).
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from mns.account import Account
from mns.mns_exception import (
    MNSClientNetworkException,
    MNSClientParameterException,
    MNSExceptionBase,
    MNSServerException,
)

from .cloud_error import CloudError
from .retry import RetryPolicy
from .sms import SmsClient
from .types import AliyunSettings, MnsToken, QueueMessage

ALICOM_MNS_ENDPOINT = "https://1943695596114318.mns.cn-hangzhou.aliyuncs.com"
REFRESH_MARGIN_S = 120
MAX_BATCH = 16
_TRANSIENT = {"InternalError", "InternalServerError", "QpsLimitExceeded",
              "ServiceUnavailable", "ServiceBusy"}
_TOKEN = {"SecurityTokenExpired", "InvalidAccessKeyId", "InvalidSecurityToken",
          "SecurityTokenMismatch"}
_STATUS = {"MessageNotExist": 404, "QueueNotExist": 404, "ReceiptHandleError": 400,
           "InvalidArgument": 400, "SignatureDoesNotMatch": 403, "InvalidAccessKeyId": 403,
           "AccessDenied": 403, "SecurityTokenExpired": 403, "TimeExpired": 408,
           "InternalError": 500, "InternalServerError": 500}


def message_type_of(queue_name: str) -> str:
    """``Alicom-Queue-<uid>-SmsReport`` → ``SmsReport`` (``SmsUp`` likewise)."""
    return queue_name.rsplit("-", 1)[-1] if "-" in queue_name else queue_name


class ReportQueue:
    def __init__(
        self,
        settings: AliyunSettings,
        queue_name: str,
        *,
        sms: SmsClient | None = None,
        retry: RetryPolicy | None = None,
        socket_timeout: float = 45.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not queue_name:
            raise CloudError("mns", "NotConfigured", "queue name is empty", field="report_queue")
        self.settings = settings
        self.queue_name = queue_name
        self.mode = settings.queue_mode
        if self.mode not in ("alicom", "own"):
            raise ValueError('queue_mode must be "alicom" or "own"')
        self.endpoint = (settings.mns_endpoint or (
            ALICOM_MNS_ENDPOINT if self.mode == "alicom" else "")).rstrip("/")
        if not self.endpoint:
            raise CloudError("mns", "NotConfigured", "mns_endpoint is empty",
                             field="mns_endpoint")
        self.message_type = message_type_of(queue_name)
        self.retry = retry or RetryPolicy()
        self._sms = sms if sms is not None or self.mode == "own" else SmsClient(
            settings, retry=self.retry)
        self._socket_timeout = socket_timeout
        self._now = now
        self._token: MnsToken | None = None
        self._queue = None
        self._account: Account | None = None
        self._lock = threading.RLock()
        self.token_refreshes = 0

    def __repr__(self) -> str:
        return f"ReportQueue({self.queue_name!r}, mode={self.mode!r})"

    # --- connection -----------------------------------------------------------------

    def _needs_token(self) -> bool:
        if self.mode != "alicom":
            return False
        if self._token is None:
            return True
        left = self._token.expire_time.timestamp() - self._now()
        return left < REFRESH_MARGIN_S

    def _connect(self, force_token: bool = False):
        if self.mode == "alicom" and (force_token or self._needs_token()):
            assert self._sms is not None
            self._token = self._sms.query_token_for_mns_queue(self.message_type, self.queue_name)
            self.token_refreshes += 1
            self._queue = None
        if self._queue is None:
            self.close()
            if self.mode == "alicom":
                t = self._token
                assert t is not None
                account = Account(self.endpoint, t.access_key_id, t.access_key_secret,
                                  t.security_token)
            else:
                account = Account(self.endpoint, self.settings.access_key_id,
                                  self.settings.access_key_secret)
            account.mns_client.set_connection_timeout(self._socket_timeout)
            self._account = account
            self._queue = account.get_queue(self.queue_name)
            # Raw bodies: we decode base64 ourselves (``_as_bytes``). In the SDK's base64
            # mode a body that is not valid base64 fails the whole batch receive
            # (RespDataDamaged), so one malformed message would block the queue forever.
            self._queue.set_encoding(False)
        return self._queue

    def close(self) -> None:
        if self._account is not None:
            try:
                self._account.mns_client.close_connection()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
        self._account = None
        self._queue = None

    @property
    def token_expire_time(self) -> datetime | None:
        return self._token.expire_time if self._token else None

    # --- calls ----------------------------------------------------------------------

    def _error(self, exc: MNSExceptionBase, action: str, retryable: bool) -> CloudError:
        code = exc.type or "Unknown"
        if isinstance(exc, MNSClientNetworkException):
            code = "NetworkError"
        field = None
        if code in ("QueueNotExist", "AccessDenied"):
            field = "report_queue" if self.message_type == "SmsReport" else "reply_queue"
        elif code in ("SignatureDoesNotMatch",):
            field = "access_key_secret"
        elif code == "InvalidAccessKeyId" and self.mode == "own":
            field = "access_key_id"
        return CloudError("mns", code, str(exc.message or "")[:300],
                          http_status=_STATUS.get(code),
                          request_id=getattr(exc, "request_id", None) or exc.req_id or "",
                          retryable=retryable, action=action, field=field)

    def _op(self, action: str, fn):
        attempt = 0
        force = False
        with self._lock:
            while True:
                try:
                    queue = self._connect(force_token=force)
                    force = False
                    return fn(queue)
                except MNSServerException as exc:
                    code = exc.type or ""
                    token_problem = self.mode == "alicom" and code in _TOKEN
                    retry = code in _TRANSIENT or token_problem
                    if not retry or attempt >= self.retry.retries:
                        raise self._error(exc, action, retry) from exc
                    force = token_problem
                except MNSClientNetworkException as exc:
                    self.close()
                    if attempt >= self.retry.retries:
                        raise self._error(exc, action, True) from exc
                except MNSClientParameterException as exc:
                    raise self._error(exc, action, False) from exc
                attempt += 1
                self.retry.wait(attempt)

    def receive(self, max_messages: int = 16, wait_seconds: int = 10) -> list[QueueMessage]:
        """Up to ``max_messages`` (1–16), long-polling up to ``wait_seconds`` (0–30).

        Empty list when there is nothing (MNS answers MessageNotExist). Received messages
        stay invisible for the queue's visibility timeout; delete them once processed.
        """
        n = max(1, min(MAX_BATCH, int(max_messages)))
        wait = max(0, min(30, int(wait_seconds)))

        def go(q):
            try:
                return q.batch_receive_message(n, wait)
            except MNSServerException as exc:
                if exc.type == "MessageNotExist":
                    return []
                raise

        return [
            QueueMessage(message_id=msg.message_id, receipt_handle=msg.receipt_handle,
                         body=_as_bytes(msg.message_body), dequeue_count=msg.dequeue_count,
                         enqueue_time_ms=msg.enqueue_time)
            for msg in self._op("BatchReceiveMessage", go)
        ]

    def peek(self, max_messages: int = 16) -> list[QueueMessage]:
        """Look at visible messages without receiving them (no handle, no visibility change)."""
        n = max(1, min(MAX_BATCH, int(max_messages)))

        def go(q):
            try:
                return q.batch_peek_message(n)
            except MNSServerException as exc:
                if exc.type == "MessageNotExist":
                    return []
                raise

        return [
            QueueMessage(message_id=msg.message_id, receipt_handle="",
                         body=_as_bytes(msg.message_body), dequeue_count=msg.dequeue_count,
                         enqueue_time_ms=msg.enqueue_time)
            for msg in self._op("BatchPeekMessage", go)
        ]

    def delete(self, receipt_handles: Sequence[str]) -> list[str]:
        """Delete by handle; returns the handles that could not be deleted (stale: the
        message became visible again or was re-received). Raises only when a whole
        request fails."""
        failed: list[str] = []
        handles = [h for h in receipt_handles if h]
        for i in range(0, len(handles), MAX_BATCH):
            chunk = handles[i:i + MAX_BATCH]

            def go(q, chunk=chunk):
                try:
                    q.batch_delete_message(chunk)
                    return []
                except MNSServerException as exc:
                    if exc.sub_errors:
                        return [e.get("ReceiptHandle", "") for e in exc.sub_errors]
                    if exc.type in ("MessageNotExist", "ReceiptHandleError"):
                        return list(chunk)
                    raise

            failed.extend(self._op("BatchDeleteMessage", go))
        return failed

    def change_visibility(self, receipt_handle: str, seconds: int) -> str:
        """Make a received message visible again after ``seconds`` (0: now); returns the
        new receipt handle (the old one stops working)."""
        resp = self._op(
            "ChangeMessageVisibility",
            lambda q: q.change_message_visibility(receipt_handle, int(seconds)),
        )
        return resp.receipt_handle

    def token(self) -> MnsToken | None:
        """Fetch (or reuse) the STS token now, in alicom mode; None in own mode."""
        with self._lock:
            self._connect()
            return self._token


def _as_bytes(body) -> bytes:
    """The payload of a raw body: base64-decoded when it is valid base64 (Aliyun's
    reports always are), else the text itself, so the consumer can keep it aside."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = str(body).strip()
    try:
        return base64.b64decode(text, validate=True) if text else b""
    except (binascii.Error, ValueError):
        return text.encode("utf-8")

