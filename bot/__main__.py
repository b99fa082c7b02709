"""`python -m bot` is `supportlive`."""

from bot.cli import main

raise SystemExit(main())
