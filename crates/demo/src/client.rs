//! Signing in to a running civicgrid server and reading from it over HTTP, for the
//! benchmarks and for tests that drive a spawned binary or a demo server.

use serde_json::{Value, json};

/// Signs in and returns the bearer token.
pub async fn login(base: &str, username: &str, password: &str) -> Result<String, String> {
    let response: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    response["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{username} could not sign in: {response}"))
}

/// GETs `path` with the token; the status and the JSON body (`Null` when not JSON).
pub async fn get(base: &str, token: &str, path: &str) -> Result<(u16, Value), String> {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}
