//! The two stories of the web pages, in Debian's Chromium driven over WebDriver, against
//! the real `civicgrid` binary serving a small demo district:
//!
//! 1. an operator registers a call (keyboard only); a dispatcher dispatches it; a handler
//!    accepts and resolves it; the citizen tracks it on the public portal and rates it; the
//!    leader's dashboard counts it;
//!    before the callback, the unit head signs the reply, the hub sends it back from its
//!    board with a reason, the unit corrects it, the head signs again and the hub approves;
//! 2. an administrator shortens the emergency policy's acceptance limit to one minute on
//!    the policy page; an emergency is registered and dispatched, runs red, and appears in
//!    the supervision pool, where a supervisor urges it; the unit's inbox shows the urging;
//! 3. a street convenes a coordination of two departments, each answers from its page, the
//!    street resolves the case itself and its finding becomes an agreement routing rule.
//!
//! Every page visited passes an accessibility check (labels, landmarks, contrast) and the
//! tests leave screenshots in `target/tmp/screenshots` (the README's come from a run
//! against the full demo: `CIVICGRID_BROWSER_DEMO_REQUESTS=110000 cargo test --release -p
//! civicgrid-cli --test it browser`, then copying them to `docs/screenshots`). Without chromedriver the tests
//! print a notice and pass, unless `CIVICGRID_REQUIRE_BROWSER=1` (set by `.ci/run`).

use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const PASSWORD: &str = "civicgrid";
const ADMIN_PASSWORD: &str = "browser-admin-1";

/// A running binary or driver, killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn chromedriver() -> Option<String> {
    let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let required = std::env::var("CIVICGRID_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    assert!(
        !required,
        "the browser tests are required (CIVICGRID_REQUIRE_BROWSER=1) but {path} is missing"
    );
    eprintln!("NOTICE: skipping the browser stories: no chromedriver at {path}");
    None
}

