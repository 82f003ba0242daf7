//! Settings shared by every command. Each flag is also an environment variable.

use clap::Args;

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH` (a file, created if absent; `sqlite:///ABS/PATH`), `sqlite::memory:`,
    /// or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (`postgresql://` too).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://sharedtable.db", global = true)]
    pub database_url: String,
}

/// Where to listen.
#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address and port to serve on.
    #[arg(long, env = "SHAREDTABLE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The address people reach the site at (e.g. `https://table.example.org`): used in emailed
    /// invitation and reset links; `https://` makes session cookies `Secure`.
    #[arg(long, env = "SHAREDTABLE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SMTP server for invitation and reset emails, e.g. `smtp://user:pass@mail.example.org:587?tls=required`.
    /// Without it the links are written to the server log.
    #[arg(long, env = "SHAREDTABLE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of those emails, e.g. `Shared Table <table@example.org>`.
    #[arg(long, env = "SHAREDTABLE_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Take the client address for sign-in throttling from `X-Forwarded-For` (set only behind a
    /// reverse proxy that sets that header).
    #[arg(long, env = "SHAREDTABLE_TRUST_PROXY")]
    pub trust_proxy: bool,
}

impl ListenArgs {
    /// The site settings these flags give. Errors: SMTP URL without a sender or unusable, or a
    /// public URL that is not http(s).
    pub fn settings(&self) -> anyhow::Result<crate::web::Settings> {
        if let Some(u) = &self.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                anyhow::bail!("SHAREDTABLE_PUBLIC_URL '{u}' must start with http:// or https://");
            }
        }
        let smtp = match (&self.smtp_url, &self.mail_from) {
            (Some(url), Some(from)) => {
                let s = crate::auth::mail::SmtpSettings { url: url.clone(), from: from.clone() };
                s.check()?;
                Some(s)
            }
            (Some(_), None) => anyhow::bail!("SHAREDTABLE_SMTP_URL is set but SHAREDTABLE_MAIL_FROM (the sender) is not"),
            _ => None,
        };
        Ok(crate::web::Settings { public_url: self.public_url.as_ref().map(|u| u.trim_end_matches('/').to_string()), smtp, trust_proxy: self.trust_proxy })
    }
}
