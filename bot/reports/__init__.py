"""What traders waited: `/report`, counted by `tally.py`, kept through `book.py`."""

from bot.reports.book import Outcome, ReportStore, WaitBook
from bot.reports.tally import WaitSummary, reportable

__all__ = ["Outcome", "ReportStore", "WaitBook", "WaitSummary", "reportable"]