/// Polls `ready` every 250 ms until it holds, failing after `limit`.
async fn wait_until<F, Fut>(what: &str, limit: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !ready().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

struct Stage {
    base: String,
    browser: Client,
    shots: std::path::PathBuf,
    _server: Proc,
    _driver: Proc,
    _dir: tempdir::Dir,
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

async fn stage() -> Option<Stage> {
    let driver_path = chromedriver()?;
    let dir = std::env::temp_dir().join(format!("civicgrid-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (base, server) = demo_server(&dir).await;
    let (browser, driver) = open_browser(&driver_path, &dir).await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    Some(Stage {
        base,
        browser,
        shots,
        _server: Proc(server),
        _driver: Proc(driver),
        _dir: tempdir::Dir(dir),
    })
}

/// The real binary serving a small demo district on a free port.
async fn demo_server(dir: &std::path::Path) -> (String, Child) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let requests =
        std::env::var("CIVICGRID_BROWSER_DEMO_REQUESTS").unwrap_or_else(|_| "1500".into());
    let server = Command::new(env!("CARGO_BIN_EXE_civicgrid"))
        .args([
            "demo",
            "--requests",
            &requests,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            &format!("sqlite:{}/demo.db", dir.display()),
            "--sweep-seconds",
            "2",
        ])
        .env("CIVICGRID_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let health = format!("{base}/healthz");
    wait_until("the demo server", Duration::from_secs(300), || {
        let http = http.clone();
        let health = health.clone();
        async move {
            http.get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    (base, server)
}

/// Chromium under chromedriver, headless, at an office screen's size.
async fn open_browser(driver_path: &str, dir: &std::path::Path) -> (Client, Child) {
    let http = reqwest::Client::new();
    let driver_port = free_port();
    let driver = Command::new(driver_path)
        .arg(format!("--port={driver_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let status = format!("http://127.0.0.1:{driver_port}/status");
    wait_until("chromedriver", Duration::from_secs(30), || {
        let http = http.clone();
        let status = status.clone();
        async move {
            http.get(&status)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    let profile = dir.join("profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1366,768", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("chromium starts under chromedriver");
    (browser, driver)
}

/// Checks run in the page: every form control has a label, the page has its landmarks,
/// images have text, and text contrasts with its background by WCAG AA (4.5:1, large text
/// 3:1). Returns the problems found.
const A11Y: &str = r#"
const problems = [];
if (!document.documentElement.lang) problems.push('html has no lang');
if (!document.querySelector('main')) problems.push('no main landmark');
if (!document.querySelector('header')) problems.push('no header landmark');
if (!document.querySelector('nav')) problems.push('no nav landmark');
if (!document.querySelector('h1')) problems.push('no h1');
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (['hidden', 'submit', 'button'].includes(el.type)) continue;
  const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!named) problems.push('unlabelled ' + el.tagName + ' ' + (el.name || el.id));
}
for (const img of document.querySelectorAll('img')) if (!img.alt) problems.push('img without alt ' + img.src);
for (const b of document.querySelectorAll('button, a')) {
  if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('nameless ' + b.tagName + ' ' + b.outerHTML.slice(0, 80));
}
function rgb(s) { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; }
function lum(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); }
function background(el) {
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0.5) return c;
  }
  return {r: 255, g: 255, b: 255, a: 1};
}
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('svg')) continue;
  const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || style.display === 'none' || el.getClientRects().length === 0) continue;
  if (el.closest('.skip, .sr-only')) continue;
  const fg = rgb(style.color), bg = background(el);
  if (!fg) continue;
  const l1 = lum(fg), l2 = lum(bg);
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
  const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < need) problems.push('contrast ' + ratio.toFixed(2) + ' for "' + el.textContent.trim().slice(0, 30) + '"');
}
return problems;
"#;

impl Stage {
    async fn go(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
        self.check_page(path).await;
    }

    /// The accessibility check, and the page is in Chinese unless asked otherwise.
    async fn check_page(&self, what: &str) {
        let problems = self.browser.execute(A11Y, vec![]).await.unwrap();
        assert_eq!(problems, json!([]), "accessibility problems on {what}");
    }

    async fn shot(&self, name: &str) {
        let png = self.browser.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self.browser.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Clicks something that loads a new page, and waits until the new page has loaded
    /// (a WebDriver click returns once the click is dispatched, not when its navigation
    /// ends).
    async fn submit(&self, css: &str) {
        self.browser
            .execute("window.__cgOld = true; return null", vec![])
            .await
            .unwrap();
        self.click(css).await;
        let start = Instant::now();
        loop {
            let fresh = self
                .browser
                .execute(
                    "return window.__cgOld === undefined && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(fresh, Ok(Value::Bool(true))) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "no new page after clicking {css}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn select(&self, css: &str, value: &str) {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    async fn path(&self) -> String {
        self.browser.current_url().await.unwrap().path().to_owned()
    }

    async fn login(&self, username: &str, password: &str) {
        self.browser.delete_all_cookies().await.unwrap();
        self.go("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.submit("#login-submit").await;
        let start = Instant::now();
        while self.path().await == "/login"
            && self
                .browser
                .find(Locator::Css("#login-error"))
                .await
                .is_err()
            && start.elapsed() < Duration::from_secs(10)
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if self.path().await == "/login" {
            let error = self.text("main").await;
            panic!("{username} could not sign in: {error}");
        }
    }

    async fn logout(&self) {
        self.submit("header form[action='/logout'] button").await;
        self.wait_path("/login").await;
    }

    /// Waits for a navigation the last click started to arrive at `path`.
    async fn wait_path(&self, path: &str) {
        let start = Instant::now();
        while self.path().await != path {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "expected to arrive at {path}, at {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The value of one dashboard figure (today).
    async fn figure(&self, key: &str) -> i64 {
        self.text(&format!(".figure[data-key='{key}'] .today"))
            .await
            .parse()
            .unwrap()
    }

    /// The unit of a demo account, by the API.
    async fn unit_of(&self, username: &str) -> i64 {
        let r = self.sign_in_api(username).await;
        r["user"]["unit"].as_i64().unwrap()
    }

    async fn sign_in_api(&self, username: &str) -> Value {
        // The administrator was created with its own password; the demo accounts share one.
        let password = if username == "admin" {
            ADMIN_PASSWORD
        } else {
            PASSWORD
        };
        reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A GET or POST on the API as `username`.
    async fn api(&self, username: &str, path: &str, body: Option<Value>) -> Value {
        let token = self.sign_in_api(username).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let client = reqwest::Client::new();
        let url = format!("{}{path}", self.base);
        let request = match body {
            Some(body) => client.post(url).json(&body),
            None => client.get(url),
        };
        request
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Signs in, opens a request and takes one action on its page with `fill` done first.
    async fn sign_reply_as(&self, username: &str, serial: &str) {
        self.login(username, PASSWORD).await;
        self.go(&format!("/cases/{serial}")).await;
        self.click("#action-sign_reply summary").await;
        self.submit("#do-sign_reply").await;
        assert_eq!(self.text("#detail-review").await, "待中心审核");
        self.logout().await;
    }

    /// Registers a call on the console with the keyboard alone and returns serial and code.
    async fn register_by_keyboard(&self, content: &str, urgency: &str) -> (String, String) {
        const TAB: &str = "\u{E004}";
        const ENTER: &str = "\u{E007}";
        self.go("/console").await;
        self.select("#urgency", urgency).await;
        // From the caller's name, Tab walks the form in reading order.
        self.click("#caller_name").await;
        let active = || async { self.browser.active_element().await.unwrap() };
        active().await.send_keys("李女士").await.unwrap();
        active().await.send_keys(TAB).await.unwrap();
        assert_eq!(
            active().await.attr("id").await.unwrap().as_deref(),
            Some("caller_phone")
        );
        active().await.send_keys("13912345678").await.unwrap();
        active().await.send_keys(TAB).await.unwrap();
        // The caller's own request to stay unknown comes with the caller's fields.
        assert_eq!(
            active().await.attr("id").await.unwrap().as_deref(),
            Some("caller_confidential")
        );
        active().await.send_keys(TAB).await.unwrap();
        assert_eq!(
            active().await.attr("id").await.unwrap().as_deref(),
            Some("category-filter")
        );
        active().await.send_keys(TAB).await.unwrap();
        active().await.send_keys(TAB).await.unwrap();
        assert_eq!(
            active().await.attr("id").await.unwrap().as_deref(),
            Some("address")
        );
        active()
            .await
            .send_keys("西岗区长江路 88 号")
            .await
            .unwrap();
        for _ in 0..3 {
            active().await.send_keys(TAB).await.unwrap();
        }
        assert_eq!(
            active().await.attr("id").await.unwrap().as_deref(),
            Some("content")
        );
        active().await.send_keys(content).await.unwrap();
        // Enter in a one-line field submits the form: the default button is "register".
        self.click("#address").await;
        self.browser
            .execute("window.__cgOld = true; return null", vec![])
            .await
            .unwrap();
        active().await.send_keys(ENTER).await.unwrap();
        wait_until("the registration", Duration::from_secs(15), || async {
            matches!(
                self.browser
                    .execute(
                        "return window.__cgOld === undefined && document.readyState === 'complete'",
                        vec![],
                    )
                    .await,
                Ok(Value::Bool(true))
            )
        })
        .await;
        if self
            .browser
            .find(Locator::Css("#new-serial"))
            .await
            .is_err()
        {
            panic!("not registered: {}", self.text("main").await);
        }
        let serial = self.text("#new-serial").await;
        let code = self.text("#new-code").await;
        assert_eq!(serial.len(), 14, "a serial to read back: {serial}");
        assert_eq!(code.len(), 6);
        (serial, code)
    }

    /// Registers a call by its address alone: the operator types the start of a road's
    /// name, picks the gazetteer's suggestion with the keyboard, and the request lands in
    /// the road's grid. Returns the serial and the grid's unit.
    async fn register_by_address(&self) -> (String, Value) {
        const DOWN: &str = "\u{E015}";
        const ENTER: &str = "\u{E007}";
        let found = self
            .api("operator", "/api/v1/places?q=%E8%B7%AF&limit=1", None)
            .await;
        let road = found[0]["name"].as_str().expect("a demo road").to_owned();
        let grid = found[0]["grid"].clone();
        assert!(
            grid["unit"].is_i64(),
            "the demo road lies in a grid: {found}"
        );
        self.go("/console").await;
        let typed: String = road.chars().take(2).collect();
        self.fill("#address", &typed).await;
        wait_until(
            "the address suggestions",
            Duration::from_secs(10),
            || async {
                self.browser
                    .find(Locator::Css("#address-suggestions li"))
                    .await
                    .is_ok()
            },
        )
        .await;
        let address = self.browser.find(Locator::Css("#address")).await.unwrap();
        address.send_keys(DOWN).await.unwrap();
        address.send_keys(ENTER).await.unwrap();
        let chosen = address.prop("value").await.unwrap().unwrap_or_default();
        assert!(chosen.starts_with(&typed), "{chosen}");
        let lat = self
            .browser
            .find(Locator::Css("#lat"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(
            lat.parse::<f64>().is_ok(),
            "the point is filled in: {lat:?}"
        );
        let said = self.text("#address-place").await;
        assert!(
            said.contains('·'),
            "the grid, community and street are shown: {said}"
        );
        self.fill("#content", "路面塌陷一处,车辆经过很危险,请尽快修复。")
            .await;
        self.submit("#register").await;
        let serial = self.text("#new-serial").await;
        let detail = self
            .api("operator", &format!("/api/v1/requests/{serial}"), None)
            .await;
        assert!(detail["area"]["id"].is_i64(), "placed: {detail}");
        (serial, detail["area"].clone())
    }

    async fn dispatch_to(&self, serial: &str, unit: i64) {
        self.go("/dispatch").await;
        self.select(&format!("#unit-{serial}"), &unit.to_string())
            .await;
        self.submit(&format!("form[action='/cases/{serial}/dispatch'] button"))
            .await;
        self.wait_path("/dispatch").await;
        assert!(
            self.browser
                .find(Locator::Css(&format!("#unit-{serial}")))
                .await
                .is_err(),
            "dispatched requests leave the queue"
        );
    }
}

/// Story 3: a street convenes two departments; each answers from its page; the street
/// resolves the case itself and its finding becomes an agreement routing rule.
async fn coordination_story(s: &Stage) {
    let street = s.unit_of("street1").await;
    let (first, second) = (s.unit_of("dept01").await, s.unit_of("dept02").await);
    // A request placed in the street: where one of its cases lies, in the same category.
    let led = s
        .api(
            "dispatcher",
            &format!("/api/v1/requests?unit={street}&page_size=50"),
            None,
        )
        .await;
    let mut placed = None;
    for item in led["items"].as_array().unwrap() {
        let serial = item["serial"].as_str().unwrap();
        let r = s
            .api("dispatcher", &format!("/api/v1/requests/{serial}"), None)
            .await;
        if r["location"].is_object() && r["category"].is_object() {
            placed = Some((r["location"].clone(), r["category"]["id"].clone()));
            break;
        }
    }
    let (location, category) = placed.expect("a placed case of the street");
    let created = s
        .api(
            "operator",
            "/api/v1/requests",
            Some(json!({
                "channel": "hotline", "kind": "complaint", "category": category,
                "content": "小区门口人行道被占道经营堵塞,绿化带也被踩坏。",
                "address": "西岗区长江路 90 号", "location": location,
                "caller": {"name": "王先生", "phone": "13700001111"}
            })),
        )
        .await;
    let serial = created["serial"].as_str().unwrap().to_owned();
    let rules_before = s.api("dispatcher", "/api/v1/routing-rules", None).await;
    s.login("dispatcher", PASSWORD).await;
    s.dispatch_to(&serial, street).await;
    s.logout().await;

    // The street convenes the two departments from the case page.
    s.login("street1", PASSWORD).await;
    s.go(&format!("/cases/{serial}")).await;
    s.click("#action-coordinate summary").await;
    s.select("#coordinate-units", &first.to_string()).await;
    s.select("#coordinate-units", &second.to_string()).await;
    s.fill(
        "#coordinate-reason",
        "占道经营与绿化带损毁,职责交叉,请两部门答复",
    )
    .await;
    s.submit("#do-coordinate").await;
    assert_eq!(s.text("#detail-state").await, "协调中");
    s.logout().await;
    // Each department answers from its own page.
    for (user, unit, owns, opinion) in [
        ("dept01", first, "no", "不属本单位职责,可提供执法记录"),
        ("dept02", second, "yes", "占道经营属本单位职责"),
    ] {
        s.login(user, PASSWORD).await;
        s.go(&format!("/cases/{serial}")).await;
        s.click("#action-answer_coordination summary").await;
        s.select("#answer_coordination-unit", &unit.to_string())
            .await;
        s.click(&format!(
            "#action-answer_coordination input[name=owns][value='{owns}']"
        ))
        .await;
        s.fill("#answer_coordination-opinion", opinion).await;
        s.submit("#do-answer_coordination").await;
        assert!(s.text("#coordination-answers").await.contains(opinion));
        s.logout().await;
    }
    // The street resolves it first and records who is responsible, as a rule.
    s.login("street1", PASSWORD).await;
    s.go(&format!("/cases/{serial}")).await;
    s.click("#action-settle summary").await;
    s.fill("#settle-reply", "街道已组织清理占道,绿化带已补种。")
        .await;
    s.select("#settle-owner", &second.to_string()).await;
    s.fill("#settle-minutes", "会商认定:占道经营由该部门负责")
        .await;
    s.click("#settle-rule").await;
    s.submit("#do-settle").await;
    assert!(
        s.text("#coordination-conclusion")
            .await
            .contains("先行处置")
    );
    s.browser
        .execute(
            "document.getElementById('coordination').scrollIntoView(); return null",
            vec![],
        )
        .await
        .unwrap();
    s.shot("coordination").await;
    s.logout().await;
    let rules_after = s.api("dispatcher", "/api/v1/routing-rules", None).await;
    let agreements = |rules: &Value| -> Vec<Value> {
        rules
            .as_array()
            .or_else(|| rules["items"].as_array())
            .unwrap()
            .iter()
            .filter(|r| {
                r["basis"] == "agreement" && r["unit"] == second && r["category"] == category
            })
            .cloned()
            .collect()
    };
    let new: Vec<Value> = agreements(&rules_after)
        .into_iter()
        .filter(|r| !agreements(&rules_before).contains(r))
        .collect();
    assert_eq!(
        new.len(),
        1,
        "the finding became an agreement rule: {new:?}"
    );
}

/// Story 4: a leader writes an instruction on a case with a deadline; the unit finds it in
/// its inbox, acknowledges it and reports back; the leader reads the report on his list.
async fn instruction_story(s: &Stage, dept: i64) {
    let created = s
        .api(
            "operator",
            "/api/v1/requests",
            Some(json!({
                "channel": "hotline", "kind": "complaint",
                "content": "长江路与友好街交叉口井盖破损,已有行人绊倒。",
                "address": "西岗区长江路与友好街交叉口",
                "caller": {"name": "赵女士", "phone": "13600002222"}
            })),
        )
        .await;
    let serial = created["serial"].as_str().unwrap().to_owned();
    let dispatched = s
        .api(
            "dispatcher",
            &format!("/api/v1/requests/{serial}/dispatch"),
            Some(json!({"unit": dept})),
        )
        .await;
    assert_eq!(dispatched["state"], "dispatched", "{dispatched}");

    s.login("leader", PASSWORD).await;
    s.go(&format!("/cases/{serial}")).await;
    s.click("#action-instruct summary").await;
    s.fill("#instruct-text", "请三日内更换井盖并报结果,注意夜间警示")
        .await;
    s.fill("#instruct-working_days", "3").await;
    s.submit("#do-instruct").await;
    let listed = s.text("#instructions-list").await;
    assert!(
        listed.contains("请三日内更换井盖") && listed.contains("待签收"),
        "{listed}"
    );
    s.logout().await;

    s.login("dept01", PASSWORD).await;
    s.go("/inbox").await;
    assert!(s.text("#inbox-instruction-list").await.contains(&serial));
    s.go(&format!("/cases/{serial}")).await;
    s.click("#action-acknowledge_instruction summary").await;
    s.submit("#do-acknowledge_instruction").await;
    assert!(s.text("#instructions-list").await.contains("已签收待报告"));
    s.click("#action-report_instruction summary").await;
    s.fill(
        "#report_instruction-report",
        "已于当日更换井盖并设置警示,现场恢复通行。",
    )
    .await;
    s.submit("#do-report_instruction").await;
    assert!(
        s.text("#instructions-list")
            .await
            .contains("已于当日更换井盖")
    );
    s.logout().await;

    s.login("leader", PASSWORD).await;
    s.go("/instructions").await;
    let table = s.text("#instructions-table").await;
    assert!(
        table.contains(&serial) && table.contains("已报告") && table.contains("现场恢复通行"),
        "{table}"
    );
    s.shot("instructions").await;
    s.logout().await;
}

/// Story 5: the administrator disables one account and resets another's password; the
/// first can no longer sign in, the second signs in once with the temporary password and
/// must choose a new one.
async fn administration_story(s: &Stage) {
    s.login("admin", ADMIN_PASSWORD).await;
    s.go("/admin/users?q=street1_leader").await;
    s.submit("#disable-street1_leader").await;
    s.go("/admin/users?q=street1_leader").await;
    assert!(
        s.browser
            .find(Locator::Css("#enable-street1_leader"))
            .await
            .is_ok(),
        "the account shows as disabled"
    );
    s.fill("#users-q", "head01").await;
    s.submit("#users-search-submit").await;
    s.fill("#reset-head01", "temporary-pass-1").await;
    s.submit("form[action$='/password'] input#reset-head01 ~ button")
        .await;
    s.check_page("admin users").await;
    s.shot("admin-users").await;
    s.logout().await;

    // The disabled account is told so, and stays out.
    s.go("/login").await;
    s.fill("#username", "street1_leader").await;
    s.fill("#password", PASSWORD).await;
    s.submit("#login-submit").await;
    assert_eq!(s.path().await, "/login");
    let said = s.text("main").await;
    assert!(said.contains("已停用"), "{said}");
    // The reset account signs in with the temporary password once, choosing a new one.
    s.go("/login").await;
    s.fill("#username", "head01").await;
    s.fill("#password", "temporary-pass-1").await;
    s.submit("#login-submit").await;
    assert!(s.browser.find(Locator::Css("#new_password")).await.is_ok());
    s.fill("#password", "temporary-pass-1").await;
    s.fill("#new_password", "head01-own-pass").await;
    s.submit("#login-submit").await;
    s.wait_path("/inbox").await;
    s.logout().await;
    s.login("head01", "head01-own-pass").await;
    s.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_stories_in_chromium_against_the_binary() {
    let Some(s) = stage().await else { return };
    let dept = s.unit_of("dept01").await;

    // Story 2, first half: the emergency policy's acceptance limit becomes one minute.
    s.login("admin", ADMIN_PASSWORD).await;
    s.go("/admin/policies").await;
    let emergency_policy = || async {
        s.browser
            .execute(
                "return Array.from(document.querySelectorAll('form.policy')).find(f => f.textContent.includes('当日办结')).querySelector('input[name=id]').value",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    };
    let id = emergency_policy().await;
    s.fill(&format!("#p{id}-accept"), "1 minutes").await;
    s.submit(&format!(
        "form.policy input[name=id][value='{id}'] ~ div button"
    ))
    .await;
    assert!(s.text(".flash").await.len() > 1, "the policy page confirms");
    let id = emergency_policy().await;
    let accept = s
        .browser
        .find(Locator::Css(&format!("#p{id}-accept")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(accept.as_deref(), Some("1 minutes"));
    // The change is on the admin audit, with its value before and after.
    s.go("/admin/audit").await;
    let changes = s.text("#admin-changes").await;
    assert!(
        changes.contains("修改时限策略") && changes.contains("1 minutes"),
        "{changes}"
    );
    // Below it, the demo's year of administration (written when the server first started).
    let trail = s
        .api("admin", "/api/v1/audit/admin?page_size=50", None)
        .await;
    assert!(
        trail["total"].as_i64().unwrap() >= 11,
        "the demo's trail and today's change: {trail}"
    );
    s.shot("admin-audit").await;
    s.logout().await;

    s.login("leader", PASSWORD).await;
    assert_eq!(
        s.path().await,
        "/dashboard",
        "a leader starts on the dashboard"
    );
    let before = (
        s.figure("dash.received").await,
        s.figure("dash.resolved").await,
        s.figure("dash.closed").await,
    );
    s.logout().await;

    s.login("operator", PASSWORD).await;
    let (urgent, _) = s
        .register_by_keyboard(
            "长江路主干道燃气管道破裂,有强烈气味,请立即处置。",
            "emergency",
        )
        .await;
    // Story 1: the operator registers the call.
    let (serial, code) = s
        .register_by_keyboard(
            "长江路 88 号门前路灯不亮已经一周,夜间行人很不方便。",
            "normal",
        )
        .await;
    s.shot("console").await;
    // A call placed by its address alone, picked from the gazetteer's suggestions.
    let (_, area) = s.register_by_address().await;
    assert!(area["name"].is_string());
    s.logout().await;

    // The dispatcher dispatches both; the emergency's one-minute clock starts.
    s.login("dispatcher", PASSWORD).await;
    s.dispatch_to(&urgent, dept).await;
    s.dispatch_to(&serial, dept).await;
    s.shot("dispatch").await;
    s.logout().await;

    // The handler accepts and resolves the first.
    s.login("dept01", PASSWORD).await;
    assert_eq!(s.path().await, "/inbox");
    s.go("/inbox").await;
    s.submit(&format!("a[href='/cases/{serial}']")).await;
    s.check_page("detail").await;
    assert!(
        s.browser
            .find(Locator::Css("#action-dispatch"))
            .await
            .is_err(),
        "a handler is not offered the dispatcher's actions"
    );
    s.click("#action-accept summary").await;
    s.submit("#do-accept").await;
    assert_eq!(s.text("#detail-state").await, "已签收");
    s.click("#action-resolve summary").await;
    s.select("#resolve-outcome", "resolved").await;
    s.fill("#resolve-reply", "已更换灯泡并检修线路,路灯恢复照明。")
        .await;
    s.submit("#do-resolve").await;
    assert_eq!(s.text("#detail-state").await, "待审核");
    assert_eq!(s.text("#detail-review").await, "待单位负责人签发");
    s.shot("detail").await;
    s.logout().await;

    // The unit head signs; the hub sends the reply back from its board with a reason.
    s.sign_reply_as("head01", &serial).await;
    s.login("dispatcher", PASSWORD).await;
    s.go("/dispatch").await;
    s.fill(
        &format!("#send-back-{serial}"),
        "请写明更换的部件和修复时间",
    )
    .await;
    s.shot("dispatch-replies").await;
    s.submit(&format!("#send-back-button-{serial}")).await;
    s.logout().await;
    // The unit reads why and corrects it; the head signs again and the hub approves.
    s.login("dept01", PASSWORD).await;
    s.go(&format!("/cases/{serial}")).await;
    assert_eq!(
        s.text("#detail-sent-back").await,
        "请写明更换的部件和修复时间"
    );
    assert_eq!(s.text("#detail-state").await, "办理中");
    s.click("#action-resolve summary").await;
    s.select("#resolve-outcome", "resolved").await;
    s.fill(
        "#resolve-reply",
        "已于当日更换灯泡和镇流器并检修线路,路灯恢复照明。",
    )
    .await;
    s.submit("#do-resolve").await;
    s.logout().await;
    s.sign_reply_as("head01", &serial).await;
    s.login("dispatcher", PASSWORD).await;
    s.go("/dispatch").await;
    s.submit(&format!("#approve-{serial}")).await;
    s.go(&format!("/cases/{serial}")).await;
    assert_eq!(s.text("#detail-state").await, "已办结待回访");
    s.logout().await;

    // The citizen tracks it on the portal and rates it.
    s.browser.delete_all_cookies().await.unwrap();
    s.go("/track").await;
    s.fill("#t-serial", &serial).await;
    s.fill("#t-code", &code).await;
    s.submit("form[action='/track'] button").await;
    s.check_page("tracking").await;
    assert_eq!(s.text("#track-state").await, "已办结待回访");
    let page = s.browser.source().await.unwrap();
    assert!(!page.contains("dept01"), "no staff names on the portal");
    assert!(
        !page.contains("13912345678") && !page.contains("李女士"),
        "no personal data"
    );
    s.click("#rating-satisfied").await;
    s.click("#resolved-yes").await;
    s.submit("#rate-submit").await;
    assert_eq!(s.text("#track-rating").await, "满意");
    assert_eq!(s.text("#track-state").await, "已结案");
    s.shot("portal-track").await;

    // The leader's dashboard counts it.
    s.login("leader", PASSWORD).await;
    let after = (
        s.figure("dash.received").await,
        s.figure("dash.resolved").await,
        s.figure("dash.closed").await,
    );
    assert_eq!(
        after.0,
        before.0 + 3,
        "three requests received today (the urgent call, the story's, the one placed by address)"
    );
    // The figure counts replies given: the one sent back and the corrected one.
    assert_eq!(after.1, before.1 + 2, "two replies given today");
    assert_eq!(after.2, before.2 + 1, "one closed today");
    // The map drills down from the district to a street.
    let street = s
        .browser
        .find(Locator::Css("svg.map a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    s.go(&street).await;
    assert!(s.browser.find(Locator::Css("#map-up")).await.is_ok());
    s.go("/dashboard").await;
    s.shot("dashboard").await;
    s.logout().await;

    coordination_story(&s).await;
    instruction_story(&s, dept).await;

    // Story 2, second half: the emergency runs red and enters the pool.
    s.login("supervisor", PASSWORD).await;
    let urge = format!("#urge-{urgent}");
    let start = Instant::now();
    loop {
        s.go("/supervision").await;
        if s.browser.find(Locator::Css(&urge)).await.is_ok() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the emergency reached the pool"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    s.shot("supervision").await;
    s.submit(&urge).await;
    assert!(s.text(".flash").await.contains("催办"));
    s.go(&format!("/cases/{urgent}")).await;
    assert_eq!(s.text("#detail-band").await, "红");
    let timeline = s.text("#events").await;
    assert!(
        timeline.contains("督办"),
        "the ladder supervised it: {timeline}"
    );
    assert!(
        timeline.contains("催办 → 已派遣 · supervisor"),
        "the supervisor urged it: {timeline}"
    );
    s.logout().await;

    // The unit sees the urging in its inbox and acknowledges it.
    s.login("dept01", PASSWORD).await;
    s.go("/inbox").await;
    s.shot("inbox").await;
    let notices = s.text("#notices + ul").await;
    assert!(
        notices.contains(&urgent),
        "the urging reaches the unit: {notices}"
    );

    s.logout().await;

    // The data-protection officer reads who saw callers' personal data, and nothing else.
    s.login("privacy", PASSWORD).await;
    assert_eq!(
        s.path().await,
        "/audit",
        "the audit is the officer's first page"
    );
    let reads = s.text("#audit-records").await;
    assert!(
        reads.contains(&urgent) && reads.contains("dept01"),
        "{reads}"
    );
    s.shot("audit").await;
    s.go(&format!("/cases/{urgent}")).await;
    assert!(
        s.browser
            .find(Locator::Css("#detail-serial"))
            .await
            .is_err(),
        "no case is shown to the officer"
    );

    administration_story(&s).await;

    // A citizen picks the place on the portal's map: the request lands in that grid.
    s.go("/").await;
    wait_until("the portal's map", Duration::from_secs(10), || async {
        s.browser.find(Locator::Css("#map-pick svg")).await.is_ok()
    })
    .await;
    s.fill("#content", "小区门口路灯坏了好几天了,晚上很黑。")
        .await;
    s.click("#map-pick svg").await;
    wait_until(
        "the grid of the picked point",
        Duration::from_secs(10),
        || async { !s.text("#address-place").await.is_empty() },
    )
    .await;
    assert!(s.text("#address-place").await.contains('·'));
    s.submit("#submit").await;
    let picked = s.text("#serial").await;
    let detail = s
        .api("operator", &format!("/api/v1/requests/{picked}"), None)
        .await;
    assert!(detail["area"]["id"].is_i64(), "placed by the map: {detail}");
    assert!(detail["location"]["lat"].is_f64());

    // English on request, and the portal fits a phone.
    s.go("/?lang=en").await;
    assert_eq!(
        s.browser
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap(),
        json!("en")
    );
    assert_eq!(s.text("h1").await, "Tell us");
    s.go("/?lang=zh").await;
    s.browser.set_window_size(390, 844).await.unwrap();
    s.go("/").await;
    let overflow = s
        .browser
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(true), "no sideways scrolling on a phone");
    s.shot("portal-phone").await;
    s.browser.set_window_size(1366, 768).await.unwrap();
    s.go("/").await;
    s.shot("portal").await;
    s.browser.clone().close().await.unwrap();
}
