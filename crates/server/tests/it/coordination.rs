//! Coordination as a process through the API and the pages, on every backend: a street
//! convenes two departments, each answers on its own clock (one from its page), the street
//! resolves the case itself and its finding becomes a routing rule with the basis
//! "agreement" that routes the next such request.

use serde_json::{Value, json};

use crate::helpers::{complaint, on_every_backend, request, running};
use crate::pages::Web;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_street_convenes_departments_answer_and_its_finding_becomes_an_agreement_rule() {
    on_every_backend(|backend, app| async move {
        let u = app.units;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let street = app.login("street_handler").await;
        let dept = app.login("handler").await;
        let serial = app.intake(&operator, complaint()).await;
        let r = app
            .act(&dispatcher, &serial, "dispatch", json!({"unit": u.street.0}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // A participant cannot convene, and the convenor cannot take part.
        let r = app
            .act(&street, &serial, "coordinate", json!({"units": [u.street.0], "reason": "x"}))
            .await;
        assert_eq!(r.status, 422, "{backend:?}: {}", r.body);
        assert!(r.body["error"]["fields"]["units[0]"].is_string(), "{}", r.body);
        let r = app
            .act(
                &street,
                &serial,
                "coordinate",
                json!({"units": [u.dept.0, u.other_dept.0], "reason": "路灯杆属权不清,需城建与供电共同明确"}),
            )
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        let r = request(&app, &operator, &serial).await;
        assert_eq!(r["state"], "coordinating");
        assert_eq!(r["coordination"]["convenor"]["id"], u.street.0);
        assert_eq!(running(&r, "coordinate"), vec![u.street.0]);
        let mut answering = running(&r, "answer");
        answering.sort();
        assert_eq!(answering, vec![u.dept.0, u.other_dept.0]);

        // The department finds it in its inbox, with the notice of what it is asked.
        let mut dept_web = Web::sign_in(&app, "handler").await;
        let inbox = dept_web.get("/inbox").await;
        assert!(inbox.body.contains(&serial), "{backend:?}: in the inbox");
        assert!(inbox.body.contains("路灯杆属权不清"), "the question is noticed");

        // It answers from the page; the other department through the API.
        let detail = dept_web.get(&format!("/cases/{serial}")).await;
        assert!(detail.body.contains("action-answer_coordination"));
        // The unit choice starts on the department's own unit.
        let form = detail
            .body
            .split(r#"id="answer_coordination-unit""#)
            .nth(1)
            .and_then(|rest| rest.split("</select>").next())
            .unwrap();
        assert!(
            form.contains(&format!(r#"value="{}" selected"#, u.dept.0)),
            "{form}"
        );
        assert!(!detail.body.contains("action-settle"), "a participant does not conclude");
        let page = dept_web
            .post(
                &format!("/cases/{serial}/answer_coordination"),
                &[
                    ("unit", &u.dept.0.to_string()),
                    ("owns", "no"),
                    ("opinion", "灯杆属供电公司资产"),
                    ("capacity", "可提供路灯台账"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        let other = app.login("other_handler").await;
        let r = app
            .act(
                &other,
                &serial,
                "answer_coordination",
                json!({"unit": u.other_dept.0, "owns": true, "opinion": "确属我单位维护范围"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app
            .act(
                &dept,
                &serial,
                "answer_coordination",
                json!({"unit": u.dept.0, "owns": false, "opinion": "再答一次"}),
            )
            .await;
        assert_eq!(r.status, 422, "nobody answers twice: {}", r.body);
        let r = request(&app, &operator, &serial).await;
        let answers: Vec<(i64, bool)> = r["coordination"]["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["unit"]["id"].as_i64().unwrap(), p["owns"].as_bool().unwrap()))
            .collect();
        assert_eq!(answers, vec![(u.dept.0, false), (u.other_dept.0, true)]);
        assert!(running(&r, "answer").is_empty(), "both answered");

        // Only the convenor concludes; it resolves first and records who is responsible.
        let settle = json!({
            "reply": "街道已协调供电公司当日修复路灯",
            "owner": u.other_dept.0,
            "minutes": "三方会商:路灯杆属供电公司资产,由其负责维修",
            "rule": true
        });
        let r = app.act(&dept, &serial, "settle", settle.clone()).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = app.act(&street, &serial, "settle", settle).await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        let r = request(&app, &operator, &serial).await;
        assert_eq!(r["state"], "reviewing", "the hub checks the street's reply");
        app.approve_reply(&dispatcher, &serial).await;
        let r = request(&app, &operator, &serial).await;
        assert_eq!(r["state"], "resolved");
        assert_eq!(r["lead_unit"]["id"], u.street.0);
        let order = &r["coordination"];
        assert_eq!(order["conclusion"], "settled");
        assert_eq!(order["owner"]["id"], u.other_dept.0);
        assert_eq!(order["rule"], true);
        assert_eq!(running(&r, "callback"), vec![u.hub.0]);

        // The finding is now the routing table's: an agreement for this category in this
        // street, which the next such request is proposed to.
        let admin = app.login("admin").await;
        let rules = app.get(Some(&admin), "/api/v1/routing-rules").await;
        let agreement: Vec<&Value> = rules.body["items"]
            .as_array()
            .or_else(|| rules.body.as_array())
            .unwrap()
            .iter()
            .filter(|r| r["basis"] == "agreement")
            .collect();
        assert_eq!(agreement.len(), 1, "{backend:?}: {}", rules.body);
        assert_eq!(agreement[0]["unit"], u.other_dept.0, "{}", agreement[0]);
        assert_eq!(agreement[0]["area"], u.street.0, "scoped to the street");
        let next = app.intake(&operator, complaint()).await;
        let r = request(&app, &operator, &next).await;
        assert_eq!(r["proposal"]["unit"]["id"], u.other_dept.0, "{r}");
        assert_eq!(r["proposal"]["basis"], "agreement");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_asks_the_hub_which_convenes_and_dispatches_to_the_agreed_lead() {
    on_every_backend(|backend, app| async move {
        let u = app.units;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let dept = app.login("handler").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        let r = app
            .act(
                &dept,
                &serial,
                "coordinate",
                json!({"units": [u.other_dept.0, u.street.0], "reason": "需街道与园林共同处置"}),
            )
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        let r = request(&app, &operator, &serial).await;
        assert_eq!(
            r["coordination"]["convenor"]["id"], u.hub.0,
            "the hub convenes"
        );
        // The department that asked is no longer the lead and cannot conclude.
        let agree = json!({
            "unit": u.other_dept.0,
            "assisting": [u.street.0],
            "minutes": "会商:园林牵头,街道配合"
        });
        let r = app.act(&dept, &serial, "agree", agree.clone()).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = app
            .act(
                &dispatcher,
                &serial,
                "agree",
                json!({"unit": u.other_dept.0}),
            )
            .await;
        assert_eq!(r.status, 422, "the minutes are required: {}", r.body);
        assert!(r.body["error"]["fields"]["minutes"].is_string());
        let r = app.act(&dispatcher, &serial, "agree", agree).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = request(&app, &operator, &serial).await;
        assert_eq!(r["state"], "dispatched");
        assert_eq!(r["lead_unit"]["id"], u.other_dept.0);
        assert_eq!(r["assisting_units"][0]["id"], u.street.0);
        assert_eq!(r["coordination"]["conclusion"], "agreed");
        assert_eq!(r["coordination"]["rule"], false, "no rule unless asked");
        assert_eq!(running(&r, "resolve"), vec![u.other_dept.0]);
        assert!(running(&r, "answer").is_empty(), "unanswered clocks close");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_street_summons_departments_that_report_on_site_and_are_rated_in_their_appraisal() {
    on_every_backend(|backend, app| async move {
        let u = app.units;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let street = app.login("street_handler").await;
        let other = app.login("other_handler").await;
        let serial = app.intake(&operator, complaint()).await;
        let r = app
            .act(&dispatcher, &serial, "dispatch", json!({"unit": u.street.0}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The street leading the case summons two departments to the site.
        let r = app
            .act(
                &street,
                &serial,
                "summon",
                json!({"units": [u.dept.0, u.other_dept.0], "reason": "路灯线路裸露,请城建和供电到场"}),
            )
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        let r = request(&app, &operator, &serial).await;
        let mut reporting = running(&r, "report");
        reporting.sort();
        assert_eq!(reporting, vec![u.dept.0, u.other_dept.0]);
        assert_eq!(r["summons"].as_array().unwrap().len(), 2);

        // The department reports from its page within the half hour.
        let mut dept_web = Web::sign_in(&app, "handler").await;
        let inbox = dept_web.get("/inbox").await;
        assert!(inbox.body.contains("路灯线路裸露"), "the summons is noticed");
        let page = dept_web
            .post(
                &format!("/cases/{serial}/report_on_site"),
                &[("unit", &u.dept.0.to_string()), ("note", "已到场处置")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // The other comes an hour later: late, counted against it.
        app.clock
            .set(crate::helpers::start_time() + chrono::Duration::minutes(70));
        let r = app
            .act(&other, &serial, "report_on_site", json!({"unit": u.other_dept.0, "note": "到场"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The street rates both; a handler of a summoned unit cannot.
        let r = app
            .act(&other, &serial, "rate_response", json!({"unit": u.other_dept.0, "rating": "satisfied"}))
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let street = app.login("street_handler").await;
        for (unit, rating) in [(u.dept.0, "satisfied"), (u.other_dept.0, "unsatisfied")] {
            let r = app
                .act(&street, &serial, "rate_response", json!({"unit": unit, "rating": rating}))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let r = request(&app, &operator, &serial).await;
        assert!(
            r["summons"].as_array().unwrap().iter().all(|m| m["reported"] == true && m["rated"] == true),
            "{}",
            r["summons"]
        );
        let stats = app
            .get(Some(&operator), "/api/v1/stats/units?tier=department&from=2026-09-01&to=2026-10-31")
            .await;
        assert_eq!(stats.status, 200, "{}", stats.body);
        let rate = |unit: i64, name: &str| {
            stats.body["units"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["unit"]["id"] == unit)
                .map(|s| s["rates"][name]["value"].clone())
                .unwrap_or(Value::Null)
        };
        assert_eq!(rate(u.dept.0, "summons_arrival"), json!(1.0), "{backend:?}");
        assert_eq!(rate(u.other_dept.0, "summons_arrival"), json!(0.0));
        assert_eq!(rate(u.dept.0, "summons_rating"), json!(1.0));
        assert_eq!(rate(u.other_dept.0, "summons_rating"), json!(0.0));
    })
    .await;
}
