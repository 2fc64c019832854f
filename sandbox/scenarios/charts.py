"""Plotly figures of class progress (built here so they can be tested without a browser)."""

from __future__ import annotations

import plotly.graph_objects as go

from sandbox.scenarios.progress import Gradebook


def completion_by_task(book: Gradebook, lang: str) -> go.Figure:
    """How many students have passed each task (bars), out of the class size."""
    zh = lang == "zh_CN"
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
        margin={"l": 40, "r": 20, "t": 50, "b": 40},
    )
    return fig
