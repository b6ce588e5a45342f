//! Real citizen messages (the 2020 TipDM "ask the government" board, in ../shared/data)
//! go through intake unchanged on both backends. The data is read from ../shared, never
//! copied into the repository; where it is absent the test says so and skips, unless
//! `CIVICGRID_REQUIRE_SHARED=1` (set by `.ci/run`).

use serde_json::json;

use crate::helpers::on_every_backend;

fn messages() -> Option<Vec<(String, String)>> {
    let path = civicgrid_store::testing::shared_data(
        "tipdm2020-gov-messages/fj2_sample_495_labelled.csv",
    )?;
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r.get(2).unwrap().to_owned(), r.get(4).unwrap().to_owned())
        })
        .collect();
    Some(rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_citizen_messages_are_registered_unchanged() {
    let Some(messages) = messages() else { return };
    assert_eq!(messages.len(), 495);
    on_every_backend(|_, app| {
        let messages = messages.clone();
        async move {
            let operator = app.login("operator").await;
            let mut serials = Vec::new();
            for (subject, detail) in &messages {
                let content: String = format!("{subject}：{detail}").chars().take(5000).collect();
                let body = json!({"channel": "web", "kind": "complaint", "content": content});
                let r = app.post(Some(&operator), "/api/v1/requests", body).await;
                assert_eq!(r.status, 201, "{subject}: {}", r.body);
                serials.push((
                    r.body["serial"].as_str().unwrap().to_owned(),
                    content.trim().to_owned(),
                ));
            }
            for (serial, content) in serials.iter().step_by(7) {
                let r = app
                    .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
                    .await;
                assert_eq!(r.body["content"].as_str().unwrap(), content);
            }
            let list = app
                .get(Some(&operator), "/api/v1/requests?page_size=1")
                .await;
            assert_eq!(list.body["total"], 495);
        }
    })
    .await;
}
