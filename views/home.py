"""Home: what the sandbox is and where to start, for instructors and for students."""

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR, STUDENT
from sandbox.identity import queries
from seed.world import student_world

actor = ui.require_role(INSTRUCTOR, STUDENT)
ui.show_flash()
st.title(ui.t("home.title", name=ui.plain(actor.full_name)))
st.write(ui.t("home.what"))

if actor.is_instructor:
    with ui.uow().read() as s:
        classes = queries.classes_for(s, actor)
    st.subheader(ui.t("home.start_here"))
    st.markdown(ui.t("home.instructor_steps"))
    st.subheader(ui.t("home.your_classes"))
    if not classes:
        st.info(ui.t("home.no_classes"))
    else:
        st.dataframe(
            [
                {
                    ui.t("class.name"): c.name,
                    ui.t("class.students"): c.students,
                    ui.t("class.enrollment_code"): c.enrollment_code,
                    ui.t("class.language"): c.language,
                }
                for c in classes
            ],
            hide_index=True,
            key="home_classes",
        )
    st.page_link("views/classes.py", label=ui.t("home.go_classes"), icon=":material/groups:")
else:
    with ui.uow().read() as s:
        mine = queries.classes_for(s, actor)
    current = next((c for c in mine if c.id == actor.class_id), None)
    if current is None:
        st.info(ui.t("home.no_class"))
    else:
        st.subheader(ui.t("home.your_class", name=ui.plain(current.name)))
        world = student_world(current.seed, actor.user_id)
        zh = ui.lang() == "zh_CN"
        st.markdown(ui.t("home.world_intro"))
        with st.container(border=True, key="home_world"):
            cols = st.columns([3, 2, 2])
            cols[0].caption(ui.t("home.world_company"))
            cols[0].markdown(f"**{ui.plain(world.company_zh)}**  \n{ui.plain(world.company_en)}")
            cols[1].caption(ui.t("home.world_contact"))
            cols[1].markdown(f"**{ui.plain(world.person_zh if zh else world.person_en)}**")
            cols[2].caption(ui.t("home.world_phone"))
            cols[2].markdown(f"**{world.phone}**")
            st.caption(ui.plain(world.address_zh if zh else world.address_en))
    st.subheader(ui.t("home.start_here"))
    st.markdown(ui.t("home.student_steps"))
    st.page_link("views/tasks.py", label=ui.t("home.go_tasks"), icon=":material/checklist:")

st.subheader(ui.t("home.modules"))
st.markdown("\n".join(f"- {ui.t('module.' + code)}" for code in
                      ("B2B", "B2C", "C2C", "CA", "EBANK", "EDI", "EMAIL", "LGS", "NETSELL")))
