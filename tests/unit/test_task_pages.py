"""Every task page id has a view file, a menu entry and a title in both languages."""

from pathlib import Path

from sandbox.i18n import messages
from sandbox.pages import TASK_PAGE_MENU, TASK_PAGES

ROOT = Path(__file__).resolve().parents[2]


def test_every_task_page_is_a_view_with_a_menu_entry_and_bilingual_title():
    assert set(TASK_PAGE_MENU) == set(TASK_PAGES)
    for pid, path in TASK_PAGES.items():
        assert (ROOT / path).is_file(), path
        for lang in ("en", "zh_CN"):
            assert f"page.{pid}" in messages(lang), (lang, pid)
    urls = [url for _icon, url in TASK_PAGE_MENU.values()]
    assert len(urls) == len(set(urls))
