"""Shared Streamlit widgets of the two B2B workspaces: the buyer's (views/b2b_buyer.py) and the
supplier's (views/b2b_supplier.py).

Invariants:
- Each page keeps its own B2B session token in ``st.session_state`` (``b2b_buyer_token`` /
  ``b2b_supplier_token``), so one student can be logged in as buyer and as supplier in two tabs.
  The token is only UI scratch: every service resolves it to the member again.
- Text typed by users (company names, product names, notes, negotiation terms, messages) is only
  shown with ``st.text``, ``st.dataframe``, ``st.code``, inside widgets, or escaped with
  ``ui.plain`` inside Markdown. Chart labels have ``<``/``>`` replaced (plotly reads tags).
- Every form has a request id (``ui.request_id``) and drops it after success (``ui.form_done``);
  a refused call shows its zh/en error on the form it came from.
- After a successful action the bot partners act once (``sandbox.bots.b2b_partners.react``) and
  the page reruns with a flash message; a partner failure never undoes or hides the action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from sandbox import ui
from sandbox.actor import Actor
from sandbox.b2b import contracts, inquiries, members, negotiation, orders, reports
from sandbox.b2b import states as b2b_states
from sandbox.b2b.inquiries import InquiryLineView
from sandbox.b2b.models import BUYER, ORDER_STATES, PAYMENT_METHODS, SIGNED_BY_BOTH, SUPPLIER
from sandbox.errors import DomainError
from sandbox.i18n import messages
from sandbox.i18n import t as translate
from sandbox.ledger.money import format_fen
from sandbox.logistics import states as lgs_states

log = logging.getLogger(__name__)

CHINA = ui.CHINA
TOKEN = {BUYER: "b2b_buyer_token", SUPPLIER: "b2b_supplier_token"}
LOGIN_TASK = {BUYER: "B2B003", SUPPLIER: "B2B004"}
_RESET = "b2b_reset"
_NOTES = "b2b_partner_notes"
_READY = "b2b_partners_ready"
CHART_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "toggleSpikelines"],
}

#: where a document kind's Chinese status words come from (the catalog's words)
_ZH_TABLES: dict[str, dict[str, str]] = {
    "order": b2b_states.LABELS_ZH, "settlement": b2b_states.LABELS_ZH, "inquiry": b2b_states.LABELS_ZH,
    "negotiation": b2b_states.LABELS_ZH, "contract": b2b_states.LABELS_ZH, "delivery": lgs_states.LABELS_ZH,
    "shipment": lgs_states.LABELS_ZH, "inbound": lgs_states.LABELS_ZH, "transfer": lgs_states.LABELS_ZH,
    "application": lgs_states.LABELS_ZH, "fee": lgs_states.LABELS_ZH,
}


# ----------------------------------------------------------------------------- small formatting


def yuan(fen: int | None) -> str:
    return "" if fen is None else f"¥{format_fen(fen)}"


def when(at: datetime | None) -> str:
    """A time in China time (UTC+8), to the minute."""
    return ui.when(at)


def today() -> date:
    return datetime.now(CHINA).date()


def zh_mode() -> bool:
    return ui.lang() == "zh_CN"


def status(kind: str, state: str | None) -> str:
    """A document status in the catalog's Chinese word, with the English word beside it in English."""
    if not state:
        return ""
    zh = _ZH_TABLES.get(kind, {}).get(state, state)
    if zh_mode():
        return zh
    key = f"b2b.ui.status.{kind}.{state}"
    english = translate(key, "en") if key in messages("en") else state
    return f"{zh} · {english}"


def side_label(side: str) -> str:
    return ui.t(f"b2b.side.{side}")


def product_name(name_zh: str, name_en: str) -> str:
    return name_zh if zh_mode() else name_en


def chart_text(text: str) -> str:
    """A user-typed label for a plotly axis: plotly reads ``<b>``-style tags, so none may pass."""
    return str(text).replace("<", "‹").replace(">", "›")


