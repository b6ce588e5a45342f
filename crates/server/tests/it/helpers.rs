//! Starting the app on port 0 with a fresh database and a controllable clock, and a small
//! HTTP client for tests.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use civicgrid::clock::ManualClock;
use civicgrid::state::AppState;
use civicgrid_domain::UnitId;
use civicgrid_domain::org::{Grant, Role, UnitKind};
use civicgrid_store::{Backend, NewCategory, NewRoutingRule, NewUnit, NewUser, testing};
use serde_json::{Value, json};

pub const PASSWORD: &str = "password123";

pub fn start_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

pub struct TestApp {
    pub base: String,
    /// The database URL, for a second instance on the same database.
    pub url: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    pub clock: Arc<ManualClock>,
    pub units: Units,
}

#[derive(Clone, Copy)]
pub struct Units {
    pub hub: UnitId,
    pub street: UnitId,
    pub other_street: UnitId,
    pub community: UnitId,
    pub grid: UnitId,
    pub dept: UnitId,
    pub other_dept: UnitId,
}

pub struct Response {
    pub status: u16,
    pub body: Value,
}

impl TestApp {
    pub async fn start(url: &str) -> TestApp {
        let clock = Arc::new(ManualClock::new(start_time()));
        let store = civicgrid_store::open(
            url,
            start_time(),
            civicgrid_domain::calendar::china_standard_time(),
        )
        .await
        .unwrap();
        let unit = |name: &str, kind, parent| NewUnit {
            name: name.into(),
            kind,
            parent,
            lines: vec![],
            geometry: None,
            code: None,
        };
        let hub = store
            .create_unit(unit("中心", UnitKind::Hub, None), start_time())
            .await
            .unwrap()
            .id;
        let street = store
            .create_unit(unit("白云街道", UnitKind::Street, Some(hub)), start_time())
            .await
            .unwrap()
            .id;
        let other_street = store
            .create_unit(unit("北京街道", UnitKind::Street, Some(hub)), start_time())
            .await
            .unwrap()
            .id;
        let community = store
            .create_unit(
                unit("锦华社区", UnitKind::Community, Some(street)),
                start_time(),
            )
            .await
            .unwrap()
            .id;
        let square = r#"{"type":"Polygon","coordinates":[[[121.60,38.90],[121.61,38.90],[121.61,38.91],[121.60,38.91],[121.60,38.90]]]}"#;
        let grid = store
            .create_unit(
                NewUnit {
                    name: "锦华1网格".into(),
                    kind: UnitKind::Grid,
                    parent: Some(community),
                    lines: vec![],
                    geometry: Some(square.into()),
                    code: None,
                },
                start_time(),
            )
            .await
            .unwrap()
            .id;
        let dept = store
            .create_unit(
                unit("城管局", UnitKind::Department, Some(hub)),
                start_time(),
            )
            .await
            .unwrap()
            .id;
        let other_dept = store
            .create_unit(
                unit("住建局", UnitKind::Department, Some(hub)),
                start_time(),
            )
            .await
            .unwrap()
            .id;
        let parent = store
            .create_category(NewCategory {
                code: "urban".into(),
                name: "城乡建设".into(),
                parent: None,
                line: Some("urban".into()),
            })
            .await
            .unwrap();
        let light = store
            .create_category(NewCategory {
                code: "urban.streetlight".into(),
                name: "路灯照明".into(),
                parent: Some(parent.id),
                line: Some("urban".into()),
            })
            .await
            .unwrap();
        store
            .create_routing_rule(NewRoutingRule {
                category: light.id,
                area: None,
                unit: dept,
                basis: civicgrid_domain::lifecycle::Basis::Statute,
            })
            .await
            .unwrap();
        store
            .set_cancel_reasons(vec![civicgrid_store::CancelReason {
                code: "harassment".into(),
                label: "恶意骚扰".into(),
            }])
            .await
            .unwrap();
        let hash = civicgrid::auth::hash_password(PASSWORD).unwrap();
        let user = |name: &str, unit: UnitId, roles: &[Role]| NewUser {
            username: name.into(),
            display_name: name.into(),
            password_hash: hash.clone(),
            unit,
            grants: roles
                .iter()
                .map(|r| Grant {
                    role: *r,
                    unit,
                    lines: vec![],
                })
                .collect(),
        };
        store
            .create_users(
                vec![
                    user("admin", hub, &[Role::Admin]),
                    user("operator", hub, &[Role::Operator]),
                    user("dispatcher", hub, &[Role::Dispatcher]),
                    user("supervisor", hub, &[Role::Supervisor]),
                    user("leader", hub, &[Role::Leader]),
                    user("handler", dept, &[Role::Handler]),
                    user("other_handler", other_dept, &[Role::Handler]),
                    user("street_dispatcher", other_street, &[Role::Dispatcher]),
                    user("street_handler", street, &[Role::Handler]),
                    user("gridworker", grid, &[Role::GridWorker]),
                ],
                start_time(),
            )
            .await
            .unwrap();
        let (router, state) = civicgrid::app::build(store, clock.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        TestApp {
            base,
            url: url.to_owned(),
            client: reqwest::Client::new(),
            state,
            clock,
            units: Units {
                hub,
                street,
                other_street,
                community,
                grid,
                dept,
                other_dept,
            },
        }
    }

    /// A second server instance on the same database (as several stateless instances share
    /// one PostgreSQL in production), with the same clock.
    pub async fn another_instance(&self) -> TestApp {
        let store = civicgrid_store::open(
            &self.url,
            start_time(),
            civicgrid_domain::calendar::china_standard_time(),
        )
        .await
        .unwrap();
        let (router, state) = civicgrid::app::build(store, self.clock.clone())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        TestApp {
            base,
            url: self.url.clone(),
            client: reqwest::Client::new(),
            state,
            clock: self.clock.clone(),
            units: self.units,
        }
    }

    pub async fn login(&self, username: &str) -> String {
        let r = self
            .post(
                None,
                "/api/v1/auth/login",
                json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        r.body["token"].as_str().unwrap().to_owned()
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Response { status, body }
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> Response {
        self.send(reqwest::Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::POST, token, path, Some(body))
            .await
    }

    pub async fn intake(&self, token: &str, body: Value) -> String {
        let r = self.post(Some(token), "/api/v1/requests", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["serial"].as_str().unwrap().to_owned()
    }

    pub async fn act(&self, token: &str, serial: &str, action: &str, body: Value) -> Response {
        self.post(
            Some(token),
            &format!("/api/v1/requests/{serial}/{action}"),
            body,
        )
        .await
    }
}

impl TestApp {
    /// Registers the standard complaint and dispatches it to the department.
    pub async fn dispatched(&self, operator: &str, dispatcher: &str) -> String {
        let serial = self.intake(operator, complaint()).await;
        self.dispatch_to_dept(dispatcher, &serial).await;
        serial
    }

    pub async fn dispatch_to_dept(&self, dispatcher: &str, serial: &str) {
        let r = self
            .act(
                dispatcher,
                serial,
                "dispatch",
                json!({"unit": self.units.dept.0}),
            )
            .await;
        assert_eq!(r.status, 200, "dispatch {serial}: {}", r.body);
    }

    /// The hub approves the reply under its check, as a dispatcher.
    pub async fn approve_reply(&self, dispatcher: &str, serial: &str) {
        let r = self
            .act(dispatcher, serial, "approve_reply", json!({}))
            .await;
        assert_eq!(r.status, 200, "approve_reply {serial}: {}", r.body);
    }

    /// The verification code printed to the citizen (read from the store).
    pub async fn verify_code(&self, serial: &str) -> String {
        self.state
            .store
            .get_request(serial)
            .await
            .unwrap()
            .unwrap()
            .row
            .verify_code
    }
}

/// A request as `token` sees it through the API (which must answer 200).
pub async fn request(app: &TestApp, token: &str, serial: &str) -> Value {
    let r = app
        .get(Some(token), &format!("/api/v1/requests/{serial}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The units whose clock of `stage` runs on a request (as `request` returns it).
pub fn running(request: &Value, stage: &str) -> Vec<i64> {
    running_all(request)
        .into_iter()
        .filter(|(s, _)| s == stage)
        .map(|(_, unit)| unit)
        .collect()
}

/// Every running clock of a request: its stage and unit.
pub fn running_all(request: &Value) -> Vec<(String, i64)> {
    request["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "running")
        .map(|c| {
            (
                c["stage"].as_str().unwrap().to_owned(),
                c["unit"]["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The serials of a page of request summaries (or of items that carry `request`).
pub fn page_serials(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|i| {
            let serial = if i["request"].is_object() {
                &i["request"]["serial"]
            } else {
                &i["serial"]
            };
            serial.as_str().unwrap().to_owned()
        })
        .collect()
}

/// A user's id by username, as an administrator lists it.
pub async fn user_id(app: &TestApp, admin: &str, username: &str) -> i64 {
    let users = app.get(Some(admin), "/api/v1/users?page_size=100").await;
    users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .map(|u| u["id"].as_i64().unwrap())
        .unwrap_or_else(|| panic!("no user {username}"))
}

pub fn complaint() -> Value {
    json!({
        "channel": "hotline", "kind": "complaint", "category": "urban.streetlight",
        "content": "锦华街3号路灯不亮一周了", "address": "锦华街3号",
        "location": {"lat": 38.905, "lng": 121.605},
        "caller": {"name": "张三丰", "phone": "13800138000"}
    })
}

/// Runs `story` on SQLite and (where reachable or required) PostgreSQL.
pub async fn on_every_backend<F, Fut>(story: F)
where
    F: Fn(Backend, TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (backend, url) in testing::backends().await {
        eprintln!("-- on {}", backend.name());
        story(backend, TestApp::start(&url).await).await;
    }
}
