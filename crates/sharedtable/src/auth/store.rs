//! The account tables (`migrations/*/0006_accounts.sql`): users, roles, sessions, personal
//! access tokens, invitations, password resets, sign-in throttling and what each partnership
//! publishes. Secrets are stored only as SHA-256 digests ([`super::secret::digest`]), passwords
//! only as argon2id hashes. Every multi-step change is one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::secret::{self, digest};
use super::{Account, Role, Scope, Via, SESSION_IDLE_MINUTES, SESSION_MAX_HOURS, SESSION_TOUCH_SECONDS, TOKEN_PREFIX};
use crate::db::{self, Conn, Db, Flag, Id};
use crate::web::{Error, FieldErrors};

fn ts(t: DateTime<Utc>) -> String {
    db::timestamp_text(&t)
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// Lower-case and trim an email address; an error names the field when it does not look like
/// one (`local@domain` with a dot in the domain, no spaces, at most 254 bytes per RFC 5321).
pub fn normalize_email(field: &str, email: &str) -> Result<String, Error> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if ok {
        Ok(e)
    } else {
        Err(FieldErrors::one(field, "is not an email address (name@example.org)").into_error())
    }
}

/// A user as the admin pages list them (no password hash).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub id: Id,
    /// Personal data: shown only to the user and network admins.
    pub email: String,
    pub display_name: String,
    pub network_admin: bool,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: String,
}

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User, Error> {
    Ok(User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        network_admin: r.try_get::<Flag, _>("network_admin")?.0,
        disabled: r.try_get::<Flag, _>("disabled")?.0,
        has_password: r.try_get::<Option<String>, _>("password_hash")?.is_some(),
        created_at: r.try_get("created_at")?,
    })
}

const USER_COLS: &str = "id, email, display_name, network_admin, disabled, password_hash, created_at";

/// The user with `email` (any case), if any.
pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<User>, Error> {
    let row = db::query(db, &format!("SELECT {USER_COLS} FROM users WHERE email = ?")).bind(email.trim().to_lowercase()).fetch_optional(db).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The user with `id`, if any.
pub async fn user_by_id(db: &Db, id: Id) -> Result<Option<User>, Error> {
    let row = db::query(db, &format!("SELECT {USER_COLS} FROM users WHERE id = ?")).bind(id).fetch_optional(db).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Every user, by name.
pub async fn users(db: &Db) -> Result<Vec<User>, Error> {
    let rows = db::query(db, &format!("SELECT {USER_COLS} FROM users ORDER BY lower(display_name), id")).fetch_all(db).await?;
    rows.iter().map(user_from_row).collect()
}

/// Create a user. `password` is checked ([`secret::password_problem`]) and hashed; `None` makes
/// an account that cannot sign in until a reset. Errors: 422 naming `email`, `display_name` or
/// `password`; 409 when the email is taken.
pub async fn create_user(db: &Db, email: &str, display_name: &str, password: Option<&str>, network_admin: bool) -> Result<Id, Error> {
    let mut tx = db::begin_write(db).await?;
    let id = create_user_in(&mut tx, email, display_name, password, network_admin).await?;
    tx.commit().await?;
    Ok(id)
}

async fn create_user_in(conn: &mut Conn, email: &str, display_name: &str, password: Option<&str>, network_admin: bool) -> Result<Id, Error> {
    let email = normalize_email("email", email)?;
    let mut errs = FieldErrors::default();
    let name = display_name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        errs.add("display_name", "give the name others will see (1 to 120 characters)");
    }
    if let Some(p) = password.and_then(secret::password_problem) {
        errs.add("password", p);
    }
    errs.into_result()?;
    let taken: Option<String> = db::query_scalar(conn, "SELECT id FROM users WHERE email = ?").bind(&email).fetch_optional(&mut *conn).await?;
    if taken.is_some() {
        return Err(Error::Conflict("an account with this email address already exists".into()));
    }
    let hash = match password {
        Some(p) => Some(secret::hash_password(p).map_err(Error::Internal)?),
        None => None,
    };
    let id = Id::new();
    let now = ts(db::now());
    db::query(conn, "INSERT INTO users (id, email, display_name, password_hash, network_admin, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, FALSE, ?, ?)")
        .bind(id)
        .bind(&email)
        .bind(name)
        .bind(hash)
        .bind(network_admin)
        .bind(&now)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// The user's password hash, when the account exists, is enabled and has one.
pub async fn password_hash(db: &Db, email: &str) -> Result<Option<(Id, String)>, Error> {
    let row = db::query(db, "SELECT id, password_hash FROM users WHERE email = ? AND NOT disabled AND password_hash IS NOT NULL")
        .bind(email.trim().to_lowercase())
        .fetch_optional(db)
        .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("id")?, r.try_get("password_hash")?)),
        None => None,
    })
}

