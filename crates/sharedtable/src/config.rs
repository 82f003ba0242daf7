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
    /// Take the client address for sign-in throttling from `X-Forwarded-For`, its last address (the
    /// one the proxy appended; set only behind a reverse proxy that sets that header).
    #[arg(long, env = "SHAREDTABLE_TRUST_PROXY")]
    pub trust_proxy: bool,
}

impl ListenArgs {
    /// The site settings these flags give. Errors: SMTP URL without a sender or unusable, SMTP
    /// without a public URL, or a public URL that is not http(s).
    ///
    /// Emailed links need the public URL: without it they would start with the `Host` header of
    /// the request that made them, which anyone can set, so `POST /password-reset` sent with
    /// `Host: evil.example` would mail the account's owner a genuine reset link to evil.example.
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
        if smtp.is_some() && self.public_url.is_none() {
            anyhow::bail!(
                "SHAREDTABLE_SMTP_URL is set but SHAREDTABLE_PUBLIC_URL is not: emailed invitation and reset links would take their address from each request's Host header, which anyone can forge; set SHAREDTABLE_PUBLIC_URL (e.g. https://table.example.org)"
            );
        }
        Ok(crate::web::Settings { public_url: self.public_url.as_ref().map(|u| u.trim_end_matches('/').to_string()), smtp, trust_proxy: self.trust_proxy })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(public_url: Option<&str>, smtp_url: Option<&str>, mail_from: Option<&str>) -> ListenArgs {
        ListenArgs {
            listen: "127.0.0.1:0".into(),
            public_url: public_url.map(str::to_string),
            smtp_url: smtp_url.map(str::to_string),
            mail_from: mail_from.map(str::to_string),
            trust_proxy: false,
        }
    }

    #[test]
    fn mail_needs_a_public_url_so_links_never_take_the_requests_host() {
        let err = args(None, Some("smtp://localhost:25"), Some("Table <t@example.org>")).settings().unwrap_err().to_string();
        assert!(err.starts_with("SHAREDTABLE_SMTP_URL is set but SHAREDTABLE_PUBLIC_URL is not"), "{err}");
        let s = args(Some("https://table.example.org/"), Some("smtp://localhost:25"), Some("Table <t@example.org>")).settings().unwrap();
        assert_eq!(s.public_url.as_deref(), Some("https://table.example.org"));
        assert!(s.smtp.is_some());
        // Without mail, links go to the log and the page of whoever asked: no public URL needed.
        let s = args(None, None, None).settings().unwrap();
        assert!(s.public_url.is_none() && s.smtp.is_none());
    }
}
