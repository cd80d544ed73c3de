// swift-tools-version:6.1
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "portfolio-margin",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MarginCore", targets: ["MarginCore"]),
        .library(name: "MarginVenues", targets: ["MarginVenues"]),
        .library(name: "MarginLedger", targets: ["MarginLedger"]),
        .library(name: "MarginEngine", targets: ["MarginEngine"]),
        .library(name: "MarginStorage", targets: ["MarginStorage"]),
        .library(name: "MarginApp", targets: ["MarginApp"]),
        .library(name: "MarginServer", targets: ["MarginServer"]),
        .executable(name: "margin", targets: ["MarginCLI"]),
        .executable(name: "margin-bench", targets: ["MarginBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.26.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // Pure core: instruments, market data, pricing, scenarios, the reference margin model, the legacy models, the
        // pre-trade rule, strict JSON. No I/O, no global state. Imports nothing of ours but the C kernels.
        .target(
            name: "MarginCore",
            dependencies: ["CVectorMath"],
            swiftSettings: strictSwift
        ),
        // Vectorized math kernels in C: our own erfc and the Black-76 grid on scalar, AVX2 and AVX-512 paths (checked at
        // run time), bit-identical on every path; libm only for the scalar log, exp and sqrt.
        .target(
            name: "CVectorMath",
            linkerSettings: [
                .linkedLibrary("m", .when(platforms: [.linux])),
            ]
        ),
        // Thread placement in C (sched_getcpu, pthread_setaffinity_np): the pass helper keeps off the writer's CPU.
        .target(name: "CThreadPlacement"),
        // Venue presets built on the core's scenario machinery: Deribit, CME SPAN, OKX, and the comparison of models.
        .target(
            name: "MarginVenues",
            dependencies: ["MarginCore"],
            swiftSettings: strictSwift
        ),
        // The exchange's ledger: accounts, balances, positions and their exact booking, the events and their domain
        // validation, the state they build, the journal protocol with the in-memory journal, the wire format of events,
        // states and snapshots, order books, front-end records. No margin, no I/O beyond the journal protocol.
        .target(
            name: "MarginLedger",
            dependencies: ["MarginCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),
        // Real-time engine: the risk book (incremental re-margining), the turn protocol, conflation, health,
        // liquidation.
        .target(
            name: "MarginEngine",
            dependencies: ["MarginCore", "MarginLedger", "CVectorMath", "CThreadPlacement"],
            swiftSettings: strictSwift
        ),
        // The engine's journal/snapshot store on SQLite (GRDB, WAL, synchronous=FULL) and PostgreSQL (postgres-nio).
        .target(
            name: "MarginStorage",
            dependencies: [
                "MarginLedger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Verifiable risk: RFC 8785 canonical JSON, Ed25519 signatures (swift-crypto), signed risk statements, the
        // Merkle-sum commitment over every account and its inclusion proofs. Pure: bytes in, bytes out; no I/O but the
        // venue key's file.
        .target(
            name: "MarginStatements",
            dependencies: ["MarginCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),
        // A simulated market and account population (seeded, deterministic): for `engine run`, benchmarks and tests.
        .target(
            name: "MarginSimulation",
            dependencies: ["MarginLedger", "MarginCore"],
            swiftSettings: strictSwift
        ),
        // Use-cases shared by the front ends (CLI, server): loading inputs, the what-if check, comparisons, summaries,
        // reports (tables, JSON, HTML), opening and running the engine on a store.
        .target(
            name: "MarginApp",
            dependencies: ["MarginCore", "MarginVenues", "MarginEngine", "MarginLedger", "MarginStorage", "MarginSimulation",
                           "MarginStatements"],
            swiftSettings: strictSwift
        ),
        // The HTTP and WebSocket service (Hummingbird 2): routes, keys and roles, idempotency, limits, streams,
        // metrics, the OpenAPI document and the dashboard. Handed its engine; handlers call MarginApp's use-cases.
        .target(
            name: "MarginServer",
            dependencies: [
                "MarginApp", "MarginCore", "MarginVenues", "MarginEngine", "MarginLedger", "MarginStorage", "MarginSimulation",
                "MarginStatements", "CThreadPlacement",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            resources: [
                .copy("OpenAPI/openapi.json"), .copy("Dashboard/dashboard.html"), .copy("Dashboard/dashboard.css"),
                .copy("Dashboard/dashboard.js"),
            ],
            swiftSettings: strictSwift
        ),
        // The `margin` command-line tool: argument parsing and printing over MarginApp.
        .executableTarget(
            name: "MarginCLI",
            dependencies: [
                "MarginApp",
                "MarginServer",
                "MarginCore",
                "MarginVenues",
                "MarginEngine", "MarginLedger",
                "MarginStorage",
                "MarginSimulation", "MarginStatements",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // `margin-bench`: the release-mode benchmarks (pricing, margin, engine, liquidation, the HTTP service) with their peers.
        .executableTarget(
            name: "MarginBenchmarks",
            dependencies: [
                "MarginApp",
                "MarginCore",
                "MarginEngine", "MarginLedger",
                "MarginStorage",
                "MarginSimulation",
                "MarginServer", "MarginStatements",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: strictSwift
        ),
        // Crash tester: runs the engine on a SQLite journal, printing each acknowledged event; killed by the tests.
        .executableTarget(
            name: "MarginCrashTester",
            dependencies: ["MarginEngine", "MarginLedger", "MarginStorage", "MarginSimulation"],
            swiftSettings: strictSwift
        ),
        // Test doubles and references shared by the test targets (never linked into a product).
        .target(
            name: "MarginTestSupport",
            dependencies: ["MarginCore", "MarginEngine", "MarginLedger", "MarginSimulation"],
            path: "Tests/MarginTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginCoreTests",
            dependencies: [
                "MarginCore",
                "CVectorMath",
                "MarginTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginVenuesTests",
            dependencies: ["MarginVenues", "MarginCore", "MarginTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginLedgerTests",
            dependencies: [
                "MarginLedger", "MarginCore", "MarginSimulation",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginEngineTests",
            dependencies: [
                "MarginEngine", "MarginLedger", "MarginCore", "MarginSimulation", "MarginTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginStorageTests",
            dependencies: ["MarginStorage", "MarginEngine", "MarginLedger", "MarginCore", "MarginSimulation", "MarginTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginStatementsTests",
            dependencies: ["MarginStatements", "MarginCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginSimulationTests",
            dependencies: ["MarginSimulation", "MarginLedger", "MarginCore"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginAppTests",
            dependencies: ["MarginApp", "MarginCore", "MarginVenues", "MarginEngine", "MarginLedger", "MarginTestSupport",
                           "MarginSimulation", "MarginStatements"],
            swiftSettings: strictSwift
        ),
        // The service over real loopback connections (HummingbirdTesting `.live`, a real WebSocket client).
        .testTarget(
            name: "MarginServerTests",
            dependencies: [
                "MarginServer", "MarginApp", "MarginCore", "MarginEngine", "MarginLedger", "MarginStorage", "MarginSimulation",
                "MarginStatements", "MarginTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Runs the built `margin` executable: output formats, exit codes, golden outputs over examples/.
        .testTarget(
            name: "MarginCLITests",
            dependencies: ["MarginCore", "MarginTestSupport"],
            exclude: ["Golden"],
            swiftSettings: strictSwift
        ),
    ]
)
