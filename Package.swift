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
        .executable(name: "margin", targets: ["MarginCLI"]),
        .library(name: "MarginEngine", targets: ["MarginEngine"]),
        .library(name: "MarginStorage", targets: ["MarginStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Pure core: instruments, market data, pricing, scenarios, margin models. No I/O, no global state.
        .target(
            name: "MarginCore",
            dependencies: ["CVectorMath"],
            swiftSettings: strictSwift
        ),
        // Vectorized math kernels in C: glibc libmvec (AVX2 / AVX-512, checked at run time), scalar libm otherwise.
        .target(
            name: "CVectorMath",
            linkerSettings: [
                .linkedLibrary("mvec", .when(platforms: [.linux])),
                .linkedLibrary("m", .when(platforms: [.linux])),
            ]
        ),
        // The `margin` command-line tool: a thin layer over MarginCore.
        .executableTarget(
            name: "MarginCLI",
            dependencies: [
                "MarginCore",
                "MarginEngine",
                "MarginStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSwift
        ),
        // Real-time engine: state, events, journal protocol, in-memory journal, re-margining, conflation, health.
        .target(
            name: "MarginEngine",
            dependencies: ["MarginCore", "CVectorMath"],
            swiftSettings: strictSwift
        ),
        // The engine's journal/snapshot store on SQLite (GRDB, WAL, synchronous=FULL) and PostgreSQL (postgres-nio).
        .target(
            name: "MarginStorage",
            dependencies: [
                "MarginEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Crash tester: runs the engine on a SQLite journal, printing each acknowledged event; killed by the tests.
        .executableTarget(
            name: "MarginCrashTester",
            dependencies: ["MarginEngine", "MarginStorage"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginEngineTests",
            dependencies: ["MarginEngine", "MarginCore"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginStorageTests",
            dependencies: ["MarginStorage", "MarginEngine", "MarginCore"],
            swiftSettings: strictSwift
        ),
        // Runs the built `margin` executable: output formats and exit codes.
        .testTarget(
            name: "MarginCLITests",
            dependencies: ["MarginCore"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MarginCoreTests",
            dependencies: [
                "MarginCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
    ]
)
