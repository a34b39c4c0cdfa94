//! Whether this process is a *local run*: the one notion every function uses to decide
//! whether it may follow `AWS_ENDPOINT_URL` ([`crate::sdk::lambda_config`]), talk plain HTTP
//! to loopback hosts (the OAuth collector's token endpoints) or read secrets from its
//! environment ([`crate::SecretsClientBuilder::env_fallback`]).
//!
//! A process is a local run when
//!
//! * it was not started by a Lambda runtime: `AWS_LAMBDA_RUNTIME_API` is unset (tests, tools,
//!   a developer's shell; there is no Runtime API on loopback to reach), or
//! * `infra local`'s engine started it: `AWS_EXECUTION_ENV` is [`LOCAL_ENGINE_EXECUTION_ENV`]
//!   (set by the engine's executor, `infra/local-engine/infra_local_engine/executor.py`).
//!
//! Both are *reserved* Lambda variables: Lambda sets them itself and refuses a function
//! configuration that names them (`CreateFunction`/`UpdateFunctionConfiguration` fail with
//! "reserved keys"), and the other way to change a function's environment, a wrapper script
//! (`AWS_LAMBDA_EXEC_WRAPPER`), is not supported on the OS-only runtimes (`provided.*`) the
//! functions use. So a deployed function cannot be made to believe it runs locally by its
//! own configuration alone. A variable of our own (`INFRA_LOCAL=1`) or "`AWS_ENDPOINT_URL`
//! points at loopback" would not do: both are ordinary configuration, and the second would
//! even send the signed SDK requests, session token included, to whatever listens there.

/// The `AWS_EXECUTION_ENV` of functions started by `infra local`'s engine. Real Lambda sets
/// `AWS_Lambda_<runtime>` for managed runtimes and nothing for `provided.*`; this value is
/// in the same shape and names no AWS runtime.
pub const LOCAL_ENGINE_EXECUTION_ENV: &str = "AWS_Lambda_infra-local";

/// Whether this process is a local run (see the [module docs](self)).
pub fn is_local_run() -> bool {
    is_local_run_in(|name| std::env::var(name).ok())
}

/// [`is_local_run`] over the variables `var` returns (tests pass a map).
pub fn is_local_run_in(var: impl Fn(&str) -> Option<String>) -> bool {
    var("AWS_LAMBDA_RUNTIME_API").is_none()
        || var("AWS_EXECUTION_ENV").as_deref() == Some(LOCAL_ENGINE_EXECUTION_ENV)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn local(pairs: &[(&str, &str)]) -> bool {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        is_local_run_in(|name| map.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn outside_a_lambda_runtime_is_local() {
        assert!(local(&[]));
        assert!(local(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")]));
    }

    #[test]
    fn the_local_engine_is_local() {
        assert!(local(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:41234"),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_infra-local"),
        ]));
    }

    #[test]
    fn lambda_is_not_local_whatever_its_configurable_variables_say() {
        assert!(!local(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")]));
        // What a function's configuration can set: none of it makes a local run.
        assert!(!local(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9001"),
            ("INFRA_LOCAL", "1"),
            ("LOCALSTACK_HOSTNAME", "127.0.0.1"),
        ]));
        // A managed runtime's own value is not the engine's.
        assert!(!local(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12"),
        ]));
        assert!(!local(&[("AWS_LAMBDA_RUNTIME_API", "")]));
    }
}
