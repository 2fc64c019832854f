"""Passwords are never truncated, a password change ends other logins, racing sign-ups get a clear message."""

from __future__ import annotations

import threading

from sandbox.errors import DomainError
from sandbox.identity import services
from tests import factories
from tests.integration.helpers import refused


def test_a_longer_password_that_starts_with_the_real_one_is_wrong(uow):
    long_password = "p" * 128
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    services.register_student(
        uow, enrollment_code=room.enrollment_code, username="ann", full_name="Ann",
        password=long_password, password_confirm=long_password,
    )
    assert services.login(uow, username="ann", password=long_password).actor.username == "ann"
    with refused("auth.bad_credentials"):
        services.login(uow, username="ann", password=long_password + "extra")


def test_changing_the_password_logs_out_every_other_browser(uow):
    teacher = factories.instructor(uow)
    here = services.login(uow, username="teacher", password=factories.PASSWORD)
    elsewhere = services.login(uow, username="teacher", password=factories.PASSWORD)
    services.change_password(
        uow, teacher, old=factories.PASSWORD, new="a-new-password-2", confirm="a-new-password-2", keep_token=here.token
    )
    assert services.resume(uow, here.token) is not None
    assert services.resume(uow, elsewhere.token) is None


def test_two_simultaneous_sign_ups_for_one_name_give_one_account_and_one_clear_message(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def sign_up() -> None:
        barrier.wait()
        try:
            factories.student(uow, room, "racer")
            outcomes.append("ok")
        except DomainError as err:
            outcomes.append(err.code)

    threads = [threading.Thread(target=sign_up) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"identity.username_taken", "identity.username_or_number_taken"}
