//! The engine process: LocalStack's core with our plugins (`infra/local-engine`),
//! started in the background on 127.0.0.1, found again through a state file,
//! and stopped by its process group.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::http;
use super::Layout;
use crate::{Error, Result};

/// The engine's default port (LocalStack's).
pub const DEFAULT_PORT: u16 = 4566;

/// How long the engine may take to answer its health check after starting.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// How long it may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// A running engine, as recorded in the state file (`engine.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engine {
    /// Process id, also its process group id.
    pub pid: u32,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// The region the app is deployed to.
    pub region: String,
    /// Seconds since the epoch when it started.
    pub started_at: u64,
}

/// What to start.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The Python 3.13 interpreter of the engine's venv.
    pub python: PathBuf,
    /// The port on 127.0.0.1.
    pub port: u16,
    /// The region the app is deployed to.
    pub region: String,
}

/// The engine's interpreter: `INFRA_LOCAL_PYTHON`, else `localstack/bin/python` in
/// `TOOLS_DIR` (default `<workspace>/.tools`), where `scripts/tools.sh` installs it.
pub fn python(workspace: &Path) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("INFRA_LOCAL_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let python = crate::tools::dir(workspace).join("localstack/bin/python");
    if !python.is_file() {
        return Err(Error::EngineNotInstalled { python });
    }
    Ok(python)
}

/// The engine recorded in the state file, if its process is alive and answers.
pub async fn running(layout: &Layout) -> Option<Engine> {
    let text = std::fs::read_to_string(layout.state_file()).ok()?;
    let engine: Engine = serde_json::from_str(&text).ok()?;
    (alive(engine.pid) && healthy(&engine.endpoint).await).then_some(engine)
}

/// Starts the engine in the background and records it; [`wait_ready`] waits until it answers.
pub fn spawn(layout: &Layout, spec: &Spec) -> Result<Engine> {
    if TcpListener::bind(("127.0.0.1", spec.port)).is_err() {
        return Err(Error::PortInUse { port: spec.port });
    }
    for dir in [
        layout.engine_dir(),
        layout.tmp_dir(),
        layout.function_logs(),
    ] {
        std::fs::create_dir_all(&dir).map_err(Error::file("create", &dir))?;
    }
    let log_file = layout.log_file();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_file)
        .and_then(|log| Ok((log.try_clone()?, log)))
        .map_err(Error::file("open", &log_file))?;
    let mut command = Command::new(&spec.python);
    command
        .args(["-m", "localstack.runtime.main"])
        .stdin(Stdio::null())
        .stdout(log.0)
        .stderr(log.1);
    for (key, _) in std::env::vars_os() {
        // The engine's own AWS clients must not follow the caller's endpoint or profile.
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command.envs(environment(layout, spec));
    // Its own process group: Ctrl-C in the terminal does not stop it, and `down`
    // stops it with every function process it started.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn().map_err(|source| Error::EngineNotStarted {
        python: spec.python.clone(),
        source,
    })?;
    let engine = Engine {
        pid: child.id(),
        endpoint: format!("http://127.0.0.1:{}", spec.port),
        region: spec.region.clone(),
        started_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let state = layout.state_file();
    serde_json::to_string_pretty(&engine)
        .map_err(std::io::Error::from)
        .and_then(|text| std::fs::write(&state, text))
        .map_err(Error::file("write", &state))?;
    Ok(engine)
}

/// Waits until a spawned engine answers; stops it and fails with its log's end
/// when it exits or does not answer in time.
pub async fn wait_ready(layout: &Layout, engine: Engine) -> Result<Engine> {
    let started = Instant::now();
    while !healthy(&engine.endpoint).await {
        if !alive(engine.pid) || started.elapsed() > START_TIMEOUT {
            stop_process(engine.pid);
            return Err(Error::EngineFailed {
                log: layout.log_file(),
                tail: tail(&layout.log_file(), 15),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(engine)
}

/// The engine's environment: loopback only, no Docker, no downloads, state under `layout`.
fn environment(layout: &Layout, spec: &Spec) -> Vec<(&'static str, String)> {
    let path = |p: PathBuf| p.display().to_string();
    vec![
        ("GATEWAY_LISTEN", format!("127.0.0.1:{}", spec.port)),
        ("LOCALSTACK_HOST", format!("127.0.0.1:{}", spec.port)),
        // No DNS server, no certificate download, no analytics.
        ("DNS_ADDRESS", "0".to_owned()),
        ("SKIP_SSL_CERT_DOWNLOAD", "1".to_owned()),
        ("DISABLE_EVENTS", "1".to_owned()),
        // State in our folder (LocalStack would `rm -rf /tmp/localstack`; functions unzip under TMPDIR).
        ("FILESYSTEM_ROOT", path(layout.engine_dir())),
        (
            "LOCALSTACK_VOLUME_DIR",
            path(layout.engine_dir().join("volume")),
        ),
        ("TMPDIR", path(layout.tmp_dir())),
        ("XDG_CACHE_HOME", path(layout.engine_dir().join("cache"))),
        // Our plugins: functions as host processes, DynamoDB from moto.
        ("LAMBDA_RUNTIME_EXECUTOR", "local".to_owned()),
        ("PROVIDER_OVERRIDE_DYNAMODB", "moto".to_owned()),
        ("INFRA_LOCAL_FUNCTION_LOG_DIR", path(layout.function_logs())),
        ("AWS_DEFAULT_REGION", spec.region.clone()),
    ]
}

/// Stops the engine recorded in the state file (and its function processes).
/// `false` when none was running.
pub fn stop(layout: &Layout) -> bool {
    let Some(engine) = std::fs::read_to_string(layout.state_file())
        .ok()
        .and_then(|t| serde_json::from_str::<Engine>(&t).ok())
    else {
        return false;
    };
    let was_alive = alive(engine.pid);
    stop_process(engine.pid);
    was_alive
}

fn stop_process(pid: u32) {
    let Ok(pgid) = i32::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals the process group; no memory is shared.
    unsafe { libc::kill(-pgid, libc::SIGTERM) };
    let started = Instant::now();
    while alive(pid) && started.elapsed() < STOP_TIMEOUT {
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: as above; whatever is left of the group is killed.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
}

/// Whether a process exists (signal 0 checks without signalling).
fn alive(pid: u32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    i32::try_from(pid).is_ok_and(|p| unsafe { libc::kill(p, 0) } == 0)
}

async fn healthy(endpoint: &str) -> bool {
    http::get_json(&format!("{endpoint}/_localstack/health"))
        .await
        .is_ok()
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_keeps_everything_on_loopback_and_in_the_state_folder() {
        let layout = Layout::new(PathBuf::from("/w/.infra-local"));
        let spec = Spec {
            python: PathBuf::from("python"),
            port: 4599,
            region: "eu-west-1".into(),
        };
        let env: std::collections::BTreeMap<_, _> =
            environment(&layout, &spec).into_iter().collect();
        assert_eq!(env["GATEWAY_LISTEN"], "127.0.0.1:4599");
        assert_eq!(env["LAMBDA_RUNTIME_EXECUTOR"], "local");
        assert_eq!(env["PROVIDER_OVERRIDE_DYNAMODB"], "moto");
        for key in ["FILESYSTEM_ROOT", "TMPDIR", "INFRA_LOCAL_FUNCTION_LOG_DIR"] {
            assert!(env[key].starts_with("/w/.infra-local/"), "{key}");
        }
    }

    #[test]
    fn a_process_that_does_not_exist_is_not_alive() {
        assert!(alive(std::process::id()));
        assert!(!alive(u32::MAX));
    }
}
