"""Golden and wrong runs of the 22 logistics tasks (LGS001–LGS018, LGS020–LGS023).

The student plays the logistics company (物流商) through the logistics services, like a person
at the page "物流 / logistics"; for LGS021 the student's supplier applies (page "B2B 供应商").
Counterparts: the supplier shipping goods in, ordering deliveries and creating transfers is the
student's own supplier member when they registered one, else the class's bot supplier; the buyer
is the student's own buyer, else the bot buyer. Counterparts act through the same services as
their own users. Wrong runs make a plausible mistake the check must not credit (a refused input,
stopping half way, rejecting instead of approving, a query that returns nothing of theirs).
"""

from __future__ import annotations

from sandbox.b2b import orders, shipping
from sandbox.b2b import transfers as b2b_transfers
from sandbox.b2b.models import BUYER, SUPPLIER
from sandbox.bots import BotWorld, b2b_partners, expect_refusal, golden, new_request_id, wrong
from sandbox.bots import b2b as b2b_bots
from sandbox.bots.b2b import Trader
from sandbox.errors import DomainError
from sandbox.logistics import (
    applications,
    damage,
    delivery,
    dispatch,
    inbound,
    outbound,
    providers,
    reports,
    stock,
    transfers,
    vehicles,
    warehouses,
)
from sandbox.logistics import models as lm
from sandbox.logistics.access import provider_or_none

NO_SUCH_ID = 987_654_321
SHIP_UNITS = 40
NO_SUCH_NUMBER = "NONE-0000"


# ----------------------------------------------------------------------------- the student's company


def provider_id(world: BotWorld) -> int | None:
    with world.uow.read() as s:
        found = provider_or_none(s, world.student)
        return found.id if found is not None else None


def register(world: BotWorld, *, phone: str = "010-62759999") -> int:
    """LGS001 as the student: register a logistics company."""
    actor = world.student
    who = actor.full_name or actor.username
    made = providers.register_provider(
        world.uow, actor, name=f"{who} 物流有限公司 ({actor.username})"[:100], contact_name=who[:50], phone=phone,
        address="北京市顺义区空港物流园8号 8 Airport Logistics Park, Shunyi, Beijing",
        service_terms="仓储、调拨和配送服务 Storage, transfers and deliveries", fee_base="50", fee_per_unit="2",
        request_id=new_request_id(),
    )
    return made.id


def ensure_provider(world: BotWorld) -> int:
    found = provider_id(world)
    return found if found is not None else register(world)


def rooms(world: BotWorld, count: int = 2) -> list[int]:
    """At least ``count`` active warehouses of the student's provider (LGS007 now if missing)."""
    pid = ensure_provider(world)
    with world.uow.read() as s:
        have = [w for w in warehouses.warehouses_of(s, pid) if w.active]
    n = len(have)
    while n < count:
        n += 1
        warehouses.add_warehouse(world.uow, world.student, code=f"WH-{n:02d}", name=f"{n}号仓库 Warehouse {n}",
                                 address=f"北京市顺义区物流园{n}号 {n} Logistics Park, Shunyi", capacity=100_000,
                                 request_id=new_request_id())
    with world.uow.read() as s:
        return [w.id for w in warehouses.warehouses_of(s, pid) if w.active]


def truck(world: BotWorld, units: int = 1) -> int:
    """An idle active vehicle of the student's provider carrying ``units`` (LGS012 now if missing)."""
    pid = ensure_provider(world)
    with world.uow.read() as s:
        idle = [v for v in vehicles.vehicles_of(s, pid, idle_only=True) if v.active and v.capacity_units >= units]
    if idle:
        return idle[0].id
    return vehicles.add_vehicle(world.uow, world.student, code=f"京A{new_request_id()[:5].upper()}", kind="厢式货车 Van",
                                capacity_units=max(units, 500), request_id=new_request_id()).id


# ----------------------------------------------------------------------------- counterparts


