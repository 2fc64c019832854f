"""EMAIL module (电子邮件): mailboxes in the sandbox's mail domain, mail between classmates and
bots, drafts, soft deletes, mail-client configuration, and system notifications for other modules.

Pages call ``services.<verb>(uow, actor, ...)`` and ``queries.<name>(session, actor, ...)``;
``checks`` registers the EMAIL check kinds (import it to fill the registry).
"""
