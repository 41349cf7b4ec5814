"""How many billed segments a domestic SMS costs (Aliyun's rule, product spec §4).

The text counted is ``【signature】`` plus the content; every character (Chinese, Latin,
digit, punctuation, space) counts as one. Up to 70 characters is one segment; longer
texts are split into 67-character segments.
"""

from __future__ import annotations

import math

SINGLE_LIMIT = 70
MULTI_PART = 67


def full_text(sign_name: str, content: str) -> str:
    return f"【{sign_name}】{content}"


def count_segments(text: str) -> int:
    n = len(text)
    if n <= SINGLE_LIMIT:
        return 1
    return math.ceil(n / MULTI_PART)


def billed_segments(sign_name: str, content: str) -> int:
    return count_segments(full_text(sign_name, content))
