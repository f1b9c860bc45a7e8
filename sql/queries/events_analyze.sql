-- Fresh planner statistics after a window's events are loaded, for the steps that follow.
analyze core.events;
