//! Administration, on every backend: the non-acceptance (cancel) reasons an administrator
//! adds and retires, through the API and the reference-data page.

use serde_json::json;

use crate::helpers::{complaint, on_every_backend, user_id};
use crate::pages::Web;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_adds_and_retires_cancel_reasons_and_cancellations_follow() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let reason = json!({"code": "wrong_number", "name": "来电人拨错号码"});
        let r = app
            .post(Some(&operator), "/api/v1/cancel-reasons", reason.clone())
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .post(
                Some(&admin),
                "/api/v1/cancel-reasons",
                json!({"code": "Wrong Number", "name": "x"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["code"].is_string());
        let r = app
            .post(Some(&admin), "/api/v1/cancel-reasons", reason.clone())
            .await;
        assert_eq!(r.status, 201, "{backend:?}: {}", r.body);
        assert_eq!(
            (r.body["code"].as_str(), r.body["name"].as_str()),
            (Some("wrong_number"), Some("来电人拨错号码"))
        );
        let r = app
            .post(Some(&admin), "/api/v1/cancel-reasons", reason)
            .await;
        assert_eq!(r.status, 422, "a code once");
        let listed = app.get(Some(&operator), "/api/v1/cancel-reasons").await;
        assert!(
            listed
                .body
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["code"] == "wrong_number")
        );

        // Offered at once: a request is cancelled with it.
        let first = app.intake(&operator, complaint()).await;
        let r = app
            .act(
                &operator,
                &first,
                "cancel",
                json!({"reason": "wrong_number"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // Retired: no longer offered, while the cancelled request keeps its reason.
        let path = "/api/v1/cancel-reasons/wrong_number";
        let r = app
            .send(reqwest::Method::DELETE, Some(&operator), path, None)
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .send(reqwest::Method::DELETE, Some(&admin), path, None)
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
        let r = app
            .send(reqwest::Method::DELETE, Some(&admin), path, None)
            .await;
        assert_eq!(r.status, 404);
        let second = app.intake(&operator, complaint()).await;
        let r = app
            .act(
                &operator,
                &second,
                "cancel",
                json!({"reason": "wrong_number"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["reason"].is_string());
        let events = app
            .get(Some(&operator), &format!("/api/v1/requests/{first}/events"))
            .await;
        assert!(
            events.body.to_string().contains("来电人拨错号码"),
            "history keeps it"
        );

        // The page: listed, added with a field error shown, retired.
        let mut page = Web::sign_in(&app, "admin").await;
        let listed = page.get("/admin/categories").await;
        assert!(listed.body.contains("reason-list") && listed.body.contains("harassment"));
        let bad = page
            .post("/admin/cancel-reasons", &[("code", "x"), ("name", "太短")])
            .await;
        assert_eq!(bad.status, 422);
        assert!(
            bad.body.contains("field-error"),
            "the code's error is shown"
        );
        let added = page
            .post(
                "/admin/cancel-reasons",
                &[("code", "withdrawn_by_caller"), ("name", "来电人撤回")],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let retired = page
            .post("/admin/cancel-reasons/withdrawn_by_caller/retire", &[])
            .await;
        assert_eq!(retired.status, 303);
        let listed = page.get("/admin/categories").await;
        assert!(!listed.body.contains("withdrawn_by_caller"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_user_stops_at_once_and_an_enabled_one_signs_in_again() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let handler = app.login("handler").await;
        // A second instance on the same database has the handler's session cached.
        let other = app.another_instance().await;
        assert_eq!(other.get(Some(&handler), "/api/v1/me").await.status, 200);
        let handler_id = user_id(&app, &admin, "handler").await;
        let admin_id = user_id(&app, &admin, "admin").await;
        // An administrator finds the account by part of its name.
        let found = app.get(Some(&admin), "/api/v1/users?q=handler").await;
        let names: Vec<&str> = found.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["handler", "other_handler", "street_handler"]);
        assert_eq!(found.body["total"], 3);
        let path = |id: i64| format!("/api/v1/users/{id}");
        let off = json!({"disabled": true});
        let r = app
            .send(
                reqwest::Method::PATCH,
                Some(&handler),
                &path(handler_id),
                Some(off.clone()),
            )
            .await;
        assert_eq!(r.status, 403, "only administrators");
        let r = app
            .send(
                reqwest::Method::PATCH,
                Some(&admin),
                &path(admin_id),
                Some(off.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "not oneself: {}", r.body);
        let r = app
            .send(
                reqwest::Method::PATCH,
                Some(&admin),
                &path(999_999),
                Some(off.clone()),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert_eq!(r.body["error"]["message"], "no such user");
        let r = app
            .send(
                reqwest::Method::PATCH,
                Some(&admin),
                &path(handler_id),
                Some(off),
            )
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        assert_eq!(r.body["disabled"], true);

        // The live session stops at once, here and (PostgreSQL, several instances) there.
        assert_eq!(app.get(Some(&handler), "/api/v1/me").await.status, 401);
        if backend == civicgrid_store::Backend::Postgres {
            assert_eq!(other.get(Some(&handler), "/api/v1/me").await.status, 401);
        }
        let r = app
            .post(
                None,
                "/api/v1/auth/login",
                json!({"username": "handler", "password": crate::helpers::PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let mut web = Web::new(&app);
        web.get("/login").await;
        let page = web
            .post(
                "/login",
                &[
                    ("username", "handler"),
                    ("password", crate::helpers::PASSWORD),
                ],
            )
            .await;
        assert_ne!(page.status, 303, "the page refuses too");

        // Enabled again from the users page.
        let mut admin_web = Web::sign_in(&app, "admin").await;
        let listed = admin_web.get("/admin/users").await;
        assert!(listed.body.contains("enable-handler"), "shown as disabled");
        let enabled = admin_web
            .post(
                &format!("/admin/users/{handler_id}/access"),
                &[("change", "enable")],
            )
            .await;
        assert_eq!(enabled.status, 303, "{}", enabled.body);
        let handler = app.login("handler").await;
        assert_eq!(app.get(Some(&handler), "/api/v1/me").await.status, 200);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_password_is_changed_at_the_next_sign_in() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let handler = app.login("handler").await;
        let id = user_id(&app, &admin, "handler").await;
        let path = format!("/api/v1/users/{id}/password");
        let r = app
            .post(Some(&admin), &path, json!({"password": "short"}))
            .await;
        assert_eq!(
            r.status, 422,
            "the policy holds for a temporary password too"
        );
        let r = app
            .post(Some(&handler), &path, json!({"password": "temporary-1"}))
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .post(Some(&admin), &path, json!({"password": "temporary-1"}))
            .await;
        assert_eq!(r.status, 204, "{backend:?}: {}", r.body);
        assert_eq!(
            app.get(Some(&handler), "/api/v1/me").await.status,
            401,
            "sessions end"
        );

        // The old password no longer works; the temporary one asks for a new one.
        let login = |password: &str, new: Option<&str>| {
            let mut body = json!({"username": "handler", "password": password});
            if let Some(new) = new {
                body["new_password"] = json!(new);
            }
            body
        };
        let r = app
            .post(
                None,
                "/api/v1/auth/login",
                login(crate::helpers::PASSWORD, None),
            )
            .await;
        assert_eq!(r.status, 401);
        let r = app
            .post(None, "/api/v1/auth/login", login("temporary-1", None))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["new_password"].is_string());
        let r = app
            .post(
                None,
                "/api/v1/auth/login",
                login("temporary-1", Some("short")),
            )
            .await;
        assert_eq!(r.status, 422);
        let r = app
            .post(
                None,
                "/api/v1/auth/login",
                login("temporary-1", Some("temporary-1")),
            )
            .await;
        assert_eq!(
            r.status, 422,
            "the temporary password is not kept: {}",
            r.body
        );
        // On the page: the form asks for the new password and signs in with it.
        let mut web = Web::new(&app);
        web.get("/login").await;
        let asked = web
            .post(
                "/login",
                &[("username", "handler"), ("password", "temporary-1")],
            )
            .await;
        assert_eq!(asked.status, 422);
        assert!(
            asked.body.contains(r#"id="new_password""#),
            "the page asks for it"
        );
        let signed = web
            .post(
                "/login",
                &[
                    ("username", "handler"),
                    ("password", "temporary-1"),
                    ("new_password", "chosen-by-me-2"),
                ],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.body);
        // From now on the chosen password signs in directly.
        let r = app
            .post(None, "/api/v1/auth/login", login("chosen-by-me-2", None))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app
            .post(None, "/api/v1/auth/login", login("temporary-1", None))
            .await;
        assert_eq!(r.status, 401, "the temporary password is gone");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_edits_and_deletes_routing_rules_and_proposals_follow() {
    on_every_backend(|backend, app| async move {
        let u = app.units;
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let rules = app.get(Some(&admin), "/api/v1/routing-rules").await;
        let rule = rules.body["items"][0].clone();
        let id = rule["id"].as_i64().unwrap();
        let proposal = |serial: String| {
            let app = &app;
            let operator = operator.clone();
            async move {
                let r = app
                    .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
                    .await;
                r.body["proposal"].clone()
            }
        };
        let serial = app.intake(&operator, complaint()).await;
        assert_eq!(proposal(serial).await["unit"]["id"], u.dept.0);

        let path = format!("/api/v1/routing-rules/{id}");
        let changed = json!({"category": rule["category"], "unit": u.other_dept.0, "basis": "agreement"});
        let r = app
            .send(reqwest::Method::PUT, Some(&operator), &path, Some(changed.clone()))
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .send(reqwest::Method::PUT, Some(&admin), &path, Some(json!({"category": rule["category"], "unit": u.other_dept.0, "basis": "manual"})))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let r = app
            .send(reqwest::Method::PUT, Some(&admin), &path, Some(changed))
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        let serial = app.intake(&operator, complaint()).await;
        let p = proposal(serial).await;
        assert_eq!((p["unit"]["id"].as_i64(), p["basis"].as_str()), (Some(u.other_dept.0), Some("agreement")));

        let r = app.send(reqwest::Method::DELETE, Some(&admin), &path, None).await;
        assert_eq!(r.status, 204);
        let r = app.send(reqwest::Method::DELETE, Some(&admin), &path, None).await;
        assert_eq!(r.status, 404);
        let serial = app.intake(&operator, complaint()).await;
        assert_eq!(
            proposal(serial).await["basis"],
            "territorial",
            "with no rule, the street the request lies in"
        );

        // On the page: a rule's delete button.
        let r = app
            .post(Some(&admin), "/api/v1/routing-rules", json!({"category": rule["category"], "unit": u.dept.0, "basis": "statute"}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let new_id = r.body["id"].as_i64().unwrap();
        let mut page = Web::sign_in(&app, "admin").await;
        let listed = page.get("/admin/categories").await;
        assert!(listed.body.contains(&format!("delete-rule-{new_id}")));
        let deleted = page
            .post(&format!("/admin/routing-rules/{new_id}/delete"), &[])
            .await;
        assert_eq!(deleted.status, 303);
        let back = page.get(deleted.location.as_deref().unwrap()).await;
        assert!(back.body.contains("派遣规则已删除"), "not the form's code word");
        let rules = app.get(Some(&admin), "/api/v1/routing-rules").await;
        assert_eq!(rules.body["items"], json!([]));
    })
    .await;
}

/// Every administrative change is recorded with who, when, before and after, and listed
/// for administrators (never a password).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_administrative_change_is_in_the_admin_audit_with_before_and_after() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let handler_id = user_id(&app, &admin, "handler").await;
        let user_path = format!("/api/v1/users/{handler_id}");
        for disabled in [true, false] {
            let r = app
                .send(
                    reqwest::Method::PATCH,
                    Some(&admin),
                    &user_path,
                    Some(json!({ "disabled": disabled })),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let r = app
            .post(
                Some(&admin),
                &format!("{user_path}/password"),
                json!({"password": "Temporary-Secret-42"}),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
        let r = app
            .post(
                Some(&admin),
                "/api/v1/cancel-reasons",
                json!({"code": "wrong_number", "name": "拨错号码"}),
            )
            .await;
        assert_eq!(r.status, 201);
        let r = app
            .send(
                reqwest::Method::DELETE,
                Some(&admin),
                "/api/v1/cancel-reasons/wrong_number",
                None,
            )
            .await;
        assert_eq!(r.status, 204);

        let r = app.get(Some(&admin), "/api/v1/audit/admin").await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        assert!(
            !r.body.to_string().contains("Temporary-Secret-42"),
            "no password"
        );
        let changes = r.body["items"].as_array().unwrap();
        let find = |change: &str| {
            changes
                .iter()
                .find(|c| c["change"] == change)
                .unwrap_or_else(|| panic!("{change} in {changes:?}"))
                .clone()
        };
        let disable = find("disable_user");
        assert_eq!(
            (
                disable["target"].as_str(),
                disable["before"].as_str(),
                disable["after"].as_str()
            ),
            (Some("user:handler"), Some("enabled"), Some("disabled"))
        );
        assert_eq!(disable["username"], "admin");
        assert!(disable["at"].is_string());
        assert_eq!(find("enable_user")["before"], "disabled");
        assert_eq!(find("reset_password")["target"], "user:handler");
        assert_eq!(find("add_cancel_reason")["after"], "拨错号码");
        let retired = find("retire_cancel_reason");
        assert_eq!(
            (retired["before"].as_str(), retired["after"].as_str()),
            (Some("拨错号码"), Some("retired"))
        );
        // Newest first; narrowed by user and dates.
        assert_eq!(changes[0]["change"], "retire_cancel_reason");
        let r = app
            .get(Some(&admin), "/api/v1/audit/admin?user=operator")
            .await;
        assert_eq!(r.body["total"], 0);
        let r = app
            .get(
                Some(&admin),
                "/api/v1/audit/admin?from=2000-01-01&to=2000-12-31",
            )
            .await;
        assert_eq!(r.body["total"], 0);
        // Administrators only; the personal-data reads are not in it.
        let operator = app.login("operator").await;
        assert_eq!(
            app.get(Some(&operator), "/api/v1/audit/admin").await.status,
            403
        );
        assert!(changes.iter().all(|c| c["change"] != "read_personal_data"));

        let mut web = Web::sign_in(&app, "admin").await;
        let page = web.get("/admin/audit").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("id=\"admin-changes\""));
        assert!(page.body.contains("停用账号") && page.body.contains("user:handler"));
    })
    .await;
}

/// A unit renamed, moved and disabled; a category renamed and retired: new work follows,
/// history stays, every change is in the admin audit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_and_categories_are_renamed_moved_disabled_and_retired() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let dept = app.units.dept.0;
        let unit_path = format!("/api/v1/units/{dept}");
        let patch = |token: String, path: String, body: serde_json::Value| {
            let app = &app;
            async move {
                app.send(reqwest::Method::PATCH, Some(&token), &path, Some(body))
                    .await
            }
        };
        let r = patch(operator.clone(), unit_path.clone(), json!({"name": "x"})).await;
        assert_eq!(r.status, 403);
        let r = patch(
            admin.clone(),
            unit_path.clone(),
            json!({"name": "市政设施管理中心"}),
        )
        .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        assert_eq!(r.body["name"], "市政设施管理中心");
        // A move must keep the tree: a street cannot go under its own community, nor a
        // community under a department.
        let street = app.units.street.0;
        let r = patch(
            admin.clone(),
            format!("/api/v1/units/{street}"),
            json!({"parent": app.units.community.0}),
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body["error"]["fields"]["parent"].is_string(),
            "{}",
            r.body
        );
        let community = app.units.community.0;
        let r = patch(
            admin.clone(),
            format!("/api/v1/units/{community}"),
            json!({"parent": dept}),
        )
        .await;
        assert_eq!(r.status, 422);
        let r = patch(
            admin.clone(),
            format!("/api/v1/units/{community}"),
            json!({"parent": app.units.other_street.0}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["parent"], app.units.other_street.0);

        // Disabled: no new work, and the routing table's rule to it stands aside.
        let open = app.dispatched(&operator, &dispatcher).await;
        let r = patch(admin.clone(), unit_path.clone(), json!({"disabled": true})).await;
        assert_eq!(r.body["disabled"], true);
        let r = app
            .post(Some(&operator), "/api/v1/requests", complaint())
            .await;
        assert_eq!(r.status, 201);
        assert_ne!(r.body["proposal"]["unit"]["id"], dept, "{}", r.body);
        let serial = r.body["serial"].as_str().unwrap().to_owned();
        let r = app
            .act(&dispatcher, &serial, "dispatch", json!({"unit": dept}))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("disabled")
        );
        // Its open case is still its own to finish.
        let handler = app.login("handler").await;
        assert_eq!(
            app.act(&handler, &open, "accept", json!({})).await.status,
            200
        );
        patch(admin.clone(), unit_path.clone(), json!({"disabled": false})).await;
        app.dispatch_to_dept(&dispatcher, &serial).await;

        // A retired category is no longer offered for new requests; history keeps it.
        let categories = app.get(Some(&admin), "/api/v1/categories").await;
        let streetlight = categories.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "urban.streetlight")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let category_path = format!("/api/v1/categories/{streetlight}");
        let r = patch(
            admin.clone(),
            category_path.clone(),
            json!({"name": "路灯照明", "retired": true}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            (r.body["name"].as_str(), r.body["retired"].as_bool()),
            (Some("路灯照明"), Some(true))
        );
        let r = app
            .post(Some(&operator), "/api/v1/requests", complaint())
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["category"].is_string());
        let old = crate::helpers::request(&app, &operator, &open).await;
        assert_eq!(old["category"]["id"], streetlight, "history keeps it");
        let mut web = Web::sign_in(&app, "operator").await;
        let console = web.get("/console").await;
        assert!(!console.body.contains("路灯照明"), "not offered");
        let r = patch(admin.clone(), category_path, json!({"retired": false})).await;
        assert_eq!(r.body["retired"], false);
        assert_eq!(
            app.post(Some(&operator), "/api/v1/requests", complaint())
                .await
                .status,
            201
        );

        // The pages change them too, and every change is in the admin audit.
        let mut web = Web::sign_in(&app, "admin").await;
        web.get("/admin/units").await;
        let page = web
            .post(
                "/admin/units/edit",
                &[
                    ("unit", &dept.to_string()),
                    ("name", ""),
                    ("parent", ""),
                    ("status", "disable"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = web.get("/admin/units").await;
        assert!(page.body.contains("已停用"));
        let page = web
            .post(
                "/admin/units/edit",
                &[
                    ("unit", &street.to_string()),
                    ("parent", &community.to_string()),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.body.contains("field-error"));
        let r = app
            .get(Some(&admin), "/api/v1/audit/admin?page_size=100")
            .await;
        let changes: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        for change in [
            "rename_unit",
            "move_unit",
            "disable_unit",
            "enable_unit",
            "retire_category",
            "restore_category",
        ] {
            assert!(changes.contains(&change), "{change} in {changes:?}");
        }
    })
    .await;
}

/// An administrator changes a user's roles (in force at the user's next request) and lifts
/// a sign-in lock after too many failed attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_change_at_once_and_a_locked_sign_in_is_unlocked() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let handler = app.login("handler").await;
        let handler_id = user_id(&app, &admin, "handler").await;
        let admin_id = user_id(&app, &admin, "admin").await;
        assert_eq!(
            app.get(Some(&handler), "/api/v1/stats/overview")
                .await
                .status,
            403
        );
        let r = app
            .send(
                reqwest::Method::PATCH,
                Some(&admin),
                &format!("/api/v1/users/{handler_id}"),
                Some(json!({"roles": ["handler", "leader"]})),
            )
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        // The same session now carries the leader's role.
        assert_eq!(
            app.get(Some(&handler), "/api/v1/stats/overview")
                .await
                .status,
            200
        );
        let r = app
            .send(
                reqwest::Method::PATCH,
                Some(&admin),
                &format!("/api/v1/users/{handler_id}"),
                Some(json!({"roles": ["pilot"]})),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body["error"]["fields"]["roles[0]"].is_string(),
            "{}",
            r.body
        );
        let r = app
            .send(
                reqwest::Method::PATCH,
                Some(&admin),
                &format!("/api/v1/users/{admin_id}"),
                Some(json!({"roles": ["operator"]})),
            )
            .await;
        assert_eq!(
            r.status, 422,
            "not one's own administrator role: {}",
            r.body
        );

        // Ten wrong passwords lock the account; the right one is refused until unlocked.
        for _ in 0..10 {
            let r = app
                .post(
                    None,
                    "/api/v1/auth/login",
                    json!({"username": "operator", "password": "wrong-password"}),
                )
                .await;
            assert_eq!(r.status, 401);
        }
        let right = json!({"username": "operator", "password": crate::helpers::PASSWORD});
        let r = app.post(None, "/api/v1/auth/login", right.clone()).await;
        assert_eq!(r.status, 429, "locked: {}", r.body);
        let operator_id = user_id(&app, &admin, "operator").await;
        let path = format!("/api/v1/users/{operator_id}/unlock");
        assert_eq!(app.post(Some(&handler), &path, json!({})).await.status, 403);
        let r = app.post(Some(&admin), &path, json!({})).await;
        assert_eq!(
            (r.status, r.body["was_locked"].as_bool()),
            (200, Some(true)),
            "{}",
            r.body
        );
        assert_eq!(
            app.post(None, "/api/v1/auth/login", right).await.status,
            200
        );

        let r = app.get(Some(&admin), "/api/v1/audit/admin").await;
        let changes: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert!(changes.contains(&"set_grants") && changes.contains(&"unlock_sign_in"));

        // The page changes roles too.
        let mut web = Web::sign_in(&app, "admin").await;
        web.get("/admin/users").await;
        let page = web
            .post(
                "/admin/users/grants",
                &[
                    ("username", "handler"),
                    ("unit", &app.units.dept.0.to_string()),
                    ("roles", "handler"),
                    ("roles", "unit_head"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let me = app.get(Some(&handler), "/api/v1/me").await;
        assert!(me.body.to_string().contains("unit_head"), "{}", me.body);
        let page = web
            .post(
                "/admin/users/grants",
                &[("username", "nobody"), ("unit", "1"), ("roles", "handler")],
            )
            .await;
        assert_eq!(page.status, 422);
    })
    .await;
}
