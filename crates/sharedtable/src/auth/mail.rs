//! Sending invitation and password-reset links by email (SMTP, through `lettre`), or, when no
//! SMTP server is set, writing the link to the server log so an admin can pass it on (the admin
//! page says which is in effect). The log line names the purpose and the link, never the
//! recipient's address: contact details are never logged.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where mail goes out.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// An SMTP URL as `lettre` reads it: `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (TLS) or `smtp://host:25` (local relay, no TLS).
    pub url: String,
    /// The sender, e.g. `Shared Table <table@example.org>`.
    pub from: String,
}

impl SmtpSettings {
    /// Check the settings can be used, naming the environment variable at fault.
    pub fn check(&self) -> anyhow::Result<()> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.url).map_err(|e| anyhow::anyhow!("SHAREDTABLE_SMTP_URL is not a usable SMTP URL: {e}"))?;
        self.from.parse::<Mailbox>().map_err(|e| anyhow::anyhow!("SHAREDTABLE_MAIL_FROM '{}' is not a mailbox: {e}", self.from))?;
        Ok(())
    }
}

/// How a link reached its recipient, for the page that made it.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Sent by email.
    Emailed,
    /// No SMTP server is set: the link was written to the server log.
    Logged,
}

/// Send `link` to `to` with `subject` and a plain-text `body` (the link is appended). Without
/// SMTP settings the link is logged instead. Errors: the SMTP server refused or could not be
/// reached (the message says which server).
pub async fn send_link(smtp: Option<&SmtpSettings>, to: &str, subject: &str, body: &str, link: &str) -> anyhow::Result<Delivery> {
    let Some(smtp) = smtp else {
        tracing::warn!(purpose = subject, link, "no SMTP server is set (SHAREDTABLE_SMTP_URL): pass this link on to its recipient yourself");
        return Ok(Delivery::Logged);
    };
    let message = Message::builder()
        .from(smtp.from.parse::<Mailbox>().map_err(|e| anyhow::anyhow!("SHAREDTABLE_MAIL_FROM: {e}"))?)
        .to(to.parse::<Mailbox>().map_err(|e| anyhow::anyhow!("the recipient's address is not a mailbox: {e}"))?)
        .subject(subject)
        .body(format!("{body}\n\n{link}\n\nIf you did not expect this message, you can ignore it.\n-- Shared Table\n"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)?.build();
    transport.send(message).await.map_err(|e| anyhow::anyhow!("the SMTP server did not take the message: {e}"))?;
    Ok(Delivery::Emailed)
}