def customer(world: BotWorld) -> Trader:
    """The supplier playing the student's customer: their own supplier member, else the bot supplier."""
    if b2b_bots._member(world, SUPPLIER) is not None:
        return b2b_bots.session(world, SUPPLIER)
    p = b2b_bots.partners(world)
    token = b2b_partners.member_token(world.uow, p.supplier, SUPPLIER)
    return Trader(p.supplier, token, p.supplier_member_id, SUPPLIER, p.supplier_certificate_id)


def apply(world: BotWorld, sup: Trader, target: int, *, accept_terms: bool = True) -> None:
    """LGS021 by ``sup`` to provider ``target`` with its installed certificate."""
    challenge = applications.apply_challenge(world.uow, sup.actor)
    applications.apply(
        world.uow, sup.actor, sup.token, provider_id=target, accept_terms=accept_terms, challenge_id=challenge.id,
        certificate_id=sup.certificate_id, note="申请仓储配送服务 Applying for storage and delivery",
        request_id=new_request_id(),
    )


def _application(world: BotWorld, sup: Trader, target: int) -> applications.ApplicationView | None:
    with world.uow.read() as s:
        found = [a for a in applications.my_applications(s, sup.actor, sup.token) if a.provider_id == target]
    return found[0] if found else None


def applied(world: BotWorld) -> tuple[Trader, int]:
    """The customer applied to the student's provider (pending or approved); (customer, application id)."""
    sup, pid = customer(world), ensure_provider(world)
    found = _application(world, sup, pid)
    if found is None:
        apply(world, sup, pid)
        found = _application(world, sup, pid)
    assert found is not None
    return sup, found.id


def approved_customer(world: BotWorld) -> Trader:
    """The customer approved by the student's provider (LGS021 by it, LGS022 by the student now if needed)."""
    sup, app_id = applied(world)
    found = _application(world, sup, ensure_provider(world))
    if found is not None and found.state == lm.APPLIED:
        applications.decide(world.uow, world.student, app_id, approve=True, note="欢迎 Welcome",
                            request_id=new_request_id())
    return sup


def ship_in(world: BotWorld, sup: Trader, lines: dict[int, int], warehouse_id: int) -> int:
    """B2B011 by the customer into the student's warehouse; the pending inbound order's id."""
    made = shipping.new_shipment(world.uow, sup.actor, sup.token, lines=lines, note="入库 Into storage",
                                 request_id=new_request_id()).id
    shipping.confirm_shipment(world.uow, sup.actor, sup.token, made, provider_id=ensure_provider(world),
                              warehouse_id=warehouse_id, request_id=new_request_id())
    with world.uow.read() as s:
        return next(i.id for i in inbound.inbound_for_provider(s, world.student, state=lm.PENDING)
                    if i.shipment_id == made)


def _goods(world: BotWorld, sup: Trader) -> dict[int, int]:
    from sandbox.b2b import catalogue

    with world.uow.read() as s:
        goods = [x for x in catalogue.my_products(s, sup.actor, sup.token) if x.active]
    return {x.id: SHIP_UNITS for x in sorted(goods, key=lambda x: x.id)[:2]}


def pending_inbound(world: BotWorld) -> int:
    """An inbound order (未入库) at the student's warehouse: found, or shipped in now by the customer."""
    ensure_provider(world)
    with world.uow.read() as s:
        found = inbound.inbound_for_provider(s, world.student, state=lm.PENDING)
    if found:
        return found[0].id
    sup = approved_customer(world)
    return ship_in(world, sup, _goods(world, sup), rooms(world, 1)[0])


def stocked(world: BotWorld) -> Trader:
    """The customer holds goods received (LGS003) in the student's first warehouse."""
    sup = approved_customer(world)
    pid = ensure_provider(world)
    with world.uow.read() as s:
        held = [x for x in stock.levels(s, owner_id=sup.member_id, provider_id=pid) if x.quantity > 0]
    if not held:
        inbound.receive(world.uow, world.student, ship_in(world, sup, _goods(world, sup), rooms(world, 1)[0]),
                        request_id=new_request_id())
    return sup


