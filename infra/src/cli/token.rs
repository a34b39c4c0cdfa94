//! `infra token`: a short-lived test JWT for the orders API.

use anyhow::Context as _;

use rcdk_toolkit::cli::{AwsArgs, Context};
use rcdk_toolkit::deploy::session::error_message;

use crate::app::orders::{token_audience, token_issuer, APP, JWT_SECRET};
use crate::app::Env;
use crate::token::{issue, parse_ttl, signing_key, Claims};

/// Print a short-lived HS256 JWT signed with the API's key from Secrets
/// Manager, with the iss and aud the API's authorizer requires, ready for
/// 'Authorization: Bearer <token>'.
#[derive(Debug, clap::Args)]
pub struct Token {
    /// The secret holding the signing key, by name or ARN (default: orders/<env>/jwt-signing-key, env from -c env=…).
    #[arg(long, value_name = "ID")]
    secret_id: Option<String>,
    /// The secret is a JSON object: use this member as the key (as JWT_SECRET_JSON_KEY does for the authorizer).
    #[arg(long, value_name = "KEY")]
    json_key: Option<String>,
    /// Lifetime: seconds, or with a unit (90s, 15m, 1h); at most 1h, the longest the authorizer accepts.
    #[arg(long, default_value = "15m", value_parser = parse_ttl)]
    ttl: u64,
    /// The sub claim (the principal the orders belong to).
    #[arg(long, default_value = "infra-cli")]
    sub: String,
    /// The iss claim (default: urn:orders:<env>:auth, what the authorizer of -c env=… requires).
    #[arg(long)]
    issuer: Option<String>,
    /// The aud claim (default: urn:orders:<env>:api, what the authorizer of -c env=… requires).
    #[arg(long)]
    audience: Option<String>,
    #[command(flatten)]
    aws: AwsArgs,
}

impl Token {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        let env = Env::from_context(&ctx.values())?;
        let secret_id = match &self.secret_id {
            Some(id) => id.clone(),
            None => format!("{APP}/{}/{JWT_SECRET}", env.name()),
        };
        let secret = rcdk_toolkit::deploy::runtime()?.block_on(async {
            let session = self.aws.session().await;
            let sm = session.secrets_manager();
            match sm.get_secret_value().secret_id(&secret_id).send().await {
                Ok(out) => out
                    .secret_string()
                    .map(str::to_owned)
                    .with_context(|| format!("secret '{secret_id}' has no string value")),
                Err(e) => Err(anyhow::anyhow!(error_message(&e))).with_context(|| {
                    format!("failed to read secret '{secret_id}'; the Orders stack creates it: deploy the app first (scripts/deploy.sh), or pass --secret-id")
                }),
            }
        })?;
        let key = signing_key(&secret, self.json_key.as_deref())
            .with_context(|| format!("secret '{secret_id}'"))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        let claims = Claims {
            subject: self.sub.clone(),
            ttl_seconds: self.ttl,
            issuer: self.issuer.clone().unwrap_or_else(|| token_issuer(env)),
            audience: self.audience.clone().unwrap_or_else(|| token_audience(env)),
        };
        println!("{}", issue(&key, &claims, i64::try_from(now)?));
        eprintln!(
            "valid for {} s; use it as: Authorization: Bearer <token>",
            self.ttl
        );
        Ok(())
    }
}
