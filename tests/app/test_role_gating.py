"""Menus are convenience, not security: instructor pages are out of a student's navigation AND
refuse to render when run directly (the ``pages/`` trap of streamlit-notes 2.4)."""

import pytest

from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import ROOT, en, new_app, rendered, run, titles, warnings

PUBLIC = {"views/setup.py", "views/login.py", "views/register.py", "views/learner.py"}
#: every view that needs a login: new views are covered as soon as they exist
ALL_VIEWS = sorted(f"views/{p.name}" for p in (ROOT / "views").glob("*.py") if f"views/{p.name}" not in PUBLIC)
INSTRUCTOR_PAGES = [p for p in ("views/classes.py", "views/instructors.py", "views/gradebook.py") if p in ALL_VIEWS]


@pytest.fixture
def world(app_db: UnitOfWork):
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    student = factories.student(app_db, room, "hanmm", full_name="Han Meimei")
    return teacher, room, student


@pytest.mark.parametrize("page", INSTRUCTOR_PAGES)
def test_student_cannot_switch_to_an_instructor_page(app_db: UnitOfWork, world, page: str) -> None:
    _, _, student = world
    at = run(new_app(actor=student))
    assert titles(at) == [en("home.title", name="Han Meimei")]
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page(page)


@pytest.mark.parametrize("page", INSTRUCTOR_PAGES)
def test_student_running_an_instructor_page_directly_is_refused(app_db: UnitOfWork, world, page: str) -> None:
    _, room, student = world
    at = run(new_app(page, actor=student))
    assert warnings(at) == [en("auth.forbidden")]
    assert not titles(at) and not at.metric and not at.dataframe
    assert room.enrollment_code not in rendered(at)


@pytest.mark.parametrize("page", ALL_VIEWS)
def test_anonymous_running_a_page_directly_before_any_run_sees_the_login_warning(
    app_db: UnitOfWork, world, page: str
) -> None:
    _, room, _ = world
    at = run(new_app(page))  # no app.py run, so no st.navigation yet
    assert warnings(at) == [en("auth.login_required")]
    assert not titles(at) and not at.metric and not at.dataframe and not at.text_input
    assert room.enrollment_code not in rendered(at)
    assert room.name not in rendered(at)


@pytest.mark.parametrize("page", ALL_VIEWS)
def test_anonymous_switching_to_a_page_before_the_first_run_lands_on_login(
    app_db: UnitOfWork, world, page: str
) -> None:
    _, room, _ = world
    at = new_app()
    at.switch_page(page)  # before the first run: nothing registered yet (the 2.4 trap)
    run(at)
    assert titles(at) == [en("login.title")]  # views/ is no pages/ folder: navigation falls back
    assert room.enrollment_code not in rendered(at)


def test_anonymous_cannot_switch_to_member_pages_after_a_run(app_db: UnitOfWork, world) -> None:
    at = run(new_app())
    for page in ALL_VIEWS:
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_an_instructor_reaches_every_instructor_page(app_db: UnitOfWork, world) -> None:
    teacher, room, _ = world
    at = run(new_app(actor=teacher))
    at.switch_page("views/classes.py")
    run(at)
    assert titles(at) == [en("classes.title")]
    assert room.enrollment_code in rendered(at)
