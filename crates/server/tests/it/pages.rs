//! The web pages over plain HTTP: sessions and CSRF, who sees which page and which
//! buttons, forms shown again with their errors and values, the language switch, the
//! portal's submission, tracking and rating, and the lists and figures the pages read
//! from storage, on every backend.

use civicgrid_store::Backend;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, complaint, on_every_backend};

/// A browser without JavaScript: keeps the civicgrid cookies, follows no redirects.
pub(crate) struct Web {
    base: String,
    http: reqwest::Client,
    cookies: std::collections::BTreeMap<String, String>,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
}

impl Web {
    pub(crate) fn new(app: &TestApp) -> Web {
        Web {
            base: app.base.clone(),
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies: Default::default(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(r).await
    }

    pub(crate) fn csrf(&self) -> String {
        self.cookies.get("cg_csrf").cloned().unwrap_or_default()
    }

    /// Posts a form; `_csrf` is added from the cookie unless the fields carry one.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "_csrf") {
            all.push(("_csrf".into(), self.csrf()));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.read(r).await
    }

    pub(crate) async fn sign_in(app: &TestApp, username: &str) -> Web {
        let mut web = Web::new(app);
        web.get("/login").await;
        let page = web
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/work"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{username} signs in: {}", page.body);
        assert!(web.cookies.contains_key("cg_session"));
        web
    }
}

/// A valid 1×1 PNG.
const ONE_PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

