"""The curated catalog of exchanges and their official support channels."""

from bot.catalog.load import CatalogError, load_catalog
from bot.catalog.models import (
    Catalog,
    Channel,
    Exchange,
    Hours,
    MaintenanceWindow,
    Route,
    Text,
    TextList,
    Window,
)
from bot.catalog.rules import Problem, find_problems

__all__ = [
    "Catalog",
    "CatalogError",
    "Channel",
    "Exchange",
    "Hours",
    "MaintenanceWindow",
    "Problem",
    "Route",
    "Text",
    "TextList",
    "Window",
    "find_problems",
    "load_catalog",
]
