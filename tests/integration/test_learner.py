"""Self-learner mode: a visitor starts a personal sandbox (no class, no code), picks chain A and a
part, and the tour ticks forward as the learner does the buyer's B2B tasks (or the logistics
provider's) and the bots react."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandbox.b2b import catalogue, inquiries
from sandbox.b2b.cart import add_to_cart
from sandbox.bots import b2b_partners, new_request_id
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity import queries
from sandbox.identity import services as identity
from sandbox.identity.models import Classroom, LoginSession, Membership, User
from sandbox.scenarios.loader import ScenarioLibrary
from sandbox.teaching import learner
from sandbox.teaching.tour import TourError, load_tours, parse_tour
from tests import factories
from tests.b2b_setup import trader

GOOD = dict(username="lin", full_name="Lin Xiao", password="learn-alone-1", password_confirm="learn-alone-1",
            language="en")


@pytest.fixture(scope="module")
def tasks():
    return ScenarioLibrary().tasks


def counts(uow) -> tuple[int, int, int, int]:
    with uow.read() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                     for m in (User, Classroom, Membership, LoginSession))


def start(uow, **overrides):
    return learner.start_personal_sandbox(uow, **{**GOOD, **overrides}, request_id=new_request_id())


def test_a_visitor_starts_a_personal_sandbox_and_is_logged_in(uow):
    started = start(uow)
    assert started.actor.role == "student" and started.actor.class_id == started.class_id
    assert identity.resume(uow, started.token) == started.actor  # the token logs this browser in
    with uow.read() as s:
        room = s.get(Classroom, started.class_id)
        assert room is not None and room.kind == "personal" and room.owner_id == started.actor.user_id
        assert "Lin Xiao" in room.name and "个人沙箱" in room.name
        assert learner.is_personal(s, started.actor)
        assert [c.id for c in queries.classes_for(s, started.actor)] == [room.id]
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.actor_id == started.actor.user_id))]
    assert "learner.started" in kinds
    # the password works for an ordinary login later
    assert identity.login(uow, username="LIN", password=GOOD["password"]).actor.class_id == started.class_id


def test_two_sandboxes_get_their_own_classes_and_seeds(uow):
    a = start(uow)
    b = start(uow, username="mei", full_name="Mei Chen")
    assert a.class_id != b.class_id
    with uow.read() as s:
        rooms = [s.get(Classroom, a.class_id), s.get(Classroom, b.class_id)]
        assert all(r is not None and r.kind == "personal" for r in rooms)


def test_at_most_the_hourly_number_of_sandboxes_start(uow, monkeypatch):
    monkeypatch.setenv("SANDBOX_LEARNERS_PER_HOUR", "2")
    start(uow)
    start(uow, username="mei", full_name="Mei Chen")
    before = counts(uow)
    with pytest.raises(DomainError) as err:
        start(uow, username="tao", full_name="Tao Wu")
    assert (err.value.code, err.value.params["limit"]) == ("learner.too_many", 2)
    assert counts(uow) == before
    # an hour later there is room again
    with uow.write() as s:
        for ev in s.scalars(select(Event).where(Event.kind == "learner.started")):
            ev.at = ev.at - timedelta(minutes=61)
    assert start(uow, username="tao", full_name="Tao Wu").class_id


@pytest.mark.parametrize("value", ["0", "-3"])
def test_self_learning_turned_off_creates_nothing(uow, monkeypatch, value):
    monkeypatch.setenv("SANDBOX_LEARNERS_PER_HOUR", value)
    before = counts(uow)
    with pytest.raises(DomainError) as err:
        start(uow)
    assert err.value.code == "learner.disabled"
    assert counts(uow) == before


def test_an_unreadable_limit_keeps_the_default(monkeypatch):
    from sandbox.config import LEARNERS_PER_HOUR, learners_per_hour

    monkeypatch.setenv("SANDBOX_LEARNERS_PER_HOUR", "lots")
    assert learners_per_hour() == LEARNERS_PER_HOUR == 60
    monkeypatch.delenv("SANDBOX_LEARNERS_PER_HOUR")
    assert learners_per_hour() == 60


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"password": "short", "password_confirm": "short"}, "input.password_short"),
        ({"password_confirm": "learn-alone-2"}, "input.password_mismatch"),
        ({"username": "x"}, "input.bad_username"),
        ({"full_name": "  "}, "input.required"),
    ],
)
def test_bad_input_creates_nothing(uow, overrides, code):
    before = counts(uow)
    with pytest.raises(DomainError) as err:
        start(uow, **overrides)
    assert err.value.code == code
    assert counts(uow) == before


def test_a_taken_user_name_creates_nothing(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    factories.student(uow, room, "lin")
    before = counts(uow)
    with pytest.raises(DomainError) as err:
        start(uow, username="LIN")  # compared case-insensitively
    assert err.value.code == "identity.username_taken"
    assert counts(uow) == before


def test_the_same_form_twice_starts_one_sandbox(uow):
    rid = new_request_id()
    learner.start_personal_sandbox(uow, **GOOD, request_id=rid)
    before = counts(uow)
    with pytest.raises(DomainError) as err:
        learner.start_personal_sandbox(uow, **{**GOOD, "username": "lin2"}, request_id=rid)
    assert err.value.code == "learner.already_started"
    assert counts(uow) == before


def test_personal_classes_are_hidden_from_instructors_and_cannot_be_joined(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    started = start(uow)
    with uow.read() as s:
        assert [c.id for c in queries.classes_for(s, teacher)] == [room.id]
        code = s.get(Classroom, started.class_id).enrollment_code
    with pytest.raises(DomainError) as err:  # the personal class's code, typed in any form, joins nothing
        identity.register_student(uow, enrollment_code=code, username="intruder", full_name="X",
                                  password="intruder-pass-1", password_confirm="intruder-pass-1")
    assert err.value.code == "class.bad_code"
    with uow.read() as s, pytest.raises(DomainError):
        queries.class_summary(s, teacher, started.class_id)


def test_choosing_a_part(uow, tasks):
    me = start(uow).actor
    with uow.read() as s:
        assert learner.my_choice(s, me) is None
        with pytest.raises(DomainError) as err:
            learner.my_tour(s, me, tasks)
        assert err.value.code == "learner.no_part"
    for chain, part, code in (("Z", "buyer", "learner.unknown_chain"), ("A", "bank", "learner.part_not_offered"),
                              ("A", "pirate", "learner.part_not_offered")):
        with pytest.raises(DomainError) as err:
            learner.choose_part(uow, me, chain, part, request_id=new_request_id())
        assert err.value.code == code
    assert learner.offered_parts("A") == ("buyer", "supplier", "logistics")
    learner.choose_part(uow, me, "A", "supplier", request_id=new_request_id())
    learner.choose_part(uow, me, "A", "logistics", request_id=new_request_id())
    with uow.read() as s:
        assert learner.my_choice(s, me) == learner.Choice("A", "logistics")
    learner.choose_part(uow, me, "A", "buyer", request_id=new_request_id())  # the latest choice counts
    with uow.read() as s:
        assert learner.my_choice(s, me) == learner.Choice("A", "buyer")
        chosen = [e.data["part"] for e in s.scalars(
            select(Event).where(Event.kind == "learner.part_chosen", Event.actor_id == me.user_id).order_by(Event.id))]
    assert chosen == ["supplier", "logistics", "buyer"]


def test_an_instructor_cannot_choose_a_part(uow):
    teacher = factories.instructor(uow)
    with pytest.raises(DomainError) as err:
        learner.choose_part(uow, teacher, "A", "buyer", request_id=new_request_id())
    assert err.value.code == "auth.forbidden"


def test_a_fresh_tour_starts_at_the_first_step_of_my_part(uow, tasks):
    me = start(uow).actor
    learner.choose_part(uow, me, "A", "supplier")
    with uow.read() as s:
        tour = learner.my_tour(s, me, tasks)
    assert len(tour.steps) == 49 and tour.personal and tour.mine_total == 19 and tour.mine_done == 0
    here = tour.current
    assert here is not None and (here.code, here.part, here.mine) == ("EMAIL001", "supplier", True)
    assert here.page == "views/mailbox.py" and here.why("zh_CN") and here.why("en")
    # the buyer's identity steps come first and are the bots'; they are not in the learner's way
    assert all(s.done and not s.mine for s in tour.steps[:8])
    b2b001 = next(s for s in tour.steps if s.code == "B2B001" and s.part == "supplier")
    assert b2b001.page == "views/b2b_supplier.py"  # the tour's page for the supplier's registration


def test_the_tour_moves_as_the_buyer_plays_and_the_bots_react(uow, tasks):
    started = start(uow)
    me = started.actor
    learner.choose_part(uow, me, "A", "buyer")
    with uow.read() as s:
        room = s.get(Classroom, started.class_id)

    def tour():
        with uow.read() as s:
            return learner.my_tour(s, me, tasks)

    def step(code: str, part: str = "buyer"):
        return next(x for x in tour().steps if x.code == code and x.part == part)

    assert not step("B2B001").done and not step("B2B003").done
    # the supplier's quote comes later: the learner has not asked for one yet
    assert step("B2B022", "supplier").state == learner.LATER
    buyer = trader(uow, room, "lin", "buyer", actor=me)  # B2B001, CA002/CA003, B2B003
    assert step("B2B001").done and step("B2B003").done and step("CA003").done
    bots = b2b_partners.ensure_partners(uow, started.class_id)
    with uow.read() as s:
        goods = catalogue.browse(s, me, buyer.token, supplier_id=bots.supplier_member_id)
    lines = [add_to_cart(uow, me, buyer.token, product_id=g.id, quantity=2).id for g in goods[:1]]
    assert step("B2B005").done
    inquiries.create_inquiries(uow, me, buyer.token, cart_line_ids=lines, note="请报价 Please quote")
    assert step("B2B007").done
    # the supplier's quote is the bots' move: waiting until they take their turn
    assert step("B2B022", "supplier").state == learner.WAITING
    assert step("B2B023").state == "blocked"
    did = learner.bots_turn(uow, me)
    assert any(x.startswith("quoted:") for x in did)
    assert step("B2B022", "supplier").done and step("B2B023").state == "ready"
    assert tour().mine_done > 0
    key, params = learner.bot_action_message(next(x for x in did if x.startswith("quoted:")))
    assert key == "learner.bot.quoted" and params["doc"].startswith("IQ")


def test_another_student_cannot_use_the_bots_turn_of_a_class_they_left(uow):
    teacher = factories.instructor(uow)
    with pytest.raises(DomainError) as err:
        learner.bots_turn(uow, teacher)
    assert err.value.code == "auth.forbidden"


# ----------------------------------------------------------------------------- tour files


def test_the_shipped_tour_covers_every_step_of_chain_a_in_both_languages():
    tour = load_tours()["A"]
    chain = learner.chains()["A"]
    assert set(tour.steps) == {(s.code, s.part) for s in chain.steps}
    for text in tour.steps.values():
        assert text.why_zh.strip() and text.why_en.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text.why_zh)
        assert not re.search(r"[\u4e00-\u9fff，。：；]\s|\s[\u4e00-\u9fff，。：；]", text.why_zh), text.why_zh
    assert tour.intro("zh_CN") != tour.intro("en")


def _shipped() -> str:
    return (Path(__file__).resolve().parents[2] / "scenarios" / "tours" / "A.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "reason", "where"),
    [
        (lambda t: t.replace("- code: LGS018\n  part: logistics\n", "- code: LGS018\n  part: supplier\n"),
         "tour.file.not_in_chain", "part"),
        (lambda t: t.replace("  part: [buyer, supplier]\n  why_zh: \"最后", "  part: [buyer]\n  why_zh: \"最后"),
         "tour.file.step_not_covered", "steps"),
        (lambda t: t.replace("- code: LGS009\n  part: logistics\n  why_zh:", "- code: LGS009\n  part: logistics\n  why_z:"),
         "tour.file.unknown_field", "why_z"),
        (lambda t: t.replace("- code: B2B001\n  part: supplier\n  page: b2b_supplier",
                             "- code: B2B001\n  part: supplier\n  page: nowhere"), "tour.file.unknown_page", "page"),
        (lambda t: t.replace("chain: A", "chain: Q"), "tour.file.unknown_chain", "chain"),
        (lambda t: t + "\n  : : [\n", "tour.file.yaml_syntax", "-"),
        (lambda t: t.replace("  why_en: \"Allocate an idle vehicle big enough for the delivery. A vehicle makes one trip at a time.\"",
                             "  why_en: \"\""), "tour.file.missing_text", "why_en"),
    ],
)
def test_a_broken_tour_file_is_refused_with_its_location(edit, reason, where):
    text = _shipped()
    broken = edit(text)
    assert broken != text
    with pytest.raises(TourError) as err:
        parse_tour(broken, "A.yaml", learner.chains())
    assert err.value.params["reason"] == reason
    assert where in err.value.params["where"]
    if reason not in ("tour.file.yaml_syntax", "tour.file.unknown_chain", "tour.file.step_not_covered"):
        assert err.value.params["line"] > 1 and err.value.params["step"] != "-"


def test_a_tour_file_cannot_run_code():
    evil = _shipped().replace("chain: A", "chain: !!python/object/apply:os.system ['echo hi']")
    with pytest.raises(TourError) as err:
        parse_tour(evil, "A.yaml", learner.chains())
    assert err.value.params["reason"] == "tour.file.yaml_syntax"


@pytest.mark.parametrize(("part", "steps"), [("buyer", 19), ("supplier", 19), ("logistics", 11)])
def test_a_whole_chain_played_ticks_every_step_of_the_tour(uow, tasks, part, steps, db_url):
    """The learner's part played through (by the chain script acting as the learner, bots in the other
    parts): every step of the tour is done, and there is no "you are here" left."""
    from sandbox.chains import play_chain

    if db_url.startswith("postgresql"):
        pytest.skip("the tour reads grading only; the chain's own PostgreSQL run is in tests/scenarios")
    started = start(uow)
    learner.choose_part(uow, started.actor, "A", part)
    play_chain(uow, started.class_id, "A", {part: started.actor})
    with uow.read() as s:
        tour = learner.my_tour(s, started.actor, tasks)
    assert tour.mine_done == tour.mine_total == steps
    assert all(step.done for step in tour.steps) and tour.current is None


def test_the_logistics_part_played_against_the_bots_ticks_every_step(uow, tasks):
    """The learner runs the logistics company of chain A through the services, the bots playing
    supplier and buyer: the bot supplier applies to the learner's provider, ships into its
    warehouse, the bot buyer trades on its own, and the delivery order comes to the learner."""
    from sandbox.bots import BotWorld
    from sandbox.bots import ebank as bank_bots
    from sandbox.ebank import services as bank
    from sandbox.logistics import (
        applications,
        delivery,
        dispatch,
        fees,
        inbound,
        outbound,
        providers,
        reports,
        vehicles,
        warehouses,
    )
    from sandbox.logistics import models as lm

    started = start(uow)
    me, class_id = started.actor, started.class_id
    learner.choose_part(uow, me, "A", "logistics", request_id=new_request_id())

    def tour():
        with uow.read() as s:
            return learner.my_tour(s, me, tasks)

    def step(code: str, part: str = "logistics"):
        return next(x for x in tour().steps if x.code == code and x.part == part)

    first = tour()
    assert first.mine_total == 11 and first.mine_done == 0
    assert first.current is not None and (first.current.code, first.current.mine) == ("LGS001", True)
    assert first.current.page == "views/logistics.py"
    assert not any(x.startswith("applied:") for x in learner.bots_turn(uow, me))  # no provider of mine yet

    mine = providers.register_provider(  # LGS001
        uow, me, name="林氏物流 Lin Logistics", contact_name="林晓 Lin Xiao", phone="010-88886666",
        address="北京市海淀区中关村大街1号 1 Zhongguancun St, Beijing", service_terms="按件计费 Charged per unit",
        fee_base="30", fee_per_unit="1", request_id=new_request_id())
    room = warehouses.add_warehouse(uow, me, code="WH-01", name="林氏一号仓 Lin warehouse 1",  # LGS007
                                    address="北京市海淀区 Haidian, Beijing", capacity=5000, request_id=new_request_id())
    truck = vehicles.add_vehicle(uow, me, code="京A12345", kind="厢式货车 Box truck", capacity_units=500,  # LGS012
                                 note="", request_id=new_request_id())
    assert step("LGS012").done and step("LGS021", "supplier").state == learner.WAITING

    did = learner.bots_turn(uow, me)
    assert f"applied:{mine.name}" in did
    bots = b2b_partners.ensure_partners(uow, class_id)
    assert step("LGS021", "supplier").done and step("LGS022").state == "ready"
    with uow.read() as s:
        (app,) = applications.applications_for_provider(s, me, state=lm.APPLIED)
    assert app.supplier_id == bots.supplier_member_id
    applications.decide(uow, me, app.id, approve=True, note="欢迎 Welcome", request_id=new_request_id())  # LGS022

    did = learner.bots_turn(uow, me)
    shipped = [x for x in did if x.startswith("shipped:")]
    assert len(shipped) == 1 and not any(x.startswith("asked:") for x in did)  # nothing to sell before my receipt
    assert step("B2B011", "supplier").done and step("LGS003").state == "ready"
    with uow.read() as s:
        (arriving,) = inbound.inbound_for_provider(s, me, state=lm.PENDING)
    assert arriving.warehouse_id == room.id and arriving.supplier_id == bots.supplier_member_id
    assert sum(x.quantity for x in arriving.lines) == b2b_partners.LEARNER_LINES * b2b_partners.LEARNER_SHIP_UNITS
    assert learner.bots_turn(uow, me) == []  # the goods are on the way: nothing more to do for the bots
    inbound.receive(uow, me, arriving.id, request_id=new_request_id())  # LGS003

    did = learner.bots_turn(uow, me)  # one turn: inquiry, quote, negotiation, contract, order, delivery order
    for what in ("asked", "quoted", "negotiation_opened", "terms", "agreed", "signed", "ordered", "accepted",
                 "confirmed", "delivery_ordered", "settled"):
        assert any(x.startswith(what + ":") for x in did), (what, did)
    assert all(learner.bot_action_message(x)[0] != "learner.bot.other" for x in did)
    assert step("B2B010", "supplier").done and step("LGS002").state == "ready"
    with uow.read() as s:
        (do,) = delivery.delivery_orders_for_provider(s, me, state=lm.AWAITING)
    delivery.accept_delivery_order(uow, me, do.id, request_id=new_request_id())  # LGS002
    with uow.read() as s:
        (out,) = outbound.outbound_for_provider(s, me, state=lm.PENDING)
    outbound.confirm_outbound(uow, me, out.id, request_id=new_request_id())  # LGS004
    with uow.read() as s:
        trip = dispatch.dispatch_of_delivery(s, me, do.id)
    dispatch.allocate_vehicle(uow, me, trip.id, vehicle_id=truck.id, request_id=new_request_id())  # LGS009
    dispatch.confirm_dispatch(uow, me, trip.id, request_id=new_request_id())  # LGS010
    dispatch.deliver(uow, me, do.id, request_id=new_request_id())  # LGS020
    with uow.read() as s:
        reports.receivables_summary(s, me)
    (fee,) = reports.receivable_details(uow, me, supplier_id=bots.supplier_member_id)  # LGS018
    assert fee.state == lm.FEE_OPEN

    done = tour()
    assert done.mine_done == done.mine_total == 11
    assert all(x.done for x in done.steps) and done.current is None

    # the learner links a bank account: the bot supplier pays the delivery fee through the e-bank
    world = BotWorld(uow=uow, class_id=class_id, student=me)
    reg = bank_bots.ensure_corporate(world, me)
    providers.link_bank_account(uow, me, bank_account_number=reg.account_number, request_id=new_request_id())
    did = learner.bots_turn(uow, me)
    assert f"fees_paid:{mine.id}:1" in did
    with uow.read() as s:
        assert [f.state for f in fees.fees_of_provider(s, mine.id)] == [lm.FEE_PAID]
        assert sum(a.balance_fen for a in bank.my_accounts(s, me)) == fee.amount_fen
    # the trade was delivered: the bot buyer starts the next one, from the goods still at my warehouse
    assert any(x.startswith("delivery_ordered:") for x in did)
