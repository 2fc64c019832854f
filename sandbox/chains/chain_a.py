"""Chain A (catalog-notes.md §2 A; scenarios/chains/A.yaml): what each step does, by task code.

Three parts: the buyer company (采购商), the supplier company (供应商) and the logistics company
(物流商). Each function below is one step — find "what happens at B2B010 of chain A" by searching
for ``"B2B010"``. Every step acts as its part's actor through the same services as the pages, on
the chain's own documents (recorded in ``run.documents``), never on the class-wide bot partners:

- the buyer's inquiry, negotiation, contract and order go to the chain's supplier;
- the supplier applies to, and ships into the warehouse of, the chain's logistics provider; the
  goods it ships (B2B011, ``SHIP_UNITS`` each) are the goods the buyer orders (``ORDER_UNITS``);
- the delivery order (B2B010) goes to the chain's provider, which accepts it into the chain's
  warehouse (LGS002, booking the delivery fee), issues (LGS004), dispatches the chain's vehicle
  (LGS009/LGS010) and delivers (LGS020) exactly that delivery order;
- the buyer pays (B2B017) from its EBANK001 account into the supplier's, which the supplier
  linked when it registered (B2B001); B2B030/B2B031/B2B032/LGS018 open the chain partners'
  details, EBANK009 each company's own corporate e-payments.

Documents recorded (``run.documents``): ``<part>_mailbox``, ``<part>_account`` (bank account
number), ``<part>_member_id`` for buyer and supplier; ``provider_id``, ``warehouse_id``,
``vehicle_id``, ``application_id``, ``shipment_id``, ``goods`` ({product id: units shipped}),
``inbound_id``, ``inquiry_id``/``inquiry_number``, ``negotiation_id``, ``contract_id``/
``contract_number``, ``order_id``/``order_number``/``order_total_fen``, ``delivery_order_id``/
``delivery_order_number``, ``outbound_id``, ``fee_id``/``fee_fen``, ``dispatch_id``, ``payment_id``.
"""

from __future__ import annotations

import re

from sandbox.b2b import accounts, catalogue, contracts, inquiries, members, negotiation, orders, settlement, shipping
from sandbox.b2b.cart import add_to_cart, cart
from sandbox.b2b.models import BUYER, SUPPLIER
from sandbox.bots import b2b as b2b_bots
from sandbox.bots import ca as ca_bots
from sandbox.bots import ebank as ebank_bots
from sandbox.bots import email as email_bots
from sandbox.bots import logistics as lgs_bots
from sandbox.bots import new_request_id
from sandbox.bots.b2b import ADDRESS, INQUIRY_NOTE, Held, Trader
from sandbox.bots.b2b_partners import delivery_day
from sandbox.chains.play import Stage, step
from sandbox.ebank import inquiry as bank_inquiry
from sandbox.ebank import services as bank
from sandbox.ebank.models import CORPORATE
from sandbox.errors import DomainError
from sandbox.logistics import applications, delivery, dispatch, fees, inbound, outbound, reports
from sandbox.logistics import models as lm

CHAIN = "A"
MEMBER_TYPE = {"buyer": BUYER, "supplier": SUPPLIER}
LINES = 2  # products shipped and ordered
SHIP_UNITS = 30  # units of each product the supplier ships in (B2B011)
ORDER_UNITS = 3  # units of each product the buyer asks about and orders (B2B005/B2B006)
DEPOSIT = "100000.00"  # yuan each company deposits (EBANK004); covers the largest possible order


def trader(stage: Stage, part: str | None = None) -> Trader:
    """The live B2B session of the part's company (logged in again if it expired)."""
    part = part or stage.part
    return b2b_bots.session(stage.world(part), MEMBER_TYPE[part])


def _missing(document: str) -> DomainError:
    return DomainError("chain.document_missing", document=document)


# ----------------------------------------------------------------------------- identity (buyer, supplier)


@step(CHAIN, "EMAIL001", "buyer", "supplier")
def email001(stage: Stage) -> None:
    box = email_bots.ensure_mailbox(stage.world(), stage.actor())
    stage.docs[f"{stage.part}_mailbox"] = box.address