def _confirmed_order(world: BotWorld, sup: Trader) -> int:
    """A fresh order to the customer, accepted and confirmed by whoever plays each side."""
    if sup.actor.user_id == world.student.user_id:
        return b2b_bots.confirmed_order_of_supplier(world, sup).id
    own_buyer = b2b_bots._own(world, BUYER)
    if own_buyer is not None:
        order_id = b2b_bots.order_from(world, own_buyer, sup.member_id)
    else:
        number = b2b_partners.invite_buyer(world.uow, sup.actor, sup.token, what="order")
        with world.uow.read() as s:
            order_id = next(o.id for o in orders.orders_for(s, sup.actor, sup.token) if o.number == number)
    orders.accept(world.uow, sup.actor, sup.token, order_id, request_id=new_request_id())
    if own_buyer is not None:
        orders.confirm(world.uow, own_buyer.actor, own_buyer.token, order_id, request_id=new_request_id())
    else:
        p = b2b_bots.partners(world)
        btoken = b2b_partners.member_token(world.uow, p.buyer, BUYER)
        orders.confirm(world.uow, p.buyer, btoken, order_id, request_id=new_request_id())
    return order_id


def delivery_order(world: BotWorld) -> int:
    """A delivery order (待受理) to the student's provider whose goods they hold: found, or made
    now (the customer ships the goods in, the student receives them, the customer orders delivery)."""
    ensure_provider(world)
    with world.uow.read() as s:
        found = delivery.delivery_orders_for_provider(s, world.student, state=lm.AWAITING)
    if found:
        return found[0].id
    sup = approved_customer(world)
    order_id = _confirmed_order(world, sup)
    with world.uow.read() as s:
        detail = orders.order_detail(s, sup.actor, sup.token, order_id)
    needs: dict[int, int] = {}
    for line in detail.order.lines:
        needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity
    inbound.receive(world.uow, world.student, ship_in(world, sup, needs, rooms(world, 1)[0]),
                    request_id=new_request_id())
    made = orders.create_delivery_order(world.uow, sup.actor, sup.token, order_id,
                                        provider_id=ensure_provider(world), request_id=new_request_id())
    return made.id


STAGES = ("accept", "outbound", "allocate", "confirm", "deliver")


def advance(world: BotWorld, upto: str) -> int:
    """Take one delivery order of the student's provider through the stages up to ``upto``
    (LGS002, LGS004, LGS009, LGS010, LGS020), each done by the student; its id."""
    last = STAGES.index(upto)
    with world.uow.read() as s:
        open_ones = [d for d in delivery.delivery_orders_for_provider(s, world.student) if d.state != lm.DO_DELIVERED]
    do_id = open_ones[0].id if open_ones else delivery_order(world)
    state = next((d.state for d in open_ones if d.id == do_id), lm.AWAITING)
    if state == lm.AWAITING:
        delivery.accept_delivery_order(world.uow, world.student, do_id, request_id=new_request_id())
    if last >= 1:
        with world.uow.read() as s:
            out = [o for o in outbound.outbound_for_provider(s, world.student, state=lm.PENDING)
                   if o.delivery_order_id == do_id]
        for o in out:
            outbound.confirm_outbound(world.uow, world.student, o.id, request_id=new_request_id())
    with world.uow.read() as s:
        trip = dispatch.dispatch_of_delivery(s, world.student, do_id)
    if last >= 2 and trip.state == lm.UNALLOCATED:
        dispatch.allocate_vehicle(world.uow, world.student, trip.id, vehicle_id=truck(world, trip.units),
                                  request_id=new_request_id())
    if last >= 3 and trip.state in (lm.UNALLOCATED, lm.ALLOCATED):
        dispatch.confirm_dispatch(world.uow, world.student, trip.id, request_id=new_request_id())
    if last >= 4:
        dispatch.deliver(world.uow, world.student, do_id, request_id=new_request_id())
    return do_id