/// Set a user's password (checked and hashed) and end all their sessions but `keep_session`
/// (the session hash that made the change, if any). Errors: 422 naming `password`.
pub async fn set_password(db: &Db, user: Id, password: &str, keep_session: Option<&str>) -> Result<(), Error> {
    if let Some(p) = secret::password_problem(password) {
        return Err(FieldErrors::one("password", p).into_error());
    }
    let hash = secret::hash_password(password).map_err(Error::Internal)?;
    let mut tx = db::begin_write(db).await?;
    db::query(&tx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?").bind(hash).bind(ts(db::now())).bind(user).execute(&mut *tx).await?;
    db::query(&tx, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?").bind(user).bind(keep_session.unwrap_or("")).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Make a user a network admin or not, or disable the account (ending its sessions and tokens).
pub async fn set_user_flags(db: &Db, user: Id, network_admin: bool, disabled: bool) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    let before: Option<(Flag, Flag)> = db::query_as(&tx, "SELECT network_admin, disabled FROM users WHERE id = ?").bind(user).fetch_optional(&mut *tx).await?;
    let before = before.map(|(a, d)| (a.0, d.0));
    let n = db::query(&tx, "UPDATE users SET network_admin = ?, disabled = ?, updated_at = ? WHERE id = ?")
        .bind(network_admin)
        .bind(disabled)
        .bind(ts(db::now()))
        .bind(user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("user".into()));
    }
    if disabled {
        db::query(&tx, "DELETE FROM sessions WHERE user_id = ?").bind(user).execute(&mut *tx).await?;
    }
    if let Some((was_admin, was_disabled)) = before.filter(|b| *b != (network_admin, disabled)) {
        let name = display_name_in(&mut tx, user).await?;
        let change = crate::audit::Change {
            action: crate::audit::Action::Update,
            table: "users".into(),
            entity_id: Some(user),
            partnership_id: None,
            before: Some(serde_json::json!({"user": name, "network_admin": was_admin, "disabled": was_disabled})),
            after: Some(serde_json::json!({"user": name, "network_admin": network_admin, "disabled": disabled})),
            summary: format!("Changed the account of {name}"),
        };
        crate::audit::record(&mut tx, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Roles

/// Give `user` `role` in `partnership` (replacing a role they had there).
pub async fn set_role(db: &Db, user: Id, partnership: Id, role: Role) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    set_role_in(&mut tx, user, partnership, role).await?;
    tx.commit().await?;
    Ok(())
}

/// The display name of `user` for an audit entry (never the email address).
async fn display_name_in(conn: &mut Conn, user: Id) -> Result<String, Error> {
    let name: Option<String> = db::query_scalar(&*conn, "SELECT display_name FROM users WHERE id = ?").bind(user).fetch_optional(&mut *conn).await?;
    Ok(name.unwrap_or_else(|| format!("user {user}")))
}

/// Record a change of `user`'s role in `partnership` in the audit log (`None`: no role), in the
/// open transaction.
async fn audit_role(conn: &mut Conn, user: Id, partnership: Id, before: Option<&str>, after: Option<Role>) -> Result<(), Error> {
    use crate::audit::{self, Action, Change};
    let name = display_name_in(conn, user).await?;
    let (action, summary) = match (before, after) {
        (None, Some(r)) => (Action::Create, format!("Gave {name} the role {}", r.label())),
        (Some(b), Some(r)) => (Action::Update, format!("Changed the role of {name} from {} to {}", Role::parse(b).map(Role::label).unwrap_or(b), r.label())),
        (Some(b), None) => (Action::Delete, format!("Took away the role of {name} ({})", Role::parse(b).map(Role::label).unwrap_or(b))),
        (None, None) => return Ok(()),
    };
    let change = Change {
        action,
        table: "user_roles".into(),
        entity_id: Some(user),
        partnership_id: Some(partnership),
        before: before.map(|b| serde_json::json!({"user": name, "role": b})),
        after: after.map(|r| serde_json::json!({"user": name, "role": r.as_str()})),
        summary,
    };
    audit::record(conn, change).await
}

async fn set_role_in(conn: &mut Conn, user: Id, partnership: Id, role: Role) -> Result<(), Error> {
    let before: Option<String> = db::query_scalar(&*conn, "SELECT role FROM user_roles WHERE user_id = ? AND partnership_id = ?").bind(user).bind(partnership).fetch_optional(&mut *conn).await?;
    db::query(&*conn,
        "INSERT INTO user_roles (user_id, partnership_id, role, granted_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, partnership_id) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at",
    )
    .bind(user)
    .bind(partnership)
    .bind(role.as_str())
    .bind(ts(db::now()))
    .execute(&mut *conn)
    .await?;
    if before.as_deref() != Some(role.as_str()) {
        audit_role(conn, user, partnership, before.as_deref(), Some(role)).await?;
    }
    Ok(())
}

/// Take away `user`'s role in `partnership`. Errors: 404 when they had none; 409 when they are
/// its last convener.
pub async fn remove_role(db: &Db, user: Id, partnership: Id) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    let role: Option<String> = db::query_scalar(&tx, "SELECT role FROM user_roles WHERE user_id = ? AND partnership_id = ?").bind(user).bind(partnership).fetch_optional(&mut *tx).await?;
    let Some(role) = role else { return Err(Error::NotFound("role".into())) };
    if role == "convener" {
        let conveners: i64 = db::query_scalar(&tx, "SELECT count(*) FROM user_roles WHERE partnership_id = ? AND role = 'convener'").bind(partnership).fetch_one(&mut *tx).await?;
        if conveners <= 1 {
            return Err(Error::Conflict("this is the partnership's only convener: make someone else convener first".into()));
        }
    }
    db::query(&tx, "DELETE FROM user_roles WHERE user_id = ? AND partnership_id = ?").bind(user).bind(partnership).execute(&mut *tx).await?;
    audit_role(&mut tx, user, partnership, Some(&role), None).await?;
    tx.commit().await?;
    Ok(())
}

/// Change the role `user` holds in `partnership`, in one transaction. Errors: 404 when they hold
/// none there; 409 when they are its last convener and `role` is not convener (make someone
/// else convener first), so a partnership never loses its last convener.
pub async fn change_role(db: &Db, user: Id, partnership: Id, role: Role) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    let current: Option<String> = db::query_scalar(&tx, "SELECT role FROM user_roles WHERE user_id = ? AND partnership_id = ?").bind(user).bind(partnership).fetch_optional(&mut *tx).await?;
    let Some(current) = current else { return Err(Error::NotFound("role".into())) };
    if current == "convener" && role != Role::Convener {
        let conveners: i64 = db::query_scalar(&tx, "SELECT count(*) FROM user_roles WHERE partnership_id = ? AND role = 'convener'").bind(partnership).fetch_one(&mut *tx).await?;
        if conveners <= 1 {
            return Err(Error::Conflict("this is the partnership's only convener: make someone else convener first".into()));
        }
    }
    set_role_in(&mut tx, user, partnership, role).await?;
    tx.commit().await?;
    Ok(())
}

/// Every role of every user, as (user id, partnership id, role), for the admin page.
pub async fn all_roles(db: &Db) -> Result<Vec<(Id, Id, Role)>, Error> {
    let rows = db::query(db, "SELECT user_id, partnership_id, role FROM user_roles ORDER BY user_id, partnership_id").fetch_all(db).await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            let role = Role::parse(&role).ok_or_else(|| Error::Internal(anyhow::anyhow!("user_roles.role '{role}' is not a role")))?;
            Ok((r.try_get("user_id")?, r.try_get("partnership_id")?, role))
        })
        .collect()
}

