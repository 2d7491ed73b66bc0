"""Sleep-time memory upkeep: dedup/merge, knowledge updates, abstraction, forgetting, retention."""