def created_transfer(world: BotWorld) -> int:
    """A transfer order (created) between the student's warehouses: found, or made by the customer."""
    ensure_provider(world)
    with world.uow.read() as s:
        found = transfers.transfers_for_provider(s, world.student, state=lm.TRANSFER_CREATED)
    if found:
        return found[0].id
    both = rooms(world, 2)
    sup = stocked(world)
    with world.uow.read() as s:
        held = [x for x in stock.levels(s, owner_id=sup.member_id, provider_id=ensure_provider(world))
                if x.quantity > 0 and x.warehouse_id is not None]
    level = max(held, key=lambda x: x.quantity)
    target = next(w for w in both if w != level.warehouse_id)
    assert level.warehouse_id is not None
    return b2b_transfers.create_transfer(
        world.uow, sup.actor, sup.token, from_warehouse_id=level.warehouse_id, to_warehouse_id=target,
        lines={level.product_id: min(level.quantity, 5)}, note="调拨 Transfer", request_id=new_request_id(),
    ).id


def _held(world: BotWorld) -> stock.LevelView:
    stocked(world)
    with world.uow.read() as s:
        held = [x for x in stock.levels(s, provider_id=ensure_provider(world))
                if x.quantity > 0 and x.warehouse_id is not None]
    return max(held, key=lambda x: x.quantity)


# ----------------------------------------------------------------------------- runs


@golden("LGS001")
def lgs001(world: BotWorld) -> None:
    ensure_provider(world)


@wrong("LGS001")
def lgs001_wrong(world: BotWorld) -> None:
    expect_refusal(lambda: register(world, phone="call me"))


@golden("LGS002")
def lgs002(world: BotWorld) -> None:
    advance(world, "accept")


@wrong("LGS002")
def lgs002_wrong(world: BotWorld) -> None:
    """Picks a warehouse that does not hold the goods: refused, the order stays 待受理."""
    do_id = delivery_order(world)
    both = rooms(world, 2)
    expect_refusal(lambda: delivery.accept_delivery_order(world.uow, world.student, do_id, warehouse_id=both[-1],
                                                          request_id=new_request_id()))


@golden("LGS003")
def lgs003(world: BotWorld) -> None:
    inbound.receive(world.uow, world.student, pending_inbound(world), request_id=new_request_id())


@wrong("LGS003")
def lgs003_wrong(world: BotWorld) -> None:
    """Opens the inbound order but confirms a wrong (missing) one: nothing is received."""
    pending_inbound(world)
    expect_refusal(lambda: inbound.receive(world.uow, world.student, NO_SUCH_ID, request_id=new_request_id()))


@golden("LGS004")
def lgs004(world: BotWorld) -> None:
    advance(world, "outbound")


@wrong("LGS004")
def lgs004_wrong(world: BotWorld) -> None:
    advance(world, "accept")
    expect_refusal(lambda: outbound.confirm_outbound(world.uow, world.student, NO_SUCH_ID, request_id=new_request_id()))


@golden("LGS005")
def lgs005(world: BotWorld) -> None:
    transfers.confirm_transfer(world.uow, world.student, created_transfer(world), request_id=new_request_id())


@wrong("LGS005")
def lgs005_wrong(world: BotWorld) -> None:
    created_transfer(world)
    expect_refusal(lambda: transfers.confirm_transfer(world.uow, world.student, NO_SUCH_ID,
                                                      request_id=new_request_id()))


@golden("LGS006")
def lgs006(world: BotWorld) -> None:
    stocked(world)
    reports.query_stock(world.uow, world.student)


@wrong("LGS006")
def lgs006_wrong(world: BotWorld) -> None:
    """Queries with an owner filter nobody matches: nothing returned."""
    reports.query_stock(world.uow, world.student, owner_id=NO_SUCH_ID)


@golden("LGS007")
def lgs007(world: BotWorld) -> None:
    rooms(world, 1)


@wrong("LGS007")
def lgs007_wrong(world: BotWorld) -> None:
    expect_refusal(lambda: warehouses.add_warehouse(world.uow, world.student, code="WH-01", name="", address="",
                                                    capacity=0, request_id=new_request_id()))


