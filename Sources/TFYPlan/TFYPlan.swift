/// TFYPlan turns a configuration and a prior (refreshed) state into a `Plan`: one planned change
/// per resource instance with its reason, `-target`/`-replace`/`-destroy`, outputs, and the
/// check that a saved plan is still current. It is pure — no AWS, no files beyond what
/// expression functions read, no clock — so the same inputs always give the same plan.
