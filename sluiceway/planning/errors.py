"""The one exception the planner raises for bad input."""


class PlanError(ValueError):
    """A planning input is missing, malformed or inconsistent; the message says which and why."""
