/// TFYCore is tfy's pure model, imported by every other tfy target and importing nothing but the
/// standard library: values (with unknown and sensitive marks) and their types, resource
/// addresses and schemas, the plan and state as data with their versioned JSON documents,
/// diagnostics, and the generic `DependencyGraph`. Nothing here does I/O, reads a clock or draws
/// a random number, so everything here is tested with plain values.
