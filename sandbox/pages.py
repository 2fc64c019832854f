"""Page ids and their view files: one table shared by the router and the scenario files.

Scenario entries name the page where a task is done (``page: mailbox``); the loader refuses a
page id that is not here, the walkthrough links to it, and the router builds the students'
"Modules" menu from it (title ``page.<id>`` in the message files), so the three never drift.
"""

from __future__ import annotations

#: Pages where students carry out tasks (a scenario's ``page`` must be one of these).
TASK_PAGES: dict[str, str] = {
    "mailbox": "views/mailbox.py",
    "ca": "views/ca.py",
    "ebank": "views/bank.py",
    "ebank_merchant": "views/bank_merchant.py",
    "b2b_buyer": "views/b2b_buyer.py",
    "b2b_supplier": "views/b2b_supplier.py",
    "logistics": "views/logistics.py",
}

#: Menu icon and URL path of each task page.
TASK_PAGE_MENU: dict[str, tuple[str, str]] = {
    "mailbox": (":material/mail:", "mailbox"),
    "ca": (":material/verified_user:", "ca"),
    "ebank": (":material/account_balance:", "bank"),
    "ebank_merchant": (":material/storefront:", "bank-merchant"),
    "b2b_buyer": (":material/shopping_cart:", "b2b-buyer"),
    "b2b_supplier": (":material/factory:", "b2b-supplier"),
    "logistics": (":material/local_shipping:", "logistics"),
}
