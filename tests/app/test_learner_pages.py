"""Self-learner pages under AppTest: "Learn on my own" (views/learner.py) starts a personal sandbox
and signs in, bad input shows its error and creates nothing; the guided tour (views/tour.py) lets
the learner pick chain A and a part, shows "you are here" with why and where, in zh and en, runs
the bots' turn, and refuses instructors."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from sandbox import ui
from sandbox.actor import Actor
from sandbox.bots import new_request_id
from sandbox.identity.models import Classroom, Membership, User
from sandbox.teaching import learner
from sandbox.teaching.tour import load_tours
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, fill, new_app, run, submit, successes, titles, warnings, zh

PW = "learn-alone-1"


def open_learner(lang: str | None = None):
    at = new_app(locale="zh-CN" if lang == "zh_CN" else None)
    run(at)
    at.switch_page("views/learner.py")
    return run(at)


def fill_form(at, username: str = "lin", confirm: str = PW) -> None:
    fill(at, learn_username=username, learn_full_name="Lin Xiao", learn_password=PW, learn_confirm=confirm)


def shown(at) -> str:
    """Every text the page rendered (markdown, captions, alerts, headings, the progress bar)."""
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "subheader", "title")
             for e in getattr(at, kind)]
    parts += [p.proto.text for p in at.get("progress")]
    return "\n".join(str(x) for x in parts)


def tour_page(actor: Actor, lang: str | None = None):
    at = new_app(actor=actor)
    if lang:
        at.session_state["lang"] = lang
    run(at)
    at.switch_page("views/tour.py")
    return run(at)


def sandbox(uow: UnitOfWork, username: str = "lin", lang: str = "en") -> Actor:
    return learner.start_personal_sandbox(uow, username=username, full_name="Lin Xiao", password=PW,
                                          password_confirm=PW, language=lang, request_id=new_request_id()).actor


def test_the_login_page_links_to_learning_on_my_own(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    at = run(new_app())
    assert en("learner.login_link") in [p.label for p in at.get("page_link")]


def test_a_server_without_self_learning_offers_no_link(app_db: UnitOfWork, monkeypatch) -> None:
    monkeypatch.setenv("SANDBOX_LEARNERS_PER_HOUR", "0")
    factories.instructor(app_db)
    at = run(new_app())
    assert titles(at) == [en("login.title")]
    assert en("learner.login_link") not in [p.label for p in at.get("page_link")]


def test_past_the_hourly_limit_the_form_says_so_in_chinese_and_creates_nothing(app_db: UnitOfWork,
                                                                                monkeypatch) -> None:
    monkeypatch.setenv("SANDBOX_LEARNERS_PER_HOUR", "1")
    factories.instructor(app_db)
    sandbox(app_db, "mei")
    at = open_learner("zh_CN")
    fill_form(at)
    submit(at, "learner_form")
    assert errors(at) == [zh("learner.too_many", limit=1)]
    assert "actor" not in at.session_state
    assert count(app_db, Classroom, Classroom.kind == "personal") == 1


def test_a_visitor_starts_a_personal_sandbox_and_is_signed_in(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    at = open_learner()
    assert titles(at) == [en("learner.heading")]
    assert en("learner.intro") in [m.value for m in at.markdown]
    fill_form(at)
    submit(at, "learner_form")

    assert not errors(at)
    # Home, or the tour once app.py honours ``go_to_page`` (the lead's router change)
    assert titles(at) in ([en("home.title", name="Lin Xiao")], [en("tour.heading")])
    assert successes(at) == [en("learner.started")]
    actor = at.session_state["actor"]
    assert actor.role == "student" and actor.username == "lin"
    with app_db.read() as s:
        room = s.get(Classroom, actor.class_id)
        assert room is not None and room.kind == "personal" and room.owner_id == actor.user_id
    assert at.session_state["login_token"]


def test_mismatched_passwords_show_the_error_and_create_nothing(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    at = open_learner()
    fill_form(at, confirm="learn-alone-2")
    submit(at, "learner_form")
    assert errors(at) == [en("input.password_mismatch")]
    assert "actor" not in at.session_state
    assert count(app_db, User, User.role == "student") == 0
    assert count(app_db, Classroom, Classroom.kind == "personal") == 0


def test_a_taken_user_name_is_refused_in_chinese(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    sandbox(app_db, "lin")
    at = open_learner("zh_CN")
    assert titles(at) == [zh("learner.heading")]
    fill_form(at, username="LIN")
    submit(at, "learner_form")
    assert errors(at) == [zh("identity.username_taken", username="LIN")]
    assert count(app_db, Membership) == 1  # the first sandbox's learner only
    assert count(app_db, Classroom, Classroom.kind == "personal") == 1


def test_the_learner_picks_a_part_and_sees_where_to_start(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    me = sandbox(app_db)
    at = tour_page(me)
    assert titles(at) == [en("tour.heading")]
    assert not errors(at) and not warnings(at)
    (part,) = at.radio
    assert part.options == ["采购商 Buyer", "供应商 Supplier", "物流商 Logistics provider"]
    part.set_value("supplier")
    at.button(key="tour_start").click()
    run(at)

    assert not errors(at)
    with app_db.read() as s:
        assert learner.my_choice(s, me) == learner.Choice("A", "supplier")
    text = load_tours()["A"].steps[("EMAIL001", "supplier")]
    page = shown(at)
    assert "### " + ui.plain("EMAIL001 申请电子邮件 — Apply for an e-mail account") in page
    assert ui.plain(text.why_en) in page
    (link,) = at.get("page_link")
    assert (link.proto.label, link.proto.page) == (en("tour.go", page=en("page.mailbox")), "mailbox")
    assert en("tour.supplier_hint") in [c.value for c in at.caption]
    assert en("tour.progress", done=0, total=19) in page


def test_the_tour_speaks_chinese(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    me = sandbox(app_db, lang="zh_CN")
    learner.choose_part(app_db, me, "A", "buyer", request_id=new_request_id())
    at = tour_page(me, "zh_CN")
    assert titles(at) == [zh("tour.heading")]
    assert ui.plain(load_tours()["A"].steps[("EMAIL001", "buyer")].why_zh) in shown(at)
    (link,) = at.get("page_link")
    assert link.proto.label == zh("tour.go", page=zh("page.mailbox"))


def test_the_bots_take_their_turn_and_say_what_they_did(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    me = sandbox(app_db)
    learner.choose_part(app_db, me, "A", "buyer", request_id=new_request_id())
    at = tour_page(me)
    at.button(key="tour_bots_go").click()
    run(at)
    assert not errors(at)
    page = shown(at)
    # a fresh sandbox: the bot partners are made; whatever they did is listed, or "nothing to do"
    assert en("tour.bots_did") in page or en("tour.bots_nothing") in page
    with app_db.read() as s:
        bots = s.scalars(select(User.username).where(User.role == "bot")).all()
    assert bots, "the class's bot partners exist after their first turn"


def test_changing_the_part_goes_back_to_the_choice(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    me = sandbox(app_db)
    learner.choose_part(app_db, me, "A", "buyer", request_id=new_request_id())
    at = tour_page(me)
    assert not at.radio
    at.button(key="tour_change").click()
    run(at)
    assert len(at.radio) == 1


def test_a_class_student_gets_the_tour_with_a_note(app_db: UnitOfWork) -> None:
    room = factories.classroom(app_db, factories.instructor(app_db))
    ann = factories.student(app_db, room, "ann", "Ann Li")
    at = tour_page(ann)
    assert en("tour.class_note") in [c.value for c in at.caption]
    assert len(at.radio) == 1


def test_instructors_cannot_open_the_tour(app_db: UnitOfWork) -> None:
    teacher = factories.instructor(app_db)
    at = new_app(actor=teacher, script="views/tour.py")
    run(at)
    assert warnings(at) == [en("auth.forbidden")]
    assert not at.radio and not at.button


def test_a_supplier_waiting_for_an_inquiry_is_sent_to_invite_the_bot_buyer(app_db: UnitOfWork, monkeypatch) -> None:
    """The bot buyer asks for quotes only when invited: at its B2B007 step the tour says where to invite it."""
    factories.instructor(app_db)
    me = sandbox(app_db)
    learner.choose_part(app_db, me, "A", "supplier", request_id=new_request_id())
    real = learner.my_tour

    def at_the_inquiry(session, actor, tasks):
        tour = real(session, actor, tasks)
        steps = tuple(dataclasses.replace(s, done=s.index < 25, state="done" if s.index < 25 else s.state)
                      for s in tour.steps)
        return dataclasses.replace(tour, steps=steps)

    monkeypatch.setattr(learner, "my_tour", at_the_inquiry)
    at = tour_page(me)
    page = shown(at)
    assert "B2B007" in page and en("tour.invite_buyer") in page
    (link,) = at.get("page_link")
    assert link.proto.page == "b2b-supplier"