def clear(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def reset_later(**values: object) -> None:
    """Give widgets these values at the start of the next run (after ``st.rerun``): popping a
    shown widget's key is not enough, the browser sends the old value back."""
    st.session_state.setdefault(_RESET, {}).update(values)


def apply_resets() -> None:
    """Call at the top of the page, before any widget."""
    for key, value in st.session_state.pop(_RESET, {}).items():
        st.session_state[key] = value


def keep_choice(key: str, options: Sequence[Any], *, default: Any = None) -> None:
    """Before a select widget is drawn: drop a remembered choice that is no longer an option."""
    if key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = default


def keep_choices(key: str, options: Sequence[Any], *, default: Iterable[Any] = ()) -> None:
    """``keep_choice`` for a multiselect: keep the still valid picks (or ``default`` the first time)."""
    current = st.session_state.get(key)
    if current is None:
        st.session_state[key] = [o for o in default if o in options]
    else:
        st.session_state[key] = [o for o in current if o in options]


def section_title(key: str) -> None:
    st.subheader(ui.t(key), anchor=False)


# ----------------------------------------------------------------------------- session token


def token(member_type: str) -> str | None:
    value = st.session_state.get(TOKEN[member_type])
    return str(value) if value else None


def current_member(actor: Actor, member_type: str) -> members.MemberInfo | None:
    """The member of this page's live B2B session, or None (the token is dropped then)."""
    tok = token(member_type)
    member = members.current(ui.uow(), actor, tok) if tok else None
    if member is None or member.member_type != member_type:
        clear(TOKEN[member_type])
        return None
    return member


# ----------------------------------------------------------------------------- partners (bots)


def partners() -> Any | None:
    """``sandbox.bots.b2b_partners`` (the class's bot provider, supplier and buyer), if installed."""
    return _partners()


def _partners() -> Any | None:
    try:
        from sandbox.bots import b2b_partners
    except ImportError:  # the bots module is optional for the pages
        return None
    return b2b_partners


def ensure_partners_once(actor: Actor) -> None:
    """The bot provider, supplier and buyer of the class exist (once per browser session)."""
    if actor.class_id is None or st.session_state.get(_READY) == actor.class_id:
        return
    module = _partners()
    if module is None:
        return
    try:
        module.ensure_partners(ui.uow(), actor.class_id)
    except Exception:  # a bot problem must not break the student's page
        log.exception("b2b partners could not be set up for class %s", actor.class_id)
        return
    st.session_state[_READY] = actor.class_id


def react(actor: Actor) -> list[str]:
    """The bot partners do their pending work once; what they did, in short words."""
    module = _partners()
    if module is None or actor.class_id is None:
        return []
    try:
        return [str(x) for x in module.react(ui.uow(), actor.class_id)]
    except Exception:
        log.exception("b2b partners failed to react in class %s", actor.class_id)
        return []


def succeed(actor: Actor, message_key: str, **params: Any) -> None:
    """After a successful action: the partners act, the page reruns and shows what happened."""
    st.session_state[_NOTES] = react(actor)
    ui.flash(message_key, **params)
    st.rerun()


def show_partner_notes() -> None:
    notes = st.session_state.pop(_NOTES, None)
    if notes:
        st.caption(ui.plain(ui.t("b2b.ui.partners_did", what=", ".join(notes[:12]))))


# ----------------------------------------------------------------------------- CA identity


@dataclass(frozen=True)
class Identity:
    certificate_id: int
    number: str
    common_name: str


@dataclass(frozen=True)
class IdentityChoice:
    method: str
    certificate_id: int | None
    p12_bytes: bytes | None
    p12_password: str

    def require(self) -> None:
        """``input.required`` when the installed identity was chosen but none was picked."""
        if self.method == "store" and self.certificate_id is None:
            raise DomainError("input.required", field="b2b.certificate")
        if self.method == "p12" and not self.p12_bytes:
            raise DomainError("input.required", field="b2b.certificate")

    def kwargs(self) -> dict[str, Any]:
        if self.method == "store":
            return {"certificate_id": self.certificate_id}
        return {"p12_bytes": self.p12_bytes, "p12_password": self.p12_password}


def installed_identities(actor: Actor, prefer: int | None = None) -> list[Identity]:
    """The student's B2B certificates installed in the sandbox certificate store (downloaded
    with a CA-made key, not revoked); ``prefer`` first."""
    from sandbox.pki import services as pki
    from sandbox.pki.models import DOWNLOADED

    if actor.class_id is None:
        return []
    with ui.uow().read() as s:
        rows = pki.certificates_of(s, actor.class_id, actor.user_id, purpose="b2b")
    found = [
        Identity(r.id, r.number, r.common_name) for r in rows
        if r.state == DOWNLOADED and r.has_stored_key and not r.revoked
    ]
    return sorted(found, key=lambda i: i.certificate_id != prefer)


def identity_method(prefix: str) -> str:
    """Installed certificate or .p12 file (outside the form, so the form changes at once)."""
    return str(st.radio(
        ui.t("b2b.ui.identity_method"), ["store", "p12"], format_func=lambda m: ui.t(f"b2b.ui.method_{m}"),
        key=f"{prefix}_method", horizontal=True,
    ))


def identity_inputs(prefix: str, method: str, identities: list[Identity]) -> IdentityChoice:
    """The identity fields (inside a form)."""
    from sandbox.pki.services import format_number

    if method == "store":
        by_id = {i.certificate_id: i for i in identities}
        keep_choice(f"{prefix}_identity", list(by_id))
        chosen = st.selectbox(
            ui.t("b2b.ui.identity"), list(by_id), key=f"{prefix}_identity",
            format_func=lambda cid: f"{format_number(by_id[cid].number)} · {by_id[cid].common_name}",
            index=0 if identities else None, placeholder=ui.t("b2b.ui.no_installed"),
        )
        return IdentityChoice("store", chosen, None, "")
    upload = st.file_uploader(ui.t("b2b.ui.p12_file"), type=["p12", "pfx"], key=f"{prefix}_p12")
    password = st.text_input(ui.t("b2b.ui.p12_password"), type="password", key=f"{prefix}_p12_pw", max_chars=64)
    return IdentityChoice("p12", None, upload.getvalue() if upload is not None else None, password)


def challenge(prefix: str, make: Callable[[], Any]) -> tuple[int, str] | None:
    """This form's single-use CA challenge (made once, dropped after each try)."""
    key = f"{prefix}_challenge"
    got = st.session_state.get(key)
    if got is None:
        try:
            made = make()
        except DomainError as err:
            ui.show_error(err)
            return None
        got = (int(made.id), str(made.nonce))
        st.session_state[key] = got
    return (int(got[0]), str(got[1]))


def drop_challenge(prefix: str) -> None:
    clear(f"{prefix}_challenge")


def ca_box_header(nonce: str | None) -> None:
    st.markdown(f"**{ui.t('b2b.ui.ca_box')}**")
    if nonce is not None:
        st.caption(ui.t("b2b.ui.ca_box_help"))
        st.code(nonce, language=None)


# ----------------------------------------------------------------------------- logged out: login / register


def gate(actor: Actor, member_type: str) -> None:
    """Not logged in: 登录 Log in (B2B003/B2B004) or 会员注册 Register (B2B001)."""
    prefix = f"b2b_{member_type}"
    if st.session_state.get(f"{prefix}_register_done"):
        st.session_state[f"{prefix}_gate"] = "register"
    keep_choice(f"{prefix}_gate", ["login", "register"], default="login")
    st.session_state.setdefault(f"{prefix}_gate", "login")
    choice = st.segmented_control(
        ui.t("b2b.ui.gate"), ["login", "register"], format_func=lambda g: ui.t(f"b2b.ui.gate_{g}"),
        key=f"{prefix}_gate", required=True, label_visibility="collapsed",
    )
    if choice == "register":
        register_panel(actor, member_type)
    else:
        login_panel(actor, member_type)


def login_panel(actor: Actor, member_type: str) -> None:
    prefix = f"b2b_{member_type}_login"
    section_title(f"b2b.ui.login_title_{member_type}")
    with ui.uow().read() as s:
        mine = [m for m in members.my_members(s, actor) if m.member_type == member_type]
    prefer = mine[0].certificate_id if mine else None
    if mine:
        st.session_state.setdefault(f"{prefix}_name", mine[0].login_name)
    else:
        st.info(ui.t(f"b2b.ui.login_no_member_{member_type}"), icon=":material/info:")
    got = challenge(prefix, lambda: members.login_challenge(ui.uow(), actor))
    if got is None:
        return
    method = identity_method(prefix)
    identities = installed_identities(actor, prefer)
    with st.form(f"{prefix}_form"):
        name = st.text_input(ui.t("field.b2b.login_name"), key=f"{prefix}_name", max_chars=32)
        password = st.text_input(ui.t("field.b2b.password"), type="password", key=f"{prefix}_pw", max_chars=128)
        with st.container(border=True, key=f"{prefix}_ca_box"):
            ca_box_header(got[1])
            choice = identity_inputs(prefix, method, identities)
        ok = st.form_submit_button(ui.t(f"b2b.ui.login_submit_{member_type}"), type="primary", key=f"{prefix}_submit")
    if method == "store" and not identities:
        st.caption(ui.t("b2b.ui.no_installed_help"))
        link_ca()
    if not ok:
        return
    try:
        choice.require()
        done = members.login(
            ui.uow(), actor, member_type=member_type, login_name=name, password=password, challenge_id=got[0],
            **choice.kwargs(),
        )
    except DomainError as err:
        drop_challenge(prefix)  # single use: the next try gets a fresh one
        ui.show_error(err)
        return
    drop_challenge(prefix)
    clear(f"{prefix}_pw", f"{prefix}_p12_pw")
    st.session_state[TOKEN[member_type]] = done.token
    ui.flash("b2b.ui.login_done", company=ui.plain(done.member.company_name), task=LOGIN_TASK[member_type])
    st.rerun()


def link_ca() -> None:
    if ui.page_registered("views/ca.py"):
        st.page_link("views/ca.py", label=ui.t("b2b.ui.go_ca"), icon=":material/verified_user:")


def register_panel(actor: Actor, member_type: str) -> None:
    prefix = f"b2b_{member_type}_register"
    shown = st.session_state.get(f"{prefix}_done")
    if shown:
        with st.container(border=True, key=f"{prefix}_done_box"):
            st.success(ui.t("b2b.ui.register_done", task="B2B001"), icon=":material/verified:")
            st.text(ui.t("b2b.ui.register_member", name=shown["login_name"], company=shown["company"]))
            st.text(ui.t("b2b.ui.certificate_number"))
            st.code(shown["number"], language=None)
            if shown.get("password"):
                st.text(ui.t("b2b.ui.download_password"))
                st.code(shown["password"], language=None)
                st.warning(ui.t("b2b.ui.password_once"), icon=":material/key:")
            if shown.get("mailed_to"):
                st.caption(ui.t("b2b.ui.mailed_to", address=ui.plain(shown["mailed_to"])))
            else:
                st.caption(ui.t("b2b.ui.not_mailed"))
            st.caption(ui.t("b2b.ui.register_next"))
            link_ca()
            if st.button(ui.t("b2b.ui.noted"), key=f"{prefix}_noted"):
                clear(f"{prefix}_done")
                reset_later(**{f"b2b_{member_type}_gate": "login"})
                st.rerun()
        return
    st.session_state.setdefault(f"{prefix}_contact", actor.full_name)
    with st.form(f"{prefix}_form"):
        section_title(f"b2b.ui.register_title_{member_type}")
        st.caption(ui.t("b2b.ui.register_intro", type=side_label(member_type)))
        left, right = st.columns(2)
        login_name = left.text_input(ui.t("field.b2b.login_name"), key=f"{prefix}_login_name", max_chars=32,
                                     help=ui.t("b2b.ui.login_name_help"))
        company = right.text_input(ui.t("field.b2b.company_name"), key=f"{prefix}_company", max_chars=100)
        password = left.text_input(ui.t("field.b2b.password"), type="password", key=f"{prefix}_pw", max_chars=128)
        confirm = right.text_input(ui.t("field.b2b.password_confirm"), type="password", key=f"{prefix}_confirm",
                                   max_chars=128)
        contact = left.text_input(ui.t("field.b2b.contact_name"), key=f"{prefix}_contact", max_chars=50)
        phone = right.text_input(ui.t("field.b2b.phone"), key=f"{prefix}_phone", max_chars=24,
                                 placeholder="010-88886666")
        address = st.text_input(ui.t("field.b2b.address"), key=f"{prefix}_address", max_chars=200)
        left, right = st.columns(2)
        email = left.text_input(ui.t("field.b2b.email"), key=f"{prefix}_email", max_chars=254,
                                help=ui.t("b2b.ui.email_help"))
        postcode = right.text_input(ui.t("field.b2b.postcode"), key=f"{prefix}_postcode", max_chars=10)
        licence = left.text_input(ui.t("field.b2b.licence_number"), key=f"{prefix}_licence", max_chars=32)
        bank = right.text_input(ui.t("field.b2b.bank_account"), key=f"{prefix}_bank", max_chars=32,
                                help=ui.t("b2b.ui.bank_account_help"))
        ok = st.form_submit_button(ui.t("b2b.ui.register_submit"), type="primary", key=f"{prefix}_submit")
    if not ok:
        return
    try:
        reg = members.register(
            ui.uow(), actor, member_type=member_type, login_name=login_name, password=password,
            password_confirm=confirm, company_name=company, contact_name=contact, phone=phone, address=address,
            email=email or None, postcode=postcode or None, licence_number=licence or None,
            bank_account_number=bank or None, request_id=ui.request_id(prefix),
        )
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(prefix)
    clear(f"{prefix}_pw", f"{prefix}_confirm")
    st.session_state[f"{prefix}_done"] = {
        "login_name": reg.member.login_name, "company": reg.member.company_name, "number": reg.certificate_number,
        "password": reg.download_password, "mailed_to": reg.mailed_to,
    }
    st.session_state[f"b2b_{member_type}_login_name"] = reg.member.login_name
    st.rerun()


# ----------------------------------------------------------------------------- logged in: header


def header(actor: Actor, member: members.MemberInfo, member_type: str) -> None:
    from sandbox.ebank import services as bank
    from sandbox.ebank.models import CORPORATE
    from sandbox.ebank.numbers import group
    from sandbox.pki.services import format_number

    prefix = f"b2b_{member_type}"
    with st.container(border=True, key=f"{prefix}_header"):
        cols = st.columns([5, 4, 2], vertical_alignment="center")
        cols[0].text(member.company_name)
        cols[0].caption(ui.plain(ui.t("b2b.ui.header_member", name=member.login_name, type=side_label(member_type))))
        cols[1].text(ui.t("b2b.ui.header_certificate", number=format_number(member.certificate_number or "")))
        if cols[2].button(ui.t("b2b.ui.logout"), key=f"{prefix}_logout", icon=":material/logout:"):
            members.logout(ui.uow(), actor, token(member_type))
            clear(TOKEN[member_type])
            st.rerun()
        with st.expander(ui.t("b2b.ui.settlement_account"), icon=":material/account_balance:"):
            with ui.uow().read() as s:
                accounts = [a for a in bank.my_accounts(s, actor) if a.kind == CORPORATE]
            linked = next((a for a in accounts if a.id == member.bank_account_id), None)
            if linked is not None:
                st.text(ui.t("b2b.ui.linked_account", number=group(linked.account_number), holder=linked.holder_name))
            else:
                st.caption(ui.t(f"b2b.ui.no_linked_account_{member_type}"))
            if not accounts:
                st.info(ui.t("b2b.ui.no_corporate_account"), icon=":material/domain:")
                if ui.page_registered("views/bank.py"):
                    st.page_link("views/bank.py", label=ui.t("b2b.ui.go_bank"), icon=":material/account_balance:")
                return
            numbers = [a.account_number for a in accounts]
            names = {a.account_number: a.holder_name for a in accounts}
            form = f"{prefix}_link"
            keep_choice(f"{form}_account", numbers, default=numbers[0])
            with st.form(f"{form}_form"):
                number = st.selectbox(
                    ui.t("field.b2b.bank_account"), numbers, key=f"{form}_account",
                    format_func=lambda n: f"{group(n)} · {names[n]}",
                )
                ok = st.form_submit_button(ui.t("b2b.ui.link_account"), key=f"{form}_submit")
            if ok:
                try:
                    members.link_bank_account(ui.uow(), actor, token(member_type), bank_account_number=number,
                                              request_id=ui.request_id(form))
                except DomainError as err:
                    ui.show_error(err)
                else:
                    ui.form_done(form)
                    succeed(actor, "b2b.ui.account_linked", number=group(number))


def section_switcher(member_type: str, sections: Sequence[str]) -> str:
    """The workspace's sections (only the chosen one runs); remembered for the browser session."""
    key = f"b2b_{member_type}_section"
    keep_choice(key, list(sections), default=sections[0])
    st.session_state.setdefault(key, sections[0])
    chosen = st.segmented_control(
        ui.t("b2b.ui.section"), list(sections), format_func=lambda s: ui.t(f"b2b.ui.sec_{member_type}.{s}"),
        key=key, required=True, label_visibility="collapsed",
    )
    return str(chosen or sections[0])


def sub_switch(key: str, options: Sequence[str], label_prefix: str) -> str:
    keep_choice(key, list(options), default=options[0])
    chosen = st.radio(
        ui.t("b2b.ui.view"), list(options), format_func=lambda o: ui.t(f"{label_prefix}.{o}"), key=key,
        horizontal=True, label_visibility="collapsed",
    )
    return str(chosen or options[0])


def picker(key: str, options: Sequence[int], label: Callable[[int], str], title_key: str) -> int | None:
    """A selectbox of documents (nothing chosen at first)."""
    keep_choice(key, list(options))
    picked = st.selectbox(
        ui.t(title_key), list(options), index=None, format_func=label, key=key,
        placeholder=ui.t("b2b.ui.choose"),
    )
    return int(picked) if picked is not None else None


# ----------------------------------------------------------------------------- orders (both sides)


def order_table(rows: Sequence[orders.OrderSummary], key: str) -> None:
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.number"): r.number,
                ui.t("b2b.ui.col.partner"): r.partner_name,
                ui.t("b2b.ui.col.status"): status("order", r.state),
                ui.t("b2b.ui.col.settlement"): status("settlement", r.settlement_state),
                ui.t("b2b.ui.col.total"): yuan(r.total_fen),
                ui.t("b2b.ui.col.delivery_date"): r.delivery_date.isoformat(),
                ui.t("b2b.ui.col.created"): when(r.created_at),
            }
            for r in rows
        ],
        hide_index=True, key=key,
    )


