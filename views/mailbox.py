"""E-mail (电子邮件): apply for a mailbox (EMAIL001), read the folders, write and send (EMAIL003),
reply (EMAIL002), delete (EMAIL004), configure the account (EMAIL006), save drafts (EMAIL007).

Mail text typed by users (subjects, bodies, names) is only ever shown with ``st.text``,
``st.dataframe`` or inside widgets — never as Markdown or HTML.
"""

from __future__ import annotations

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.email import queries, services
from sandbox.errors import DomainError

actor = ui.require_role(STUDENT)
st.title(ui.t("email.title"))
ui.show_flash()
ui.task_tracker("EMAIL")
for _key, _value in st.session_state.pop("mail_reset", {}).items():
    st.session_state[_key] = _value

VIEWS = ("inbox", "sent", "drafts", "trash", "compose", "configure")


def clear(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def reset_later(**values: object) -> None:
    """Give widgets that stay on the page these values on the next run (after ``st.rerun``).

    Popping a shown widget's key is not enough: the browser keeps showing, and sends back, the old
    value (the mail just sent, the message just deleted). A value assigned before the widget is
    created on the next run is sent to the browser.
    """
    st.session_state.setdefault("mail_reset", {}).update(values)


# ----------------------------------------------------------------------------- EMAIL001


def apply_form() -> None:
    st.info(ui.t("email.no_mailbox_intro"), icon=":material/mail:")
    if st.button(ui.t("email.apply"), key="mail_apply", type="primary", icon=":material/how_to_reg:"):
        st.session_state["mail_applying"] = True
    if not st.session_state.get("mail_applying"):
        return
    st.subheader(ui.t("email.apply_title"))
    st.session_state.setdefault("mail_reg_local", services.normalize_address(actor.username))
    st.session_state.setdefault("mail_reg_full_name", actor.full_name)
    with st.form("mail_register_form"):
        local = st.text_input(
            ui.t("field.email.local_part"), key="mail_reg_local", max_chars=32, help=ui.t("email.local_part_help")
        )
        full_name = st.text_input(ui.t("field.email.full_name"), key="mail_reg_full_name", max_chars=100)
        password = st.text_input(ui.t("field.email.password"), type="password", key="mail_reg_password", max_chars=128)
        confirm = st.text_input(
            ui.t("field.email.password_confirm"), type="password", key="mail_reg_confirm", max_chars=128
        )
        submitted = st.form_submit_button(ui.t("email.ok"), type="primary", key="mail_reg_submit")
    if submitted:
        try:
            box = services.register_mailbox(
                ui.uow(), actor, local_part=local, full_name=full_name, password=password,
                password_confirm=confirm, request_id=ui.request_id("mail_register"),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done("mail_register")
            clear("mail_applying", "mail_reg_local", "mail_reg_full_name", "mail_reg_password", "mail_reg_confirm")
            ui.flash("email.registered", address=box.address)
            st.rerun()


# ----------------------------------------------------------------------------- reading


def show_message(view: queries.MailView) -> None:
    with st.container(border=True, key=f"mail_message_{view.item_id}"):
        if view.is_system:
            st.text(ui.t("email.from_named", name=view.sender_name or ui.t("email.system"), sender=view.sender))
        elif view.sender_name:
            st.text(ui.t("email.from_named", name=view.sender_name, sender=view.sender))
        else:
            st.text(ui.t("email.from", sender=view.sender))
        st.text(ui.t("email.to", to=", ".join(view.to)))
        st.text(ui.t("email.date", at=ui.when(view.at)))
        st.text(ui.t("email.subject_line", subject=view.subject or ui.t("email.no_subject")))
        if view.in_reply_to_subject is not None:
            st.text(ui.t("email.in_reply_to", subject=view.in_reply_to_subject))
        st.divider()
        st.text(view.body)
    if view.deleted:
        st.caption(ui.t("email.in_trash"))


def reply_form(view: queries.MailView) -> None:
    st.subheader(ui.t("email.reply_title"), anchor=False)
    st.session_state.setdefault("mail_reply_subject", services.reply_subject(view.subject))
    with st.form(f"mail_reply_form_{view.item_id}"):
        st.text(ui.t("email.to", to=view.sender))
        subject = st.text_input(ui.t("field.email.subject"), key="mail_reply_subject", max_chars=200)
        body = st.text_area(ui.t("field.email.body"), key="mail_reply_body", max_chars=20_000, height=200)
        sent = st.form_submit_button(ui.t("email.send"), type="primary", key="mail_reply_send")
    if st.button(ui.t("email.cancel"), key="mail_reply_cancel"):
        clear("mail_replying", "mail_reply_subject", "mail_reply_body")
        st.rerun()
    if sent:
        try:
            services.reply(
                ui.uow(), actor, item_id=view.item_id, body=body, subject=subject,
                request_id=ui.request_id(f"mail_reply_{view.item_id}"),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(f"mail_reply_{view.item_id}")
            clear("mail_replying", "mail_reply_subject", "mail_reply_body")
            ui.flash("email.reply_done")
            st.rerun()


def compose_form(prefix: str, draft: queries.MailView | None = None) -> None:
    """The write-mail form (发邮件), or the editor of an open draft, with Send and Save draft."""
    to_key, subject_key, body_key = f"{prefix}_to", f"{prefix}_subject", f"{prefix}_body"
    if draft is not None and st.session_state.get(f"{prefix}_loaded") != draft.item_id:
        st.session_state[f"{prefix}_loaded"] = draft.item_id
        st.session_state[to_key] = ", ".join(draft.to)
        st.session_state[subject_key] = draft.subject
        st.session_state[body_key] = draft.body
    form_id = f"{prefix}_{draft.item_id}" if draft is not None else prefix
    with st.form(f"{form_id}_form"):
        to = st.text_input(ui.t("field.email.to"), key=to_key, max_chars=1300, help=ui.t("email.to_help"))
        subject = st.text_input(ui.t("field.email.subject"), key=subject_key, max_chars=200)
        body = st.text_area(ui.t("field.email.body"), key=body_key, max_chars=20_000, height=240)
        cols = st.columns(2)
        send = cols[0].form_submit_button(ui.t("email.send"), type="primary", key=f"{prefix}_send", icon=":material/send:")
        save = cols[1].form_submit_button(ui.t("email.save"), key=f"{prefix}_save", icon=":material/save:")
    if not (send or save):
        return
    draft_id = draft.item_id if draft is not None else None
    action = "send" if send else "save"
    rid = ui.request_id(f"{form_id}_{action}")
    try:
        if send:
            services.send(ui.uow(), actor, to=to, subject=subject, body=body, draft_item_id=draft_id, request_id=rid)
        else:
            services.save_draft(ui.uow(), actor, to=to, subject=subject, body=body, draft_item_id=draft_id, request_id=rid)
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(f"{form_id}_{action}")
    if draft is None:
        reset_later(**{to_key: "", subject_key: "", body_key: ""})
    elif send:
        clear(to_key, subject_key, body_key, f"{prefix}_loaded")
        reset_later(mail_pick_drafts=None)
    if send:
        ui.flash("email.sent_done", count=len(services.parse_recipients(to)))
    else:
        ui.flash("email.draft_done")
    st.rerun()


def folder_view(name: str) -> None:
    with ui.uow().read() as s:
        rows = queries.folder(s, actor, name)
    if not rows:
        st.info(ui.t("email.empty_folder"))
        return
    st.dataframe(
        [
            {
                ui.t("email.col_from"): r.sender,
                ui.t("email.col_to"): ", ".join(r.to),
                ui.t("email.col_subject"): r.subject,
                ui.t("email.col_date"): ui.when(r.at),
                ui.t("email.col_read"): r.read,
                **({ui.t("email.col_folder"): ui.t(f"email.{r.folder}")} if name == "trash" else {}),
            }
            for r in rows
        ],
        hide_index=True,
        key=f"mail_table_{name}",
    )
    by_id = {r.item_id: r for r in rows}

    def label(item_id: int) -> str:
        r = by_id[item_id]
        who = r.sender if name in ("inbox", "trash") else ", ".join(r.to)
        return f"{ui.when(r.at)} · {who} · {r.subject or ui.t('email.no_subject')}"

    picked = st.selectbox(
        ui.t("email.open"), list(by_id), index=None, format_func=label, key=f"mail_pick_{name}",
        placeholder=ui.t("email.open_placeholder"),
    )
    if picked is None:
        return
    try:
        with ui.uow().read() as s:
            view = queries.message(s, actor, picked)
        if view.folder == "inbox" and not view.read and not view.deleted:
            services.mark_read(ui.uow(), actor, item_id=picked)
    except DomainError as err:
        ui.show_error(err)
        return
    if view.is_draft:
        st.caption(ui.t("email.draft_note"))
        compose_form("mail_draft", view)
    else:
        show_message(view)
    if view.deleted:
        return
    cols = st.columns([1, 1, 6])
    if view.can_reply and cols[0].button(ui.t("email.reply"), key="mail_reply", icon=":material/reply:"):
        st.session_state["mail_replying"] = view.item_id
        clear("mail_reply_subject", "mail_reply_body")
    if cols[1].button(ui.t("email.delete"), key="mail_delete", icon=":material/delete:"):
        try:
            services.delete(ui.uow(), actor, item_id=view.item_id, request_id=ui.request_id(f"mail_delete_{view.item_id}"))
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(f"mail_delete_{view.item_id}")
            clear("mail_replying")
            reset_later(**{f"mail_pick_{name}": None})
            ui.flash("email.deleted_done")
            st.rerun()
    if view.can_reply and st.session_state.get("mail_replying") == view.item_id:
        reply_form(view)


# ----------------------------------------------------------------------------- EMAIL006


def configure_wizard(box: queries.MailboxInfo) -> None:
    if box.configured_at is not None:
        st.text(ui.t("email.configured_as", display_name=box.display_name or "", address=box.config_address or ""))
    step = int(st.session_state.get("mail_cfg_step", 1))
    st.caption(ui.t("email.wizard_step", step=step))
    if step == 1:
        st.session_state.setdefault("mail_cfg_display_input", st.session_state.get("mail_cfg_display") or box.display_name or "")
        with st.form("mail_cfg_form_1"):
            st.subheader(ui.t("email.wizard_display"), anchor=False)
            display = st.text_input(
                ui.t("field.email.display_name"), key="mail_cfg_display_input", max_chars=100,
                help=ui.t("email.wizard_display_help"),
            )
            nxt = st.form_submit_button(ui.t("email.next"), type="primary", key="mail_cfg_next_1")
        if nxt:
            if not display.strip():
                ui.show_error(DomainError("input.required", field="email.display_name"))
            else:
                st.session_state["mail_cfg_display"] = display
                st.session_state["mail_cfg_step"] = 2
                st.rerun()
    elif step == 2:
        st.session_state.setdefault("mail_cfg_address_input", st.session_state.get("mail_cfg_address") or box.address)
        with st.form("mail_cfg_form_2"):
            st.subheader(ui.t("email.wizard_address"), anchor=False)
            address = st.text_input(
                ui.t("field.email.config_address"), key="mail_cfg_address_input", max_chars=120,
                help=ui.t("email.wizard_address_help"),
            )
            nxt = st.form_submit_button(ui.t("email.next"), type="primary", key="mail_cfg_next_2")
        if st.button(ui.t("email.back"), key="mail_cfg_back_2"):
            st.session_state["mail_cfg_step"] = 1
            st.rerun()
        if nxt:
            try:
                confirmed = services.check_address(address, field="email.config_address")
                if confirmed != box.address:
                    raise DomainError("email.config_address_mismatch", field="email.config_address", address=box.address)
            except DomainError as err:
                ui.show_error(err)
            else:
                st.session_state["mail_cfg_address"] = confirmed
                st.session_state["mail_cfg_step"] = 3
                st.rerun()
    else:
        with st.form("mail_cfg_form_3"):
            st.subheader(ui.t("email.wizard_account"), anchor=False)
            st.caption(ui.t("email.wizard_account_help"))
            username = st.text_input(ui.t("field.email.config_username"), key="mail_cfg_username", max_chars=64)
            password = st.text_input(
                ui.t("field.email.config_password"), type="password", key="mail_cfg_password", max_chars=128
            )
            save = st.form_submit_button(ui.t("email.save_config"), type="primary", key="mail_cfg_save")
        if st.button(ui.t("email.back"), key="mail_cfg_back_3"):
            st.session_state["mail_cfg_step"] = 2
            st.rerun()
        if save:
            try:
                services.configure(
                    ui.uow(), actor, display_name=st.session_state.get("mail_cfg_display", ""),
                    address=st.session_state.get("mail_cfg_address", ""), username=username, password=password,
                    request_id=ui.request_id("mail_configure"),
                )
            except DomainError as err:
                ui.show_error(err)
            else:
                ui.form_done("mail_configure")
                clear(
                    "mail_cfg_step", "mail_cfg_display", "mail_cfg_address", "mail_cfg_display_input",
                    "mail_cfg_address_input", "mail_cfg_username", "mail_cfg_password",
                )
                ui.flash("email.configured_done")
                st.rerun()


# ----------------------------------------------------------------------------- page

with ui.uow().read() as s:
    mailbox = queries.my_mailbox(s, actor)
    counts = queries.folder_counts(s, actor) if mailbox is not None else None

if mailbox is None or counts is None:
    apply_form()
    st.stop()

st.text(ui.t("email.your_address", address=mailbox.address))


st.caption(
    ui.t(
        "email.counts", inbox=counts.inbox, unread=counts.unread, sent=counts.sent, drafts=counts.drafts,
        trash=counts.trash,
    )
)
if st.session_state.get("mail_view") not in VIEWS:
    st.session_state["mail_view"] = "inbox"
current = st.radio(
    ui.t("email.folder"), VIEWS, format_func=lambda name: ui.t(f"email.{name}"), key="mail_view", horizontal=True,
    label_visibility="collapsed",
)
if current == "compose":
    compose_form("mail_new")
    with st.expander(ui.t("email.address_book"), icon=":material/contacts:"):
        with ui.uow().read() as s:
            book = queries.address_book(s, actor)
        st.dataframe(
            [{ui.t("field.email.config_address"): a, ui.t("field.email.full_name"): n} for a, n in book],
            hide_index=True,
            key="mail_address_book",
        )
elif current == "configure":
    configure_wizard(mailbox)
else:
    folder_view(str(current))