async fn request_count(app: &TestApp) -> i64 {
    app.state.store.count_requests().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_are_chinese_by_default_and_english_on_request() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let mut web = Web::new(&app);
    for path in ["/", "/track", "/rankings", "/login"] {
        let page = web.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains(r#"<html lang="zh-CN">"#), "{path}");
    }
    let page = web.get("/?lang=en").await;
    assert!(page.body.contains(r#"<html lang="en">"#));
    assert!(page.body.contains("Tell us"));
    assert_eq!(web.cookies.get("cg_lang").map(String::as_str), Some("en"));
    // The choice sticks for the next page.
    let page = web.get("/track").await;
    assert!(page.body.contains(r#"<html lang="en">"#));
    assert!(page.body.contains("Track a request"));
    // A signed-in user's choice is their setting: it follows them to another browser.
    let mut office = Web::sign_in(&app, "leader").await;
    assert!(
        office
            .get("/cases")
            .await
            .body
            .contains(r#"<html lang="zh-CN">"#)
    );
    office.get("/cases?lang=en").await;
    let mut home = Web::sign_in(&app, "leader").await;
    let page = home.get("/cases").await;
    assert!(
        page.body.contains(r#"<html lang="en">"#),
        "the leader's language followed them"
    );
    let mut other = Web::sign_in(&app, "operator").await;
    assert!(
        other
            .get("/cases")
            .await
            .body
            .contains(r#"<html lang="zh-CN">"#),
        "per user"
    );
    // A browser asking for a page that does not exist gets a page; the API its JSON.
    let r = reqwest::Client::new()
        .get(format!("{}/no-such-page", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("没有这个页面"));
    let r = app.get(None, "/api/v1/no-such-thing").await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    // Pages carry the security headers.
    let r = reqwest::get(format!("{}/", app.base)).await.unwrap();
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(r.headers()["x-frame-options"], "DENY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_pages_need_a_session_and_a_role() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let mut anonymous = Web::new(&app);
    for path in civicgrid::pages::PAGES {
        if ["/", "/track", "/rankings", "/login"].contains(path) {
            continue;
        }
        let page = anonymous.get(path).await;
        assert_eq!(page.status, 303, "{path} without a session");
        let to = page.location.unwrap();
        assert!(to.starts_with("/login?next="), "{path} → {to}");
    }
    // (page, roles that open it)
    let rules: &[(&str, &[&str])] = &[
        ("/console", &["operator", "admin"]),
        ("/dispatch", &["dispatcher", "street_dispatcher", "admin"]),
        ("/inbox", &["handler", "other_handler"]),
        (
            "/cases",
            &[
                "operator",
                "dispatcher",
                "handler",
                "supervisor",
                "leader",
                "admin",
                "gridworker",
            ],
        ),
        (
            "/supervision",
            &[
                "supervisor",
                "dispatcher",
                "leader",
                "admin",
                "street_dispatcher",
            ],
        ),
        (
            "/dashboard",
            &[
                "supervisor",
                "dispatcher",
                "leader",
                "admin",
                "street_dispatcher",
            ],
        ),
        ("/admin/units", &["admin"]),
        ("/admin/users", &["admin"]),
        ("/admin/categories", &["admin"]),
        ("/admin/policies", &["admin"]),
        ("/admin/calendar", &["admin"]),
    ];
    for user in [
        "operator",
        "dispatcher",
        "handler",
        "supervisor",
        "leader",
        "admin",
        "gridworker",
    ] {
        let mut web = Web::sign_in(&app, user).await;
        let home = web.get("/work").await;
        assert_eq!(home.status, 303);
        for (path, allowed) in rules {
            let page = web.get(path).await;
            let may = allowed.contains(&user);
            assert_eq!(
                page.status,
                if may { 200 } else { 403 },
                "{user} on {path}: {}",
                &page.body[..page.body.len().min(300)]
            );
            if may {
                // Nothing a role may not do is even shown: the navigation links only
                // the pages this user opens.
                for (other, others_allowed) in rules {
                    if other.starts_with("/admin/") && *other != "/admin/units" {
                        continue; // reached through the admin sub-navigation
                    }
                    let linked = page.body.contains(&format!(r#"<li><a href="{other}""#));
                    assert_eq!(
                        linked,
                        others_allowed.contains(&user),
                        "{user}'s nav link to {other}"
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_refuse_a_missing_csrf_token_and_logout_ends_the_session() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let mut web = Web::sign_in(&app, "operator").await;
    let before = request_count(&app).await;
    let fields = [
        ("channel", "hotline"),
        ("kind", "complaint"),
        ("content", "楼道灯坏了,晚上看不见"),
    ];
    let mut forged: Vec<(&str, &str)> = fields.to_vec();
    forged.push(("_csrf", "0000"));
    let page = web.post("/console", &forged).await;
    assert_eq!(page.status, 403, "a form from another site");
    assert_eq!(request_count(&app).await, before, "nothing written");
    // A control character in any field is refused as the API refuses it (on PostgreSQL a
    // NUL would otherwise fail the insert).
    let nul = [
        ("channel", "hotline"),
        ("kind", "complaint"),
        ("content", "楼道灯坏了\u{0}"),
    ];
    let page = web.post("/console", &nul).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert_eq!(request_count(&app).await, before, "nothing written");
    let page = web.post("/console", &fields).await;
    assert_eq!(page.status, 303);
    assert_eq!(request_count(&app).await, before + 1);
    // Sign-in itself needs the token too.
    let mut fresh = Web::new(&app);
    let page = fresh
        .post(
            "/login",
            &[
                ("username", "operator"),
                ("password", PASSWORD),
                ("_csrf", "x"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    // Signing out ends the session on the server, not only in the browser.
    let session = web.cookies["cg_session"].clone();
    let page = web.post("/logout", &[]).await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    assert!(!web.cookies.contains_key("cg_session"));
    web.cookies.insert("cg_session".into(), session.clone());
    assert_eq!(
        web.get("/console").await.status,
        303,
        "the old cookie no longer works"
    );
    let api = app.get(Some(&session), "/api/v1/me").await;
    assert_eq!(api.status, 401, "nor does the token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_form_comes_back_with_its_errors_and_what_was_typed() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let mut web = Web::sign_in(&app, "operator").await;
    let before = request_count(&app).await;
    let page = web
        .post(
            "/console",
            &[
                ("channel", "hotline"),
                ("kind", "complaint"),
                ("content", "路灯不亮"),
                ("caller_name", "王小明"),
                ("caller_phone", "12345"),
                ("address", "锦华街9号"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains(r#"id="phone-error""#),
        "the phone field is named"
    );
    assert!(page.body.contains(r#"value="王小明""#), "the name is kept");
    assert!(
        page.body.contains(r#"value="锦华街9号""#),
        "the address is kept"
    );
    assert!(
        page.body.contains("路灯不亮</textarea>"),
        "the content is kept"
    );
    assert_eq!(request_count(&app).await, before, "nothing half-written");

    // The same on the portal, whose form is multipart.
    let mut citizen = Web::new(&app);
    citizen.get("/").await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", citizen.csrf())
        .text("kind", "complaint")
        .text("content", "小区门口垃圾没人清运")
        .text("phone", "abc")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(b"not a picture".to_vec())
                .file_name("x.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let r = citizen
        .http
        .post(format!("{}/", app.base))
        .header("cookie", citizen.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = citizen.read(r).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("小区门口垃圾没人清运</textarea>"));
    assert_eq!(request_count(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_page_offers_only_the_actions_the_user_may_take() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let operator = app.login("operator").await;
    let serial = app.intake(&operator, complaint()).await;
    let mut dispatcher = Web::sign_in(&app, "dispatcher").await;
    let page = dispatcher.get(&format!("/cases/{serial}")).await;
    assert!(page.body.contains(r#"id="action-dispatch""#));
    assert!(!page.body.contains(r#"id="action-accept""#));
    assert!(page.body.contains("张三丰"), "a dispatcher sees the caller");
    let done = dispatcher
        .post(
            &format!("/cases/{serial}/dispatch"),
            &[("unit", &app.units.dept.0.to_string())],
        )
        .await;
    assert_eq!(done.status, 303);
    let mut handler = Web::sign_in(&app, "handler").await;
    let page = handler.get(&format!("/cases/{serial}")).await;
    assert!(page.body.contains(r#"id="action-accept""#));
    assert!(page.body.contains(r#"id="action-return""#));
    assert!(!page.body.contains(r#"id="action-dispatch""#));
    assert!(
        !page.body.contains(r#"id="action-resolve""#),
        "not before accepting"
    );
    // A refused action shows its form again, open, with the field named.
    let page = handler
        .post(&format!("/cases/{serial}/return"), &[("reason", "")])
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains(r#"<details class="action" open id="action-return">"#)
    );
    let mut leader = Web::sign_in(&app, "leader").await;
    let page = leader.get(&format!("/cases/{serial}")).await;
    assert!(page.body.contains(r#"id="detail-caller""#));
    assert!(
        !page.body.contains("张三丰"),
        "a leader sees the caller masked"
    );
    assert!(
        page.body.contains("张**") || page.body.contains("张*"),
        "masked name shown"
    );
    let mut other = Web::sign_in(&app, "other_handler").await;
    assert_eq!(other.get(&format!("/cases/{serial}")).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_registers_tracks_and_takes_the_citizens_rating() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let mut citizen = Web::new(&app);
    citizen.get("/").await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", citizen.csrf())
        .text("kind", "complaint")
        .text("category", "urban.streetlight")
        .text("content", "锦华街5号路灯一直闪")
        .text("name", "赵六")
        .text("phone", "13700137000")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(ONE_PIXEL_PNG.to_vec())
                .file_name("light.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let r = citizen
        .http
        .post(format!("{}/", app.base))
        .header("cookie", citizen.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = citizen.read(r).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.unwrap();
    let query: std::collections::HashMap<String, String> =
        form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let (serial, code) = (query["serial"].clone(), query["code"].clone());
    let page = citizen.get(&to).await;
    assert!(page.body.contains(&serial) && page.body.contains(&code));
    assert!(!page.body.contains("赵六") && !page.body.contains("13700137000"));
    // The hub sees a web request registered by the platform, routed by category.
    let dispatcher = app.login("dispatcher").await;
    let r = app
        .get(Some(&dispatcher), &format!("/api/v1/requests/{serial}"))
        .await;
    assert_eq!(r.body["channel"], "web");
    assert_eq!(
        r.body["attachments"][0]["content_type"], "image/png",
        "the photo is kept"
    );
    let mut staff = Web::sign_in(&app, "dispatcher").await;
    let detail = staff.get(&format!("/cases/{serial}")).await;
    let photo = format!(
        "/cases/{serial}/attachments/{}",
        r.body["attachments"][0]["id"]
    );
    assert!(detail.body.contains(&format!(r#"<img src="{photo}""#)));
    let r = staff
        .http
        .get(format!("{}{photo}", app.base))
        .header("cookie", staff.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), ONE_PIXEL_PNG);
    let r = app
        .get(Some(&dispatcher), &format!("/api/v1/requests/{serial}"))
        .await;
    assert_eq!(r.body["proposal"]["unit"]["id"], app.units.dept.0);
    // Rating before the work is done is refused with the field of the state named.
    let early = citizen
        .post(
            "/track/rate",
            &[
                ("serial", &serial),
                ("code", &code),
                ("rating", "satisfied"),
                ("resolved", "yes"),
            ],
        )
        .await;
    assert_eq!(early.status, 422, "shown again with the reason");
    assert!(early.body.contains("class=\"error-box\""), "{}", early.body);
    // Work it through to resolved by the API, then the citizen rates.
    app.dispatch_to_dept(&dispatcher, &serial).await;
    let handler = app.login("handler").await;
    assert_eq!(
        app.act(&handler, &serial, "accept", json!({})).await.status,
        200
    );
    let r = app
        .act(
            &handler,
            &serial,
            "resolve",
            json!({"outcome": "resolved", "reply": "已修好"}),
        )
        .await;
    assert_eq!(r.status, 200);
    app.approve_reply(&dispatcher, &serial).await;
    let wrong = citizen
        .post(
            "/track/rate",
            &[
                ("serial", &serial),
                ("code", "000000"),
                ("rating", "satisfied"),
                ("resolved", "yes"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 404, "a wrong code rates nothing");
    let missing = citizen
        .post(
            "/track/rate",
            &[("serial", &serial), ("code", &code), ("resolved", "yes")],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(
        missing.body.contains(r#"id="resolved-yes" checked"#),
        "the choice made is kept"
    );
    let rated = citizen
        .post(
            "/track/rate",
            &[
                ("serial", &serial),
                ("code", &code),
                ("rating", "unsatisfied"),
                ("resolved", "no"),
            ],
        )
        .await;
    assert_eq!(rated.status, 303);
    let r = app
        .get(Some(&dispatcher), &format!("/api/v1/requests/{serial}"))
        .await;
    assert_eq!(
        r.body["state"], "reopened",
        "unsatisfied sends it back for redo"
    );
    let events = app
        .get(
            Some(&dispatcher),
            &format!("/api/v1/requests/{serial}/events"),
        )
        .await;
    let callback = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "callback")
        .expect("the rating is a callback event");
    assert_eq!(callback["detail"]["rating"], "unsatisfied");
    assert_eq!(callback["reason"], "citizen via portal");
    assert!(
        callback["actor"]["user"].is_null(),
        "no staff member rated it"
    );
    assert_eq!(r.body["redo_count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boards_and_figures_read_storage_alike_on_every_backend() {
    on_every_backend(|backend: Backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher_token = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let first = app.intake(&operator, complaint()).await;
        let second = app.intake(&operator, complaint()).await;
        let third = app.intake(&operator, complaint()).await;
        let mut dispatcher = Web::sign_in(&app, "dispatcher").await;
        let board = dispatcher.get("/dispatch").await;
        for s in [&first, &second, &third] {
            assert!(
                board.body.contains(&format!(r#"value="{s}""#)),
                "{backend:?}: {s} queued"
            );
        }
        assert!(
            board.body.contains("路灯照明") || board.body.contains("区"),
            "proposal shown"
        );
        // Bulk dispatch to the proposed unit.
        let page = dispatcher
            .post("/dispatch", &[("serial", &first), ("serial", &second)])
            .await;
        assert_eq!(page.status, 303);
        let board = dispatcher.get("/dispatch").await;
        assert!(!board.body.contains(&format!(r#"value="{first}""#)));
        assert!(board.body.contains(&format!(r#"value="{third}""#)));
        // The second is accepted and asks for more time: it shows among the extensions.
        for s in [&first, &second] {
            assert_eq!(app.act(&handler, s, "accept", json!({})).await.status, 200);
        }
        let r = app
            .act(
                &handler,
                &second,
                "request_extension",
                json!({"working_days": 3, "reason": "需要采购灯具"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let board = dispatcher.get("/dispatch").await;
        let extensions = board.body.split(r#"id="extensions""#).nth(1).unwrap();
        assert!(
            extensions.contains(&second) && !extensions.contains(&first),
            "{backend:?}"
        );
        assert!(extensions.contains("需要采购灯具"));
        // Approved from the board, it leaves the list.
        let page = dispatcher
            .post(
                &format!("/cases/{second}/approve_extension"),
                &[("back", "/dispatch")],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.location.as_deref(),
            Some("/dispatch?done=approve_extension")
        );
        let board = dispatcher.get("/dispatch").await;
        let extensions = board.body.split(r#"id="extensions""#).nth(1).unwrap();
        assert!(!extensions.contains(&second), "{backend:?}: approved");
        let r = app
            .get(
                Some(&dispatcher_token),
                &format!("/api/v1/requests/{second}"),
            )
            .await;
        assert_eq!(r.body["extension_days"], 3);
        // The unit's inbox, soonest deadline first.
        let mut inbox = Web::sign_in(&app, "handler").await;
        let page = inbox.get("/inbox").await;
        assert!(page.body.contains(&first) && page.body.contains(&second));
        assert!(!page.body.contains(&third), "not dispatched yet");
        // Close the first: the dashboard's figures come from the rollups.
        let r = app
            .act(
                &handler,
                &first,
                "resolve",
                json!({"outcome": "resolved", "reply": "已修好"}),
            )
            .await;
        assert_eq!(r.status, 200);
        app.approve_reply(&dispatcher_token, &first).await;
        // The operators see it among the callbacks due.
        let mut operator_web = Web::sign_in(&app, "operator").await;
        let console = operator_web.get("/console").await;
        let due = console
            .body
            .split(r#"id="callbacks-due""#)
            .nth(1)
            .unwrap_or("");
        assert!(
            due.contains(&first) && !due.contains(&second),
            "{backend:?}"
        );
        let r = app
            .act(
                &dispatcher_token,
                &first,
                "callback",
                json!({"rating": "satisfied", "resolved": true}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = dispatcher.get("/dashboard").await;
        let figure = |key: &str, part: &str| -> i64 {
            let after = page
                .body
                .split(&format!(r#"data-key="{key}""#))
                .nth(1)
                .unwrap();
            let after = after.split(&format!(r#"class="{part}">"#)).nth(1).unwrap();
            after.split('<').next().unwrap().trim().parse().unwrap()
        };
        assert_eq!(figure("dash.received", "today"), 3, "{backend:?}");
        assert_eq!(figure("dash.dispatched", "today"), 2);
        assert_eq!(figure("dash.resolved", "today"), 1);
        assert_eq!(figure("dash.closed", "today"), 1);
        let backlog: i64 = page
            .body
            .split(r#"id="backlog">"#)
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(backlog, 2, "{backend:?}: three received, one closed");
        // The API's overview gives the same figures.
        let r = app
            .get(Some(&dispatcher_token), "/api/v1/stats/overview?days=30")
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["figures"]["received"]["today"], 3, "{backend:?}");
        assert_eq!(r.body["figures"]["closed"]["today"], 1);
        assert_eq!(r.body["backlog"], 2);
        assert_eq!(r.body["days"].as_array().unwrap().len(), 30);
        assert_eq!(r.body["days"][29]["backlog"], 2, "the last day is today");
        assert_eq!(
            r.body["days"][28]["backlog"], 0,
            "nothing open the day before"
        );
        assert_eq!(r.body["areas"][0]["unit"], app.units.grid.0);
        assert_eq!(r.body["areas"][0]["received"], 3, "{}", r.body["areas"]);
        let r = app.get(Some(&handler), "/api/v1/stats/overview").await;
        assert_eq!(r.status, 403, "handlers have no overview");
        let r = app
            .get(Some(&dispatcher_token), "/api/v1/stats/overview?days=0")
            .await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["days"].is_string()),
            (400, true)
        );
        // The map draws the grid that has a polygon, with its count.
        assert!(page.body.contains("<svg viewBox"), "{backend:?}: a map");
        assert!(page.body.contains("s-backlog"), "a pressure curve");
        // Street → community → grid: the community's map draws its grid, with its count.
        let page = dispatcher
            .get(&format!("/dashboard?unit={}", app.units.community.0))
            .await;
        assert!(
            page.body.contains(&format!(
                r#"data-unit="{}" data-count="3""#,
                app.units.grid.0
            )),
            "{backend:?}: the grid holds the three requests"
        );
        assert!(
            page.body
                .contains(&format!(r#"href="/dashboard?unit={}""#, app.units.street.0))
        );
    })
    .await;
}

#[tokio::test]
async fn a_page_address_or_query_that_does_not_parse_gets_an_error_page() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let mut web = Web::sign_in(&app, "dispatcher").await;
    let page = web.get("/cases/20260101000001/attachments/abc").await;
    assert_eq!(page.status, 404);
    assert!(
        page.body.contains("<code>not_found</code>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("</html>"), "a whole page: {}", page.body);
    let page = web.get("/cases?page=abc").await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("<code>invalid_query</code>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("page"),
        "names the parameter: {}",
        page.body
    );
    let page = web.get("/dashboard/units/x").await;
    assert!(
        page.status == 404 || page.status == 403,
        "{}: {}",
        page.status,
        page.body
    );
    assert!(page.body.contains("</html>"), "{}", page.body);
}

#[tokio::test]
async fn a_count_past_the_cap_is_the_cap_and_says_it_is_not_exact() {
    on_every_backend(|backend: Backend, app| async move {
        let operator = app.login("operator").await;
        for _ in 0..3 {
            app.intake(&operator, complaint()).await;
        }
        let token = app.login("dispatcher").await;
        let principal = civicgrid::auth::principal_for_token(&app.state, &token)
            .await
            .unwrap()
            .unwrap();
        let counted = |cap: Option<i64>| {
            let (state, principal) = (app.state.clone(), principal.clone());
            async move {
                let filter = civicgrid_store::ListFilter {
                    limit: 10,
                    count_cap: cap,
                    ..Default::default()
                };
                let listed = civicgrid::services::cases::list(&state, &principal, &filter)
                    .await
                    .unwrap();
                (listed.items.len(), listed.total, listed.exact)
            }
        };
        assert_eq!(counted(Some(2)).await, (3, 2, false), "{backend:?}: capped");
        assert_eq!(
            counted(Some(3)).await,
            (3, 3, true),
            "{backend:?}: at the cap"
        );
        assert_eq!(counted(None).await, (3, 3, true), "{backend:?}: uncapped");
    })
    .await;
}