@golden("LGS008")
def lgs008(world: BotWorld) -> None:
    room = rooms(world, 1)[0]
    warehouses.update_warehouse(world.uow, world.student, room, address=f"北京市顺义区新址{new_request_id()[:4]}号",
                                capacity=120_000, request_id=new_request_id())


@wrong("LGS008")
def lgs008_wrong(world: BotWorld) -> None:
    """Saves without changing anything: refused (nothing changed)."""
    room = rooms(world, 1)[0]
    with world.uow.read() as s:
        name = next(w.name for w in warehouses.my_warehouses(s, world.student) if w.id == room)
    expect_refusal(lambda: warehouses.update_warehouse(world.uow, world.student, room, name=name,
                                                       request_id=new_request_id()))


@golden("LGS009")
def lgs009(world: BotWorld) -> None:
    advance(world, "allocate")


@wrong("LGS009")
def lgs009_wrong(world: BotWorld) -> None:
    """Allocates a vehicle of another provider (the bot's): refused."""
    do_id = advance(world, "accept")
    with world.uow.read() as s:
        trip = dispatch.dispatch_of_delivery(s, world.student, do_id)
    expect_refusal(lambda: dispatch.allocate_vehicle(world.uow, world.student, trip.id, vehicle_id=NO_SUCH_ID,
                                                     request_id=new_request_id()))


@golden("LGS010")
def lgs010(world: BotWorld) -> None:
    advance(world, "confirm")


@wrong("LGS010")
def lgs010_wrong(world: BotWorld) -> None:
    """Allocates but never clicks 确定分配."""
    advance(world, "allocate")


@golden("LGS011")
def lgs011(world: BotWorld) -> None:
    advance(world, "confirm")
    reports.transport_records(world.uow, world.student)


@wrong("LGS011")
def lgs011_wrong(world: BotWorld) -> None:
    """Queries the records of a new vehicle that never made a trip: nothing returned."""
    fresh = vehicles.add_vehicle(world.uow, world.student, code=f"京B{new_request_id()[:5].upper()}", kind="货车",
                                 capacity_units=10, request_id=new_request_id()).id
    reports.transport_records(world.uow, world.student, vehicle_id=fresh)


@golden("LGS012")
def lgs012(world: BotWorld) -> None:
    truck(world)


@wrong("LGS012")
def lgs012_wrong(world: BotWorld) -> None:
    expect_refusal(lambda: vehicles.add_vehicle(world.uow, world.student, code="京A12345", kind="货车",
                                                capacity_units=0, request_id=new_request_id()))


@golden("LGS013")
def lgs013(world: BotWorld) -> None:
    car = truck(world)
    vehicles.update_vehicle(world.uow, world.student, car, note=f"年检 {new_request_id()[:6]} Annual inspection done",
                            request_id=new_request_id())


@wrong("LGS013")
def lgs013_wrong(world: BotWorld) -> None:
    car = truck(world)
    with world.uow.read() as s:
        kind = next(v.kind for v in vehicles.my_vehicles(s, world.student) if v.id == car)
    expect_refusal(lambda: vehicles.update_vehicle(world.uow, world.student, car, kind=kind,
                                                   request_id=new_request_id()))


def _query_wrong(world: BotWorld, fn: object) -> None:
    assert callable(fn)
    fn(world.uow, world.student, number=NO_SUCH_NUMBER)


@golden("LGS014")
def lgs014(world: BotWorld) -> None:
    delivery_order(world)
    reports.query_delivery_orders(world.uow, world.student)


@wrong("LGS014")
def lgs014_wrong(world: BotWorld) -> None:
    delivery_order(world)
    _query_wrong(world, reports.query_delivery_orders)


@golden("LGS015")
def lgs015(world: BotWorld) -> None:
    pending_inbound(world)
    reports.query_inbound_orders(world.uow, world.student)


@wrong("LGS015")
def lgs015_wrong(world: BotWorld) -> None:
    pending_inbound(world)
    _query_wrong(world, reports.query_inbound_orders)


