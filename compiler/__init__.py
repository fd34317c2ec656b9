"""Pure: the resolved workspace model, semantic checks and (later) lowering to schedules."""
