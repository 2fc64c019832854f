"""Page ids and their view files: one table shared by the router and the scenario files.

Scenario entries name the page where a task is done (``page: mailbox``); the loader refuses a
page id that is not here, and the walkthrough links to it.
"""

from __future__ import annotations

#: Pages where students carry out tasks (a scenario's ``page`` must be one of these).
TASK_PAGES: dict[str, str] = {
    "mailbox": "views/mailbox.py",
    "ca": "views/ca.py",
    "ebank": "views/bank.py",
    "ebank_merchant": "views/bank_merchant.py",
}
