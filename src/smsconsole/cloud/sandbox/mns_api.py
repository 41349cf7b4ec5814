"""The MNS queue REST API (2015-06-06) as aliyun-mns-sdk 1.3.0 speaks it (§B).

Authorization is ``MNS <ak>:<base64 hmac-sha1>`` over the raw request-target; the main
AccessKey and the STS triples issued by QueryTokenForMnsQueue (``security-token``
header, scoped to their queue, expiring) are accepted. Answers are XML in the MNS
namespace with every element the SDK decoder requires and a lower-case
``x-mns-request-id`` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from . import signing
from .faults import Fault
from .httpbase import Request, Response
from .mq import QueueError, Received
from .state import SandboxState
from .virtual_clock import real_ms

NS = "http://mns.aliyuncs.com/doc/v1/"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
MAX_SKEW_S = 15 * 60
_ATTR_TAGS = {
    "VisibilityTimeout": ("visibility_timeout", 1, 43200),
    "MaximumMessageSize": ("maximum_message_size", 1024, 65536),
    "MessageRetentionPeriod": ("message_retention_period", 60, 604800),
    "DelaySeconds": ("delay_seconds", 0, 604800),
    "PollingWaitSeconds": ("polling_wait_seconds", 0, 30),
}


class MnsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _rid() -> str:
    return uuid.uuid4().hex[:24].upper()


def _strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        raise MnsError(400, "MalformedXML", "The XML you provided was not well-formed.") from None


def _int_arg(value: str, name: str, lo: int, hi: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = lo - 1
    if not lo <= n <= hi:
        raise MnsError(400, "InvalidArgument",
                       f"The value of {name} should between {lo} and {hi}.")
    return n


def _message_xml(m: Received, peek: bool = False) -> str:
    parts = [
        f"<MessageId>{m.message_id}</MessageId>",
    ]
    if not peek:
        parts.append(f"<ReceiptHandle>{m.receipt_handle}</ReceiptHandle>")
    parts += [
        f"<MessageBodyMD5>{m.body_md5}</MessageBodyMD5>",
        f"<MessageBody>{escape(m.body)}</MessageBody>",
        f"<EnqueueTime>{m.enqueue_ms}</EnqueueTime>",
    ]
    if not peek:
        parts.append(f"<NextVisibleTime>{m.next_visible_ms}</NextVisibleTime>")
    parts += [
        f"<FirstDequeueTime>{m.first_dequeue_ms}</FirstDequeueTime>",
        f"<DequeueCount>{m.dequeue_count}</DequeueCount>",
        f"<Priority>{m.priority}</Priority>",
    ]
    return "".join(parts)


class MnsApi:
    def __init__(self, state: SandboxState) -> None:
        self.s = state
        self._tokens: dict[str, tuple[str, str, str, int]] = {}

    @property
    def host_id(self) -> str:
        return self.s.urls.get("mns", f"http://{self.s.uid}.mns.cn-hangzhou.aliyuncs.com")

    def _xml(self, status: int, rid: str, body: str = "", headers: dict | None = None) -> Response:
        data = (XML_HEAD + body).encode("utf-8") if body else b""
        hdrs = {"x-mns-request-id": rid, "x-mns-version": "2015-06-06", **(headers or {})}
        return Response(status, data, "text/xml;charset=utf-8", hdrs)

    def _error(self, rid: str, status: int, code: str, message: str) -> Response:
        return self._xml(
            status, rid,
            f'<Error xmlns="{NS}"><Code>{code}</Code><Message>{escape(message)}</Message>'
            f"<RequestId>{rid}</RequestId><HostId>{self.host_id}</HostId></Error>",
        )

    # --- entry ----------------------------------------------------------------------

    @staticmethod
    def action_of(req: Request, params: dict) -> tuple[str, str]:
        parts = [p for p in req.path.split("/") if p]
        queue = parts[1] if len(parts) >= 2 and parts[0] == "queues" else ""
        if len(parts) == 2 and parts[0] == "queues":
            return queue, {"PUT": "SetQueueAttributes" if "metaoverride" in params
                           else "CreateQueue",
                           "GET": "GetQueueAttributes", "DELETE": "DeleteQueue"}.get(
                               req.method, "?")
        if len(parts) == 3 and parts[0] == "queues" and parts[2] == "messages":
            batch = "numOfMessages" in params
            if req.method == "POST":
                return queue, "SendMessage"
            if req.method == "GET":
                if params.get("peekonly") == "true":
                    return queue, "BatchPeekMessage" if batch else "PeekMessage"
                return queue, "BatchReceiveMessage" if batch else "ReceiveMessage"
            if req.method == "DELETE":
                return queue, "DeleteMessage" if "ReceiptHandle" in params \
                    else "BatchDeleteMessage"
            if req.method == "PUT":
                return queue, "ChangeMessageVisibility"
        return queue, "?"

    def __call__(self, req: Request) -> Response:
        rid = _rid()
        params = dict(parse_qsl(req.query, keep_blank_values=True))
        queue, action = self.action_of(req, params)
        fault = self.s.faults.hit("mns", action)
        if fault is not None:
            early = self._apply_fault(fault, rid)
            if early is not None:
                return early
        try:
            scope = self._authenticate(req)
            if action == "?":
                raise MnsError(400, "InvalidRequestURL", "Http request URL format invalid.")
            if scope is not None and queue != scope:
                raise MnsError(403, "AccessDenied", "The OwnerId that your Access Key Id "
                               "associated to is forbidden for this operation.")
            return getattr(self, "_" + action)(req, rid, queue, params)
        except MnsError as e:
            return self._error(rid, e.status, e.code, e.message)
        except QueueError as e:
            return self._error(rid, e.status, e.code, e.message)

    def _apply_fault(self, fault: Fault, rid: str) -> Response | None:
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "drop":
            return Response(drop=True)
        if fault.kind == "throttle":
            return self._error(rid, 503, fault.code or "QpsLimitExceeded",
                               fault.message or "The QPS of the queue exceeds the limit.")
        if fault.kind == "http500":
            return self._error(rid, 500, "InternalError", "Interal error.")
        return self._error(rid, fault.status, fault.code or "InternalError",
                           fault.message or fault.code or "Injected error.")

    # --- authentication -------------------------------------------------------------

    def _token(self, ak: str) -> tuple[str, str, str, int] | None:
        hit = self._tokens.get(ak)
        if hit is None:
            with self.s.store.read() as db:
                row = db.execute(
                    "SELECT secret, token, queue, expire_ms FROM tokens WHERE access_key_id=?",
                    (ak,),
                ).fetchone()
            if row is None:
                return None
            hit = self._tokens[ak] = tuple(row)
        return hit

    def _authenticate(self, req: Request) -> str | None:
        """Check the request's signature; returns the queue an STS token is scoped to."""
        h = req.headers
        auth = h.get("authorization")
        if not auth:
            raise MnsError(400, "MissingAuthorizationHeader", "Authorization header is required.")
        if not auth.startswith("MNS ") or ":" not in auth:
            raise MnsError(400, "InvalidAuthorizationHeader",
                           "The Authorization header format is invalid.")
        ak, _, sig = auth[4:].partition(":")
        date = h.get("date")
        if not date:
            raise MnsError(400, "MissingDateHeader", "Date header is required.")
        try:
            when = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            raise MnsError(400, "InvalidDateHeader", "The Date header format is invalid.") \
                from None
        if abs(when - time.time()) > MAX_SKEW_S:
            raise MnsError(408, "TimeExpired", "The http request you sent is expired.")
        scope = None
        if ak == self.s.credentials.access_key_id:
            secret = self.s.credentials.access_key_secret
        else:
            tok = self._token(ak)
            if tok is None:
                raise MnsError(403, "InvalidAccessKeyId",
                               "The AccessKey Id you provided is not exist.")
            secret, token, scope, expire = tok
            if not hmac.compare_digest(h.get("security-token", ""), token):
                raise MnsError(403, "AccessDenied", "The security token you provided is "
                               "invalid or missing.")
            if expire <= real_ms():
                raise MnsError(403, "SecurityTokenExpired",
                               "The security token you provided has expired.")
        if req.body:
            md5 = hashlib.md5(req.body)
            given = h.get("content-md5", "")
            if given and given not in (
                base64.b64encode(md5.hexdigest().encode()).decode(),
                base64.b64encode(md5.digest()).decode(),
            ):
                raise MnsError(400, "InvalidDigest", "The Content-MD5 you specified is invalid.")
        sts = signing.mns_string_to_sign(req.method, h, req.target)
        if not hmac.compare_digest(signing.mns_signature(secret, sts), sig):
            raise MnsError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature "
                           "you provided. Check your key and signing method.")
        return scope

    # --- queues ---------------------------------------------------------------------

    def _queue_attrs_from(self, body: bytes) -> dict:
        if not body:
            return {}
        root = _parse_xml(body)
        attrs = {}
        for child in root:
            tag = _strip(child.tag)
            if tag in _ATTR_TAGS:
                key, lo, hi = _ATTR_TAGS[tag]
                attrs[key] = _int_arg(child.text or "", tag, lo, hi)
            elif tag == "LoggingEnabled":
                attrs["logging_enabled"] = int((child.text or "").lower() == "true")
        return attrs

    def _CreateQueue(self, req, rid, queue, params):
        created = self.s.queues.create(queue, self._queue_attrs_from(req.body))
        loc = {"Location": f"{self.host_id}/queues/{queue}"}
        return self._xml(201 if created else 204, rid, headers=loc)

    def _SetQueueAttributes(self, req, rid, queue, params):
        self.s.queues.set_attributes(queue, self._queue_attrs_from(req.body))
        return self._xml(204, rid)

    def _DeleteQueue(self, req, rid, queue, params):
        self.s.queues.delete_queue(queue)
        return self._xml(204, rid)

    def _GetQueueAttributes(self, req, rid, queue, params):
        a = self.s.queues.attributes(queue)
        c = self.s.queues.counts(queue)
        return self._xml(200, rid, (
            f'<Queue xmlns="{NS}"><QueueName>{queue}</QueueName>'
            f"<CreateTime>{a['create_s']}</CreateTime>"
            f"<LastModifyTime>{a['modify_s']}</LastModifyTime>"
            f"<VisibilityTimeout>{a['visibility_timeout']}</VisibilityTimeout>"
            f"<MaximumMessageSize>{a['maximum_message_size']}</MaximumMessageSize>"
            f"<MessageRetentionPeriod>{a['message_retention_period']}</MessageRetentionPeriod>"
            f"<DelaySeconds>{a['delay_seconds']}</DelaySeconds>"
            f"<PollingWaitSeconds>{a['polling_wait_seconds']}</PollingWaitSeconds>"
            f"<ActiveMessages>{c['visible']}</ActiveMessages>"
            f"<InactiveMessages>{c['in_flight']}</InactiveMessages>"
            f"<DelayMessages>{c['delayed']}</DelayMessages>"
            f"<LoggingEnabled>{'True' if a['logging_enabled'] else 'False'}</LoggingEnabled>"
            "</Queue>"
        ))

    # --- messages -------------------------------------------------------------------

    def _SendMessage(self, req, rid, queue, params):
        root = _parse_xml(req.body)
        batch = _strip(root.tag) == "Messages"
        elems = list(root) if batch else [root]
        if not elems or len(elems) > 16:
            raise MnsError(400, "InvalidArgument", "The count of message should between 1 and 16.")
        bodies = []
        for el in elems:
            fields = {_strip(c.tag): (c.text or "") for c in el}
            if not fields.get("MessageBody"):
                raise MnsError(400, "InvalidArgument", "MessageBody is required.")
            delay = _int_arg(fields["DelaySeconds"], "DelaySeconds", 0, 604800) \
                if "DelaySeconds" in fields else -1
            prio = _int_arg(fields["Priority"], "Priority", 1, 16) if "Priority" in fields else 8
            bodies.append((fields["MessageBody"], delay, prio))
        sent = self.s.queues.send(queue, bodies)
        items = "".join(
            f"<Message><MessageId>{mid}</MessageId><MessageBodyMD5>{md5}</MessageBodyMD5>"
            "</Message>" for mid, md5 in sent
        )
        if batch:
            return self._xml(201, rid, f'<Messages xmlns="{NS}">{items}</Messages>')
        return self._xml(201, rid, f'<Message xmlns="{NS}">{items[9:-10]}</Message>')

    def _receive(self, rid, queue, params, batch: bool):
        n = _int_arg(params["numOfMessages"], "numOfMessages", 1, 16) if batch else 1
        wait = _int_arg(params["waitseconds"], "waitseconds", 0, 30) \
            if "waitseconds" in params else None
        got = self.s.queues.receive(queue, n, wait)
        if batch:
            inner = "".join(f"<Message>{_message_xml(m)}</Message>" for m in got)
            return self._xml(200, rid, f'<Messages xmlns="{NS}">{inner}</Messages>')
        return self._xml(200, rid, f'<Message xmlns="{NS}">{_message_xml(got[0])}</Message>')

    def _ReceiveMessage(self, req, rid, queue, params):
        return self._receive(rid, queue, params, batch=False)

    def _BatchReceiveMessage(self, req, rid, queue, params):
        return self._receive(rid, queue, params, batch=True)

    def _PeekMessage(self, req, rid, queue, params):
        m = self.s.queues.peek(queue, 1)[0]
        return self._xml(200, rid, f'<Message xmlns="{NS}">{_message_xml(m, True)}</Message>')

    def _BatchPeekMessage(self, req, rid, queue, params):
        n = _int_arg(params["numOfMessages"], "numOfMessages", 1, 16)
        inner = "".join(
            f"<Message>{_message_xml(m, True)}</Message>" for m in self.s.queues.peek(queue, n)
        )
        return self._xml(200, rid, f'<Messages xmlns="{NS}">{inner}</Messages>')

    def _DeleteMessage(self, req, rid, queue, params):
        handle = params.get("ReceiptHandle", "")
        if not handle:
            raise MnsError(400, "MissingReceiptHandle", "ReceiptHandle is required.")
        failed = self.s.queues.delete(queue, [handle])
        if failed:
            _, code, message = failed[0]
            raise MnsError(400 if code == "ReceiptHandleError" else 404, code, message)
        return self._xml(204, rid)

    def _BatchDeleteMessage(self, req, rid, queue, params):
        root = _parse_xml(req.body)
        handles = [(c.text or "").strip() for c in root if _strip(c.tag) == "ReceiptHandle"]
        if not handles or len(handles) > 16:
            raise MnsError(400, "InvalidArgument",
                           "The count of receipt handles should between 1 and 16.")
        failed = self.s.queues.delete(queue, handles)
        if not failed:
            return self._xml(204, rid)
        errors = "".join(
            f"<Error><ErrorCode>{code}</ErrorCode><ErrorMessage>{escape(msg)}</ErrorMessage>"
            f"<ReceiptHandle>{escape(h)}</ReceiptHandle></Error>"
            for h, code, msg in failed
        )
        return self._xml(404, rid, f'<Errors xmlns="{NS}">{errors}</Errors>')

    def _ChangeMessageVisibility(self, req, rid, queue, params):
        handle = params.get("ReceiptHandle", "")
        if not handle:
            raise MnsError(400, "MissingReceiptHandle", "ReceiptHandle is required.")
        if "VisibilityTimeout" not in params:
            raise MnsError(400, "MissingVisibilityTimeout", "VisibilityTimeout is required.")
        vt = _int_arg(params["VisibilityTimeout"], "VisibilityTimeout", 0, 43200)
        new, vis = self.s.queues.change_visibility(queue, handle, vt)
        return self._xml(200, rid, (
            f'<ChangeVisibility xmlns="{NS}"><ReceiptHandle>{new}</ReceiptHandle>'
            f"<NextVisibleTime>{vis}</NextVisibleTime></ChangeVisibility>"
        ))