@golden("LGS016")
def lgs016(world: BotWorld) -> None:
    advance(world, "accept")
    reports.query_outbound_orders(world.uow, world.student)


@wrong("LGS016")
def lgs016_wrong(world: BotWorld) -> None:
    _query_wrong(world, reports.query_outbound_orders)


@golden("LGS017")
def lgs017(world: BotWorld) -> None:
    created_transfer(world)
    reports.query_transfer_orders(world.uow, world.student)


@wrong("LGS017")
def lgs017_wrong(world: BotWorld) -> None:
    created_transfer(world)
    _query_wrong(world, reports.query_transfer_orders)


@golden("LGS018")
def lgs018(world: BotWorld) -> None:
    advance(world, "accept")
    with world.uow.read() as s:
        owed = reports.receivables_summary(s, world.student)
    reports.receivable_details(world.uow, world.student, supplier_id=owed[0].supplier_id)


@wrong("LGS018")
def lgs018_wrong(world: BotWorld) -> None:
    """Looks at the summary only and never opens a supplier's receivable details."""
    with world.uow.read() as s:
        reports.receivables_summary(s, world.student)


@golden("LGS020")
def lgs020(world: BotWorld) -> None:
    advance(world, "deliver")


@wrong("LGS020")
def lgs020_wrong(world: BotWorld) -> None:
    """Marks delivered a newly accepted order whose goods never left (not the dispatched one): refused."""
    do_id = delivery_order(world)
    delivery.accept_delivery_order(world.uow, world.student, do_id, request_id=new_request_id())
    expect_refusal(lambda: dispatch.deliver(world.uow, world.student, do_id, request_id=new_request_id()))


def _target(world: BotWorld) -> int:
    own = provider_id(world)
    return own if own is not None else b2b_bots.partners(world).provider_id


@golden("LGS021")
def lgs021(world: BotWorld) -> None:
    sup = b2b_bots.session(world, SUPPLIER)
    target = _target(world)
    if _application(world, sup, target) is None:
        apply(world, sup, target)


@wrong("LGS021")
def lgs021_wrong(world: BotWorld) -> None:
    """Does not tick the service agreement: refused."""
    sup = b2b_bots.session(world, SUPPLIER)
    expect_refusal(lambda: apply(world, sup, _target(world), accept_terms=False))


@golden("LGS022")
def lgs022(world: BotWorld) -> None:
    approved_customer(world)


@wrong("LGS022")
def lgs022_wrong(world: BotWorld) -> None:
    """Rejects the application instead of approving it."""
    sup, app_id = applied(world)
    found = _application(world, sup, ensure_provider(world))
    if found is not None and found.state == lm.APPLIED:
        applications.decide(world.uow, world.student, app_id, approve=False, note="暂不受理 Not now",
                            request_id=new_request_id())


@golden("LGS023")
def lgs023(world: BotWorld) -> None:
    level = _held(world)
    report = damage.create_damage_report(
        world.uow, world.student, owner_id=level.owner_id, warehouse_id=level.warehouse_id,
        lines={level.product_id: 1}, reason="搬运中包装破损 Packaging damaged in handling", request_id=new_request_id(),
    )
    damage.confirm_damage_report(world.uow, world.student, report.id, request_id=new_request_id())


@wrong("LGS023")
def lgs023_wrong(world: BotWorld) -> None:
    """Reports more than is held (refused), then writes a report but never confirms it."""
    level = _held(world)
    expect_refusal(lambda: damage.create_damage_report(
        world.uow, world.student, owner_id=level.owner_id, warehouse_id=level.warehouse_id,
        lines={level.product_id: level.quantity + 1}, reason="破损 Damaged", request_id=new_request_id()))
    try:
        damage.create_damage_report(world.uow, world.student, owner_id=level.owner_id,
                                    warehouse_id=level.warehouse_id, lines={level.product_id: 1},
                                    reason="破损 Damaged", request_id=new_request_id())
    except DomainError:
        pass
