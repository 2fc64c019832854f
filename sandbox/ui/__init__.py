"""The only Streamlit-importing part of ``sandbox``: database handle, current actor, guards,
translations bound to the session language, and shared widgets.

Invariants:
- The engine is created (and the schema migrated) once per process per URL (``cache_resource``);
  sessions of SQLAlchemy never go into ``st.session_state``.
- ``st.session_state`` holds UI scratch only: the actor, the login token, the language and
  form request ids. Everything else lives in the database.
- A login survives a refresh through the ``sandbox_session`` cookie, which holds a random
  token; the database keeps only its hash, and logout revokes it.
- Every page calls :func:`require_role` before it reads any data.
"""

from __future__ import annotations

import gc
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any, NoReturn

import streamlit as st

from sandbox import clock
from sandbox.actor import Actor
from sandbox.config import database_url
from sandbox.db import Database
from sandbox.errors import DomainError
from sandbox.i18n import LANGUAGE_NAMES, LANGUAGES, messages, normalize_language
from sandbox.i18n import t as translate
from sandbox.identity import services
from sandbox.migrate import upgrade
from sandbox.scenarios.loader import ScenarioError, ScenarioLibrary
from sandbox.scenarios.model import TaskSet
from sandbox.uow import UnitOfWork

COOKIE = "sandbox_session"
_ACTOR = "actor"
_TOKEN = "login_token"  # noqa: S105  (a session_state key)
_LANG = "lang"
_COOKIE_OP = "cookie_op"
_RESUME_TRIED = "resume_tried"
_SETUP_DONE = "setup_done"


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    upgrade(url)  # once per process: migrations never run on a rerun
    return Database.connect(url)


def uow() -> UnitOfWork:
    """The unit of work of the configured database."""
    return UnitOfWork(_database(database_url()))


@st.cache_resource(show_spinner=False)
def freeze_startup_objects() -> bool:
    """Once per process, after the first full run: move everything loaded so far (modules,
    engine, messages, scenarios) out of the garbage collector's reach.

    Streamlit runs a full ``gc.collect()`` after every rerun (``runner.postScriptGC``); without
    this it re-scans all long-lived objects each time, ~60-85 ms of CPU under the GIL
    (bench/rerun.py, table C). New objects are still collected as usual.
    """
    gc.collect()
    gc.freeze()
    return True


# ----------------------------------------------------------------------------- language


def lang() -> str:
    """The session language: the user's preference, else the chosen one, else the browser's."""
    actor = st.session_state.get(_ACTOR)
    if actor is not None and actor.language in LANGUAGES:
        return str(actor.language)
    chosen = st.session_state.get(_LANG)
    if chosen in LANGUAGES:
        return str(chosen)
    return normalize_language(st.context.locale)


def t(key: str, **params: Any) -> str:
    """``key`` translated into the session language."""
    return translate(key, lang(), **params)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text: object) -> str:
    """User text made inert for st.markdown/title/caption: markdown and HTML characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def error_text(err: DomainError) -> str:
    """The zh/en sentence of a domain error (nested error codes in ``reason`` translated too)."""
    params = {k: plain(v) if isinstance(v, str) and k != "reason" else v for k, v in err.params.items()}
    if err.field:
        params["field"] = t(f"field.{err.field}")
    if isinstance(params.get("reason"), str) and params["reason"] in messages("en"):
        params["reason"] = t(params["reason"], **{**params, "field": t("field.roster_value")})
    return t(err.code, **params)


#: The one clock every page shows and takes times in: China Standard Time (UTC+8, no daylight
#: saving), the bank's day too. Times are stored in UTC.
CHINA = clock.CHINA


def when(at: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as every page shows it, in China time (UTC+8); '' when there is none."""
    if not isinstance(at, datetime):
        return ""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(CHINA).strftime(fmt)


china_moment = clock.moment  # a date (and time of day) typed in China time, as the UTC instant stored


def china_now() -> datetime:
    return datetime.now(CHINA)


def show_error(err: DomainError) -> None:
    st.error(error_text(err), icon=":material/error:")


