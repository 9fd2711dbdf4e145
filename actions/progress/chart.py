"""The /progress picture: a PNG drawn with matplotlib's Agg canvas, readable on a phone.

Four panels, top to bottom, for the quarter and the one before: each round-robin's
floor-time balance over time, how often each partner was interrupted during their own
turn, pauses resumed vs missed, agreements and check-ins. Dates in the couple's time zone;
no text the couple wrote (only their first names, as Telegram shows them).

A `Figure` with its own Agg canvas, never pyplot: no global state, no display, safe on the
bot's worker threads; matplotlib's bundled fonts, nothing downloaded.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from storage.indicators import Indicators, Quarter

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Colour-blind safe (Okabe-Ito), one per partner in seat order, then the outcome colours.
PARTNER_COLOURS = ("#0072B2", "#E69F00")
OUTCOME_COLOURS = ("#009E73", "#56B4E9", "#D55E00", "#CC79A7")
GREY = "#777777"
WIDTH_INCHES, HEIGHT_INCHES, DPI = 7.2, 11.0, 100  # 720 x 1100 px: a phone screen's shape


def shown(name: str) -> str:
    """A name as plain text: matplotlib would read "$…$" as mathematics."""
    return name.replace("$", r"\$")


def draw_chart(
    current: Indicators,
    previous: Indicators,
    names: Sequence[tuple[int, str]],
    quarter: Quarter,
    zone: ZoneInfo,
) -> bytes:
    """The PNG bytes of the chart for `quarter` (`current`) and the quarter before."""
    # Imported here: only the bot draws, and only when asked (the action server, which
    # imports every module of actions/, never loads matplotlib).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(f"How you two did: {quarter.months}", fontsize=18, fontweight="bold")
    axes = figure.subplots(4, 1, gridspec_kw={"height_ratios": (1.3, 1, 1, 1)})
    labels = (quarter.previous().months, quarter.months)
    _balance(axes[0], previous, current, names, zone)
    _grouped(
        axes[1],
        "Times interrupted during their own turn",
        labels,
        [shown(name) for _, name in names],
        [[q.of(pid).interrupted for q in (previous, current)] for pid, _ in names],
        PARTNER_COLOURS,
    )
    _grouped(
        axes[2],
        "Pauses",
        labels,
        ["resumed on time", "after a new time", "missed"],
        [
            [q.pauses_on_time for q in (previous, current)],
            [q.pauses_rescheduled for q in (previous, current)],
            [q.pauses_missed for q in (previous, current)],
        ],
        OUTCOME_COLOURS,
    )
    _grouped(
        axes[3],
        "Agreements and check-ins",
        labels,
        ["agreements made", "kept", "revised", "check-ins done"],
        [
            [q.agreements_made for q in (previous, current)],
            [q.agreements_kept for q in (previous, current)],
            [q.agreements_revised for q in (previous, current)],
            [q.checkins_done for q in (previous, current)],
        ],
        OUTCOME_COLOURS,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.97), h_pad=2.0)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _balance(
    ax: Axes,
    previous: Indicators,
    current: Indicators,
    names: Sequence[tuple[int, str]],
    zone: ZoneInfo,
) -> None:
    """Each round-robin as one bar split by floor time (100 %), dated, oldest first."""
    ax.set_title("Floor time in each round-robin", fontsize=15, loc="left")
    sessions = [*previous.sessions, *current.sessions]
    if not sessions:
        _nothing(ax, "No round-robin in these two quarters")
        return
    positions = range(len(sessions))
    bottom = [0.0] * len(sessions)
    for (partner_id, name), colour in zip(names, PARTNER_COLOURS, strict=False):
        shares = [100 * (s.share(partner_id) or 0.0) for s in sessions]
        ax.bar(positions, shares, bottom=bottom, color=colour, label=shown(name), width=0.7)
        bottom = [b + v for b, v in zip(bottom, shares, strict=True)]
    ax.axhline(50, color=GREY, linestyle="--", linewidth=1.5)
    if previous.sessions and current.sessions:
        ax.axvline(len(previous.sessions) - 0.5, color="black", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_yticks([0, 50, 100])
    ax.set_yticklabels(["0 %", "50 %", "100 %"], fontsize=12)
    step = max(1, len(sessions) // 8)  # at most about 8 dates under the bars
    ax.set_xticks(list(positions)[::step])
    ax.set_xticklabels(
        [f"{s.at.astimezone(zone):%-d %b}" for s in sessions][::step], fontsize=12
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=13, frameon=False)


def _grouped(
    ax: Axes,
    title: str,
    quarters: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[int]],
    colours: Sequence[str],
) -> None:
    """Bars side by side: one group per quarter, one bar per series, each with its count."""
    ax.set_title(title, fontsize=15, loc="left")
    if not any(any(v) for v in values):
        _nothing(ax, "None in these two quarters")
        return
    width = 0.8 / len(series)
    for index, (label, counts, colour) in enumerate(zip(series, values, colours, strict=False)):
        offsets = [q + (index - (len(series) - 1) / 2) * width for q in range(len(quarters))]
        bars = ax.bar(offsets, counts, width=width * 0.95, color=colour, label=label)
        ax.bar_label(bars, fontsize=12, padding=2)
    ax.set_xticks(range(len(quarters)))
    ax.set_xticklabels(quarters, fontsize=13)
    top = max(max(v) for v in values)
    ax.set_ylim(0, top * 1.25 + 0.5)
    ax.yaxis.set_visible(False)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.legend(
        fontsize=12, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2
    )


def _nothing(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, color=GREY,
            transform=ax.transAxes)
    ax.set_axis_off()
