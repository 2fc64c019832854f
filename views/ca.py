"""CA centre (CA证书中心): apply for a certificate (CA001), verify the download with number and
download password (CA002), download the .p12 (CA003), my certificates, root certificate and CRL.

Names typed by users are shown only with ``st.text`` / ``st.dataframe`` / ``st.code``, never as
Markdown. The download password is shown once, right after CA001, and kept in the session only
between CA002 and CA003 (so the download is one click), then dropped.
"""

from __future__ import annotations

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.ca import queries, services
from sandbox.ca.states import LABELS
from sandbox.email import queries as mail_queries
from sandbox.errors import DomainError
from sandbox.pki.services import format_number

actor = ui.require_role(STUDENT)
st.title(ui.t("ca.title"))
ui.show_flash()
ui.task_tracker("CA")

VIEWS = ("apply", "download", "mine", "files")


def when(at: object) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if hasattr(at, "strftime") else ""


def state_label(state: str) -> str:
    return ui.t(f"ca.state_{state}") if state in LABELS else state


def clear(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


# ----------------------------------------------------------------------------- CA001


def show_issued() -> None:
    issued = st.session_state.get("ca_issued")
    if not issued:
        return
    with st.container(border=True, key="ca_issued_box"):
        st.success(ui.t("ca.issued_done"), icon=":material/verified:")
        st.text(ui.t("ca.number_label"))
        st.code(issued["number"], language=None)
        if issued.get("password"):
            st.text(ui.t("ca.password_label"))
            st.code(issued["password"], language=None)
            st.warning(ui.t("ca.password_once"), icon=":material/key:")
        if issued.get("mailed_to"):
            st.caption(ui.t("ca.mailed_to", address=issued["mailed_to"]))
        st.button(
            ui.t("ca.go_download"), key="ca_go_download", type="primary", icon=":material/download:",
            on_click=go_download, args=(issued["number"],),
        )
        st.button(ui.t("ca.dismiss"), key="ca_dismiss", on_click=clear, args=("ca_issued",))


def go_download(number: str) -> None:
    """Button callback (runs before the widgets of the next run exist): open the download view."""
    st.session_state["ca_dl_number_input"] = number
    st.session_state["ca_view"] = "download"
    clear("ca_issued", "ca_verified", "ca_p12")


def apply_form() -> None:
    show_issued()
    st.subheader(ui.t("ca.apply_title"), anchor=False)
    st.caption(ui.t("ca.apply_intro"))
    if "ca_app_email" not in st.session_state:
        with ui.uow().read() as s:
            box = mail_queries.my_mailbox(s, actor)
        st.session_state["ca_app_email"] = box.address if box is not None else ""
    st.session_state.setdefault("ca_app_cn", actor.full_name)
    source = st.radio(
        ui.t("field.ca.key_source"), services.KEY_SOURCES, format_func=lambda k: ui.t(f"ca.key_source_{k}"),
        key="ca_app_source", horizontal=True,
    )
    with st.form("ca_apply_form"):
        cn = st.text_input(ui.t("field.pki.common_name"), key="ca_app_cn", max_chars=64, help=ui.t("ca.cn_help"))
        org = st.text_input(ui.t("field.pki.organization"), key="ca_app_org", max_chars=64)
        email = st.text_input(ui.t("field.pki.email"), key="ca_app_email", max_chars=120, help=ui.t("ca.email_help"))
        csr = ""
        if source == "csr":
            csr = st.text_area(ui.t("field.pki.csr"), key="ca_app_csr", height=180, help=ui.t("ca.csr_help"))
            st.code("openssl req -new -newkey rsa:2048 -nodes -keyout my.key -subj \"/CN=me\" -out my.csr", language="bash")
        ok = st.form_submit_button(ui.t("ca.ok"), type="primary", key="ca_apply_submit")
    if not ok:
        return
    try:
        issued = services.apply(
            ui.uow(), actor, common_name=cn, organization=org, email_address=email or None, key_source=source,
            csr_pem=csr or None, request_id=ui.request_id("ca_apply"),
        )
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done("ca_apply")
    st.session_state["ca_issued"] = {
        "number": issued.number, "password": issued.download_password, "mailed_to": issued.mailed_to,
    }
    clear("ca_app_csr", "ca_app_org")
    st.rerun()


# ----------------------------------------------------------------------------- CA002 / CA003


def verify_form() -> None:
    st.subheader(ui.t("ca.verify_title"), anchor=False)
    st.caption(ui.t("ca.verify_intro"))
    with st.form("ca_verify_form"):
        number = st.text_input(ui.t("field.ca.number"), key="ca_dl_number_input", max_chars=20)
        password = st.text_input(ui.t("field.ca.password"), key="ca_dl_password_input", type="password", max_chars=40)
        ok = st.form_submit_button(ui.t("ca.ok"), type="primary", key="ca_verify_submit")
    if not ok:
        return
    try:
        record = services.verify_download(
            ui.uow(), actor, number=number, password=password, request_id=ui.request_id("ca_verify")
        )
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done("ca_verify")
    st.session_state["ca_verified"] = {"id": record.id, "number": record.number, "password": password}
    clear("ca_dl_password_input", "ca_p12")
    ui.flash("ca.verified_done", number=format_number(record.number))
    st.rerun()


def download_step() -> None:
    verified = st.session_state["ca_verified"]
    with st.container(border=True, key="ca_download_box"):
        st.text(ui.t("ca.verified_for", number=format_number(verified["number"])))
        p12 = st.session_state.get("ca_p12")
        if p12 is None:
            st.caption(ui.t("ca.download_intro"))
            if st.button(ui.t("ca.download"), key="ca_download", type="primary", icon=":material/download:"):
                try:
                    got = services.download(
                        ui.uow(), actor, certificate_id=verified["id"], password=verified["password"],
                        request_id=ui.request_id("ca_download"),
                    )
                except DomainError as err:
                    ui.show_error(err)
                    return
                ui.form_done("ca_download")
                st.session_state["ca_p12"] = {"name": got.filename, "data": got.data, "with_key": got.with_key}
                st.rerun()
        else:
            st.success(ui.t("ca.downloaded_done"), icon=":material/verified_user:")
            st.download_button(
                ui.t("ca.save_p12"), data=p12["data"], file_name=p12["name"], mime="application/x-pkcs12",
                key="ca_save_p12", on_click="ignore", icon=":material/save:",
            )
            st.caption(ui.t("ca.p12_with_key") if p12["with_key"] else ui.t("ca.p12_without_key"))
            st.code(f"openssl pkcs12 -in {p12['name']} -info -noout", language="bash")
        if st.button(ui.t("ca.done"), key="ca_download_done"):
            clear("ca_verified", "ca_p12")
            st.rerun()


def download_view() -> None:
    if st.session_state.get("ca_verified"):
        download_step()
    else:
        verify_form()


# ----------------------------------------------------------------------------- my certificates


def mine_view() -> None:
    with ui.uow().read() as s:
        rows = queries.my_certificates(s, actor)
    if not rows:
        st.info(ui.t("ca.none_yet"))
        return
    st.dataframe(
        [
            {
                ui.t("ca.col_number"): format_number(r.number),
                ui.t("ca.col_name"): r.common_name,
                ui.t("ca.col_org"): r.organization,
                ui.t("ca.col_route"): r.task_code or r.purpose,
                ui.t("ca.col_state"): state_label(r.state),
                ui.t("ca.col_valid_to"): when(r.not_after),
                ui.t("ca.col_revoked"): ui.t(f"ca.reason_{r.revocation_reason}") if r.revoked_at else "",
            }
            for r in rows
        ],
        hide_index=True,
        key="ca_my_table",
    )
    by_id = {r.id: r for r in rows}
    picked = st.selectbox(
        ui.t("ca.open"), list(by_id), index=None, key="ca_my_pick", placeholder=ui.t("ca.open_placeholder"),
        format_func=lambda i: f"{format_number(by_id[i].number)} · {by_id[i].common_name}",
    )
    if picked is None:
        return
    row = by_id[picked]
    with st.container(border=True, key=f"ca_cert_{row.id}"):
        st.text(ui.t("ca.detail_number", number=format_number(row.number)))
        st.text(ui.t("ca.detail_subject", name=row.common_name, org=row.organization or "-"))
        if row.email_address:
            st.text(ui.t("ca.detail_email", email=row.email_address))
        st.text(ui.t("ca.detail_validity", start=when(row.not_before), end=when(row.not_after)))
        st.text(ui.t("ca.detail_serial", serial=row.serial_hex))
        st.text(ui.t("ca.detail_fingerprint", fp=row.fingerprint))
        st.text(ui.t("ca.detail_state", state=state_label(row.state)))
        if row.revoked_at:
            st.error(ui.t("ca.detail_revoked", at=when(row.revoked_at), reason=ui.t(f"ca.reason_{row.revocation_reason}")))
        if row.download_locked:
            st.warning(ui.t("ca.detail_locked"))
        if row.state == "downloaded" and not row.from_csr and not row.revoked_at:
            st.caption(ui.t("ca.detail_installed"))
        try:
            with ui.uow().read() as s:
                pem = queries.certificate_pem(s, actor, row.id)
        except DomainError as err:
            ui.show_error(err)
            return
        st.download_button(
            ui.t("ca.save_pem"), data=pem, file_name=f"certificate-{row.number}.pem", mime="application/x-pem-file",
            key=f"ca_pem_{row.id}", on_click="ignore", icon=":material/description:",
        )


# ----------------------------------------------------------------------------- root and CRL


def files_view() -> None:
    st.caption(ui.t("ca.files_intro"))
    try:
        root, crl = services.published_files(ui.uow(), actor)
    except DomainError as err:
        ui.show_error(err)
        return
    cols = st.columns(2)
    cols[0].download_button(
        ui.t("ca.save_root"), data=root, file_name="ca-root.pem", mime="application/x-pem-file",
        key="ca_save_root", on_click="ignore", icon=":material/shield:",
    )
    cols[1].download_button(
        ui.t("ca.save_crl"), data=crl, file_name="ca.crl.pem", mime="application/x-pem-file",
        key="ca_save_crl", on_click="ignore", icon=":material/block:",
    )
    st.code(
        "openssl x509 -in ca-root.pem -noout -subject -dates\n"
        "openssl verify -CAfile ca-root.pem certificate.pem\n"
        "openssl verify -crl_check -CAfile ca-root.pem -CRLfile ca.crl.pem certificate.pem\n"
        "openssl crl -in ca.crl.pem -noout -text",
        language="bash",
    )


# ----------------------------------------------------------------------------- page

if st.session_state.get("ca_view") not in VIEWS:
    st.session_state["ca_view"] = "apply"
current = st.radio(
    ui.t("ca.view"), VIEWS, format_func=lambda name: ui.t(f"ca.view_{name}"), key="ca_view", horizontal=True,
    label_visibility="collapsed",
)
if current == "apply":
    apply_form()
elif current == "download":
    download_view()
elif current == "mine":
    mine_view()
else:
    files_view()
