"""Installs the console on the app: its routers, its per-process state, its handlers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from kiosk_server.admin import (
    auth,
    codes_views,
    fleet_views,
    moderation_pages,
    onboarding_pages,
    rollout_pages,
)
from kiosk_server.admin.web import AdminState
from kiosk_server.config import Settings

ROUTERS: list[APIRouter] = [
    auth.router,
    onboarding_pages.router,
    fleet_views.router,
    codes_views.router,
    moderation_pages.router,
    rollout_pages.router,
]


def install(app: FastAPI, settings: Settings) -> None:
    app.state.admin = AdminState.make(
        settings.admin_login_per_address_per_minute,
        settings.admin_login_per_account_per_minute,
    )
    auth.install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
