"""The digest's trend charts as PNGs, drawn with matplotlib's Agg backend (no display needed).

- :func:`trend_chart`: one account's open findings by severity over its digests, stacked (worst
  severity on top), dates on the x axis, severity names in the legend, and a title with the
  account and the change since the previous digest.
- :func:`accounts_trend_chart`: several accounts, one line per account (open findings), the
  busiest accounts named and the rest summed as "other accounts".

Sized for Slack's inline preview (about 800 x 380 px): large enough fonts to read there.
Figures are built with ``matplotlib.figure.Figure`` on an Agg canvas (FigureCanvasAgg), never
pyplot: no display or GUI toolkit is needed, and no global state is shared between the
scheduler's and the command threads.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import pairwise

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.audit.findings import SEVERITIES_WORST_FIRST
from bot.digest.content import DigestSummary
from bot.render.grammar import plural

WIDTH = 800
HEIGHT = 380
DPI = 100
COLORS: dict[str, str] = {
    "critical": "#8e1616",
    "high": "#e0522e",
    "medium": "#f0ac28",
    "low": "#4285cc",
    "info": "#a0a0a0",
}
ACCOUNT_LINES = 8  # accounts drawn as their own line; the rest are summed
BARS_UP_TO = 20  # up to this many digests: stacked bars; more: a stacked area


def _text(value: str) -> str:
    """Text matplotlib shows as is: "$" would start mathtext."""
    return value.replace("$", r"\$")


def _figure(width: int, height: int) -> Figure:
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()


def change_phrase(points: Sequence[DigestSummary]) -> str:
    """ "42 open, +3 since the previous digest", or "first digest"."""
    if not points:
        return "no digest yet"
    latest = points[-1].total()
    if len(points) == 1:
        return f"{latest} open, first digest"
    change = latest - points[-2].total()
    delta = "no change" if change == 0 else f"{change:+d}"
    return f"{latest} open, {delta} since the previous digest"


def _dates(axes, moments: Sequence[datetime]) -> None:
    locator = AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _bar_width(moments: Sequence[datetime]) -> float:
    """Bars 70% of the smallest gap between digests (in days), a day wide when there is one."""
    numbers = [date2num(m) for m in moments]
    gaps = [b - a for a, b in pairwise(numbers) if b > a]
    return 0.7 * (min(gaps) if gaps else 1.0)


def trend_chart(
    points: Sequence[DigestSummary],
    *,
    account_id: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> bytes:
    """Open findings by severity per digest, oldest left, as a PNG."""
    figure = _figure(width, height)
    axes = figure.add_subplot()
    moments = [p.at for p in points]
    order = list(reversed(SEVERITIES_WORST_FIRST))  # info at the bottom, critical on top
    series = {s.value: [int(p.counts.get(s.value, 0)) for p in points] for s in order}
    if points and len(points) <= BARS_UP_TO:
        base = [0] * len(points)
        bar = _bar_width(moments)
        for severity in order:
            values = series[severity.value]
            axes.bar(
                moments,
                values,
                width=bar,
                bottom=base,
                color=COLORS[severity.value],
                label=severity.value,
            )
            base = [b + v for b, v in zip(base, values, strict=True)]
    elif points:
        axes.stackplot(
            moments,
            *[series[s.value] for s in order],
            colors=[COLORS[s.value] for s in order],
            labels=[s.value for s in order],
        )
    else:
        axes.text(0.5, 0.5, "no digest yet", ha="center", va="center", transform=axes.transAxes)
    if points:
        _dates(axes, moments)
    if len(points) == 1:  # one bar would otherwise fill the whole width
        middle = date2num(moments[0])
        axes.set_xlim(middle - 3, middle + 3)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    axes.set_ylabel("open findings")
    axes.grid(axis="y", color="#e1e1e1")
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    # Legend worst first, as everywhere else in the bot.
    handles, labels = axes.get_legend_handles_labels()
    by_label = dict(zip(labels, handles, strict=True))
    names = [s.value for s in SEVERITIES_WORST_FIRST if s.value in by_label]
    if names:
        axes.legend(
            [by_label[n] for n in names],
            names,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            title="severity",
        )
    who = f"account {account_id}" if account_id else "this account"
    axes.set_title(
        _text(f"Open IAM findings, {who}: {change_phrase(points)}"), loc="left", fontsize=12
    )
    return _png(figure)


def accounts_trend_chart(
    histories: Mapping[str, Sequence[DigestSummary]],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> bytes:
    """Open findings of several accounts over their digests: one line per account (the accounts
    with the most open findings now; the others summed as one line)."""
    figure = _figure(width, height)
    axes = figure.add_subplot()
    ranked = sorted(
        ((account, list(points)) for account, points in histories.items() if points),
        key=lambda item: (-item[1][-1].total(), item[0]),
    )
    named, rest = ranked[:ACCOUNT_LINES], ranked[ACCOUNT_LINES:]
    for account, points in named:
        axes.plot(
            [p.at for p in points],
            [p.total() for p in points],
            marker="o",
            markersize=3,
            linewidth=1.6,
            label=_text(account),
        )
    if rest:
        summed: dict[datetime, int] = {}
        for _account, points in rest:
            for point in points:
                summed[point.at] = summed.get(point.at, 0) + point.total()
        moments = sorted(summed)
        axes.plot(
            moments,
            [summed[m] for m in moments],
            color="#888888",
            linestyle="--",
            linewidth=1.4,
            label=f"{plural(len(rest), 'other account')}",
        )
    everything = [p.at for _a, points in ranked for p in points]
    if everything:
        _dates(axes, everything)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="account")
    else:
        axes.text(0.5, 0.5, "no digest yet", ha="center", va="center", transform=axes.transAxes)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    axes.set_ylabel("open findings")
    axes.grid(axis="y", color="#e1e1e1")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    total_now = sum(points[-1].total() for _a, points in ranked)
    total_before = sum(
        (points[-2] if len(points) > 1 else points[-1]).total() for _a, points in ranked
    )
    change = total_now - total_before
    delta = "no change" if change == 0 else f"{change:+d}"
    axes.set_title(
        f"Open IAM findings across {plural(len(ranked), 'account')}: {total_now} open,"
        f" {delta} since the previous digest",
        loc="left",
        fontsize=12,
    )
    return _png(figure)
