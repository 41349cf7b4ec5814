"""What happens to each accepted message and each review, deterministic by seed.

Every decision is a hash of (seed, what, identifiers), so the same sequence of calls
against a sandbox with the same seed produces the same reports, replies and reviews.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .config import SandboxConfig

# (err_code, err_msg, weight): carrier codes as they show up in Aliyun status reports.
FAILURES: tuple[tuple[str, str, int], ...] = (
    ("UNDELIV", "用户状态异常，无法接收", 30),
    ("MK:0001", "空号", 15),
    ("MK:0005", "用户停机", 10),
    ("IC:0055", "下一级网关无应答", 10),
    ("DB:0141", "号码在运营商黑名单中", 10),
    ("MN:0001", "空号或被屏蔽", 10),
    ("MI:0013", "用户状态异常", 8),
    ("EXPIRED", "超时未送达", 7),
)
DELIVERED_MSG = "用户接收成功"
UNSUBSCRIBE_WORDS = ("TD", "T", "退订", "N")
PLAIN_REPLIES = ("好的", "收到", "谢谢", "已收到，谢谢", "几点发货？", "OK", "什么活动？")

SIGN_REJECT_REASONS = (
    "文件不能证明信息真实性，请重新上传",
    "签名名称与企业名称不符，请补充相关证明材料",
    "该签名涉及第三方权益，请上传授权委托书",
    "签名需为单位名称的全称或简称",
)
TEMPLATE_REJECT_REASONS = (
    "模板内容含有营销性质，请申请推广短信",
    "变量属性与实际内容不符",
    "模板内容缺少具体业务场景描述",
    "验证码模板须包含验证码变量且不能包含链接",
    "推广短信须在结尾添加“拒收请回复R”",
)

_VAR = re.compile(r"\$\{(\w+)\}")


def roll(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) fixed by ``seed`` and ``parts``."""
    h = hashlib.blake2b(
        "|".join([str(seed), *map(str, parts)]).encode("utf-8"), digest_size=8
    ).digest()
    return int.from_bytes(h, "big") / 2**64


def pick(seed: int, options: tuple, *parts: object):
    return options[int(roll(seed, "pick", *parts) * len(options))]


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    err_code: str
    err_msg: str
    extra_delay_ms: int  # spread of report times: up to +50% of the configured delay
    duplicate: bool
    reply: str | None


def decide(cfg: SandboxConfig, biz_id: str, phone: str) -> Outcome:
    s = cfg.seed
    delivered = roll(s, "fail", biz_id, phone) >= cfg.failure_rate
    if delivered:
        code, msg = "DELIVERED", DELIVERED_MSG
    else:
        code, msg = _weighted(roll(s, "code", biz_id, phone))
    reply = None
    if delivered and roll(s, "reply", biz_id, phone) < cfg.reply_rate:
        if roll(s, "unsub", biz_id, phone) < cfg.unsubscribe_share:
            reply = pick(s, UNSUBSCRIBE_WORDS, "word", biz_id, phone)
        else:
            reply = pick(s, PLAIN_REPLIES, "text", biz_id, phone)
    return Outcome(
        delivered=delivered,
        err_code=code,
        err_msg=msg,
        extra_delay_ms=int(roll(s, "delay", biz_id, phone) * cfg.report_delay * 500),
        duplicate=roll(s, "dup", biz_id, phone) < cfg.duplicate_rate,
        reply=reply,
    )


def _weighted(x: float) -> tuple[str, str]:
    """Pick a failure code for ``x`` in [0, 1) by the weights of FAILURES."""
    x *= sum(w for _, _, w in FAILURES)
    for code, msg, weight in FAILURES:
        if x < weight:
            return code, msg
        x -= weight
    return FAILURES[-1][0], FAILURES[-1][1]


def review(cfg: SandboxConfig, kind: str, key: str) -> tuple[int, str]:
    """(status, reason) a created signature/template will get: 1 approved, 2 rejected."""
    if roll(cfg.seed, "review", kind, key) < cfg.review_reject_share:
        reasons = SIGN_REJECT_REASONS if kind == "sign" else TEMPLATE_REJECT_REASONS
        return 2, pick(cfg.seed, reasons, "reason", kind, key)
    return 1, ""


def template_variables(content: str) -> list[str]:
    return list(dict.fromkeys(_VAR.findall(content)))


def render(content: str, params: dict[str, str]) -> str:
    return _VAR.sub(lambda m: str(params.get(m.group(1), m.group(0))), content)