/// A person with a role in a partnership, for its people page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RoleHolder {
    pub user_id: Id,
    pub display_name: String,
    pub role: Role,
    pub granted_at: String,
}

/// Everyone with a role in `partnership`, conveners first, then by name.
pub async fn role_holders(db: &Db, partnership: Id) -> Result<Vec<RoleHolder>, Error> {
    let rows = db::query(db, 
        "SELECT u.id, u.display_name, r.role, r.granted_at FROM user_roles r JOIN users u ON u.id = r.user_id
         WHERE r.partnership_id = ? AND NOT u.disabled ORDER BY lower(u.display_name), u.id",
    )
    .bind(partnership)
    .fetch_all(db)
    .await?;
    let mut out: Vec<RoleHolder> = rows
        .iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(RoleHolder {
                user_id: r.try_get("id")?,
                display_name: r.try_get("display_name")?,
                role: Role::parse(&role).ok_or_else(|| Error::Internal(anyhow::anyhow!("user_roles.role '{role}' is not a role")))?,
                granted_at: r.try_get("granted_at")?,
            })
        })
        .collect::<Result<_, Error>>()?;
    out.sort_by_key(|h| h.role);
    Ok(out)
}

async fn account(db: &Db, user: Id, via: Via) -> Result<Option<Account>, Error> {
    let Some(row) = db::query(db, "SELECT display_name, network_admin FROM users WHERE id = ? AND NOT disabled").bind(user).fetch_optional(db).await? else {
        return Ok(None);
    };
    let mut roles = BTreeMap::new();
    for r in db::query(db, "SELECT partnership_id, role FROM user_roles WHERE user_id = ?").bind(user).fetch_all(db).await? {
        let role: String = r.try_get("role")?;
        if let Some(role) = Role::parse(&role) {
            roles.insert(r.try_get::<Id, _>("partnership_id")?, role);
        }
    }
    Ok(Some(Account { user_id: user, display_name: row.try_get("display_name")?, network_admin: row.try_get::<Flag, _>("network_admin")?.0, roles, via }))
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// Start a session for `user`, ending `replacing` (the session the browser had, if any: the
/// token is rotated at sign-in). Returns the cookie token (only its digest is stored).
pub async fn create_session(db: &Db, user: Id, replacing: Option<&str>) -> Result<String, Error> {
    let token = secret::new_token("");
    let now = ts(db::now());
    let mut tx = db::begin_write(db).await?;
    if let Some(old) = replacing {
        db::query(&tx, "DELETE FROM sessions WHERE token_hash = ?").bind(digest(old)).execute(&mut *tx).await?;
    }
    // Sessions past their absolute lifetime are swept whenever someone signs in.
    let oldest = ts(db::now() - Duration::hours(SESSION_MAX_HOURS));
    db::query(&tx, "DELETE FROM sessions WHERE created_at < ?").bind(oldest).execute(&mut *tx).await?;
    db::query(&tx, "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)")
        .bind(digest(&token))
        .bind(user)
        .bind(secret::new_token(""))
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// End the session with this cookie token (sign-out). Ending an unknown session is no error.
pub async fn end_session(db: &Db, token: &str) -> Result<(), Error> {
    db::query(db, "DELETE FROM sessions WHERE token_hash = ?").bind(digest(token)).execute(db).await?;
    Ok(())
}

/// The account of a live session, refreshing its last use; `None` (and the session deleted)
/// when it is unknown, idle for over [`SESSION_IDLE_MINUTES`], older than
/// [`SESSION_MAX_HOURS`], or its user is disabled.
pub async fn session_account(db: &Db, token: &str) -> Result<Option<Account>, Error> {
    let hash = digest(token);
    let Some(row) = db::query(db, "SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = ?").bind(&hash).fetch_optional(db).await? else {
        return Ok(None);
    };
    let now = db::now();
    let created = parse_ts(&row.try_get::<String, _>("created_at")?);
    let seen = parse_ts(&row.try_get::<String, _>("last_seen_at")?);
    let live = matches!((created, seen), (Some(c), Some(s)) if now - c < Duration::hours(SESSION_MAX_HOURS) && now - s < Duration::minutes(SESSION_IDLE_MINUTES));
    if !live {
        db::query(db, "DELETE FROM sessions WHERE token_hash = ?").bind(&hash).execute(db).await?;
        return Ok(None);
    }
    if seen.is_some_and(|s| now - s >= Duration::seconds(SESSION_TOUCH_SECONDS)) {
        db::query(db, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?").bind(ts(now)).bind(&hash).execute(db).await?;
    }
    let user: Id = row.try_get("user_id")?;
    let via = Via::Session { session: hash.clone(), csrf_token: row.try_get("csrf_token")? };
    let acc = account(db, user, via).await?;
    if acc.is_none() {
        db::query(db, "DELETE FROM sessions WHERE token_hash = ?").bind(&hash).execute(db).await?;
    }
    Ok(acc)
}

// ---------------------------------------------------------------------------------------------
// Personal access tokens

/// A personal access token as its owner sees it (never the token itself after creation).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccessToken {
    pub id: Id,
    pub label: String,
    pub scope: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Create a personal access token for `user`; returns its id and the token (`st_pat_...`), which
/// is shown once and stored only as its digest. Errors: 422 naming `label`.
pub async fn create_access_token(db: &Db, user: Id, label: &str, scope: Scope) -> Result<(Id, String), Error> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(FieldErrors::one("label", "name what the token is for (1 to 100 characters), e.g. \"quarterly export script\"").into_error());
    }
    let token = secret::new_token(TOKEN_PREFIX);
    let id = Id::new();
    db::query(db, "INSERT INTO access_tokens (id, user_id, label, token_hash, scope, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(id)
        .bind(user)
        .bind(label)
        .bind(digest(&token))
        .bind(scope.as_str())
        .bind(ts(db::now()))
        .execute(db)
        .await?;
    Ok((id, token))
}

/// The user's tokens, newest first.
pub async fn access_tokens(db: &Db, user: Id) -> Result<Vec<AccessToken>, Error> {
    let rows = db::query(db, "SELECT id, label, scope, created_at, last_used_at, revoked_at FROM access_tokens WHERE user_id = ? ORDER BY created_at DESC, id")
        .bind(user)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AccessToken {
                id: r.try_get("id")?,
                label: r.try_get("label")?,
                scope: r.try_get("scope")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// Revoke one of `user`'s tokens. Errors: 404 when it is not theirs or already revoked.
pub async fn revoke_access_token(db: &Db, user: Id, token: Id) -> Result<(), Error> {
    let n = db::query(db, "UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
        .bind(ts(db::now()))
        .bind(token)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("access token".into()));
    }
    Ok(())
}

/// The account behind a bearer token; `None` when it is unknown, revoked or its user disabled.
pub async fn token_account(db: &Db, token: &str) -> Result<Option<Account>, Error> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(row) = db::query(db, "SELECT id, user_id, scope, last_used_at FROM access_tokens WHERE token_hash = ? AND revoked_at IS NULL").bind(digest(token)).fetch_optional(db).await? else {
        return Ok(None);
    };
    let id: Id = row.try_get("id")?;
    let scope = Scope::parse(&row.try_get::<String, _>("scope")?).unwrap_or(Scope::Read);
    let now = db::now();
    let last: Option<String> = row.try_get("last_used_at")?;
    if last.as_deref().and_then(parse_ts).is_none_or(|t| now - t >= Duration::seconds(SESSION_TOUCH_SECONDS)) {
        db::query(db, "UPDATE access_tokens SET last_used_at = ? WHERE id = ?").bind(ts(now)).bind(id).execute(db).await?;
    }
    account(db, row.try_get("user_id")?, Via::Token { id, scope }).await
}

// ---------------------------------------------------------------------------------------------
// Invitations

/// Days an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;
/// Hours a password reset link stays valid (OWASP Forgot Password Cheat Sheet: short-lived).
pub const RESET_HOURS: i64 = 1;

/// What an invitation grants.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: Id,
    /// Personal data: shown to the inviter and to whoever holds the link.
    pub email: String,
    pub partnership: Option<(Id, String)>,
    pub role: Option<Role>,
    pub network_admin: bool,
    pub expires_at: String,
    pub accepted_at: Option<String>,
    /// Whether an account with the email exists already (accepting then adds the role to it).
    pub existing_user: bool,
}

/// Invite `email` to a role in a partnership (or, with `partnership = None`, as a network
/// admin). Returns the link token (shown once, stored as its digest), valid
/// [`INVITATION_DAYS`]. Errors: 422 naming `email`.
pub async fn create_invitation(db: &Db, email: &str, grant: Option<(Id, Role)>, invited_by: Option<Id>) -> Result<(Id, String), Error> {
    let email = normalize_email("email", email)?;
    let token = secret::new_token("");
    let id = Id::new();
    let now = db::now();
    db::query(db, 
        "INSERT INTO invitations (id, token_hash, email, partnership_id, role, network_admin, invited_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(digest(&token))
    .bind(&email)
    .bind(grant.map(|g| g.0))
    .bind(grant.map(|g| g.1.as_str()))
    .bind(grant.is_none())
    .bind(invited_by)
    .bind(ts(now))
    .bind(ts(now + Duration::days(INVITATION_DAYS)))
    .execute(db)
    .await?;
    Ok((id, token))
}

/// The open invitation with this link token. Errors: 404 when unknown; 410-style 409 when used
/// or expired, saying which.
pub async fn invitation(db: &Db, token: &str) -> Result<Invitation, Error> {
    let row = db::query(db, 
        "SELECT i.id, i.email, i.partnership_id, p.name AS partnership_name, i.role, i.network_admin, i.expires_at, i.accepted_at,
                EXISTS (SELECT 1 FROM users u WHERE u.email = i.email) AS existing_user
         FROM invitations i LEFT JOIN partnerships p ON p.id = i.partnership_id WHERE i.token_hash = ?",
    )
    .bind(digest(token))
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound("invitation (the link may be mistyped or cut short)".into()))?;
    let role: Option<String> = row.try_get("role")?;
    let inv = Invitation {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        partnership: match row.try_get::<Option<Id>, _>("partnership_id")? {
            Some(p) => Some((p, row.try_get::<Option<String>, _>("partnership_name")?.unwrap_or_default())),
            None => None,
        },
        role: role.as_deref().and_then(Role::parse),
        network_admin: row.try_get::<Flag, _>("network_admin")?.0,
        expires_at: row.try_get("expires_at")?,
        accepted_at: row.try_get("accepted_at")?,
        existing_user: row.try_get::<Flag, _>("existing_user")?.0,
    };
    if inv.accepted_at.is_some() {
        return Err(Error::Conflict("this invitation has been used already; sign in, or ask for a new invitation".into()));
    }
    if parse_ts(&inv.expires_at).is_none_or(|e| e <= db::now()) {
        return Err(Error::Conflict(format!("this invitation expired on {}; ask whoever invited you for a new one", inv.expires_at)));
    }
    Ok(inv)
}

/// Accept an invitation in one transaction: create the account (new email: `display_name` and
/// `password` required) or use the existing one (its password must be given and right), grant
/// the role, and mark the invitation used. Returns the user id. Errors: as [`invitation`]; 422
/// naming `display_name` or `password`.
pub async fn accept_invitation(db: &Db, token: &str, display_name: &str, password: &str) -> Result<Id, Error> {
    let inv = invitation(db, token).await?;
    let mut tx = db::begin_write(db).await?;
    // Single use even under concurrent accepts: only one UPDATE finds accepted_at still NULL.
    let n = db::query(&tx, "UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL").bind(ts(db::now())).bind(inv.id).execute(&mut *tx).await?.rows_affected();
    if n == 0 {
        return Err(Error::Conflict("this invitation has been used already".into()));
    }
    let existing: Option<(Id, Option<String>)> = match db::query(&tx, "SELECT id, password_hash FROM users WHERE email = ?").bind(&inv.email).fetch_optional(&mut *tx).await? {
        Some(r) => Some((r.try_get("id")?, r.try_get("password_hash")?)),
        None => None,
    };
    let user = match existing {
        Some((id, Some(hash))) => {
            if !secret::verify_password(password, &hash) {
                return Err(FieldErrors::one("password", "is not this account's password (an account with this email exists: give its password)").into_error());
            }
            id
        }
        Some((id, None)) => {
            if let Some(p) = secret::password_problem(password) {
                return Err(FieldErrors::one("password", p).into_error());
            }
            let hash = secret::hash_password(password).map_err(Error::Internal)?;
            db::query(&tx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?").bind(hash).bind(ts(db::now())).bind(id).execute(&mut *tx).await?;
            id
        }
        None => create_user_in(&mut tx, &inv.email, display_name, Some(password), false).await?,
    };
    if let (Some((p, _)), Some(role)) = (inv.partnership, inv.role) {
        // The audit log names the invitee, who accepts while not yet signed in.
        let name = display_name_in(&mut tx, user).await?;
        crate::audit::with_actor(crate::audit::AuditActor::user(user, &name), set_role_in(&mut tx, user, p, role)).await?;
    }
    if inv.network_admin {
        db::query(&tx, "UPDATE users SET network_admin = TRUE WHERE id = ?").bind(user).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// Open invitations of a partnership (or network-admin invitations with `None`), newest first:
/// (id, email, role, expires_at).
pub async fn open_invitations(db: &Db, partnership: Option<Id>) -> Result<Vec<(Id, String, Option<Role>, String)>, Error> {
    let rows = db::query(db, 
        "SELECT id, email, role, expires_at FROM invitations
         WHERE accepted_at IS NULL AND expires_at > ? AND ((? IS NULL AND partnership_id IS NULL) OR partnership_id = ?)
         ORDER BY created_at DESC, id",
    )
    .bind(ts(db::now()))
    .bind(partnership)
    .bind(partnership)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let role: Option<String> = r.try_get("role")?;
            Ok((r.try_get("id")?, r.try_get("email")?, role.as_deref().and_then(Role::parse), r.try_get("expires_at")?))
        })
        .collect()
}

/// Withdraw an open invitation of `partnership` (`None`: a network-admin invitation).
pub async fn withdraw_invitation(db: &Db, id: Id, partnership: Option<Id>) -> Result<(), Error> {
    let n = db::query(db, "DELETE FROM invitations WHERE id = ? AND accepted_at IS NULL AND ((? IS NULL AND partnership_id IS NULL) OR partnership_id = ?)")
        .bind(id)
        .bind(partnership)
        .bind(partnership)
        .execute(db)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("open invitation".into()));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Password resets

/// Make a reset link token for the enabled account with `email`; `None` when there is none (the
/// page says the same thing either way, so it does not reveal who has an account).
pub async fn create_reset(db: &Db, email: &str) -> Result<Option<String>, Error> {
    let Some(user): Option<Id> = db::query_scalar(db, "SELECT id FROM users WHERE email = ? AND NOT disabled").bind(email.trim().to_lowercase()).fetch_optional(db).await? else {
        return Ok(None);
    };
    let token = secret::new_token("");
    let now = db::now();
    db::query(db, "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind(digest(&token))
        .bind(user)
        .bind(ts(now))
        .bind(ts(now + Duration::hours(RESET_HOURS)))
        .execute(db)
        .await?;
    Ok(Some(token))
}

/// Whether a reset link token is open (unused and unexpired). Errors: 404 unknown, 409 used or
/// expired.
pub async fn check_reset(db: &Db, token: &str) -> Result<Id, Error> {
    let row = db::query(db, "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?")
        .bind(digest(token))
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Error::NotFound("password reset link (it may be mistyped or cut short)".into()))?;
    if row.try_get::<Option<String>, _>("used_at")?.is_some() {
        return Err(Error::Conflict("this reset link has been used already; ask for a new one".into()));
    }
    if parse_ts(&row.try_get::<String, _>("expires_at")?).is_none_or(|e| e <= db::now()) {
        return Err(Error::Conflict(format!("this reset link has expired (links last {RESET_HOURS} hour); ask for a new one")));
    }
    Ok(row.try_get("user_id")?)
}

/// Use a reset link: set the new password, mark the link used and end every session of the
/// user, in one transaction. Errors: as [`check_reset`]; 422 naming `password`.
pub async fn use_reset(db: &Db, token: &str, password: &str) -> Result<Id, Error> {
    let user = check_reset(db, token).await?;
    if let Some(p) = secret::password_problem(password) {
        return Err(FieldErrors::one("password", p).into_error());
    }
    let hash = secret::hash_password(password).map_err(Error::Internal)?;
    let mut tx = db::begin_write(db).await?;
    let n = db::query(&tx, "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL").bind(ts(db::now())).bind(digest(token)).execute(&mut *tx).await?.rows_affected();
    if n == 0 {
        return Err(Error::Conflict("this reset link has been used already".into()));
    }
    db::query(&tx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?").bind(hash).bind(ts(db::now())).bind(user).execute(&mut *tx).await?;
    db::query(&tx, "DELETE FROM sessions WHERE user_id = ?").bind(user).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(user)
}

// ---------------------------------------------------------------------------------------------
// Sign-in throttling

/// Failed sign-ins per account within [`THROTTLE_MINUTES`] before further attempts are refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins per client address within [`THROTTLE_MINUTES`] before it is refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The throttling window, in minutes.
pub const THROTTLE_MINUTES: i64 = 15;

/// The throttling subjects of a sign-in: digests of `account:EMAIL` and `address:IP`.
pub fn throttle_subjects(email: &str, address: &str) -> (String, String) {
    (digest(&format!("account:{}", email.trim().to_lowercase())), digest(&format!("address:{address}")))
}

/// `Some(minutes to wait)` when the account or address has too many recent failures.
pub async fn throttled(db: &Db, account: &str, address: &str) -> Result<Option<i64>, Error> {
    let since = ts(db::now() - Duration::minutes(THROTTLE_MINUTES));
    for (subject, max) in [(account, MAX_FAILURES_PER_ACCOUNT), (address, MAX_FAILURES_PER_ADDRESS)] {
        let rows: Vec<String> = db::query_scalar(db, "SELECT at FROM sign_in_failures WHERE subject = ? AND at > ? ORDER BY at").bind(subject).bind(&since).fetch_all(db).await?;
        if rows.len() as i64 >= max {
            let oldest = rows.first().and_then(|s| parse_ts(s)).unwrap_or_else(db::now);
            let wait = (oldest + Duration::minutes(THROTTLE_MINUTES) - db::now()).num_minutes() + 1;
            return Ok(Some(wait.max(1)));
        }
    }
    Ok(None)
}

/// Record a failed sign-in against both subjects (and sweep failures older than the window).
pub async fn record_failure(db: &Db, account: &str, address: &str) -> Result<(), Error> {
    let now = ts(db::now());
    let mut tx = db::begin_write(db).await?;
    db::query(&tx, "DELETE FROM sign_in_failures WHERE at < ?").bind(ts(db::now() - Duration::minutes(THROTTLE_MINUTES))).execute(&mut *tx).await?;
    for s in [account, address] {
        db::query(&tx, "INSERT INTO sign_in_failures (subject, at) VALUES (?, ?)").bind(s).bind(&now).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Forget an account's failures after it signs in.
pub async fn clear_failures(db: &Db, account: &str) -> Result<(), Error> {
    db::query(db, "DELETE FROM sign_in_failures WHERE subject = ?").bind(account).execute(db).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Publication

/// What a partnership shows to visitors who are not its members. Contact details never are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Publication {
    /// Its page: profile, members, action plan, meetings and health check.
    pub page: bool,
    /// Its impact figures: measures and their observations.
    pub impact: bool,
    /// Its wins.
    pub wins: bool,
}

impl Default for Publication {
    /// Everything published: partnerships without a choice on file came from public sources.
    fn default() -> Self {
        Publication { page: true, impact: true, wins: true }
    }
}

fn publication_of(r: &sqlx::any::AnyRow) -> Result<Publication, Error> {
    Ok(Publication { page: r.try_get::<Flag, _>("page")?.0, impact: r.try_get::<Flag, _>("impact")?.0, wins: r.try_get::<Flag, _>("wins")?.0 })
}

/// A partnership's publication choice ([`Publication::default`] when none is on file).
pub async fn publication(db: &Db, partnership: Id) -> Result<Publication, Error> {
    let row = db::query(db, "SELECT page, impact, wins FROM partnership_publication WHERE partnership_id = ?").bind(partnership).fetch_optional(db).await?;
    Ok(match row {
        Some(r) => publication_of(&r)?,
        None => Publication::default(),
    })
}

/// Every partnership's choice that differs from the default, by id.
pub async fn publications(db: &Db) -> Result<std::collections::HashMap<Id, Publication>, Error> {
    let rows = db::query(db, "SELECT partnership_id, page, impact, wins FROM partnership_publication").fetch_all(db).await?;
    rows.iter().map(|r| Ok((r.try_get("partnership_id")?, publication_of(r)?))).collect()
}

/// Save a partnership's publication choice. Raises the data generation, so cached public pages
/// are rendered again.
pub async fn set_publication(db: &Db, partnership: Id, p: Publication) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    let row = db::query(&tx, "SELECT page, impact, wins FROM partnership_publication WHERE partnership_id = ?").bind(partnership).fetch_optional(&mut *tx).await?;
    let before = match row {
        Some(r) => publication_of(&r)?,
        None => Publication::default(),
    };
    db::query(&tx,
        "INSERT INTO partnership_publication (partnership_id, page, impact, wins, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (partnership_id) DO UPDATE SET page = excluded.page, impact = excluded.impact, wins = excluded.wins, updated_at = excluded.updated_at",
    )
    .bind(partnership)
    .bind(p.page)
    .bind(p.impact)
    .bind(p.wins)
    .bind(ts(db::now()))
    .execute(&mut *tx)
    .await?;
    if before != p {
        let json = |x: &Publication| serde_json::json!({"page": x.page, "impact": x.impact, "wins": x.wins});
        let change = crate::audit::Change {
            action: crate::audit::Action::Update,
            table: "partnership_publication".into(),
            entity_id: Some(partnership),
            partnership_id: Some(partnership),
            before: Some(json(&before)),
            after: Some(json(&p)),
            summary: "Changed what the partnership publishes".into(),
        };
        crate::audit::record(&mut tx, change).await?;
    }
    db::commit(tx).await?;
    Ok(())
}
