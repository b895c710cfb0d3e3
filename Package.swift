// swift-tools-version: 6.0
import PackageDescription

/// simcc: a call-center simulator whose dialing and routing policies are the same modules
/// production links against a live FreeSWITCH. See docs/architecture.md.
let package = Package(
    name: "simcc",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "simcc", targets: ["simcc"]),
        .library(name: "CallCenter", targets: ["CallCenter"]),
        .library(name: "RoutingPolicies", targets: ["RoutingPolicies"]),
        .library(name: "DialingPolicies", targets: ["DialingPolicies"]),
        .library(name: "CenterPolicies", targets: ["CenterPolicies"]),
        .library(name: "SimKernel", targets: ["SimKernel"]),
        .library(name: "Scenarios", targets: ["Scenarios"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "EventSocket", targets: ["EventSocket"]),
        .library(name: "EventSocketClient", targets: ["EventSocketClient"]),
        .library(name: "Live", targets: ["Live"]),
        .library(name: "LiveRunner", targets: ["LiveRunner"]),
        .library(name: "LiveSetup", targets: ["LiveSetup"]),
        // Test support (the conformance checker, the twin check, FreeSWITCH's frames), for the
        // tests of a driver or a bridge; not part of the runtime libraries.
        .library(name: "LiveTestSupport", targets: ["LiveTestSupport"]),
        .library(name: "FreeSWITCHFake", targets: ["FreeSWITCHFake"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // GSL, the GNU Scientific Library: random generators, distributions, special functions.
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        // A minimal hand-written C event loop: the baseline `simcc bench` measures against.
        .target(name: "CBaseline"),
        .target(
            name: "SimKernel",
            dependencies: ["CGSL", "CallCenter"]
        ),
        .target(name: "CallCenter"),
        // SQLite through GRDB: contact lists, tasks, call records, snapshots.
        .target(
            name: "Store",
            dependencies: ["CallCenter", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The FreeSWITCH event socket (ESL): frame decoder, event parser, command encoder.
        .target(name: "EventSocket"),
        // The inbound-mode ESL client on SwiftNIO: auth, api/bgapi, subscriptions, reconnect.
        .target(
            name: "EventSocketClient",
            dependencies: [
                "EventSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The live softswitch: seam commands to ESL commands, ESL events to seam events (no I/O).
        .target(name: "Live", dependencies: ["CallCenter", "EventSocket"]),
        // Test support: the fake FreeSWITCH every suite uses (and FreeSWITCH's frames).
        .target(
            name: "FreeSWITCHFake",
            dependencies: [
                "CallCenter", "EventSocket", "EventSocketClient", "Live",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Test support: the conformance checker, the twin check and a clock the test moves.
        .target(
            name: "LiveTestSupport",
            dependencies: ["Live", "LiveRunner", "CallCenter", "CenterPolicies", "EventSocket", "FreeSWITCHFake"]
        ),
        // `simcc bench`: the workloads and the C baseline's driver, out of the product modules.
        .target(
            name: "Benchmarks",
            dependencies: [
                "Simulation", "SimKernel", "CallCenter", "DialingPolicies", "CBaseline", "Live", "LiveTestSupport", "FreeSWITCHFake",
                "LiveRunner", "EventSocket", "EventSocketClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // `simcc live`: the patent's four activities against FreeSWITCH, and the HTTP interface.
        .target(
            name: "LiveRunner",
            dependencies: [
                "Live", "EventSocket", "EventSocketClient", "Store", "RoutingPolicies", "CenterPolicies", "CallCenter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(name: "DialingPolicies", dependencies: ["CallCenter"]),
        .target(name: "RoutingPolicies", dependencies: ["CallCenter"]),
        // What sits between the dialer and the router: the blending rule, answered customers.
        .target(name: "CenterPolicies", dependencies: ["CallCenter"]),
        // The scenario, campaign and routing files: their readers, their knob tables (the JSON
        // Schemas of `simcc schema` come from the same tables) and the plain types they fill. No
        // GSL: production reads its policy files through this module.
        .target(
            name: "Scenarios",
            dependencies: [
                "CallCenter", "RoutingPolicies", "DialingPolicies", "CenterPolicies",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "Simulation",
            dependencies: [
                "Scenarios", "SimKernel", "CallCenter", "RoutingPolicies", "DialingPolicies", "CenterPolicies",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // `simcc live`'s set-up: its configuration file and flags, and what they name (the policy
        // files, the roster), read and checked into a `LiveCenter`'s options. No simulator.
        .target(
            name: "LiveSetup",
            dependencies: [
                "LiveRunner", "Live", "Scenarios", "CallCenter", "CenterPolicies", "RoutingPolicies",
                "DialingPolicies", "EventSocketClient", .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "simcc",
            dependencies: [
                "Simulation", "Scenarios", "Benchmarks", "SimKernel", "Store", "CallCenter", "EventSocket", "LiveRunner", "Live",
                "LiveSetup",
                "EventSocketClient", "DialingPolicies", "RoutingPolicies", "CenterPolicies",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel", "CallCenter", "Scenarios"]),
        .testTarget(
            name: "ScenariosTests",
            dependencies: ["Scenarios", "CallCenter", "simcc", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CallCenter"]),
        .testTarget(
            name: "EventSocketTests",
            dependencies: [
                "EventSocket", "EventSocketClient", "Benchmarks", "FreeSWITCHFake",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LiveTests",
            dependencies: [
                "Live", "CallCenter", "EventSocket", "DialingPolicies", "RoutingPolicies", "CenterPolicies", "Simulation",
                "LiveTestSupport", "Benchmarks", "FreeSWITCHFake",
            ]
        ),
        .testTarget(
            name: "LiveRunnerTests",
            dependencies: [
                "simcc", "LiveRunner", "Live", "EventSocket", "EventSocketClient", "Store", "DialingPolicies",
                "RoutingPolicies", "CenterPolicies", "CallCenter", "LiveTestSupport", "Benchmarks", "Simulation",
                "FreeSWITCHFake", "LiveSetup", "Scenarios",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PolicyTests", dependencies: ["CallCenter", "RoutingPolicies", "DialingPolicies", "CenterPolicies"]),
        .testTarget(
            name: "SimulationTests",
            dependencies: [
                "Simulation", "SimKernel", "CallCenter", "RoutingPolicies", "DialingPolicies", "CenterPolicies", "Store",
            ]
        ),
        // End-to-end: runs the built `simcc` binary as a user would.
        .testTarget(name: "CLITests", dependencies: ["simcc", "Store"]),
    ],
    swiftLanguageModes: [.v6]
)