@step(CHAIN, "EBANK001", "buyer", "supplier")
def ebank001(stage: Stage) -> None:
    reg = ebank_bots.ensure_corporate(stage.world(), stage.actor())  # names the EMAIL001 mailbox
    stage.docs[f"{stage.part}_account"] = reg.account_number


@step(CHAIN, "CA002", "buyer", "supplier")
def ca002(stage: Stage) -> None:
    ca_bots.ca002(stage.world())  # the certificate EBANK001 issued (its number and download password)


@step(CHAIN, "CA003", "buyer", "supplier")
def ca003(stage: Stage) -> None:
    ca_bots.ca003(stage.world())


@step(CHAIN, "EBANK002", "buyer", "supplier")
def ebank002(stage: Stage) -> None:
    ebank_bots.corporate_session(stage.world(), stage.actor(), fresh=True)


@step(CHAIN, "EBANK004", "buyer", "supplier")
def ebank004(stage: Stage) -> None:
    token = ebank_bots.corporate_session(stage.world(), stage.actor())
    bank.deposit(stage.uow, stage.actor(), kind=CORPORATE, amount=DEPOSIT, payment_password=ebank_bots.PAY_PASSWORD,
                 session_token=token, request_id=new_request_id())


@step(CHAIN, "B2B001", "buyer", "supplier")
def b2b001(stage: Stage) -> None:
    """The company registers as a B2B member, naming its EMAIL001 mailbox (the certificate mail
    goes there) and linking its EBANK001 account (settlement pays into the supplier's)."""
    actor, kind = stage.actor(), MEMBER_TYPE[stage.part]
    who = actor.full_name or actor.username
    company = f"{who} {'采购' if kind == BUYER else '工贸'}有限公司"[:100]
    base = re.sub(r"[^\w.\-]", "", actor.username)[:20] or f"user{actor.user_id}"
    for attempt in range(5):
        name = f"{base}-{kind}" if attempt == 0 else f"{base[:12]}-{kind}-{actor.user_id}-{attempt}"
        try:
            reg = members.register(
                stage.uow, actor, member_type=kind, login_name=name, password=b2b_bots.PASSWORD,
                password_confirm=b2b_bots.PASSWORD, company_name=company, contact_name=who[:50],
                phone="010-62751234", address=ADDRESS, postcode="100080", email=stage.docs[f"{stage.part}_mailbox"],
                bank_account_number=stage.docs[f"{stage.part}_account"], request_id=new_request_id(),
            )
            break
        except DomainError as err:
            if err.code != "b2b.login_name_taken" or attempt == 4:
                raise
    assert reg.download_password is not None
    stage.world().scratch[f"b2b-reg:{actor.user_id}:{kind}"] = Held(  # what b2b_bots.session installs and logs in with
        reg.member.id, kind, reg.member.login_name, reg.certificate_id, reg.certificate_number, reg.download_password)
    stage.docs[f"{stage.part}_member_id"] = reg.member.id


@step(CHAIN, "B2B003", "buyer")
@step(CHAIN, "B2B004", "supplier")
def login(stage: Stage) -> None:
    """Verify and download the B2B001 certificate (as CA002/CA003), then log in with it."""
    b2b_bots.session(stage.world(), MEMBER_TYPE[stage.part], fresh=True)


# ----------------------------------------------------------------------------- the logistics service


@step(CHAIN, "LGS001", "logistics")
def lgs001(stage: Stage) -> None:
    stage.docs["provider_id"] = lgs_bots.register(stage.world())


@step(CHAIN, "LGS007", "logistics")
def lgs007(stage: Stage) -> None:
    stage.docs["warehouse_id"] = lgs_bots.rooms(stage.world(), 1)[0]


@step(CHAIN, "LGS012", "logistics")
def lgs012(stage: Stage) -> None:
    stage.docs["vehicle_id"] = lgs_bots.truck(stage.world())


