//! An acknowledged request survives `kill -9` of the real server process under load.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::{Child, Command};

async fn spawn_server(database: &str) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_civicgrid"))
        .args(["serve", "--listen", &listen, "--database", database])
        .env("CIVICGRID_ADMIN_PASSWORD", "kill-nine-admin")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start on {database}");
}

async fn login(base: &str) -> String {
    civicgrid_demo::client::login(base, "admin", "kill-nine-admin")
        .await
        .unwrap()
}

async fn story(database: &str) {
    let (mut server, base) = spawn_server(database).await;
    let token = login(&base).await;
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for client_index in 0..16 {
        let base = base.clone();
        let token = token.clone();
        let acknowledged = acknowledged.clone();
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0.. {
                let body = json!({"channel": "web", "kind": "complaint", "content": format!("第{client_index}号客户端第{i}条诉求")});
                let Ok(response) = client.post(format!("{base}/api/v1/requests")).bearer_auth(&token).json(&body).send().await else { break };
                if response.status() != 201 {
                    break;
                }
                let Ok(value) = response.json::<Value>().await else { break };
                acknowledged.lock().unwrap().push(value["serial"].as_str().unwrap().to_owned());
            }
        }));
    }
    // Let load build up, then kill the process without warning.
    while acknowledged.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 300);

    let (_server, base) = spawn_server(database).await;
    let token = login(&base).await;
    let client = reqwest::Client::new();
    for serial in &acknowledged {
        let r = client
            .get(format!("{base}/api/v1/requests/{serial}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged request {serial} was lost");
    }
    let chain: Value = client
        .get(format!("{base}/api/v1/admin/verify-chain"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(chain["broken"].as_array().unwrap().len(), 0);
    eprintln!(
        "kill -9: {} acknowledged requests all present after restart",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_loses_no_acknowledged_request() {
    for (backend, url) in civicgrid_store::testing::backends().await {
        eprintln!("-- kill -9 on {}", backend.name());
        story(&url).await;
    }
}
