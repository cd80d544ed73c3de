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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // Pure core: instruments, market data, pricing, scenarios, margin models. No I/O, no global state.
        .target(
            name: "MarginCore",
            swiftSettings: strictSwift
        ),
        // The `margin` command-line tool: a thin layer over MarginCore.
        .executableTarget(
            name: "MarginCLI",
            dependencies: [
                "MarginCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
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