@step(CHAIN, "LGS021", "supplier")
def lgs021(stage: Stage) -> None:
    """The supplier applies to the chain's provider with its installed B2B certificate."""
    sup, provider_id = trader(stage), stage.docs["provider_id"]
    lgs_bots.apply(stage.world(), sup, provider_id)
    with stage.uow.read() as s:
        found = [a.id for a in applications.my_applications(s, sup.actor, sup.token) if a.provider_id == provider_id]
    if not found:
        raise _missing("application")
    stage.docs["application_id"] = found[0]


@step(CHAIN, "LGS022", "logistics")
def lgs022(stage: Stage) -> None:
    applications.decide(stage.uow, stage.actor(), stage.docs["application_id"], approve=True,
                        note="欢迎入驻 Welcome", request_id=new_request_id())


@step(CHAIN, "B2B011", "supplier")
def b2b011(stage: Stage) -> None:
    """The supplier ships ``SHIP_UNITS`` of its first ``LINES`` products into the chain's warehouse."""
    sup = trader(stage)
    with stage.uow.read() as s:
        goods = sorted(x.id for x in catalogue.my_products(s, sup.actor, sup.token) if x.active)[:LINES]
    lines = {pid: SHIP_UNITS for pid in goods}
    draft = shipping.new_shipment(stage.uow, sup.actor, sup.token, lines=lines,
                                  note="为采购商订单备货 Stock for the buyer's order", request_id=new_request_id())
    shipping.confirm_shipment(stage.uow, sup.actor, sup.token, draft.id, provider_id=stage.docs["provider_id"],
                              warehouse_id=stage.docs["warehouse_id"], request_id=new_request_id())
    stage.docs["shipment_id"] = draft.id
    stage.docs["goods"] = lines


@step(CHAIN, "LGS003", "logistics")
def lgs003(stage: Stage) -> None:
    with stage.uow.read() as s:
        found = [i.id for i in inbound.inbound_for_provider(s, stage.actor(), state=lm.PENDING)
                 if i.shipment_id == stage.docs["shipment_id"]]
    if not found:
        raise _missing("inbound")
    inbound.receive(stage.uow, stage.actor(), found[0], request_id=new_request_id())
    stage.docs["inbound_id"] = found[0]


# ----------------------------------------------------------------------------- inquiry, negotiation, contract


def _goods_to_cart(stage: Stage, buyer: Trader) -> list[int]:
    """The buyer browses the chain supplier's goods and puts the shipped ones in the cart."""
    with stage.uow.read() as s:
        catalogue.browse(s, buyer.actor, buyer.token, supplier_id=stage.docs["supplier_member_id"])
    return [add_to_cart(stage.uow, buyer.actor, buyer.token, product_id=pid, quantity=ORDER_UNITS,
                        request_id=new_request_id()).id for pid in sorted(stage.docs["goods"])]


@step(CHAIN, "B2B005", "buyer")
def b2b005(stage: Stage) -> None:
    _goods_to_cart(stage, trader(stage))


@step(CHAIN, "B2B007", "buyer")
def b2b007(stage: Stage) -> None:
    """The inquiry of the cart's lines (the cart lines are used up) to the chain's supplier."""
    buyer = trader(stage)
    supplier_id = stage.docs["supplier_member_id"]
    with stage.uow.read() as s:
        lines = [x.id for x in cart(s, buyer.actor, buyer.token) if x.supplier_id == supplier_id]
    made = inquiries.create_inquiries(stage.uow, buyer.actor, buyer.token, cart_line_ids=lines, note=INQUIRY_NOTE,
                                      request_id=new_request_id())
    found = [i for i in made if i.supplier_id == supplier_id]
    if not found:
        raise _missing("inquiry")
    stage.docs["inquiry_id"], stage.docs["inquiry_number"] = found[0].id, found[0].number


@step(CHAIN, "B2B022", "supplier")
def b2b022(stage: Stage) -> None:
    sup = trader(stage)
    with stage.uow.read() as s:
        asked = inquiries.inquiry_detail(s, sup.actor, sup.token, stage.docs["inquiry_id"])
    b2b_bots.quote(stage.world(), sup, asked)


