//! Secrets: random tokens (sessions, personal access tokens, invitation and reset links), their
//! stored SHA-256 digests, and password hashing with argon2id.
//!
//! Password parameters are OWASP's Password Storage Cheat Sheet minimum for argon2id: 19 MiB of
//! memory (m = 19456 KiB), 2 iterations (t = 2), 1 degree of parallelism (p = 1). Hashes are PHC
//! strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a 16-byte random salt, so stored
//! hashes keep their own parameters if these change.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Shortest password accepted, in characters (NIST SP 800-63B §5.1.1.2: at least 8; we ask 12).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in bytes (bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Argon2<'static> {
    // The constants are valid (m >= 8p, t >= 1, p >= 1), so Params::new cannot fail.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A new random secret: `prefix` followed by 32 random bytes in URL-safe base64 without padding
/// (43 characters), e.g. `st_pat_...`. 256 bits from the operating system's generator.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of `secret` as 64 lower-case hex digits: what the database keeps of a token.
/// (A token has 256 random bits, so a fast hash is enough; passwords use [`hash_password`].)
pub fn digest(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a new password is refused, in words for the form.
pub fn password_problem(password: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!("use at least {MIN_PASSWORD_CHARS} characters (a few unrelated words make a strong, memorable password)"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Some(format!("use at most {MAX_PASSWORD_BYTES} bytes"));
    }
    None
}

/// Hash a password with argon2id (parameters above). Errors only if the hasher fails, which it
/// does not for passwords within [`MAX_PASSWORD_BYTES`].
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Whether `password` matches the stored PHC string `hash` (constant-time comparison inside
/// argon2). A malformed stored hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A fixed argon2id hash to verify against when an account does not exist, so that a sign-in
/// for an unknown email takes as long as one with a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_owasp_argon2id_parameters_and_verify() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapl", &h));
        assert!(!verify_password("x", "not a hash"));
        // Two hashes of one password differ (random salt).
        assert_ne!(h, hash_password("correct horse battery staple").unwrap());
    }

    #[test]
    fn tokens_are_random_and_stored_as_sha256() {
        let a = new_token("st_pat_");
        assert!(a.starts_with("st_pat_") && a.len() == 7 + 43, "{a}");
        assert_ne!(a, new_token("st_pat_"));
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn short_passwords_are_refused_with_the_reason() {
        assert!(password_problem("short").unwrap().contains("at least 12"));
        assert_eq!(password_problem("twelve chars"), None);
        assert!(password_problem(&"x".repeat(2000)).unwrap().contains("at most"));
    }
}