def _on_language_change() -> None:
    choice = st.session_state.get("ui_language")
    if choice not in LANGUAGES:
        return
    st.session_state[_LANG] = choice
    actor = st.session_state.get(_ACTOR)
    if actor is not None:
        try:
            st.session_state[_ACTOR] = services.set_language(uow(), actor, choice)
        except DomainError:
            pass


def language_switch() -> None:
    """The 简体中文 / English switch (keyed, so it survives its own label change)."""
    current = lang()
    st.session_state["ui_language"] = current
    st.segmented_control(
        "Language / 语言",
        options=list(LANGUAGES),
        format_func=lambda code: LANGUAGE_NAMES[code],
        key="ui_language",
        on_change=_on_language_change,
        label_visibility="collapsed",
    )


# ----------------------------------------------------------------------------- identity


def current_actor() -> Actor | None:
    """The logged-in actor of this browser tab (resumed from the cookie once per session)."""
    actor = st.session_state.get(_ACTOR)
    if actor is not None:
        return actor  # type: ignore[no-any-return]
    if not st.session_state.get(_RESUME_TRIED):
        st.session_state[_RESUME_TRIED] = True
        token = st.context.cookies.get(COOKIE)
        if not isinstance(token, str):  # no cookie (AppTest's mocked client yields a non-str)
            token = None
        resumed = services.resume(uow(), token)
        if resumed is not None:
            st.session_state[_ACTOR] = resumed
            st.session_state[_TOKEN] = token
            return resumed
    return None


def setup_needed() -> bool:
    """True until the first instructor exists (then remembered for the session)."""
    if st.session_state.get(_SETUP_DONE):
        return False
    with uow().read() as s:
        done = services.instructor_exists(s)
    if done:
        st.session_state[_SETUP_DONE] = True
    return not done


def sign_in(actor: Actor, token: str) -> None:
    """Remember a fresh login in this tab and have the browser keep its cookie."""
    st.session_state[_ACTOR] = actor
    st.session_state[_TOKEN] = token
    st.session_state[_LANG] = actor.language or lang()
    st.session_state[_COOKIE_OP] = token


def login_token() -> str | None:
    """This tab's login cookie token (to keep this browser logged in across a password change)."""
    return st.session_state.get(_TOKEN)


def replace_actor(actor: Actor) -> None:
    st.session_state[_ACTOR] = actor


def sign_out() -> None:
    """Log this tab out: revoke the session row, forget the actor, clear the cookie."""
    actor = st.session_state.get(_ACTOR)
    if actor is not None:
        services.logout(uow(), actor, st.session_state.get(_TOKEN))
    for key in (_ACTOR, _TOKEN):
        st.session_state.pop(key, None)
    st.session_state[_COOKIE_OP] = ""


