// swift-tools-version:6.0
// hashscreen-fuzz: libFuzzer harnesses for every parser hashscreen owns or wraps (DEVELOPERS.md,
// "Fuzzing"). A package of its own so that the main package's build and tests never see
// -sanitize=fuzzer; it reaches the parsers through the main package's HashscreenFuzzEntryPoints.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, so the main package's identity is the name
// of the folder this repository is cloned into.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "hashscreen-fuzz",
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        // The Swift side of each target: a C-callable function over the entry point.
        .target(
            name: "FuzzTargets",
            dependencies: [.product(name: "HashscreenFuzzEntryPoints", package: mainPackage)],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // The C main: picks the target named by the first argument and hands it to
        // LLVMFuzzerRunDriver (an executable whose main is Swift's never starts libFuzzer).
        .executableTarget(name: "hashscreen-fuzz", dependencies: ["FuzzTargets"]),
    ]
)
