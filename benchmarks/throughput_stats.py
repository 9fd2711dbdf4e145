"""The statistics of benchmarks/throughput.py, apart so they can be tested without a stack:
the open-loop schedule of messages, matching replies to messages, percentiles, a summary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Planned:
    """One message of the load: sent `at` seconds after its rate's phase began."""

    rate: float
    at: float
    chat: int  # index into the benchmark's chats


def schedule(rate: float, seconds: float, chats: int, first_chat: int = 0) -> list[Planned]:
    """A steady `rate` for `seconds`: message i at i/rate, chats taken round-robin from
    `first_chat` on (so consecutive phases keep spreading messages evenly over the chats)."""
    count = int(round(rate * seconds))
    return [Planned(rate, index / rate, (first_chat + index) % chats) for index in range(count)]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share 0.5 = median, 0.95 = p95): the smallest value with at
    least `share` of all values at or below it. NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Sample:
    """One message: when the update was available, and when the first reply to it came."""

    chat: int
    sent_at: float
    first: bool = False  # the chat's first message of the whole run
    replied_at: float | None = None

    @property
    def latency_ms(self) -> float | None:
        return None if self.replied_at is None else (self.replied_at - self.sent_at) * 1000


def match_replies(samples: Iterable[Sample], replies: dict[int, list[float]]) -> None:
    """Give each message of a chat the first reply that came after it and was not already
    taken by an earlier message of that chat. A chat's messages are answered in order, one
    answer each (the text chosen by the benchmark gets exactly one message back), so once a
    chat lags, a late reply to message k is not mistaken for the answer to message k+1."""
    by_chat: dict[int, list[Sample]] = {}
    for sample in samples:
        by_chat.setdefault(sample.chat, []).append(sample)
    for chat, chat_samples in by_chat.items():
        times = sorted(replies.get(chat, []))
        cursor = 0
        for sample in sorted(chat_samples, key=lambda s: s.sent_at):
            while cursor < len(times) and times[cursor] < sample.sent_at:
                cursor += 1
            if cursor < len(times):
                sample.replied_at = times[cursor]
                cursor += 1
            else:
                sample.replied_at = None


@dataclass
class Summary:
    sent: int
    answered: int
    answered_per_second: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    latencies: list[float] = field(default_factory=list, repr=False)


def summarize(samples: Sequence[Sample], phase_start: float) -> Summary:
    """Answered msg/s is the phase's answered messages over the time from the phase's start
    to its last answer: below saturation it equals the offered rate; above it, the backlog
    stretches the time and the figure drops to what the system really sustained."""
    latencies = [s.latency_ms for s in samples if s.latency_ms is not None]
    answered_times = [s.replied_at for s in samples if s.replied_at is not None]
    span = max(answered_times) - phase_start if answered_times else 0.0
    return Summary(
        sent=len(samples),
        answered=len(latencies),
        answered_per_second=len(latencies) / span if span > 0 else 0.0,
        p50_ms=percentile(latencies, 0.5),
        p95_ms=percentile(latencies, 0.95),
        max_ms=max(latencies) if latencies else math.nan,
        latencies=latencies,
    )
