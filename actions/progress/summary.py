"""The quarterly review's words: a mirror, not a score.

Plain functions from two quarters' indicators (storage/indicators.py) to short lines of
numbers, each compared with the quarter before when there is one ("Sam held the floor
38 % of the time this quarter, up from 31 %"). No verdicts ("better", "too much"): the
couple read their own numbers. The lines fill the summary response's `{lines}` in
domain.yml (the round-robin's wrap-up builds its lines the same way).
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.indicators import Indicators


def percent(share: float) -> str:
    return f"{round(share * 100)} %"


def times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def _by_name(names: Sequence[tuple[int, str]], values: Sequence[int]) -> str:
    return ", ".join(f"{name} {value}" for (_, name), value in zip(names, values, strict=True))


def floor_line(
    current: Indicators, previous: Indicators, names: Sequence[tuple[int, str]], this: str
) -> str:
    """Who held the floor how much: said of the partner with the smaller share (the quieter
    voice the seed asks to protect), compared with the quarter before."""
    if current.floor_seconds <= 0:
        return f"No round-robin {this}."
    shares = [(current.floor_share(pid) or 0.0, index) for index, (pid, _) in enumerate(names)]
    share, index = min(shares)
    partner_id, name = names[index]
    line = f"{name} held the floor {percent(share)} of the time {this}"
    before = previous.floor_share(partner_id)
    if before is None:
        return line + "."
    if round(before * 100) == round(share * 100):
        return line + ", as in the quarter before."
    direction = "up" if share > before else "down"
    return f"{line}, {direction} from {percent(before)}."


def rounds_line(current: Indicators, previous: Indicators, names: Sequence[tuple[int, str]]) -> str:
    count = len(current.sessions)
    line = f"Round-robins: {count}"
    if previous.sessions:
        line += f" (the quarter before: {len(previous.sessions)})"
    words = [current.of(pid).words for pid, _ in names]
    return f"{line}; words on the floor: {_by_name(names, words)}."


def starts_line(current: Indicators, previous: Indicators, names: Sequence[tuple[int, str]]) -> str:
    started = [current.of(pid).started for pid, _ in names]
    line = f"Exercises started: {_by_name(names, started)}"
    before = [previous.of(pid).started for pid, _ in names]
    if any(before):
        line += f" (the quarter before: {_by_name(names, before)})"
    return line + "."


def interruptions_line(
    current: Indicators, previous: Indicators, names: Sequence[tuple[int, str]]
) -> str | None:
    counts = [current.of(pid).interrupted for pid, _ in names]
    if not current.sessions and not any(counts):
        return None
    if not any(counts):
        line = "Nobody was interrupted during their turn"
    else:
        line = "Interrupted during their turn: " + ", ".join(
            f"{name} {times(count)}" for (_, name), count in zip(names, counts, strict=True)
        )
    before = [previous.of(pid).interrupted for pid, _ in names]
    if previous.sessions:
        line += f" (the quarter before: {_by_name(names, before)})"
    return line + "."


def pauses_line(current: Indicators, previous: Indicators) -> str:
    def parts(numbers: Indicators) -> str:
        said = [f"{numbers.pauses_on_time} resumed on time"]
        if numbers.pauses_rescheduled:
            said.append(f"{numbers.pauses_rescheduled} after a new time")
        said.append(f"{numbers.pauses_missed} missed")
        return ", ".join(said)

    if not current.pauses and not previous.pauses:
        return "Pauses: none."
    line = f"Pauses: {parts(current)}" if current.pauses else "Pauses: none"
    if previous.pauses:
        line += f" (the quarter before: {parts(previous)})"
    return line + "."


def agreements_line(current: Indicators, previous: Indicators) -> str:
    def parts(numbers: Indicators) -> str:
        return (
            f"{numbers.agreements_made} made, {numbers.agreements_kept} kept, "
            f"{numbers.agreements_revised} revised"
        )

    line = f"Agreements: {parts(current)}"
    if previous.agreements_made or previous.agreements_kept or previous.agreements_revised:
        line += f" (the quarter before: {parts(previous)})"
    return line + "."


def checkins_line(current: Indicators, previous: Indicators) -> str:
    line = f"Check-ins done: {current.checkins_done}"
    if previous.checkins_done:
        line += f" (the quarter before: {previous.checkins_done})"
    return line + "."


def summary_lines(
    current: Indicators,
    previous: Indicators,
    names: Sequence[tuple[int, str]],
    this: str = "this quarter",
) -> list[str]:
    """The summary, one line per indicator, in the chart's order. `names`: (partner id,
    first name) of both partners, in seat order; `this` names the period ("this quarter")."""
    lines = [floor_line(current, previous, names, this)]
    if current.sessions:
        lines.append(rounds_line(current, previous, names))
    interruptions = interruptions_line(current, previous, names)
    if interruptions:
        lines.append(interruptions)
    lines += [
        starts_line(current, previous, names),
        pauses_line(current, previous),
        agreements_line(current, previous),
        checkins_line(current, previous),
    ]
    return [f"• {line}" for line in lines]
