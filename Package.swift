// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "minsheng",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "minsheng", targets: ["minsheng"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
    ],
    targets: [
        // Lifecycle, calendar, deadlines, alerts: plain values and pure functions, no I/O, no imports.
        .target(name: "MinshengDomain"),
        // Text analytics (classifier, hotspots, near-duplicates, risk words, reply quality): Foundation only.
        .target(name: "MinshengText"),
        // The only module that knows SQL and the engines, and so the tokens its search indexes hold (SearchTokens).
        .target(name: "MinshengStore", dependencies: [
            "MinshengDomain",
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MinshengServer", dependencies: [
            "MinshengDomain", "MinshengStore", "MinshengText",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            // AES-CBC for WeChat's safe mode (消息加解密).
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Resources")]),
        .executableTarget(name: "minsheng", dependencies: [
            "MinshengServer", "MinshengStore", "MinshengDomain", "MinshengText",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "MinshengDomainTests", dependencies: ["MinshengDomain"]),
        // The domain's repeat rule decides on the text module's measures: the examples read both.
        .testTarget(name: "MinshengTextTests", dependencies: ["MinshengText", "MinshengDomain"]),
        .testTarget(name: "MinshengStoreTests", dependencies: ["MinshengStore", "MinshengDomain"]),
        .testTarget(name: "MinshengServerTests", dependencies: [
            "MinshengServer", "MinshengStore", "MinshengDomain",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
