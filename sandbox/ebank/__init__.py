"""EBANK module (网上银行): corporate and personal online banking, B2C special merchants, account
inquiry with logged queries, and the payment gateway other modules use.

Pages call ``services.<verb>(uow, actor, ...)``, ``inquiry.<query>(uow, actor, ...)`` and
``gateway.<verb>(...)``; ``checks`` registers the EBANK check kinds (import it to fill the
registry). Money moves only through :mod:`sandbox.ledger`.
"""