def order_label(rows: Sequence[orders.OrderSummary]) -> Callable[[int], str]:
    """A picker label of fixed facts only (a label that changes with the state is not redrawn)."""
    by_id = {r.id: r for r in rows}
    return lambda i: f"{by_id[i].number} · {by_id[i].partner_name} · {yuan(by_id[i].total_fen)}"


def goods_table(lines: Sequence[Any], key: str) -> None:
    """The goods of an order or a contract: SKU, product, quantity, unit, unit price, amount."""
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.sku"): line.sku,
                ui.t("b2b.ui.col.product"): product_name(line.name_zh, line.name_en),
                ui.t("b2b.ui.col.quantity"): line.quantity,
                ui.t("b2b.ui.col.unit"): product_name(line.unit_zh, line.unit_en),
                ui.t("b2b.ui.col.price"): yuan(line.unit_price_fen),
                ui.t("b2b.ui.col.amount"): yuan(line.amount_fen),
            }
            for line in lines
        ],
        hide_index=True, key=key,
    )


def order_detail_panel(detail: orders.OrderDetail, key: str) -> None:
    """订单明细: the order's header, lines, delivery order and history."""
    o = detail.order
    with st.container(border=True, key=f"{key}_box"):
        st.markdown(f"**{ui.t('b2b.ui.order_detail')}** · {ui.plain(o.number)}")
        left, right = st.columns(2)
        left.text(ui.t("b2b.ui.detail_buyer", company=o.buyer_company))
        left.text(ui.t("b2b.ui.detail_supplier", company=o.supplier_company))
        left.text(ui.t("b2b.ui.detail_status", status=status("order", o.state)))
        left.text(ui.t("b2b.ui.detail_settlement", status=status("settlement", o.settlement_state) or "-"))
        right.text(ui.t("b2b.ui.detail_payment", method=ui.t(f"b2b.pay_method.{o.payment_method}")))
        right.text(ui.t("b2b.ui.detail_delivery_date", day=o.delivery_date.isoformat()))
        right.text(ui.t("b2b.ui.detail_address", address=o.delivery_address or "-"))
        right.text(ui.t("b2b.ui.detail_created", at=when(o.created_at)))
        if o.note:
            st.text(ui.t("b2b.ui.detail_note", note=o.note))
        goods_table(o.lines, f"{key}_lines")
        st.markdown(f"**{ui.t('b2b.ui.total', total=yuan(o.total_fen))}**")
        if detail.delivery is not None:
            d = detail.delivery
            st.text(ui.t("b2b.ui.detail_delivery", number=d.number, provider=d.provider_name,
                         status=status("delivery", d.state)))
        if detail.settled_at is not None:
            st.text(ui.t("b2b.ui.detail_settled", at=when(detail.settled_at)))
        if detail.history:
            with st.expander(ui.t("b2b.ui.history"), icon=":material/history:"):
                st.dataframe(
                    [
                        {
                            ui.t("b2b.ui.col.time"): when(h.at),
                            ui.t("b2b.ui.col.task"): h.task_code or "",
                            ui.t("b2b.ui.col.change"): f"{status('order', h.from_state) or '-'} → "
                                                       f"{status('order', h.to_state) or '-'}",
                            ui.t("b2b.ui.col.by"): h.actor_name,
                        }
                        for h in detail.history
                    ],
                    hide_index=True, key=f"{key}_history",
                )


