//! Secret strings that never print themselves, and the credentials that hold them.

use chrono::{DateTime, Utc};
use std::fmt;

/// A secret value: `Debug` and `Display` print `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for signing; never log or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A SecretId/SecretKey pair, with a token and expiry when temporary.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub secret_id: String,
    pub secret_key: Secret,
    pub token: Option<Secret>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Credentials {
    /// Long-lived credentials: no token, no expiry.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            token: None,
            expires_at: None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &mask_id(&self.secret_id))
            .field("secret_key", &self.secret_key)
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A SecretId shown as its first and last four characters (`AKID****abcd`).
pub use crate::api::credentials::mask as mask_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("topsecretvalue");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.expose(), "topsecretvalue");
    }

    #[test]
    fn credentials_debug_masks_everything() {
        let mut c = Credentials::new("AKIDexampleSecretId0abcd", "keykeykeykeykey");
        c.token = Some(Secret::new("tokentokentoken"));
        let shown = format!("{c:?}");
        assert!(shown.contains("AKID****abcd"), "{shown}");
        assert!(!shown.contains("AKIDexampleSecretId0abcd"));
        assert!(!shown.contains("keykeykey"));
        assert!(!shown.contains("tokentoken"));
        let pretty = format!("{c:#?}");
        assert!(!pretty.contains("keykeykey") && !pretty.contains("exampleSecret"));
    }

    #[test]
    fn short_ids_are_fully_masked() {
        assert_eq!(mask_id("AKID1234"), "****");
        assert_eq!(mask_id(""), "****");
    }
}
