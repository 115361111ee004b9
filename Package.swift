// swift-tools-version:6.0
// hashscreen — screens image datasets against known-abuse hash lists.
// Modules by pipeline stage, depending one way (see docs/architecture.md):
//   HashscreenCore <- Decode / Digest / Perceptual / Manifest / List / Match / Report / Attest <- Pipeline <- hashscreen
// C libraries enter only through the C* targets below, each imported by one module (CCrypto by two:
// Digest for digests, Attest for Ed25519 keys; each handle owned by one type).
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "hashscreen",
    products: [
        .executable(name: "hashscreen", targets: ["hashscreen"]),
        // One public entry function per parser, for the libFuzzer harnesses of Fuzz/ (a separate
        // package: DEVELOPERS.md); the CLI does not depend on it.
        .library(name: "HashscreenFuzzEntryPoints", targets: ["HashscreenFuzzEntryPoints"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C libraries (system, from Debian -dev packages; see Makefile `deps`)
        .systemLibrary(name: "CSQLite", path: "Sources/C/CSQLite", pkgConfig: "sqlite3"),
        .systemLibrary(name: "CCrypto", path: "Sources/C/CCrypto", pkgConfig: "libcrypto"),
        .systemLibrary(name: "CSnappy", path: "Sources/C/CSnappy", pkgConfig: "snappy"),
        .systemLibrary(name: "CZstd", path: "Sources/C/CZstd", pkgConfig: "libzstd"),
        .systemLibrary(name: "CZlib", path: "Sources/C/CZlib", pkgConfig: "zlib"),
        // Image codecs behind one C shim: setjmp/longjmp never cross a Swift frame.
        .target(
            name: "CImageShim",
            path: "Sources/C/CImageShim",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [
                .linkedLibrary("jpeg"), .linkedLibrary("png16"),
                .linkedLibrary("webp"), .linkedLibrary("webpdemux"), .linkedLibrary("gif"),
            ]
        ),

        // Loops whose speed depends on the instruction set, built for the baseline and for
        // AVX2 (+ BMI2) and chosen at run time (optimised in debug builds too, so that every
        // build runs the shipped code): the match indexes' prefetches and search loops, and
        // the perceptual hashes' pixel loops.
        .target(name: "CPrefetch", path: "Sources/C/CPrefetch", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "CPixelKernels", path: "Sources/C/CPixelKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // The columnar metadata scan's per-value byte loops (SSE2 on x86-64, bytes elsewhere).
        .target(name: "CByteKernels", path: "Sources/C/CByteKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // Multi-buffer MD5 (4 lanes, 8 with AVX2): the columnar scan's URL digests.
        .target(name: "CMD5x", path: "Sources/C/CMD5x", exclude: ["md5x_body.h"], cSettings: [.unsafeFlags(["-O2"])]),

        // MARK: - Core: words shared by every stage
        .target(name: "HashscreenCore", swiftSettings: swiftSettings),

        // MARK: - Stage modules (import Core and their own C target only)
        .target(name: "HashscreenDecode", dependencies: ["HashscreenCore", "CImageShim"], swiftSettings: swiftSettings),

        .target(name: "HashscreenDigest", dependencies: ["HashscreenCore", "CCrypto", "CMD5x"], swiftSettings: swiftSettings),

        .target(name: "HashscreenPerceptual", dependencies: ["HashscreenCore", "CPixelKernels"], swiftSettings: swiftSettings),

        .target(name: "HashscreenParquet", dependencies: ["HashscreenCore", "CSnappy", "CZstd", "CZlib", "CByteKernels"], swiftSettings: swiftSettings),

        .target(name: "HashscreenTar", swiftSettings: swiftSettings),

        .target(name: "HashscreenManifest", dependencies: ["HashscreenCore", "HashscreenParquet", "HashscreenTar", "CByteKernels"], swiftSettings: swiftSettings),

        .target(name: "HashscreenList", dependencies: ["HashscreenCore", "CSQLite"], swiftSettings: swiftSettings),

        .target(name: "HashscreenMatch", dependencies: ["HashscreenCore", "CPrefetch"], swiftSettings: swiftSettings),

        .target(name: "HashscreenReport", dependencies: ["HashscreenCore"], swiftSettings: swiftSettings),

        // Signed attestations: DSSE, in-toto statements, Ed25519 keys (libcrypto's EVP_PKEY;
        // HashscreenDigest owns its digest contexts, this module its keys).
        .target(name: "HashscreenAttest", dependencies: ["HashscreenCore", "CCrypto"], swiftSettings: swiftSettings),

        // MARK: - Pipeline: wires the stages; the CLI is thin over it
        .target(
            name: "HashscreenPipeline",
            dependencies: [
                "HashscreenCore", "HashscreenDecode", "HashscreenDigest", "HashscreenPerceptual",
                "HashscreenManifest", "HashscreenList", "HashscreenMatch", "HashscreenReport", "HashscreenAttest",
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hashscreen",
            // The pipeline's public API only (it re-exports HashscreenCore).
            dependencies: [
                "HashscreenPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "HashscreenFuzzEntryPoints",
            dependencies: [
                "HashscreenCore", "HashscreenDecode", "HashscreenDigest", "HashscreenPerceptual",
                "HashscreenParquet", "HashscreenTar", "HashscreenManifest", "HashscreenList",
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(name: "hashscreen-index-bench", dependencies: ["HashscreenCore", "HashscreenMatch"], path: "Benchmarks/IndexBench"),

        // MARK: - Tests (mirror the modules)
        // Fixture helpers: paths, temporary folders, the CLI runner, datasets built in code.
        .target(name: "HashscreenTestSupport", dependencies: ["HashscreenCore", "HashscreenParquet"], path: "Tests/HashscreenTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "HashscreenCoreTests", dependencies: ["HashscreenCore", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenDecodeTests", dependencies: ["HashscreenDecode", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenDigestTests", dependencies: ["HashscreenDigest", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenPerceptualTests", dependencies: ["HashscreenPerceptual", "HashscreenDecode", "HashscreenTestSupport"],
                    exclude: ["Scripts"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenParquetTests", dependencies: ["HashscreenParquet", "CByteKernels", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenManifestTests", dependencies: ["HashscreenManifest", "CByteKernels", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenListTests", dependencies: ["HashscreenList", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenMatchTests", dependencies: ["HashscreenMatch", "HashscreenPerceptual", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenTarTests", dependencies: ["HashscreenTar", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenReportTests", dependencies: ["HashscreenReport", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenAttestTests", dependencies: ["HashscreenAttest", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        .testTarget(name: "HashscreenPipelineTests", dependencies: ["HashscreenPipeline", "HashscreenTestSupport"], swiftSettings: swiftSettings),

        // Inputs the fuzzers found (Fixtures/fuzz/<target>/), replayed and checked.
        .testTarget(
            name: "HashscreenFuzzEntryPointsTests",
            dependencies: ["HashscreenFuzzEntryPoints", "HashscreenParquet", "HashscreenTar", "HashscreenManifest",
                           "HashscreenList", "HashscreenDecode", "HashscreenTestSupport"],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "EndToEndTests", dependencies: ["HashscreenTestSupport"], swiftSettings: swiftSettings),
    ]
)