def load_order_detail(actor: Actor, tok: str | None, order_id: int) -> orders.OrderDetail | None:
    try:
        with ui.uow().read() as s:
            return orders.order_detail(s, actor, tok, order_id)
    except DomainError as err:
        ui.show_error(err)
        return None


# ----------------------------------------------------------------------------- inquiries / negotiation (both sides)


def inquiry_lines_table(lines: Sequence[InquiryLineView], key: str) -> None:
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.sku"): line.sku,
                ui.t("b2b.ui.col.product"): product_name(line.name_zh, line.name_en),
                ui.t("b2b.ui.col.quantity"): line.quantity,
                ui.t("b2b.ui.col.list_price"): yuan(line.list_price_fen),
                ui.t("b2b.ui.col.quoted_price"): yuan(line.quoted_price_fen),
                ui.t("b2b.ui.col.amount"): yuan(line.quoted_amount_fen if line.quoted_amount_fen is not None
                                                 else line.list_amount_fen),
            }
            for line in lines
        ],
        hide_index=True, key=key,
    )


def inquiries_panel(actor: Actor, member_type: str) -> Any | None:
    """询价单: the member's inquiries (sent by a buyer, received by a supplier) and, for the chosen
    one, its details box; returns the chosen inquiry (its container is left for the page's action)."""
    prefix = f"b2b_{member_type}"
    partner_side = SUPPLIER if member_type == BUYER else BUYER
    try:
        with ui.uow().read() as s:
            rows = inquiries.inquiries_for(s, actor, token(member_type))
    except DomainError as err:
        ui.show_error(err)
        return None
    if not rows:
        st.info(ui.t(f"b2b.ui.no_inquiries_{member_type}"))
        return None

    def partner(r: Any) -> str:
        return str(r.supplier_company if member_type == BUYER else r.buyer_company)

    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.number"): r.number,
                ui.t(f"b2b.ui.col.{partner_side}"): partner(r),
                ui.t("b2b.ui.col.status"): status("inquiry", r.state),
                ui.t("b2b.ui.col.list_total"): yuan(r.list_total_fen),
                ui.t("b2b.ui.col.quoted_total"): yuan(r.quoted_total_fen),
                ui.t("b2b.ui.col.created"): when(r.created_at),
            }
            for r in rows
        ],
        hide_index=True, key=f"{prefix}_inq_table",
    )
    by_id = {r.id: r for r in rows}
    picked = picker(
        f"{prefix}_inq_pick", list(by_id),
        lambda i: f"{by_id[i].number} · {partner(by_id[i])} · {yuan(by_id[i].list_total_fen)}",
        "b2b.ui.inquiry_detail",
    )
    if picked is None:
        return None
    inquiry = by_id[picked]
    with st.container(border=True, key=f"{prefix}_inq_{picked}_box"):
        st.markdown(f"**{ui.t('b2b.ui.inquiry_detail')}** · {ui.plain(inquiry.number)}")
        st.text(ui.t(f"b2b.ui.detail_{partner_side}", company=partner(inquiry)))
        st.text(ui.t("b2b.ui.detail_status", status=status("inquiry", inquiry.state)))
        inquiry_lines_table(inquiry.lines, f"{prefix}_inq_{picked}_lines")
        st.text(f"{ui.t('field.b2b.inquiry_note')}: {inquiry.note}")
        if inquiry.quoted_total_fen is not None:
            st.markdown(f"**{ui.t('b2b.ui.quoted_total', total=yuan(inquiry.quoted_total_fen))}**")
        if inquiry.quote_note:
            st.text(f"{ui.t('field.b2b.quote_note')}: {inquiry.quote_note}")
    return inquiry


