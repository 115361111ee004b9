import ArgumentParser
import Foundation
import HashscreenPipeline

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Make signing keys for screening attestations.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an Ed25519 key pair: KEY (private, PEM PKCS#8) and KEY.pub (public, PEM SubjectPublicKeyInfo).",
            discussion: """
                Both files are created with mode 0600 and never overwritten: an existing KEY or \
                KEY.pub stops the command (exit 2). Prints the keyid (hex SHA-256 of the public \
                key's DER), the name signatures carry. Give KEY to `scan --attest` and KEY.pub to \
                whoever verifies. Exit status: 0 made; 2 refused.
                """
        )

        @Option(help: ArgumentHelp("The private key's file; the public key goes beside it as KEY.pub.", valueName: "key"))
        var out: String

        func run() throws {
            let out = self.out
            let code = try Hashscreen.guarded {
                try AttestationOperations.generateKey(out: out)
                return 0
            }
            throw ExitCode(code)
        }
    }
}

struct AttestationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation",
        abstract: "Check screening attestations.",
        subcommands: [Verify.self]
    )

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a screening attestation's signature and, with --inputs, that the inputs are the ones screened.",
            discussion: """
                FILE is a scan's attestation.intoto.json (a DSSE envelope). Each of --inputs is \
                digested as the scan did (a file's SHA-256, a folder's tree digest: \
                docs/attestation.md) and must equal a subject's digest (names may differ).

                Exit status: 0 the signature verifies (and every input matches a subject); 1 not \
                verified (no signature verifies with the key, or FILE is no in-toto DSSE \
                envelope); 3 the signature verifies but an input matches no subject; 2 fatal \
                error (unreadable FILE, key or input; a key that is not Ed25519).
                """
        )

        @Argument(help: "The attestation (attestation.intoto.json).")
        var file: String

        @Option(help: ArgumentHelp("The signer's public key (KEY.pub); the private key works too.", valueName: "pub"))
        var key: String

        @Option(parsing: .upToNextOption, help: "Files or folders that must be the attestation's subjects.")
        var inputs: [String] = []

        func run() throws {
            let (file, key, inputs) = (self.file, self.key, self.inputs)
            let code = try Hashscreen.guarded {
                let result = try AttestationOperations.verify(file: file, keyPath: key, inputs: inputs)
                if let problem = result.problem { Hashscreen.stderr("hashscreen: \(problem)") }
                return result.status
            }
            throw ExitCode(code)
        }
    }
}
