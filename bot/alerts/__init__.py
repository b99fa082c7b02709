"""Alerts: compose transitions into outbox rows, drain the outbox through a Notifier per platform.

Entry points: `record_transition` (the monitor calls it for each health transition) and
`Drainer` (claims due outbox rows, paces and sends them, retries, supersedes).
"""
