"""SQLite storage: results and rollups, health, transitions, chats (never imports bot/)."""

from storage.db import Database, StorageError, open_database
from storage.histogram import Histogram
from storage.records import (
    HealthRow,
    MaintenanceWindow,
    PlannedWindow,
    PruneReport,
    RollupSummary,
    Subscription,
    TransitionRecord,
    WaitReport,
)
from storage.retention import prune_and_report
from storage.store import Store

__all__ = [
    "Database",
    "HealthRow",
    "Histogram",
    "MaintenanceWindow",
    "PlannedWindow",
    "PruneReport",
    "RollupSummary",
    "StorageError",
    "Store",
    "Subscription",
    "TransitionRecord",
    "WaitReport",
    "open_database",
    "prune_and_report",
]