def terms_lines(quality: str, inspection: str, delivery_place: str, payment_terms: str) -> list[str]:
    """The four contract terms, one line each, labelled (for ``st.text``; "：" in Chinese)."""
    pairs = (("negotiation_quality", quality), ("negotiation_inspection", inspection),
             ("negotiation_delivery_place", delivery_place), ("negotiation_payment_terms", payment_terms))
    return [ui.t("b2b.ui.label_value", label=ui.t(f"field.b2b.{name}"), value=value) for name, value in pairs]


def negotiations_panel(actor: Actor, member_type: str) -> None:
    """洽谈单: the member's negotiation forms and, for the chosen one, the negotiation room."""
    prefix = f"b2b_{member_type}_neg"
    tok = token(member_type)
    try:
        with ui.uow().read() as s:
            forms = negotiation.negotiations_for(s, actor, tok)
    except DomainError as err:
        ui.show_error(err)
        return
    if not forms:
        st.info(ui.t(f"b2b.ui.no_negotiations_{member_type}"))
        return
    partner = (lambda f: f.supplier_company) if member_type == BUYER else (lambda f: f.buyer_company)
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.number"): f.number,
                ui.t("b2b.ui.col.inquiry"): f.inquiry_number,
                ui.t("b2b.ui.col.partner"): partner(f),
                ui.t("b2b.ui.col.status"): status("negotiation", f.state),
                ui.t("b2b.ui.col.entries"): len(f.entries),
                ui.t("b2b.ui.col.quoted_total"): yuan(f.quoted_total_fen),
                ui.t("b2b.ui.col.created"): when(f.created_at),
            }
            for f in forms
        ],
        hide_index=True, key=f"{prefix}_table",
    )
    by_id = {f.id: f for f in forms}
    picked = picker(
        f"{prefix}_pick", list(by_id),
        lambda i: f"{by_id[i].number} · {partner(by_id[i])} · {by_id[i].inquiry_number}",
        "b2b.ui.negotiation_detail",
    )
    if picked is None:
        return
    negotiation_room(actor, member_type, by_id[picked])


