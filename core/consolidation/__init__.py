"""Sleep-time memory upkeep: pure functions of the store that background jobs call.

Each job module exposes `run(ctx: JobContext) -> None`; it counts items, records errors and keeps
its own resume checkpoint through `ctx`, so a run killed half-way leaves a consistent store and a
rerun finishes the work without doing any of it twice. Scheduling lives in the app layer.
"""
