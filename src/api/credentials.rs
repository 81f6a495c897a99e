//! The key material a request is signed with, and where the client gets it each time.

use std::future::Future;
use std::pin::Pin;

/// The key material a request is signed with. Its `Debug` shows no secret.
#[derive(Clone)]
pub struct KeyMaterial {
    pub secret_id: String,
    pub secret_key: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("secret_id", &mask(&self.secret_id))
            .field("secret_key", &"***")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// `AKID****abcd`: enough to tell two keys apart, not enough to use one.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "****".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the client gets credentials each time it signs (they may rotate).
pub trait CredentialSource: Send + Sync {
    fn key_material(&self) -> BoxFuture<'_, Result<KeyMaterial, String>>;
}

impl CredentialSource for KeyMaterial {
    fn key_material(&self) -> BoxFuture<'_, Result<KeyMaterial, String>> {
        let k = self.clone();
        Box::pin(async move { Ok(k) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_material_debug_shows_no_secret() {
        let k = KeyMaterial {
            secret_id: "AKIDabcdefghijklmnop".into(),
            secret_key: "very-secret-key".into(),
            token: Some("session-token-xyz".into()),
        };
        let shown = format!("{k:?}");
        assert!(!shown.contains("very-secret-key"));
        assert!(!shown.contains("session-token-xyz"));
        assert!(!shown.contains("AKIDabcdefghijklmnop"));
        assert!(shown.contains("AKID****mnop"));
    }
}