def negotiation_room(actor: Actor, member_type: str, form: negotiation.NegotiationView) -> None:
    """The negotiation room: entries oldest first, the entry form (B2B024/B2B025), the status and
    the 同意 button (B2B026/B2B027) that sends the version shown."""
    prefix = f"b2b_{member_type}_room_{form.id}"
    entry_task = negotiation.ENTRY_TASK[member_type]
    mine_agreed = form.buyer_agreed if member_type == BUYER else form.supplier_agreed
    with st.container(border=True, key=f"{prefix}_box"):
        st.markdown(f"**{ui.t('b2b.ui.room')}** · {ui.plain(form.number)}")
        st.markdown(ui.t(
            "b2b.ui.room_status", status=status("negotiation", form.state),
            buyer=ui.t("b2b.ui.yes") if form.buyer_agreed else ui.t("b2b.ui.no"),
            supplier=ui.t("b2b.ui.yes") if form.supplier_agreed else ui.t("b2b.ui.no"),
        ))
        st.text(ui.t("b2b.ui.room_parties", buyer=form.buyer_company, supplier=form.supplier_company,
                     inquiry=form.inquiry_number))
        inquiry_lines_table(form.lines, f"{prefix}_lines")
        st.markdown(f"**{ui.t('b2b.ui.total', total=yuan(form.quoted_total_fen))}**")
        st.markdown(f"**{ui.t('b2b.ui.room_entries')}**")
        if not form.entries:
            st.caption(ui.t("b2b.ui.room_empty"))
        for entry in form.entries:  # oldest first
            with st.container(border=True, key=f"{prefix}_entry_{entry.id}"):
                st.caption(ui.plain(f"{side_label(entry.side)} · {entry.author_company} · {when(entry.created_at)}"))
                lines = terms_lines(entry.quality, entry.inspection, entry.delivery_place, entry.payment_terms) \
                    if entry.has_terms else []
                if entry.message:
                    lines.append(f"{ui.t('field.b2b.negotiation_message')}: {entry.message}")
                st.text("\n".join(lines))
        if form.contract_id is not None:
            st.success(ui.t("b2b.ui.room_contract"), icon=":material/contract:")
            return
        if form.state == "both_agreed":
            return
        terms = form.terms
        if terms is None:
            st.caption(ui.t("b2b.ui.room_no_terms"))
        # a callback, so that it runs with the version drawn on the page the student read (a click
        # reruns the script, which would otherwise read the form again and agree to what is new)
        st.button(
            ui.t(f"b2b.ui.agree_{member_type}"), key=f"{prefix}_agree", type="primary", icon=":material/handshake:",
            disabled=mine_agreed or terms is None, on_click=_agree, args=(actor, member_type, form.id, form.version),
        )
        failed = st.session_state.pop(f"{prefix}_agree_error", None)
        if failed is not None:
            ui.show_error(DomainError(failed[0], field=failed[1], **failed[2]))
        if mine_agreed:
            st.caption(ui.t("b2b.ui.room_you_agreed"))
        entry_form(actor, member_type, form, prefix, entry_task)


def _agree(actor: Actor, member_type: str, negotiation_id: int, version: int) -> None:
    """B2B026/B2B027 button callback: agree to the form as it was shown (``version``)."""
    prefix = f"b2b_{member_type}_room_{negotiation_id}"
    rid = f"{prefix}_agree_v{version}"
    try:
        done = negotiation.agree(ui.uow(), actor, token(member_type), negotiation_id, version=version,
                                 request_id=ui.request_id(rid))
    except DomainError as err:
        st.session_state[f"{prefix}_agree_error"] = (err.code, err.field, dict(err.params))
        return
    ui.form_done(rid)
    st.session_state[_NOTES] = react(actor)
    ui.flash("b2b.ui.agreed_done", task=negotiation.AGREE_TASK[member_type], status=status("negotiation", done.state))


def entry_form(actor: Actor, member_type: str, form: negotiation.NegotiationView, prefix: str, task: str) -> None:
    terms = form.terms
    if terms is not None:  # start from the terms on the table: edit, or just add a message
        st.session_state.setdefault(f"{prefix}_quality", terms.quality)
        st.session_state.setdefault(f"{prefix}_inspection", terms.inspection)
        st.session_state.setdefault(f"{prefix}_place", terms.delivery_place)
        st.session_state.setdefault(f"{prefix}_payment", terms.payment_terms)
    with st.form(f"{prefix}_entry_form"):
        st.markdown(f"**{ui.t(f'b2b.ui.entry_title_{member_type}')}**")
        st.caption(ui.t("b2b.ui.entry_help"))
        left, right = st.columns(2)
        quality = left.text_area(ui.t("field.b2b.negotiation_quality"), key=f"{prefix}_quality", max_chars=500,
                                 height=90)
        inspection = right.text_area(ui.t("field.b2b.negotiation_inspection"), key=f"{prefix}_inspection",
                                     max_chars=500, height=90)
        place = left.text_input(ui.t("field.b2b.negotiation_delivery_place"), key=f"{prefix}_place", max_chars=200)
        payment = right.text_input(ui.t("field.b2b.negotiation_payment_terms"), key=f"{prefix}_payment",
                                   max_chars=200)
        message = st.text_area(ui.t("field.b2b.negotiation_message"), key=f"{prefix}_message", max_chars=2000,
                               height=90)
        ok = st.form_submit_button(ui.t(f"b2b.ui.entry_submit_{member_type}"), type="primary",
                                   key=f"{prefix}_entry_submit")
    if not ok:
        return
    rid = f"{prefix}_entry"
    try:
        negotiation.submit_entry(
            ui.uow(), actor, token(member_type), form.id, quality=quality, inspection=inspection,
            delivery_place=place, payment_terms=payment, message=message, request_id=ui.request_id(rid),
        )
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(rid)
    reset_later(**{f"{prefix}_message": ""})
    succeed(actor, "b2b.ui.entry_done", task=task)


