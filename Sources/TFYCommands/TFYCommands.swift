/// TFYCommands is tfy's command line as a library: argument parsing (swift-argument-parser), the
/// choice of output view, and the mapping of results to exit codes. The `tfy` executable is a
/// thin `main` over `TFYCommandLine.run`; tests and benchmarks call the same entry points
/// in-process.
