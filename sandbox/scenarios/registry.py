"""Imports every module's check kinds so the check registry is complete."""

import sandbox.ca.checks
import sandbox.ebank.checks
import sandbox.email.checks
import sandbox.scenarios.checks  # noqa: F401
