/// The provider and backend blocks tfy understands. Names follow the Terraform AWS provider, so
/// people and policy tools that know it read tfy configurations unchanged. Resource types are
/// given to the loader and planner as a `ResourceCatalog`.
public enum Schemas {
    public static let providers: [String: ObjectSchema] = [
        "aws": ObjectSchema([
            "region": Attribute(.string, .optional),
            "endpoint": Attribute(.string, .optional),
            "profile": Attribute(.string, .optional),
            // Each retry waits up to 20 s: 100 is over half an hour for one call.
            "max_retries": Attribute(.number, .optional, check: .wholeNumber(NumberRange(0...100))),
        ]),
    ]

    public static let backends: [String: ObjectSchema] = [
        "local": ObjectSchema(["path": Attribute(.string, .optional)]),
        // bucket and key may come from -backend-config (a partial configuration), so they are
        // checked when the backend is set up, not here.
        "s3": ObjectSchema([
            "bucket": Attribute(.string, .optional),
            "key": Attribute(.string, .optional),
            "region": Attribute(.string, .optional),
            "endpoint": Attribute(.string, .optional),
            "profile": Attribute(.string, .optional),
            "encrypt": Attribute(.bool, .optional),
            "use_lockfile": Attribute(.bool, .optional),
        ]),
    ]
}
