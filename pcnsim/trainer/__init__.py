"""The trainer: the interactive page and the race animation."""
