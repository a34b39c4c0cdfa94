//! Publishing file assets to the staging bucket. Object keys are content
//! hashes, so an object that exists already is the same file: it is not
//! uploaded again (HeadObject first), and unchanged code uploads nothing.

use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;

use super::assembly::Asset;
use super::session::error_message;
use crate::error::{Error, Result};

/// What publishing did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Object keys uploaded.
    pub uploaded: Vec<String>,
    /// Object keys already in the bucket.
    pub present: Vec<String>,
    /// Bytes uploaded.
    pub bytes: u64,
}

/// Uploads the assets of a stack that are not yet in `bucket`.
pub async fn publish(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    assembly_dir: &Path,
    assets: &[Asset],
) -> Result<Published> {
    let mut report = Published::default();
    for asset in assets {
        let path = assembly_dir.join(&asset.source_path);
        match s3
            .head_object()
            .bucket(bucket)
            .key(&asset.object_key)
            .send()
            .await
        {
            Ok(_) => {
                report.present.push(asset.object_key.clone());
                continue;
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {}
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => {}
            Err(e) => {
                let message = error_message(&e);
                if message.contains("NoSuchBucket") || message.contains("AccessDenied") {
                    return Err(Error::StagingBucket {
                        bucket: bucket.to_owned(),
                        message,
                    });
                }
                return Err(Error::Aws {
                    action: format!("check s3://{bucket}/{}", asset.object_key),
                    message,
                });
            }
        }
        let bytes = std::fs::read(&path).map_err(|source| {
            if asset.source_path.ends_with(".zip") {
                Error::AssetMissing {
                    path: path.clone(),
                    source,
                }
            } else {
                Error::AssetUnreadable {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        let size = bytes.len() as u64;
        let content_type = if asset.object_key.ends_with(".json") {
            "application/json"
        } else if asset.object_key.ends_with(".zip") {
            "application/zip"
        } else {
            "application/octet-stream"
        };
        s3.put_object()
            .bucket(bucket)
            .key(&asset.object_key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(Error::aws(format!(
                "upload {} to s3://{bucket}/{}",
                path.display(),
                asset.object_key
            )))?;
        report.uploaded.push(asset.object_key.clone());
        report.bytes += size;
    }
    Ok(report)
}

/// `812.3 KiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes() {
        assert_eq!(human_size(22), "22 B");
        assert_eq!(human_size(831_795), "812.3 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
    }
}
