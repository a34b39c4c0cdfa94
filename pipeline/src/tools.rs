//! The tools the Build step installs, each pinned by version and checksum, so
//! that a build runs only what was reviewed: `rustup-init` of one rustup
//! release checked against its SHA-256 (rustup then checks the toolchain
//! against the release manifest), one Rust toolchain, and cargo-lambda and
//! zig from PyPI by version and wheel hash (`pip --require-hashes`).
//!
//! The wheel versions are those `scripts/python/tools.txt` pins for the test
//! suite (a test checks that they agree); the hashes are PyPI's for the
//! `manylinux` wheels of each build architecture.

use aws_constructs::lambda::Architecture;

/// The Rust toolchain the Build step compiles with: the project's development toolchain.
pub const RUST_TOOLCHAIN: &str = "1.95.0";

/// The rustup release whose `rustup-init` installs the toolchain.
pub const RUSTUP_VERSION: &str = "1.29.0";

/// Where the Build step puts the Python environment holding cargo-lambda and zig.
pub const LAMBDA_VENV: &str = "/tmp/lambda-venv";

/// A Python package pinned to one version and to the wheel each build architecture installs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinnedWheel {
    /// The package name on PyPI.
    pub package: &'static str,
    /// The exact version.
    pub version: &'static str,
    /// SHA-256 of the `manylinux` aarch64 wheel.
    pub aarch64_sha256: &'static str,
    /// SHA-256 of the `manylinux` x86_64 wheel.
    pub x86_64_sha256: &'static str,
}

/// cargo-lambda, and zig, which cargo-lambda links with (and finds as `python3 -m ziglang`).
pub const BUILD_WHEELS: [PinnedWheel; 2] = [
    PinnedWheel {
        package: "cargo-lambda",
        version: "1.9.2",
        aarch64_sha256: "3350315e8b4e88f7134967f51546bf51aa5db37a6d39a17380545362ae27e289",
        x86_64_sha256: "db2c0b1d53d7ed0055198fd045f641addc91b180b20d794fcf78cc9a9efacb38",
    },
    PinnedWheel {
        package: "ziglang",
        version: "0.17.1",
        aarch64_sha256: "b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e",
        x86_64_sha256: "ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54",
    },
];

/// SHA-256 of `rustup-init` [`RUSTUP_VERSION`] for build machines of `arch`
/// ([`Architecture::rust_target`]).
fn rustup_init_sha256(arch: Architecture) -> &'static str {
    match arch {
        Architecture::Arm64 => "9732d6c5e2a098d3521fca8145d826ae0aaa067ef2385ead08e6feac88fa5792",
        Architecture::X86_64 => "4acc9acc76d5079515b46346a485974457b5a79893cfb01112423c89aeb5aa10",
    }
}

impl PinnedWheel {
    /// The requirement line `pip --require-hashes` accepts for `arch`'s wheel.
    pub fn requirement(&self, arch: Architecture) -> String {
        let sha256 = match arch {
            Architecture::Arm64 => self.aarch64_sha256,
            Architecture::X86_64 => self.x86_64_sha256,
        };
        format!("{}=={} --hash=sha256:{sha256}", self.package, self.version)
    }
}

/// The install phase of the Build step on `arch`: Rust, then cargo-lambda and
/// zig in [`LAMBDA_VENV`]. Any checksum mismatch fails the phase.
pub fn install_commands(arch: Architecture) -> Vec<String> {
    let requirements: Vec<String> = BUILD_WHEELS
        .iter()
        .map(|w| format!("'{}'", w.requirement(arch)))
        .collect();
    vec![
        format!(
            "curl --proto '=https' --tlsv1.2 -sSf -o /tmp/rustup-init https://static.rust-lang.org/rustup/archive/{RUSTUP_VERSION}/{}/rustup-init",
            arch.rust_target()
        ),
        format!(
            "echo '{}  /tmp/rustup-init' | sha256sum --check --strict",
            rustup_init_sha256(arch)
        ),
        "chmod +x /tmp/rustup-init".to_owned(),
        format!("/tmp/rustup-init -y --profile minimal --default-toolchain {RUST_TOOLCHAIN}"),
        ". \"$HOME/.cargo/env\"".to_owned(),
        format!("python3 -m venv {LAMBDA_VENV}"),
        format!(
            "printf '%s\\n' {} > /tmp/build-tools.txt",
            requirements.join(" ")
        ),
        format!(
            "{LAMBDA_VENV}/bin/pip install --require-hashes --only-binary :all: -r /tmp/build-tools.txt"
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheels_are_the_versions_the_test_suite_pins() {
        let tools = include_str!("../../scripts/python/tools.txt");
        for wheel in BUILD_WHEELS {
            let pin = format!("{}=={}", wheel.package, wheel.version);
            assert!(
                tools.lines().any(|l| l.trim() == pin),
                "scripts/python/tools.txt does not pin {pin}; keep the pipeline's build tools and the test suite's in step"
            );
        }
    }

    #[test]
    fn every_download_is_checked_against_a_pinned_hash() {
        let arm = install_commands(Architecture::Arm64);
        assert_eq!(
            arm,
            [
                "curl --proto '=https' --tlsv1.2 -sSf -o /tmp/rustup-init https://static.rust-lang.org/rustup/archive/1.29.0/aarch64-unknown-linux-gnu/rustup-init",
                "echo '9732d6c5e2a098d3521fca8145d826ae0aaa067ef2385ead08e6feac88fa5792  /tmp/rustup-init' | sha256sum --check --strict",
                "chmod +x /tmp/rustup-init",
                "/tmp/rustup-init -y --profile minimal --default-toolchain 1.95.0",
                ". \"$HOME/.cargo/env\"",
                "python3 -m venv /tmp/lambda-venv",
                "printf '%s\\n' 'cargo-lambda==1.9.2 --hash=sha256:3350315e8b4e88f7134967f51546bf51aa5db37a6d39a17380545362ae27e289' 'ziglang==0.17.1 --hash=sha256:b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e' > /tmp/build-tools.txt",
                "/tmp/lambda-venv/bin/pip install --require-hashes --only-binary :all: -r /tmp/build-tools.txt",
            ]
        );
        let x86 = install_commands(Architecture::X86_64).join("\n");
        assert!(x86.contains("/rustup/archive/1.29.0/x86_64-unknown-linux-gnu/rustup-init"));
        assert!(x86.contains(
            "'4acc9acc76d5079515b46346a485974457b5a79893cfb01112423c89aeb5aa10  /tmp/rustup-init'"
        ));
        assert!(x86.contains("'cargo-lambda==1.9.2 --hash=sha256:db2c0b1d53d7ed0055198fd045f641addc91b180b20d794fcf78cc9a9efacb38'"));
        assert!(x86.contains("'ziglang==0.17.1 --hash=sha256:ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54'"));
        // Nothing downloaded is piped into a shell (`| sha256sum` is the check).
        for command in arm.iter().map(String::as_str).chain(x86.lines()) {
            assert!(
                !command.contains("| sh ") && !command.ends_with("| sh"),
                "{command}"
            );
        }
    }
}
