"""The world: who is in which PCN and ICS, the national schedule, and a run's initial state."""
