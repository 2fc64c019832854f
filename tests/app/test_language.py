"""The UI language: browser default, the 简体中文 / English switch, remembered per user."""

from sandbox.identity.models import User
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import en, new_app, run, titles, zh


def test_browser_locale_zh_cn_gives_chinese_by_default(app_db: UnitOfWork) -> None:
    at = run(new_app(locale="zh-CN"))
    assert titles(at) == [zh("setup.title")]
    assert at.text_input(key="setup_username").label == zh("field.username")
    factories.instructor(app_db)
    at = run(new_app(locale="zh-CN"))
    assert titles(at) == [zh("login.title")]
    assert at.segmented_control(key="ui_language").value == "zh_CN"


def test_other_browser_locales_fall_back_to_english(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    assert titles(run(new_app(locale="de-DE"))) == [en("login.title")]
    assert titles(run(new_app())) == [en("login.title")]


def test_switching_to_chinese_translates_the_login_page(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    at = run(new_app())
    at.segmented_control(key="ui_language").set_value("zh_CN")
    run(at)
    assert titles(at) == [zh("login.title")]
    assert at.text_input(key="login_username").label == zh("field.username")


def test_a_user_switch_translates_the_page_and_is_remembered(app_db: UnitOfWork) -> None:
    teacher = factories.instructor(app_db)
    at = run(new_app(actor=teacher))
    assert titles(at) == [en("home.title", name="Wang Fang")]
    at.segmented_control(key="ui_language").set_value("zh_CN")
    run(at)

    assert titles(at) == [zh("home.title", name="Wang Fang")]
    with app_db.read() as s:
        assert s.get(User, teacher.user_id).language == "zh_CN"
    at.switch_page("views/classes.py")
    run(at)
    assert titles(at) == [zh("classes.title")]
    # and back
    at.segmented_control(key="ui_language").set_value("en")
    run(at)
    assert titles(at) == [en("classes.title")]


def test_a_stored_preference_beats_the_browser_locale(app_db: UnitOfWork) -> None:
    teacher = factories.instructor(app_db)  # language "en"
    at = run(new_app(locale="zh-CN", actor=teacher))
    assert titles(at) == [en("home.title", name="Wang Fang")]
