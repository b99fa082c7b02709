"""Platform-neutral chat commands: the table, forgiving arguments, dispatch."""