@step(CHAIN, "B2B023", "buyer")
def b2b023(stage: Stage) -> None:
    buyer = trader(stage)
    form = negotiation.open_negotiation(stage.uow, buyer.actor, buyer.token, stage.docs["inquiry_id"],
                                        request_id=new_request_id())
    stage.docs["negotiation_id"] = form.id


@step(CHAIN, "B2B024", "supplier")
@step(CHAIN, "B2B025", "buyer")
def terms(stage: Stage) -> None:
    """The company writes its contract terms and a message in the negotiation room."""
    b2b_bots.write_terms(stage.world(), trader(stage), stage.docs["negotiation_id"])


@step(CHAIN, "B2B026", "supplier")
@step(CHAIN, "B2B027", "buyer")
def agree(stage: Stage) -> None:
    """The company agrees to the form as shown; when both have, the contract exists."""
    me = trader(stage)
    b2b_bots.agree(stage.world(), me, stage.docs["negotiation_id"])
    with stage.uow.read() as s:
        form = negotiation.negotiation_detail(s, me.actor, me.token, stage.docs["negotiation_id"])
    if form.contract_id is not None:
        with stage.uow.read() as s:
            found = [c for c in contracts.contracts_for(s, me.actor, me.token) if c.id == form.contract_id]
        stage.docs["contract_id"] = form.contract_id
        stage.docs["contract_number"] = found[0].number if found else ""


@step(CHAIN, "B2B028", "buyer")
@step(CHAIN, "B2B029", "supplier")
def sign(stage: Stage) -> None:
    if "contract_id" not in stage.docs:
        raise _missing("contract")
    b2b_bots.sign(stage.world(), trader(stage), stage.docs["contract_id"])


# ----------------------------------------------------------------------------- the order and its delivery


@step(CHAIN, "B2B006", "buyer")
def b2b006(stage: Stage) -> None:
    """The buyer puts the contracted goods in the cart again and orders them from the cart."""
    buyer = trader(stage)
    lines = _goods_to_cart(stage, buyer)
    made = orders.create_orders(
        stage.uow, buyer.actor, buyer.token, cart_line_ids=lines, payment_method="transfer",
        delivery_date=delivery_day(), delivery_address=ADDRESS,
        note=f"按合同 {stage.docs.get('contract_number', '')} 订货 Ordered under the contract"[:500],
        request_id=new_request_id(),
    )
    found = [o for o in made if o.supplier_id == stage.docs["supplier_member_id"]]
    if not found:
        raise _missing("order")
    order = found[0]
    stage.docs.update(order_id=order.id, order_number=order.number, order_total_fen=order.total_fen)


@step(CHAIN, "B2B008", "supplier")
def b2b008(stage: Stage) -> None:
    sup = trader(stage)
    orders.accept(stage.uow, sup.actor, sup.token, stage.docs["order_id"], request_id=new_request_id())


@step(CHAIN, "B2B009", "buyer")
def b2b009(stage: Stage) -> None:
    buyer = trader(stage)
    orders.confirm(stage.uow, buyer.actor, buyer.token, stage.docs["order_id"], request_id=new_request_id())


@step(CHAIN, "B2B010", "supplier")
def b2b010(stage: Stage) -> None:
    """The supplier turns the confirmed order into a delivery order to the chain's provider."""
    sup = trader(stage)
    made = orders.create_delivery_order(stage.uow, sup.actor, sup.token, stage.docs["order_id"],
                                        provider_id=stage.docs["provider_id"], request_id=new_request_id())
    stage.docs["delivery_order_id"], stage.docs["delivery_order_number"] = made.id, made.number


