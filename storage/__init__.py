"""Storage on SQLite or PostgreSQL: results and rollups, health, transitions, chats (never
imports bot/)."""

from storage.engine import (
    Conn,
    ConstraintViolation,
    Database,
    DatabaseDamaged,
    DatabaseError,
    DatabaseFull,
    DatabaseUnavailable,
    StorageError,
    open_database,
)
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
    "Conn",
    "ConstraintViolation",
    "Database",
    "DatabaseDamaged",
    "DatabaseError",
    "DatabaseFull",
    "DatabaseUnavailable",
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
