/// TFYEngine is what tfy does to real objects: it refreshes the state from what EC2 reports,
/// and applies a plan by walking its changes in dependency order with bounded parallelism,
/// creating, updating and deleting through the resource types' providers (EC2 over TFYAWS,
/// bootstraps over OpenSSH), and recording every step in the state as it goes.
