"""Plotly figures of class progress (built here so they can be tested without a browser).

Invariants: every figure's data is computed here, in Python (no client-side binning), so a test
reads exactly what the page shows; titles and axis titles are in the language asked for (zh_CN
or en); a figure of an empty class still renders (empty bars, axes from 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import median
from typing import Protocol

import plotly.graph_objects as go

from sandbox.scenarios.model import TaskDef

_MARGIN = {"l": 40, "r": 20, "t": 50, "b": 40}


class ClassResults(Protocol):
    """What the completion chart needs (a ``progress.Gradebook`` or a ``teaching.board.Grades``)."""

    @property
    def tasks(self) -> Sequence[TaskDef]: ...
    @property
    def students(self) -> Sequence[object]: ...
    def passed_count(self, code: str) -> int: ...


def _zh(lang: str) -> bool:
    return lang == "zh_CN"


def completion_by_task(book: ClassResults, lang: str) -> go.Figure:
    """How many students have passed each task (bars), out of the class size."""
    zh = _zh(lang)
    codes = [t.code for t in book.tasks]
    counts = [book.passed_count(c) for c in codes]
    labels = [f"{t.code} {t.title(lang)}" for t in book.tasks]
    fig = go.Figure(
        go.Bar(x=codes, y=counts, text=counts, textposition="auto", hovertext=labels, marker_color="#2e7d32")
    )
    fig.update_layout(
        title="各任务完成人数" if zh else "Students who completed each task",
        yaxis={"title": "学生数" if zh else "students", "range": [0, max(1, len(book.students))]},
        xaxis={"title": "任务" if zh else "task"},
        height=360,
        margin=_MARGIN,
    )
    return fig


def _fmt(x: float) -> str:
    return f"{x:g}"


def score_bins(totals: Sequence[float], max_points: float, bins: int = 10) -> tuple[list[str], list[int]]:
    """Equal-width bins from 0 to ``max_points`` (at most ``bins``, each a whole number of points
    wide) and how many totals fall in each; a bin holds its lower edge, the last one also the
    maximum. Totals outside [0, max] go to the nearest end bin."""
    top = max(float(max_points), 0.0)
    if top <= 0:
        return ["0"], [len(totals)]
    width = float(max(1, math.ceil(top / bins)))
    count = max(1, math.ceil(round(top / width, 9)))
    labels = [f"{_fmt(i * width)}–{_fmt(min(top, (i + 1) * width))}" for i in range(count)]
    counts = [0] * count
    for total in totals:
        counts[min(count - 1, max(0, int(total // width)))] += 1
    return labels, counts


def score_distribution(totals: Sequence[float], max_points: float, lang: str) -> go.Figure:
    """How many students scored in each band of points (a histogram of totals)."""
    zh = _zh(lang)
    labels, counts = score_bins(totals, max_points)
    fig = go.Figure(go.Bar(x=labels, y=counts, text=counts, textposition="auto", marker_color="#1565c0"))
    fig.update_layout(
        title="成绩分布" if zh else "Score distribution",
        xaxis={"title": f"得分（满分 {_fmt(max_points)}）" if zh else f"points (of {_fmt(max_points)})",
               "type": "category"},
        yaxis={"title": "学生数" if zh else "students", "rangemode": "tozero", "tickformat": "d",
               "dtick": max(1, -(-max(counts) // 10))},  # whole students, no "1.5"
        bargap=0.05,
        height=360,
        margin=_MARGIN,
    )
    return fig


def time_per_task(tasks: Sequence[TaskDef], durations: Mapping[str, Sequence[float]], lang: str) -> go.Figure:
    """Median minutes from a student's first step on a task to its completion, per task (tasks
    nobody completed show no bar); the hover says how many students it is the median of."""
    zh = _zh(lang)
    codes, medians, hover = [], [], []
    for t in tasks:
        found = list(durations.get(t.code) or ())
        codes.append(t.code)
        medians.append(round(median(found), 1) if found else None)
        n = len(found)
        hover.append(f"{t.code} {t.title(lang)}<br>" + (f"{n} 名学生的中位数" if zh else f"median of {n} students"))
    fig = go.Figure(
        go.Bar(x=codes, y=medians, text=[_fmt(m) if m is not None else "" for m in medians], textposition="auto",
               hovertext=hover, hoverinfo="text+y", marker_color="#ef6c00")
    )
    fig.update_layout(
        title="各任务用时（中位数）" if zh else "Time per task (median)",
        xaxis={"title": "任务" if zh else "task"},
        yaxis={"title": "分钟" if zh else "minutes", "rangemode": "tozero"},
        height=360,
        margin=_MARGIN,
    )
    return fig