# ----------------------------------------------------------------------------- contracts (both sides)


def contracts_section(actor: Actor, member_type: str) -> None:
    """电子合同: the member's contracts; the chosen one with its signatures and the sign form."""
    prefix = f"b2b_{member_type}_contract"
    tok = token(member_type)
    section_title("b2b.ui.contracts_title")
    try:
        with ui.uow().read() as s:
            rows = contracts.contracts_for(s, actor, tok)
    except DomainError as err:
        ui.show_error(err)
        return
    if not rows:
        st.info(ui.t("b2b.ui.no_contracts"))
        return
    partner = (lambda c: c.supplier_company) if member_type == BUYER else (lambda c: c.buyer_company)
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.number"): c.number,
                ui.t("b2b.ui.col.partner"): partner(c),
                ui.t("b2b.ui.col.status"): status("contract", c.state),
                ui.t("b2b.ui.col.total"): yuan(c.total_fen),
                ui.t("b2b.ui.col.buyer_signed"): when(c.buyer_signed_at),
                ui.t("b2b.ui.col.supplier_signed"): when(c.supplier_signed_at),
            }
            for c in rows
        ],
        hide_index=True, key=f"{prefix}_table",
    )
    by_id = {c.id: c for c in rows}
    picked = picker(
        f"{prefix}_pick", list(by_id), lambda i: f"{by_id[i].number} · {partner(by_id[i])} · {yuan(by_id[i].total_fen)}",
        "b2b.ui.contract_detail",
    )
    if picked is None:
        return
    try:
        with ui.uow().read() as s:
            detail = contracts.contract_detail(s, actor, tok, picked)
    except DomainError as err:
        ui.show_error(err)
        return
    contract_panel(detail, f"{prefix}_{picked}")
    mine = detail.buyer if member_type == BUYER else detail.supplier
    if not mine.signed:
        sign_form(actor, member_type, detail, f"{prefix}_{picked}_sign")
    elif detail.state == SIGNED_BY_BOTH:
        contract_order(actor, member_type, detail, f"{prefix}_{picked}_order")


def contract_order(actor: Actor, member_type: str, detail: contracts.ContractDetail, prefix: str) -> None:
    """The order of a contract in force: shown if placed; the buyer may place it (ours, not a task)."""
    try:
        with ui.uow().read() as s:
            placed = orders.order_of_contract(s, actor, token(member_type), detail.id)
    except DomainError as err:
        ui.show_error(err)
        return
    if placed is not None:
        st.info(ui.t("b2b.ui.contract_ordered", number=ui.plain(placed.number),
                     status=status("order", placed.state)), icon=":material/receipt_long:")
        return
    if member_type != BUYER:
        st.caption(ui.t("b2b.ui.contract_no_order_yet"))
        return
    st.session_state.setdefault(f"{prefix}_date", today() + timedelta(days=7))
    with st.form(f"{prefix}_form"):
        st.markdown(f"**{ui.t('b2b.ui.contract_order_title')}**")
        st.caption(ui.t("b2b.ui.contract_order_help"))
        method = st.selectbox(ui.t("field.b2b.payment_method"), list(PAYMENT_METHODS), key=f"{prefix}_method",
                              format_func=lambda m: ui.t(f"b2b.pay_method.{m}"))
        day = st.date_input(ui.t("field.b2b.delivery_date"), key=f"{prefix}_date", format="YYYY-MM-DD")
        where = st.text_input(ui.t("field.b2b.delivery_address"), key=f"{prefix}_address", max_chars=200)
        ok = st.form_submit_button(ui.t("b2b.ui.contract_order_submit"), type="primary", key=f"{prefix}_submit",
                                   icon=":material/receipt_long:")
    if not ok:
        return
    try:
        made = orders.order_from_contract(ui.uow(), actor, token(member_type), detail.id, payment_method=method,
                                          delivery_date=day, delivery_address=where, request_id=ui.request_id(prefix))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(prefix)
    succeed(actor, "b2b.ui.order_done", numbers=ui.plain(made.number))


def signature_badge(sig: contracts.SignatureView, intact: bool, key: str) -> None:
    from sandbox.pki.services import format_number

    with st.container(border=True, key=key):
        st.markdown(f"**{side_label(sig.side)}**")
        if not sig.signed:
            st.info(ui.t("b2b.ui.sig_unsigned"), icon=":material/draw:")
            return
        if sig.verified and intact:
            st.success(ui.t("b2b.ui.sig_verified"), icon=":material/verified:")
        else:
            problem = sig.problem or ("document" if not intact else "bad_signature")
            st.error(ui.t("b2b.ui.sig_not_verified", reason=ui.t(f"b2b.ui.sig_problem.{problem}")),
                     icon=":material/gpp_bad:")
        st.text(ui.t("b2b.ui.sig_by", name=sig.signed_by_name or "-", at=when(sig.signed_at)))
        st.text(ui.t("b2b.ui.sig_certificate", number=format_number(sig.certificate_number or "")))