def cookie_script() -> None:
    """Emit the browser-side cookie change queued by sign_in / sign_out (ours, never user text)."""
    op = st.session_state.get(_COOKIE_OP)
    if op is None:
        return
    value = json.dumps(f"{COOKIE}={op}; path=/; samesite=strict; max-age={1209600 if op else 0}")
    st.html(
        f"<script>document.cookie = {value} + (location.protocol === 'https:' ? '; secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def require_role(*roles: str, allow_pending_password: bool = False) -> Actor:
    """The actor, if logged in with one of ``roles``; otherwise a message and ``st.stop()``."""
    actor = current_actor()
    if actor is None:
        _stop("auth.login_required")
    if roles and actor.role not in roles:
        _stop("auth.forbidden")
    if actor.must_change_password and not allow_pending_password:
        _stop("auth.change_password_first")
    return actor


def _stop(code: str) -> NoReturn:
    st.warning(t(code), icon=":material/lock:")
    st.stop()


def register_pages(paths: list[str]) -> None:
    """Remember which view files this run's navigation registered (links only to those)."""
    st.session_state["registered_pages"] = paths


def page_registered(path: str) -> bool:
    """Whether ``path`` is in this run's navigation (``st.page_link`` raises otherwise)."""
    return path in st.session_state.get("registered_pages", ())


def request_id(form: str) -> str:
    """The idempotency key of one rendering of ``form`` (kept until :func:`form_done`)."""
    key = f"rid:{form}"
    if key not in st.session_state:
        st.session_state[key] = uuid.uuid4().hex
    return str(st.session_state[key])


def form_done(form: str) -> None:
    """After a successful submit: the next rendering of ``form`` gets a fresh request id."""
    st.session_state.pop(f"rid:{form}", None)


def flash(message_key: str, **params: Any) -> None:
    """A success message shown once, on the next run (survives ``st.rerun``)."""
    st.session_state["flash"] = (message_key, params)


def show_flash() -> None:
    item = st.session_state.pop("flash", None)
    if item:
        st.success(t(item[0], **item[1]), icon=":material/check_circle:")


# ----------------------------------------------------------------------------- scenarios


@st.cache_resource(show_spinner=False)
def _scenario_library() -> ScenarioLibrary:
    return ScenarioLibrary()


def scenarios() -> TaskSet:
    """The scenario tasks in force (loaded once per process; a bad reload keeps the last good)."""
    return _scenario_library().tasks


_LAST_CLASS = "_teaching_last_class"  # the class last picked on any teaching page


def pick_class(actor: Actor, key: str, where: Any = None) -> Any:
    """The class picker of the teaching pages: the instructor's classes (a note and stop when there
    are none), preselecting the class last picked on any page; the chosen ``ClassSummary``."""
    from sandbox.identity import queries

    with uow().read() as s:
        classes = queries.classes_for(s, actor)
    if not classes:
        st.info(t("home.no_classes"))
        st.stop()
    by_id = {c.id: c for c in classes}
    if st.session_state.get(key) not in by_id:
        last = st.session_state.get(_LAST_CLASS)
        st.session_state[key] = last if last in by_id else classes[0].id
    chosen = (where or st).selectbox(t("classes.pick"), list(by_id), format_func=lambda i: by_id[i].name, key=key)
    st.session_state[_LAST_CLASS] = chosen
    return by_id[chosen]


def pick_assignment(assignments: Any, key: str, where: Any = None) -> int | None:
    """The assignment picker of the board and the gradebook: "all tasks" (None) or one of the
    class's assignments (views with ``id`` and ``title``); the chosen id."""
    titles = {a.id: a.title for a in assignments}
    return (where or st).selectbox(
        t("board.assignment"), [None, *titles], key=key,
        format_func=lambda i: t("board.all_tasks") if i is None else titles.get(i, "?"),
    )


def class_scenarios(session: Any, class_id: int) -> TaskSet:
    """The tasks a class uses: the shipped ones with the class's loaded scenario packs on top."""
    from sandbox.teaching.packs import class_tasks

    return class_tasks(session, class_id, scenarios())


def reload_scenarios() -> ScenarioError | None:
    return _scenario_library().reload()


def task_tracker(module: str) -> None:
    """A sidebar list of the module's tasks for the logged-in student, ticked as checks pass.

    It is recomputed from the database on every run, so the tick appears on the very rerun
    that follows the action which satisfied the check.
    """
    from sandbox.scenarios.progress import DONE, progress_for

    actor = current_actor()
    if actor is None or actor.role != "student" or actor.class_id is None:
        return
    with uow().read() as s:
        all_tasks = class_scenarios(s, actor.class_id)
        subset = TaskSet({c: task for c, task in all_tasks.tasks.items() if task.module == module})
        found = [m for m in progress_for(s, actor.class_id, actor.user_id, subset) if m.module == module]
    if not found:
        return
    progress = found[0]
    zh = lang() == "zh_CN"
    lines = [f"**{t('tasks.tracker', module=module)}** · {progress.done}/{progress.available}"]
    for status in progress.tasks:
        if status.task is None:
            continue
        # Material icons, not emoji (✅/⬜ are empty boxes in a browser without an emoji font)
        mark = ":green[:material/check_circle:]" if status.state == DONE else ":gray[:material/radio_button_unchecked:]"
        lines.append(f"{mark} `{status.task.code}` {status.task.title_zh if zh else status.task.title_en}")
    with st.sidebar.container(border=True, key=f"tracker_{module}"):
        st.markdown("  \n".join(lines))
