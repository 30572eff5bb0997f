/// TFYState keeps the state between runs: the `StateStorage` protocol states what every backend
/// promises (strict reads, atomic or conditional writes, a lock held for the whole operation,
/// backups), and its two implementations keep it in a local file (`LocalStateStore`) or in an S3
/// object locked by a lock object (`S3StateStore`). It knows the state as a document, never what
/// the resources in it mean.