@step(CHAIN, "LGS002", "logistics")
def lgs002(stage: Stage) -> None:
    """The provider accepts the delivery order from the chain's warehouse: outbound order and fee."""
    actor, do_id = stage.actor(), stage.docs["delivery_order_id"]
    delivery.accept_delivery_order(stage.uow, actor, do_id, warehouse_id=stage.docs["warehouse_id"],
                                   request_id=new_request_id())
    with stage.uow.read() as s:
        out = [o.id for o in outbound.outbound_for_provider(s, actor) if o.delivery_order_id == do_id]
        fee = [f for f in fees.fees_of_provider(s, stage.docs["provider_id"]) if f.delivery_order_id == do_id]
    if not out:
        raise _missing("outbound")
    stage.docs["outbound_id"] = out[0]
    if fee:
        stage.docs["fee_id"], stage.docs["fee_fen"] = fee[0].id, fee[0].amount_fen


@step(CHAIN, "LGS004", "logistics")
def lgs004(stage: Stage) -> None:
    outbound.confirm_outbound(stage.uow, stage.actor(), stage.docs["outbound_id"], request_id=new_request_id())


@step(CHAIN, "LGS009", "logistics")
def lgs009(stage: Stage) -> None:
    with stage.uow.read() as s:
        trip = dispatch.dispatch_of_delivery(s, stage.actor(), stage.docs["delivery_order_id"])
    dispatch.allocate_vehicle(stage.uow, stage.actor(), trip.id, vehicle_id=stage.docs["vehicle_id"],
                              request_id=new_request_id())
    stage.docs["dispatch_id"] = trip.id


@step(CHAIN, "LGS010", "logistics")
def lgs010(stage: Stage) -> None:
    dispatch.confirm_dispatch(stage.uow, stage.actor(), stage.docs["dispatch_id"], request_id=new_request_id())


@step(CHAIN, "LGS020", "logistics")
def lgs020(stage: Stage) -> None:
    dispatch.deliver(stage.uow, stage.actor(), stage.docs["delivery_order_id"], request_id=new_request_id())


# ----------------------------------------------------------------------------- settlement and queries


@step(CHAIN, "B2B017", "buyer")
def b2b017(stage: Stage) -> None:
    """The buyer opens its payables to the supplier and settles the order from its EBANK001 account."""
    buyer = trader(stage)
    with stage.uow.read() as s:
        settlement.payable_details(s, buyer.actor, buyer.token, stage.docs["supplier_member_id"])
    paid = settlement.settle(stage.uow, buyer.actor, buyer.token, stage.docs["order_id"],
                             card_number=stage.docs["buyer_account"], payment_password=ebank_bots.PAY_PASSWORD,
                             request_id=new_request_id())
    stage.docs["payment_id"] = paid.payment_id


@step(CHAIN, "B2B030", "supplier")
def b2b030(stage: Stage) -> None:
    sup = trader(stage)
    with stage.uow.read() as s:
        accounts.receivables_summary(s, sup.actor, sup.token)
    accounts.receivable_details(stage.uow, sup.actor, sup.token, stage.docs["buyer_member_id"])


@step(CHAIN, "B2B032", "buyer")
def b2b032(stage: Stage) -> None:
    buyer = trader(stage)
    with stage.uow.read() as s:
        accounts.payables_summary(s, buyer.actor, buyer.token)
    accounts.payable_details_query(stage.uow, buyer.actor, buyer.token, stage.docs["supplier_member_id"])


@step(CHAIN, "B2B031", "supplier")
def b2b031(stage: Stage) -> None:
    sup = trader(stage)
    with stage.uow.read() as s:
        accounts.logistics_payables_summary(s, sup.actor, sup.token)
    accounts.logistics_payable_details(stage.uow, sup.actor, sup.token, stage.docs["provider_id"])


@step(CHAIN, "LGS018", "logistics")
def lgs018(stage: Stage) -> None:
    with stage.uow.read() as s:
        reports.receivables_summary(s, stage.actor())
    reports.receivable_details(stage.uow, stage.actor(), supplier_id=stage.docs["supplier_member_id"])


@step(CHAIN, "EBANK009", "buyer", "supplier")
def ebank009(stage: Stage) -> None:
    """Each company queries its own corporate e-payments: the settlement paid, or received."""
    token = ebank_bots.corporate_session(stage.world(), stage.actor())
    bank_inquiry.epayments(stage.uow, stage.actor(), kind=CORPORATE, session_token=token)
