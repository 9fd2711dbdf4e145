"""The throughput benchmark's statistics: its schedule, percentiles and reply matching."""

from __future__ import annotations

import math

from benchmarks.throughput_stats import Sample, match_replies, percentile, schedule, summarize


def test_a_steady_rate_sends_evenly_and_keeps_spreading_over_the_chats() -> None:
    planned = schedule(rate=4, seconds=2.5, chats=3, first_chat=2)
    assert len(planned) == 10
    assert [p.at for p in planned[:3]] == [0.0, 0.25, 0.5]
    assert planned[-1].at == 2.25
    assert [p.chat for p in planned[:5]] == [2, 0, 1, 2, 0]
    assert all(p.rate == 4 for p in planned)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1 … 100
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(list(reversed(values)), 0.95) == 95
    assert percentile([7.0], 0.95) == 7
    assert math.isnan(percentile([], 0.5))


def test_each_reply_answers_one_message_of_its_chat_in_order() -> None:
    # Chat 0 lags: the reply to its first message comes after its second was sent, and
    # must not be taken as the answer to the second.
    first, second = Sample(0, 10.0), Sample(0, 11.0)
    other = Sample(1, 10.5)
    unanswered = Sample(1, 20.0)
    match_replies([second, first, other, unanswered], {0: [12.0, 11.5], 1: [9.0, 10.6]})
    assert (first.replied_at, second.replied_at) == (11.5, 12.0)
    assert other.replied_at == 10.6  # a reply from before the message answers nothing
    assert unanswered.replied_at is None


def test_a_summary_counts_what_was_answered_over_the_phase() -> None:
    samples = [Sample(0, 100.0 + i, replied_at=100.0 + i + 0.1) for i in range(10)]
    samples.append(Sample(1, 105.0))  # never answered
    summary = summarize(samples, phase_start=100.0)
    assert (summary.sent, summary.answered) == (11, 10)
    assert math.isclose(summary.p50_ms, 100.0)
    assert math.isclose(summary.answered_per_second, 10 / 9.1)
