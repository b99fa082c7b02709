"""The web side of the process: status page, JSON API, /healthz and /metrics (aiohttp)."""

from bot.web.server import HealthCheck, build_app, start_web, stop_web

__all__ = ["HealthCheck", "build_app", "start_web", "stop_web"]
