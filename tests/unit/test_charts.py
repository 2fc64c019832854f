"""The gradebook and board charts (sandbox.scenarios.charts): what each figure plots, and its
titles in Chinese and English. AppTest sees plotly charts only as opaque elements, so the figures
are checked here."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sandbox.scenarios.charts import completion_by_task, score_bins, score_distribution, time_per_task
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.model import TaskDef, TaskSet

CODES = ("EMAIL001", "EMAIL002", "EMAIL003")


@pytest.fixture(scope="module")
def tasks() -> list[TaskDef]:
    loaded: TaskSet = load_directory()
    return [loaded.tasks[c] for c in CODES]


@dataclass
class Book:
    tasks: list[TaskDef]
    students: list[str]
    passed: dict[str, int] = field(default_factory=dict)

    def passed_count(self, code: str) -> int:
        return self.passed.get(code, 0)


def test_completion_by_task_counts_students_per_task(tasks) -> None:
    fig = completion_by_task(Book(tasks, ["a", "b", "c", "d"], {"EMAIL001": 4, "EMAIL003": 1}), "en")
    (bar,) = fig.data
    assert bar.type == "bar"
    assert list(bar.x) == list(CODES) and list(bar.y) == [4, 0, 1]
    assert bar.hovertext[0] == f"EMAIL001 {tasks[0].title_en}"
    assert fig.layout.yaxis.range == (0, 4)
    assert fig.layout.title.text == "Students who completed each task"
    zh = completion_by_task(Book(tasks, ["a"]), "zh_CN")
    assert zh.layout.title.text == "各任务完成人数" and zh.layout.yaxis.title.text == "学生数"
    assert zh.data[0].hovertext[0] == f"EMAIL001 {tasks[0].title_zh}"


@pytest.mark.parametrize(
    ("totals", "top", "labels", "counts"),
    [
        # 12 points: six bins two points wide; a bin holds its lower edge, the last also the top
        ([0, 1.5, 2, 6, 11.9, 12], 12, ["0–2", "2–4", "4–6", "6–8", "8–10", "10–12"], [2, 1, 0, 1, 0, 2]),
        # 100 points: ten bins of ten
        ([55, 59.5, 60, 100], 100, [f"{i}–{i + 10}" for i in range(0, 100, 10)], [0, 0, 0, 0, 0, 2, 1, 0, 0, 1]),
        # 5 points: bins one point wide, never fractions of a point
        ([0, 5], 5, ["0–1", "1–2", "2–3", "3–4", "4–5"], [1, 0, 0, 0, 1]),
        # 13 points: the last bin is cut at the top
        ([13], 13, ["0–2", "2–4", "4–6", "6–8", "8–10", "10–12", "12–13"], [0, 0, 0, 0, 0, 0, 1]),
        # an adjustment above the maximum or a class without points still lands somewhere
        ([14, -1], 12, ["0–2", "2–4", "4–6", "6–8", "8–10", "10–12"], [1, 0, 0, 0, 0, 1]),
        ([0, 0], 0, ["0"], [2]),
    ],
)
def test_score_bins(totals, top, labels, counts) -> None:
    assert score_bins(totals, top) == (labels, counts)
    assert sum(counts) == len(totals)


def test_score_distribution_plots_the_bins(tasks) -> None:
    fig = score_distribution([0, 4, 4, 12], 12, "en")
    (bar,) = fig.data
    assert list(bar.x) == ["0–2", "2–4", "4–6", "6–8", "8–10", "10–12"]
    assert list(bar.y) == [1, 0, 2, 0, 0, 1]
    assert fig.layout.title.text == "Score distribution"
    assert fig.layout.xaxis.title.text == "points (of 12)" and fig.layout.yaxis.title.text == "students"
    zh = score_distribution([], 12, "zh_CN")
    assert zh.layout.title.text == "成绩分布" and zh.layout.xaxis.title.text == "得分（满分 12）"
    assert list(zh.data[0].y) == [0] * 6  # an empty class still gets its axes


def test_time_per_task_plots_the_median_and_how_many_students(tasks) -> None:
    fig = time_per_task(tasks, {"EMAIL001": [4, 20, 6], "EMAIL003": [1.25, 2.0]}, "en")
    (bar,) = fig.data
    assert list(bar.x) == list(CODES)
    assert list(bar.y) == [6, None, 1.6]  # nobody finished EMAIL002: no bar; medians to 0.1 minute
    assert bar.hovertext[0] == f"EMAIL001 {tasks[0].title_en}<br>median of 3 students"
    assert bar.hovertext[1].endswith("median of 0 students")
    assert fig.layout.title.text == "Time per task (median)" and fig.layout.yaxis.title.text == "minutes"
    zh = time_per_task(tasks, {}, "zh_CN")
    assert zh.layout.title.text == "各任务用时（中位数）" and zh.layout.yaxis.title.text == "分钟"
    assert zh.layout.xaxis.title.text == "任务"
    assert zh.data[0].hovertext[0] == f"EMAIL001 {tasks[0].title_zh}<br>0 名学生的中位数"


def test_score_distribution_ticks_whole_students() -> None:
    assert score_distribution([12, 12, 12], 12, "en").layout.yaxis.dtick == 1
    assert score_distribution([5] * 45, 12, "en").layout.yaxis.dtick == 5
