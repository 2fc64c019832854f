"""Imports every module's check kinds so the check registry is complete."""

import sandbox.b2b.checks
import sandbox.b2b.negotiation_checks
import sandbox.b2b.readiness
import sandbox.b2b.warehouse_checks
import sandbox.ca.checks
import sandbox.ebank.checks
import sandbox.email.checks
import sandbox.logistics.checks
import sandbox.scenarios.checks  # noqa: F401
