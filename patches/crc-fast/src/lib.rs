//! The part of [crc-fast](https://crates.io/crates/crc-fast) that the AWS SDK uses, for
//! small Lambda zips.
//!
//! `aws-smithy-checksums` (the S3 client's request and response checksums) computes
//! CRC-32, CRC-32C and CRC-64/NVME through crc-fast, which links the lookup tables of
//! every algorithm it knows (about 400 KiB, chosen at run time, so the linker cannot drop
//! them) and SIMD code for each CPU: 0.7 MB of the oauth-collector binary, the only
//! function with an S3 client. The workspace's `[patch.crates-io]` puts this crate in
//! its place: the same API for those three algorithms, one 256-entry table each, built
//! at compile time. Checked against the check values of the CRC catalogue
//! (<https://reveng.sourceforge.io/crc-catalogue/all.htm>) and, in the e2e run, by the
//! local engine's S3, which rejects an object whose checksum header is wrong.
//!
//! Any other algorithm panics, as crc-fast does for an algorithm of the wrong width; a
//! dependency that needs one fails its tests here, not silently.

/// The CRC algorithms this crate computes (crc-fast's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrcAlgorithm {
    /// CRC-32/ISO-HDLC, the CRC-32 of zip and Ethernet (`x-amz-checksum-crc32`).
    Crc32IsoHdlc,
    /// CRC-32/ISCSI, CRC-32C (`x-amz-checksum-crc32c`).
    Crc32Iscsi,
    /// CRC-64/NVME (`x-amz-checksum-crc64nvme`).
    Crc64Nvme,
}

/// A reflected CRC of up to 64 bits: initial value and final XOR all ones.
struct Params {
    table: [u64; 256],
    /// All ones in the CRC's width.
    mask: u64,
}

impl Params {
    /// The byte-wise table of the reflected polynomial `poly`.
    const fn new(poly: u64, width: u32) -> Params {
        let mut table = [0u64; 256];
        let mut i = 0;
        while i < 256 {
            let mut crc = i as u64;
            let mut bit = 0;
            while bit < 8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ poly
                } else {
                    crc >> 1
                };
                bit += 1;
            }
            table[i] = crc;
            i += 1;
        }
        Params {
            table,
            mask: u64::MAX >> (64 - width),
        }
    }
}

static CRC32_ISO_HDLC: Params = Params::new(0xEDB8_8320, 32);
static CRC32_ISCSI: Params = Params::new(0x82F6_3B78, 32);
static CRC64_NVME: Params = Params::new(0x9A6C_9329_AC4B_C9B5, 64);

impl CrcAlgorithm {
    fn params(self) -> &'static Params {
        match self {
            CrcAlgorithm::Crc32IsoHdlc => &CRC32_ISO_HDLC,
            CrcAlgorithm::Crc32Iscsi => &CRC32_ISCSI,
            CrcAlgorithm::Crc64Nvme => &CRC64_NVME,
        }
    }
}

/// An incremental CRC computation.
#[derive(Clone, Copy)]
pub struct Digest {
    algorithm: CrcAlgorithm,
    params: &'static Params,
    state: u64,
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digest")
            .field("algorithm", &self.algorithm)
            .field("state", &self.state)
            .finish()
    }
}

impl Digest {
    /// A digest of no bytes yet.
    pub fn new(algorithm: CrcAlgorithm) -> Self {
        let params = algorithm.params();
        Digest {
            algorithm,
            params,
            state: params.mask,
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        let table = &self.params.table;
        let mut crc = self.state;
        for &byte in data {
            crc = table[((crc ^ u64::from(byte)) & 0xFF) as usize] ^ (crc >> 8);
        }
        self.state = crc;
    }

    /// The CRC of the bytes added so far.
    pub fn finalize(&self) -> u64 {
        self.state ^ self.params.mask
    }

    /// The CRC of the bytes added so far; the digest starts again.
    pub fn finalize_reset(&mut self) -> u64 {
        let crc = self.finalize();
        self.reset();
        crc
    }

    /// Starts again, as if new.
    pub fn reset(&mut self) {
        self.state = self.params.mask;
    }
}

/// The CRC of `buf`.
pub fn checksum(algorithm: CrcAlgorithm, buf: &[u8]) -> u64 {
    let mut digest = Digest::new(algorithm);
    digest.update(buf);
    digest.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue's `check` value of each algorithm: the CRC of "123456789".
    #[test]
    fn check_values_of_the_crc_catalogue() {
        assert_eq!(
            checksum(CrcAlgorithm::Crc32IsoHdlc, b"123456789"),
            0xCBF4_3926
        );
        assert_eq!(
            checksum(CrcAlgorithm::Crc32Iscsi, b"123456789"),
            0xE306_9283
        );
        assert_eq!(
            checksum(CrcAlgorithm::Crc64Nvme, b"123456789"),
            0xAE8B_1486_0A79_9888
        );
    }

    #[test]
    fn incremental_equals_one_shot_and_reset_starts_again() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        for algorithm in [
            CrcAlgorithm::Crc32IsoHdlc,
            CrcAlgorithm::Crc32Iscsi,
            CrcAlgorithm::Crc64Nvme,
        ] {
            let mut digest = Digest::new(algorithm);
            for chunk in data.chunks(777) {
                digest.update(chunk);
            }
            assert_eq!(digest.finalize_reset(), checksum(algorithm, &data));
            assert_eq!(digest.finalize(), checksum(algorithm, b""));
        }
        assert_eq!(checksum(CrcAlgorithm::Crc32IsoHdlc, b""), 0);
    }

    /// The values aws-smithy-checksums' own tests expect (its `src/lib.rs`) for "test data",
    /// here added in two pieces.
    #[test]
    fn values_the_aws_sdk_expects() {
        for (algorithm, expected) in [
            (CrcAlgorithm::Crc32IsoHdlc, 0xD308_AEB2),
            (CrcAlgorithm::Crc32Iscsi, 0x3379_B4CA),
            (CrcAlgorithm::Crc64Nvme, 0xAECA_F3AF_9C98_A855),
        ] {
            let mut digest = Digest::new(algorithm);
            digest.update(b"test ");
            digest.update(b"data");
            assert_eq!(digest.finalize(), expected, "{algorithm:?}");
        }
    }
}
