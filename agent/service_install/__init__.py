"""Running the agent as a per-user service (systemd user unit, launchd agent, Windows task)."""

from __future__ import annotations

from agent.service_install.apply import ServiceReport, install, status, uninstall
from agent.service_install.plan import ServicePlan, plan_service, platform_of

__all__ = [
    "ServicePlan",
    "ServiceReport",
    "install",
    "plan_service",
    "platform_of",
    "status",
    "uninstall",
]