def contract_panel(detail: contracts.ContractDetail, key: str) -> None:
    """合同明细: document fields, lines, total, terms, and each side's signature, verified now."""
    with st.container(border=True, key=f"{key}_box"):
        st.markdown(f"**{ui.t('b2b.ui.contract_detail')}** · {ui.plain(detail.number)}")
        left, right = st.columns(2)
        left.text(ui.t("b2b.ui.detail_buyer", company=detail.buyer_company))
        left.text(ui.t("b2b.ui.detail_supplier", company=detail.supplier_company))
        left.text(ui.t("b2b.ui.detail_status", status=status("contract", detail.state)))
        right.text(ui.t("b2b.ui.contract_from", negotiation=detail.negotiation_number, inquiry=detail.inquiry_number))
        right.text(ui.t("b2b.ui.detail_created", at=when(detail.created_at)))
        goods_table(detail.lines, f"{key}_lines")
        st.markdown(f"**{ui.t('b2b.ui.total', total=yuan(detail.total_fen))}**")
        if detail.terms is not None:
            agreed = detail.terms
            st.text("\n".join(terms_lines(agreed.quality, agreed.inspection, agreed.delivery_place,
                                          agreed.payment_terms)))
        if not detail.document_intact:
            st.error(ui.t("b2b.ui.document_changed"), icon=":material/warning:")
        cols = st.columns(2)
        with cols[0]:
            signature_badge(detail.buyer, detail.document_intact, f"{key}_sig_buyer")
        with cols[1]:
            signature_badge(detail.supplier, detail.document_intact, f"{key}_sig_supplier")
        with st.expander(ui.t("b2b.ui.document"), icon=":material/description:"):
            st.caption(ui.t("b2b.ui.document_help", sha=detail.document_sha256))
            st.code(detail.document, language="json", wrap_lines=True)


def sign_form(actor: Actor, member_type: str, detail: contracts.ContractDetail, prefix: str) -> None:
    """B2B028/B2B029: sign the stored contract text with the member's certificate key."""
    with ui.uow().read() as s:
        mine = [m for m in members.my_members(s, actor) if m.member_type == member_type]
    identities = installed_identities(actor, mine[0].certificate_id if mine else None)
    st.markdown(f"**{ui.t(f'b2b.ui.sign_title_{member_type}')}**")
    method = identity_method(prefix)
    with st.form(f"{prefix}_form"):
        st.caption(ui.t("b2b.ui.sign_help"))
        choice = identity_inputs(prefix, method, identities)
        ok = st.form_submit_button(ui.t(f"b2b.ui.sign_submit_{member_type}"), type="primary",
                                   key=f"{prefix}_submit")
    if not ok:
        return
    try:
        choice.require()
        contracts.sign(ui.uow(), actor, token(member_type), detail.id, request_id=ui.request_id(prefix),
                       **choice.kwargs())
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(prefix)
    clear(f"{prefix}_p12_pw")
    succeed(actor, "b2b.ui.signed_done", task=contracts.SIGN_TASK[member_type], number=ui.plain(detail.number))


# ----------------------------------------------------------------------------- reports (both sides)


def order_charts(
    rows: Sequence[reports.ReportRow], t: Callable[..., str], label: Callable[[str, str], str]
) -> tuple[go.Figure, go.Figure]:
    """Two bar charts (count and value in yuan, side by side): orders by status, and by partner."""
    totals = reports.totals_by_state(list(rows))
    state_order = [s for s in ORDER_STATES if s in totals] + sorted(set(totals) - set(ORDER_STATES))
    by_partner: dict[str, tuple[int, int]] = {}
    for row in rows:
        name = f"{chart_text(row.partner_name)} ({t(f'b2b.side.{SUPPLIER if row.side == BUYER else BUYER}')})"
        n, v = by_partner.get(name, (0, 0))
        by_partner[name] = (n + row.count, v + row.value_fen)

    def figure(labels: list[str], values: list[tuple[int, int]], title: str) -> go.Figure:
        fig = make_subplots(rows=1, cols=2, subplot_titles=(t("b2b.ui.chart_count"), t("b2b.ui.chart_value")))
        fig.add_bar(x=labels, y=[n for n, _ in values], name=t("b2b.ui.chart_count"), row=1, col=1,
                    marker_color="#4C78A8")
        fig.add_bar(
            x=labels, y=[v / 100 for _, v in values], name=t("b2b.ui.chart_value"), row=1, col=2,
            marker_color="#F58518", customdata=[f"¥{format_fen(v)}" for _, v in values],
            hovertemplate="%{x}<br>%{customdata}<extra></extra>",
        )
        fig.update_layout(title_text=title, showlegend=False, height=360, margin={"t": 70, "b": 40, "l": 40, "r": 20})
        fig.update_yaxes(rangemode="tozero")
        fig.update_yaxes(tickformat="d", dtick=max(1, -(-max((n for n, _ in values), default=1) // 5)), row=1, col=1)
        return fig

    by_status = figure([label("order", s) for s in state_order], [totals[s] for s in state_order],
                       t("b2b.ui.chart_by_status"))
    partners = sorted(by_partner)
    by_partner_fig = figure(partners, [by_partner[p] for p in partners], t("b2b.ui.chart_by_partner"))
    return by_status, by_partner_fig


def reports_section(actor: Actor, member_type: str) -> None:
    prefix = f"b2b_{member_type}_report"
    section_title("b2b.ui.reports_title")
    try:
        with ui.uow().read() as s:
            rows = reports.order_report(s, actor, token(member_type))
    except DomainError as err:
        ui.show_error(err)
        return
    if not rows:
        st.info(ui.t("b2b.ui.no_report"))
        return
    by_status, by_partner = order_charts(rows, ui.t, status)
    st.plotly_chart(by_status, key=f"{prefix}_status", config=CHART_CONFIG)
    st.plotly_chart(by_partner, key=f"{prefix}_partner", config=CHART_CONFIG)
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.status"): status("order", r.state),
                ui.t("b2b.ui.col.side"): side_label(r.side),
                ui.t("b2b.ui.col.partner"): r.partner_name,
                ui.t("b2b.ui.col.count"): r.count,
                ui.t("b2b.ui.col.value"): yuan(r.value_fen),
            }
            for r in rows
        ],
        hide_index=True, key=f"{prefix}_table",
    )
