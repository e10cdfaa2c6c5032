//! Passwords, session tokens, sign-in throttling and session timeouts.
//!
//! - Passwords are hashed with argon2id (OWASP parameters by default).
//! - A session token is 256 random bits, given to the client once; the
//!   database keeps only its SHA-256, so a leaked database opens no session.
//! - The CSRF token is derived from the session token, so it needs no storage
//!   and dies with the session.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use safepath_domain::ids::UserId;
use safepath_domain::user::User;
use safepath_store::{AuditContext, SessionRecord};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "safepath_session";

/// argon2id with the given cost. The defaults are OWASP's recommendation
/// (19 MiB, 2 passes); tests may lower them.
#[derive(Debug, Clone, Copy)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for PasswordCost {
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2 }
    }
}

fn argon2(cost: PasswordCost) -> Argon2<'static> {
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$…`).
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored PHC string (its own parameters apply).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// A fresh session token: 256 random bits, hex-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn is_well_formed_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What the database stores instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token belonging to a session token.
pub fn csrf_token(token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"safepath csrf v1\0");
    hasher.update(token.as_bytes());
    hex::encode(hasher.finalize())
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolves a token to its user, enforcing the idle and absolute timeouts.
pub async fn authenticate(state: &AppState, token: &str, request_id: &str) -> Result<User, ApiError> {
    let hash = token_hash(token);
    let session = match state.sessions.get(&hash) {
        Some(session) => session,
        None => {
            let session = state.store.session(&hash).await?.ok_or(ApiError::Unauthenticated)?;
            state.sessions.put(&hash, session.clone());
            session
        }
    };
    let now = safepath_store::now_ms();
    let idle = state.config.idle_timeout.as_millis() as i64;
    let absolute = state.config.absolute_timeout.as_millis() as i64;
    if now - session.last_seen_at > idle || now - session.created_at > absolute {
        state.sessions.forget(&hash);
        state.store.end_session(&AuditContext::system(request_id.to_string()), &hash).await?;
        return Err(ApiError::SessionExpired);
    }
    // Activity is recorded at most once a minute: the idle timeout does not
    // need millisecond precision, and this keeps reads free of writes.
    if now - session.last_seen_at > 60_000 {
        state.store.touch_session(&hash, now).await?;
        state.sessions.put(&hash, SessionRecord { last_seen_at: now, ..session.clone() });
    }
    Ok(session.user)
}

/// Sessions recently read from the database, so that a request does not pay
/// a database round trip to authenticate. Signing out, expiring or the
/// account's deactivation evicts the entries at once in this process; an
/// entry is re-read after `ttl`, which bounds how long another server process
/// sharing a PostgreSQL database may still accept a token ended elsewhere.
pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (SessionRecord, Instant)>>,
}

/// Most sessions cached; past it the cache starts afresh.
const SESSION_CACHE_MAX: usize = 10_000;

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, token_hash: &str) -> Option<SessionRecord> {
        let entries = self.entries.lock().expect("session cache lock");
        entries.get(token_hash).filter(|(_, fetched)| fetched.elapsed() < self.ttl).map(|(session, _)| session.clone())
    }

    pub fn put(&self, token_hash: &str, session: SessionRecord) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().expect("session cache lock");
        if entries.len() >= SESSION_CACHE_MAX {
            entries.clear();
        }
        entries.insert(token_hash.to_string(), (session, Instant::now()));
    }

    pub fn forget(&self, token_hash: &str) {
        self.entries.lock().expect("session cache lock").remove(token_hash);
    }

    /// Evicts every session of `user` (deactivated: its tokens stop at once).
    pub fn forget_user(&self, user: &UserId) {
        self.entries.lock().expect("session cache lock").retain(|_, (session, _)| &session.user.id != user);
    }
}

/// Failed sign-ins per username and per client address in a sliding window;
/// past the limit, attempts are refused (429) without checking the password.
pub struct Throttle {
    window: Duration,
    per_username: usize,
    per_address: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Most keys remembered; beyond it the oldest entries are dropped.
const THROTTLE_MAX_KEYS: usize = 100_000;

impl Throttle {
    pub fn new(window: Duration, per_username: usize, per_address: usize) -> Self {
        Self { window, per_username, per_address, failures: Mutex::new(HashMap::new()) }
    }

    fn keys(username: &str, address: &str) -> [(String, bool); 2] {
        [(format!("u:{}", username.to_lowercase()), true), (format!("a:{address}"), false)]
    }

    pub fn is_blocked(&self, username: &str, address: &str) -> bool {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock");
        Self::keys(username, address).iter().any(|(key, is_user)| {
            let limit = if *is_user { self.per_username } else { self.per_address };
            failures.get_mut(key).is_some_and(|times| {
                while times.front().is_some_and(|t| now.duration_since(*t) > self.window) {
                    times.pop_front();
                }
                times.len() >= limit
            })
        })
    }

    pub fn record_failure(&self, username: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock");
        if failures.len() >= THROTTLE_MAX_KEYS {
            let window = self.window;
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) <= window));
        }
        for (key, _) in Self::keys(username, address) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().expect("throttle lock");
        failures.remove(&format!("u:{}", username.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let cost = PasswordCost { memory_kib: 1024, iterations: 1 };
        let hash = hash_password("correct horse battery", cost).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_256_bits_and_stored_hashed() {
        let token = new_token();
        assert!(is_well_formed_token(&token));
        assert_ne!(token, new_token());
        assert_eq!(token_hash(&token).len(), 64);
        assert_ne!(token_hash(&token), token);
        assert_ne!(csrf_token(&token), token_hash(&token));
    }

    #[test]
    fn throttle_blocks_after_the_limit_and_forgets_on_success() {
        let throttle = Throttle::new(Duration::from_secs(60), 3, 10);
        for _ in 0..3 {
            assert!(!throttle.is_blocked("amina", "10.0.0.1"));
            throttle.record_failure("amina", "10.0.0.1");
        }
        assert!(throttle.is_blocked("Amina", "10.0.0.2"));
        assert!(!throttle.is_blocked("other", "10.0.0.2"));
        throttle.record_success("amina");
        assert!(!throttle.is_blocked("amina", "10.0.0.2"));
    }
}
