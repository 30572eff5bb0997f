// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tfy",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tfy", targets: ["tfy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // libyaml, from Debian's libyaml-dev.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // libcurl, from Debian's libcurl4-openssl-dev.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // OpenSSL's libcrypto, from Debian's libssl-dev.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Pure model: values, diagnostics, schemas. No I/O; libcrypto only for HMAC and key bytes.
        .target(name: "TFYCore", dependencies: ["COpenSSL"]),
        // YAML → configuration → evaluated values.
        .target(name: "TFYConfig", dependencies: ["CYAML", "TFYCore"]),
        // AWS access: HTTP over libcurl, SigV4 over OpenSSL, credentials, the EC2 Query API.
        .target(name: "TFYAWS", dependencies: ["CCurl", "COpenSSL", "TFYCore"]),
        // State files: read strictly, written atomically.
        .target(name: "TFYState", dependencies: ["TFYCore", "TFYAWS"]),
        // The planner: configuration + prior state → plan. Pure.
        .target(name: "TFYPlan", dependencies: ["TFYCore", "TFYConfig"]),
        // What tfy does to real objects: refresh, providers, waiters, the parallel executor.
        .target(name: "TFYEngine", dependencies: ["TFYCore", "TFYConfig", "TFYPlan", "TFYState", "TFYAWS"]),
        // Text and JSON renderings of diagnostics (and, later, plans).
        .target(name: "TFYRender", dependencies: ["TFYCore"]),
        // What a command does, without printing: plan, apply, destroy, refresh, state transfer, ssh lookup.
        .target(name: "TFYOperations", dependencies: ["TFYCore", "TFYConfig", "TFYPlan", "TFYState", "TFYAWS", "TFYEngine"]),
        // The command-line interface as a library, so tests can drive it.
        .target(
            name: "TFYCommands",
            dependencies: [
                "TFYCore", "TFYConfig", "TFYState", "TFYPlan", "TFYRender", "TFYAWS", "TFYEngine", "TFYOperations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "tfy", dependencies: ["TFYCommands"]),
        // The inputs libFuzzer exercises (fuzz/README.md), as a library the regression tests replay.
        .target(name: "TFYFuzzing", dependencies: ["TFYConfig", "TFYCore", "TFYEngine", "TFYPlan", "TFYRender"]),
        // fuzz/run.sh builds this with -sanitize=fuzzer; built plainly it replays inputs.
        .executableTarget(name: "tfy-fuzz", dependencies: ["TFYFuzzing"], path: "fuzz/tfy-fuzz"),
        .executableTarget(name: "tfy-apply-bench", dependencies: ["TFYCommands", "TFYAWS", "TFYTestSupport"], path: "benchmarks/tfy-apply-bench"),
        .executableTarget(name: "tfy-aws-bench", dependencies: ["TFYAWS"], path: "benchmarks/tfy-aws-bench"),
        .executableTarget(name: "tfy-state-bench", dependencies: ["TFYCommands", "TFYAWS", "TFYCore", "TFYState", "TFYTestSupport"], path: "benchmarks/tfy-state-bench"),
        .executableTarget(name: "tfy-bench", dependencies: ["TFYConfig", "TFYCore", "TFYEngine", "TFYPlan", "TFYRender"], path: "benchmarks/tfy-bench"),
        .testTarget(name: "TFYCoreTests", dependencies: ["TFYCore"]),
        .testTarget(
            name: "TFYConfigTests",
            // TFYEngine for the standard resource types.
            dependencies: ["TFYConfig", "TFYCore", "TFYEngine"],
            exclude: ["Fixtures"]  // read in place, through #filePath
        ),
        // Helper processes and the AWS CLI runner, shared by the test targets that use moto.
        .target(name: "TFYTestSupport", path: "Tests/TFYTestSupport"),
        .testTarget(name: "TFYAWSTests", dependencies: ["TFYAWS", "TFYTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TFYEngineTests", dependencies: ["TFYCommands", "TFYCore", "TFYState", "TFYTestSupport", "TFYAWS", "TFYConfig", "TFYEngine", "TFYPlan"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "TFYStateTests", dependencies: ["TFYState", "TFYCore"]),
        .testTarget(name: "TFYPlanTests", dependencies: ["TFYPlan", "TFYConfig", "TFYCore", "TFYState", "TFYEngine"]),
        .testTarget(name: "TFYCommandsTests", dependencies: ["TFYCommands", "TFYCore", "TFYRender", "TFYEngine", "TFYTestSupport", "TFYFuzzing"], exclude: ["Fixtures", "Snapshots"]),
    ]
)
