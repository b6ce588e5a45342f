//! Places on both backends: the real Suzhou Industrial Park layers import with a clean
//! report (read from ../shared in place, never copied); lookups by point at grid interiors,
//! on edges, in holes and outside; one grid's GeoJSON and a layer's export; a moved
//! boundary leaves placed requests where they were; an import that fails half-way leaves
//! nothing; unit codes checked when an administrator creates a unit.

use civicgrid::geojson::Fields;
use civicgrid::services::places::{ImportOptions, import_layer};
use civicgrid_domain::geography::Layer;
use civicgrid_domain::org::UnitKind;
use civicgrid_store::{PlaceImport, testing};
use geo::{CoordsIter, InteriorPoint};
use serde_json::{Value, json};

use crate::helpers::{TestApp, complaint, on_every_backend, start_time};

/// The SIP files in ../shared (absent: skip with a notice unless required).
fn sip(file: &str) -> Option<String> {
    let path = testing::shared_data(&format!("grids-suzhou-sip/{file}"))?;
    Some(std::fs::read_to_string(path).unwrap())
}

async fn import(
    app: &TestApp,
    layer: usize,
    text: &str,
) -> civicgrid::services::places::ImportReport {
    let options = civicgrid_demo::places::sip_options(&civicgrid_demo::places::SIP_LAYERS[layer]);
    import_layer(
        app.state.store.as_ref(),
        text,
        &options,
        start_time(),
        &|_, _, _| {},
    )
    .await
    .unwrap()
}

fn refusals(report: &civicgrid::services::places::ImportReport) -> Vec<(String, &'static str)> {
    report
        .rejected
        .iter()
        .map(|(_, code, why)| (code.clone(), why.reason()))
        .collect()
}

/// A point inside the feature with this property value, and the feature's first vertex.
fn inside_and_vertex(text: &str, key: &str, value: &str) -> ((f64, f64), (f64, f64)) {
    let collection: Value = serde_json::from_str(text).unwrap();
    let feature = collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"][key] == value)
        .unwrap();
    let shape = civicgrid::geojson::parse_geometry(&feature["geometry"].to_string()).unwrap();
    let inside = shape.interior_point().unwrap();
    let vertex = shape.coords_iter().next().unwrap();
    ((inside.y(), inside.x()), (vertex.y, vertex.x))
}

#[tokio::test]
async fn the_sip_layers_import_cleanly_and_answer_lookups() {
    let (Some(streets), Some(communities), Some(grids), Some(exclusive)) = (
        sip("sip_streets.geojson"),
        sip("sip_communities.geojson"),
        sip("sip_grids_comprehensive.geojson"),
        sip("sip_grids_exclusive.geojson"),
    ) else {
        return;
    };
    on_every_backend(|_, app| {
        let (streets, communities, grids, exclusive) = (&streets, &communities, &grids, &exclusive);
        async move {
            let report = import(&app, 0, streets).await;
            assert_eq!((report.features, report.written.created), (5, 5));
            assert!(report.rejected.is_empty());
            // The data's one duplicate community code: the second is refused, named.
            let report = import(&app, 1, communities).await;
            assert_eq!((report.features, report.written.created), (179, 178));
            assert_eq!(
                refusals(&report),
                [("320506010009".to_owned(), "duplicate_code")]
            );
            // Six grids of a community that is not in the layer (320591010…): five
            // comprehensive, one exclusive; and one 16-digit code.
            let report = import(&app, 2, grids).await;
            assert_eq!((report.features, report.written.created), (826, 821));
            assert_eq!(report.by_reason(), [("no_parent", 5)]);
            assert!(
                refusals(&report)
                    .iter()
                    .all(|(c, _)| c.starts_with("320591010"))
            );
            let report = import(&app, 3, exclusive).await;
            assert_eq!((report.features, report.written.created), (475, 473));
            let mut reasons = report.by_reason();
            reasons.sort();
            assert_eq!(reasons, [("invalid_code", 1), ("no_parent", 1)]);
            // Importing the same file again changes nothing.
            let again = import(&app, 2, grids).await;
            assert_eq!(
                (
                    again.written.created,
                    again.written.moved,
                    again.written.unchanged
                ),
                (0, 0, 821)
            );
            app.state.reload().await.unwrap();

            // The layers, with their polygon counts (the demo's defaults stay, empty but
            // for the test grid).
            let layers = app.get(None, "/api/v1/layers").await;
            assert_eq!(layers.status, 200);
            let count = |code: &str| {
                layers
                    .body
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["code"] == code)
                    .unwrap()["polygons"]
                    .as_u64()
                    .unwrap()
            };
            assert_eq!(
                [
                    count("streets"),
                    count("communities"),
                    count("grids"),
                    count("exclusive_grids")
                ],
                [5, 178, 822, 473]
            );

            // A point inside a comprehensive grid: that grid, its community, its street.
            let ((lat, lng), (vlat, vlng)) =
                inside_and_vertex(grids, "grid_code", "320505006023001");
            let found = app
                .get(None, &format!("/api/v1/grids?contains={lat},{lng}"))
                .await;
            assert_eq!(found.status, 200, "{}", found.body);
            let hits = found.body.as_array().unwrap();
            assert_eq!(hits[0]["code"], "320505006023001");
            assert_eq!(hits[0]["layer"], "grids");
            assert_eq!(hits[0]["community"], "荷韵社区");
            assert_eq!(hits[0]["street"], "斜塘街道");
            let layers_hit: Vec<&str> = hits.iter().map(|h| h["layer"].as_str().unwrap()).collect();
            assert_eq!(layers_hit, ["grids", "communities", "streets"]);
            assert_eq!(hits[1]["code"], "320505006023");
            // On the grid's own corner: still one grid of the layer, no more.
            let corner = app
                .get(
                    None,
                    &format!("/api/v1/grids?contains={vlat},{vlng}&layer=grids"),
                )
                .await;
            assert_eq!(corner.body.as_array().unwrap().len(), 1, "{}", corner.body);
            // Outside the park: nothing (the place is unknown).
            let outside = app.get(None, "/api/v1/grids?contains=31.0,120.0").await;
            assert_eq!(outside.body, json!([]));
            // An exclusive grid wins over the comprehensive layer at its inside.
            let ((elat, elng), _) = inside_and_vertex(exclusive, "grid_code", "320505006008907");
            let campus = app
                .get(None, &format!("/api/v1/grids?contains={elat},{elng}"))
                .await;
            assert_eq!(campus.body[0]["code"], "320505006008907");
            assert_eq!(campus.body[0]["exclusive"], true);
            // A community with a hole: the hole's own point is not in it.
            let (code, (hlat, hlng)) =
                holed_feature(communities).expect("three SIP communities have holes");
            let in_hole = app
                .get(
                    None,
                    &format!("/api/v1/grids?contains={hlat},{hlng}&layer=communities"),
                )
                .await;
            assert!(
                in_hole
                    .body
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|g| g["code"] != code.as_str()),
                "{code}: {}",
                in_hole.body
            );

            // One grid as GeoJSON; unknown codes and bad points are named errors.
            let one = app.get(None, "/api/v1/grids/320505006023001").await;
            assert_eq!(one.status, 200);
            assert_eq!(one.body["type"], "Feature");
            assert!(matches!(
                one.body["geometry"]["type"].as_str(),
                Some("Polygon" | "MultiPolygon")
            ));
            assert_eq!(one.body["properties"]["name"], "斜塘街道荷韵社区综合网格1");
            assert_eq!(
                app.get(None, "/api/v1/grids/320505006999999").await.status,
                404
            );
            let bad = app.get(None, "/api/v1/grids?contains=north").await;
            assert_eq!(bad.status, 400);
            assert!(
                bad.body["error"]["fields"]["contains"].is_string(),
                "{}",
                bad.body
            );
            let far = app.get(None, "/api/v1/grids?contains=95,120").await;
            assert_eq!(far.status, 400);
            // A layer's export holds every polygon with its code.
            let export = app
                .get(None, "/api/v1/layers/exclusive_grids/geojson")
                .await;
            assert_eq!(export.body["type"], "FeatureCollection");
            assert_eq!(export.body["features"].as_array().unwrap().len(), 473);
            assert_eq!(
                app.get(None, "/api/v1/layers/nowhere/geojson").await.status,
                404
            );

            // A request placed by its point gets the grid, and keeps it when the boundary
            // moves away: history keeps the grid it had.
            let operator = app.login("operator").await;
            let mut body = complaint();
            body["location"] = json!({"lat": lat, "lng": lng});
            let serial = app.intake(&operator, body).await;
            let detail = app
                .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
                .await;
            let grid_unit = app.state.reference().codes.unit("320505006023001").unwrap();
            assert_eq!(detail.body["area"]["id"], grid_unit.0);
            let shifted = shift_feature(grids, "320505006023001", 0.05);
            let report = import(&app, 2, &shifted).await;
            assert_eq!((report.written.moved, report.written.created), (1, 0));
            app.state.reload().await.unwrap();
            let detail = app
                .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
                .await;
            assert_eq!(detail.body["area"]["id"], grid_unit.0);
            let now_there = app
                .get(
                    None,
                    &format!("/api/v1/grids?contains={lat},{lng}&layer=grids"),
                )
                .await;
            assert!(
                now_there
                    .body
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|g| g["code"] != "320505006023001"),
                "{}",
                now_there.body
            );
        }
    })
    .await;
}

/// A community whose polygon has a hole, and a point in the hole.
fn holed_feature(text: &str) -> Option<(String, (f64, f64))> {
    let collection: Value = serde_json::from_str(text).unwrap();
    for feature in collection["features"].as_array().unwrap() {
        let shape = civicgrid::geojson::parse_geometry(&feature["geometry"].to_string()).unwrap();
        for polygon in &shape.0 {
            if let Some(hole) = polygon.interiors().first() {
                let inner = geo::Polygon::new(hole.clone(), vec![]);
                let point = inner.interior_point()?;
                return Some((
                    feature["properties"]["community_code"].as_str()?.to_owned(),
                    (point.y(), point.x()),
                ));
            }
        }
    }
    None
}

/// The file with one feature moved east by `degrees`.
fn shift_feature(text: &str, code: &str, degrees: f64) -> String {
    let mut collection: Value = serde_json::from_str(text).unwrap();
    for feature in collection["features"].as_array_mut().unwrap() {
        if feature["properties"]["grid_code"] == code {
            shift(&mut feature["geometry"]["coordinates"], degrees);
        }
    }
    collection.to_string()
}

fn shift(value: &mut Value, degrees: f64) {
    if let Some(items) = value.as_array_mut() {
        if items.len() == 2 && items.iter().all(Value::is_number) {
            items[0] = json!(items[0].as_f64().unwrap() + degrees);
        } else {
            for item in items {
                shift(item, degrees);
            }
        }
    }
}

#[tokio::test]
async fn an_import_that_fails_half_way_writes_nothing() {
    on_every_backend(|_, app| async move {
        let store = app.state.store.as_ref();
        let square = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#;
        let item = |code: &str| PlaceImport {
            code: code.into(),
            name: format!("网格{code}"),
            kind: UnitKind::Grid,
            parent: app.units.community,
            existing: None,
            geometry: square.into(),
        };
        let layer = Layer {
            code: "campus".into(),
            name: "校园".into(),
            kind: UnitKind::Grid,
            exclusive: true,
        };
        let before = store.list_units(false).await.unwrap().len();
        // The third item repeats the first's code: the database refuses it mid-way.
        let failed = store
            .import_places(
                &layer,
                vec![
                    item("210203001001001"),
                    item("210203001001002"),
                    item("210203001001001"),
                ],
                start_time(),
                &|_| {},
            )
            .await;
        assert!(failed.is_err());
        assert_eq!(store.list_units(false).await.unwrap().len(), before);
        assert!(
            store
                .list_layers()
                .await
                .unwrap()
                .iter()
                .all(|l| l.code != "campus")
        );
        // The same import without the repeat lands whole.
        let count = store
            .import_places(
                &layer,
                vec![item("210203001001001"), item("210203001001002")],
                start_time(),
                &|_| {},
            )
            .await
            .unwrap();
        assert_eq!(count.created, 2);
        assert_eq!(store.list_units(false).await.unwrap().len(), before + 2);
    })
    .await;
}

#[tokio::test]
async fn the_import_refuses_a_bad_file_or_layer_and_a_strict_import_writes_nothing() {
    on_every_backend(|_, app| async move {
        let store = app.state.store.as_ref();
        let options = |layer: &str| ImportOptions {
            layer: layer.into(),
            layer_name: None,
            kind: None,
            exclusive: false,
            fields: Fields {
                code: "code".into(),
                name: "name".into(),
                parent: None,
            },
            tolerance: 0.01,
            dry_run: false,
            strict: true,
        };
        let run = |text: String, options: ImportOptions| async move {
            import_layer(store, &text, &options, start_time(), &|_, _, _| {}).await
        };
        let bad = run("{\"type\":\"Point\",\"coordinates\":[0,0]}".into(), options("grids"))
            .await
            .unwrap_err();
        assert!(bad.fields.contains_key("file"), "{:?}", bad.fields);
        let bad = run("not json".into(), options("grids")).await.unwrap_err();
        assert!(bad.fields.contains_key("file"), "{:?}", bad.fields);
        let bad = run(
            "{\"type\":\"FeatureCollection\",\"features\":[]}".into(),
            options("Grids!"),
        )
        .await
        .unwrap_err();
        assert!(bad.fields.contains_key("layer"), "{:?}", bad.fields);
        // A street code in the community layer: the layer's kind is fixed.
        let street = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"210203009","name":"新街道"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}"#;
        let mut wrong = options("communities");
        wrong.kind = Some(UnitKind::Street);
        let bad = run(street.into(), wrong).await.unwrap_err();
        assert!(bad.fields.contains_key("kind"), "{:?}", bad.fields);
        // Strict: one feature refused (its point geometry), nothing written.
        let mixed = street.replace(
            "}}]}",
            r#"}},{"type":"Feature","properties":{"code":"210203010","name":"点"},"geometry":{"type":"Point","coordinates":[3,3]}}]}"#,
        );
        let before = store.list_units(false).await.unwrap().len();
        let report = run(mixed.clone(), options("streets")).await.unwrap();
        assert!(report.held_back);
        assert_eq!(report.accepted, 1);
        assert_eq!(report.rejected[0].2.reason(), "invalid_geometry");
        assert_eq!(store.list_units(false).await.unwrap().len(), before);
        // Not strict: the good one lands, under the hub (which has no code).
        let mut lenient = options("streets");
        lenient.strict = false;
        let report = run(mixed, lenient).await.unwrap();
        assert_eq!(report.written.created, 1);
        let units = store.list_units(false).await.unwrap();
        let new = units.iter().find(|u| u.code.as_deref() == Some("210203009")).unwrap();
        assert_eq!((new.kind, new.parent), (UnitKind::Street, Some(app.units.hub)));
        assert_eq!(new.layer.as_deref(), Some("streets"));
    })
    .await;
}

#[tokio::test]
async fn an_administrator_gives_units_codes_under_their_parents() {
    on_every_backend(|_, app| async move {
        let admin = app.login("admin").await;
        let create = |body: Value| {
            let app = &app;
            let admin = admin.clone();
            async move { app.post(Some(&admin), "/api/v1/units", body).await }
        };
        let street = create(json!({"name": "新华街道", "kind": "street", "parent": app.units.hub.0, "code": "２１０２０３００９"})).await;
        assert_eq!(street.status, 201, "{}", street.body);
        assert_eq!(street.body["code"], "210203009", "full-width digits read as digits");
        let street_id = street.body["id"].as_i64().unwrap();
        let refused = |r: &crate::helpers::Response| {
            assert_eq!(r.status, 422, "{}", r.body);
            r.body["error"]["fields"]["code"].as_str().unwrap().to_owned()
        };
        let wrong_level = create(json!({"name": "新华社区", "kind": "community", "parent": street_id, "code": "210203009001001"})).await;
        assert!(refused(&wrong_level).contains("12 digits"));
        let elsewhere = create(json!({"name": "新华社区", "kind": "community", "parent": street_id, "code": "210203008001"})).await;
        assert!(refused(&elsewhere).contains("210203009"));
        let ok = create(json!({"name": "新华社区", "kind": "community", "parent": street_id, "code": "210203009001"})).await;
        assert_eq!(ok.status, 201, "{}", ok.body);
        let again = create(json!({"name": "新华二社区", "kind": "community", "parent": street_id, "code": "210203009001"})).await;
        assert!(refused(&again).contains("already"));
        let none = create(json!({"name": "城管分局", "kind": "department", "parent": app.units.hub.0, "code": "210203"})).await;
        assert!(refused(&none).contains("no place code"));
        // The units list carries the codes.
        let listed = app.get(Some(&admin), "/api/v1/units?kind=community&page_size=200").await;
        assert!(
            listed.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["code"] == "210203009001" && u["id"] == ok.body["id"])
        );
    })
    .await;
}

#[tokio::test]
async fn a_request_no_grid_holds_is_flagged_until_the_hub_places_it() {
    on_every_backend(|_, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let admin = app.login("admin").await;
        // Registered by address alone, and once at a point outside every grid.
        let mut body = complaint();
        body.as_object_mut().unwrap().remove("location");
        let unplaced = app.intake(&operator, body).await;
        let mut body = complaint();
        body["location"] = json!({"lat": 39.5, "lng": 122.5});
        let outside = app.intake(&operator, body).await;
        let placed = app.intake(&operator, complaint()).await;
        let flagged = app
            .get(Some(&dispatcher), "/api/v1/requests?place_unknown=true")
            .await;
        let serials: Vec<&str> = flagged.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["serial"].as_str().unwrap())
            .collect();
        assert_eq!(serials.len(), 2, "{}", flagged.body);
        assert!(serials.contains(&unplaced.as_str()) && serials.contains(&outside.as_str()));
        assert!(
            flagged.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["place_unknown"] == true)
        );
        let all = app.get(Some(&dispatcher), "/api/v1/requests").await;
        let row = |serial: &str| {
            all.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["serial"] == serial)
                .unwrap()
                .clone()
        };
        assert_eq!(row(&placed)["place_unknown"], false);

        // Placing needs a grid or a point inside one; handlers may not place.
        let refused = app.act(&dispatcher, &unplaced, "place", json!({})).await;
        assert_eq!(refused.status, 422);
        assert!(refused.body["error"]["fields"]["grid"].is_string());
        let nowhere = app
            .act(
                &dispatcher,
                &unplaced,
                "place",
                json!({"location": {"lat": 39.5, "lng": 122.5}}),
            )
            .await;
        assert_eq!(nowhere.status, 422);
        assert!(nowhere.body["error"]["fields"]["location"].is_string());
        let unknown = app
            .act(
                &dispatcher,
                &unplaced,
                "place",
                json!({"grid": "210203001001009"}),
            )
            .await;
        assert!(
            unknown.body["error"]["fields"]["grid"].is_string(),
            "{}",
            unknown.body
        );
        let handler_try = app
            .act(
                &handler,
                &unplaced,
                "place",
                json!({"location": {"lat": 38.905, "lng": 121.605}}),
            )
            .await;
        // (A handler not tied to the request does not learn it exists.)
        assert!(
            matches!(handler_try.status, 403 | 404),
            "{}",
            handler_try.body
        );

        // By a point: the grid containing it.
        let done = app
            .act(
                &dispatcher,
                &outside,
                "place",
                json!({"location": {"lat": 38.905, "lng": 121.605}, "address": "锦华街3号北门"}),
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.body["area"]["id"], app.units.grid.0);
        assert_eq!(done.body["address"], "锦华街3号北门");
        // By the grid's place code, once an administrator gave it one.
        let coded = app
            .send(
                reqwest::Method::PATCH,
                Some(&admin),
                &format!("/api/v1/units/{}", app.units.grid.0),
                Some(json!({"code": "210203001001001"})),
            )
            .await;
        assert_eq!(coded.status, 200, "{}", coded.body);
        assert_eq!(coded.body["code"], "210203001001001");
        let grid_worker = app.login("gridworker").await;
        let unseen = app
            .get(Some(&grid_worker), &format!("/api/v1/requests/{unplaced}"))
            .await;
        assert!(matches!(unseen.status, 403 | 404), "{}", unseen.body);
        let done = app
            .act(
                &operator,
                &unplaced,
                "place",
                json!({"grid": "210203001001001"}),
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.body["area"]["id"], app.units.grid.0);
        let history = app
            .get(
                Some(&dispatcher),
                &format!("/api/v1/requests/{unplaced}/events"),
            )
            .await;
        let place = history.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "place");
        assert!(place.is_some(), "{}", history.body);
        assert_eq!(
            place.unwrap()["detail"]["area"],
            app.units.grid.0.to_string()
        );
        let flagged = app
            .get(Some(&dispatcher), "/api/v1/requests?place_unknown=true")
            .await;
        assert_eq!(flagged.body["items"], json!([]));
        // The grid's own worker now reads it: placing ties it to the grid.
        let seen = app
            .get(Some(&grid_worker), &format!("/api/v1/requests/{unplaced}"))
            .await;
        assert_eq!(seen.status, 200, "{}", seen.body);
    })
    .await;
}

/// A small gazetteer around the test district's grid (121.60–121.61 E, 38.90–38.91 N).
const GAZETTEER: &str = "kind,name,parent,house_from,house_to,lat,lng
road,锦华街,,1,120,38.905,121.605
compound,锦华小区,,,,38.906,121.606
building,3号楼,锦华小区,,,38.907,121.607
landmark,锦华小学,,,,38.904,121.604
landmark,海边灯塔,,,,39.5,122.5
";

#[tokio::test]
async fn the_gazetteer_imports_whole_and_answers_typing_with_the_grid() {
    on_every_backend(|_, app| async move {
        let store = app.state.store.as_ref();
        // A bad row names itself and writes nothing.
        let bad = GAZETTEER
            .replace("38.904,121.604", "north,121.604")
            .replacen(",锦华小区,,,", ",无名小区,,,", 1);
        let refused = civicgrid::services::places::import_gazetteer(store, &bad, start_time())
            .await
            .unwrap_err();
        assert!(
            refused.fields.contains_key("rows[5].lat"),
            "{:?}",
            refused.fields
        );
        assert!(
            refused.fields.contains_key("rows[4].parent"),
            "{:?}",
            refused.fields
        );
        assert!(store.gazetteer().await.unwrap().is_empty());
        let headless =
            civicgrid::services::places::import_gazetteer(store, "a,b\n1,2\n", start_time())
                .await
                .unwrap_err();
        assert!(headless.fields.contains_key("file"));

        let count = civicgrid::services::places::import_gazetteer(store, GAZETTEER, start_time())
            .await
            .unwrap();
        assert_eq!((count.entries, count.unplaced), (5, 1));
        app.state.reload().await.unwrap();
        let search = |q: &str| {
            let app = &app;
            let q = q.to_owned();
            async move {
                let url = format!(
                    "/api/v1/places?q={}",
                    form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
                );
                app.get(None, &url).await
            }
        };
        let found = search("锦华").await;
        assert_eq!(found.status, 200, "{}", found.body);
        let names: Vec<&str> = found
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["address"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["锦华街", "锦华小区", "锦华小学", "锦华小区3号楼"]);
        assert_eq!(found.body[0]["grid"]["unit"], app.units.grid.0);
        assert_eq!(found.body[0]["grid"]["community"], "锦华社区");
        assert_eq!(found.body[0]["grid"]["street"], "白云街道");
        // Pinyin initials, and a house number on the road.
        let by_initials = search("jhxq").await;
        assert_eq!(by_initials.body[0]["name"], "锦华小区");
        let house = search("锦华街12号").await;
        assert_eq!(house.body[0]["address"], "锦华街12号");
        assert_eq!(house.body[0]["house"], 12);
        assert_eq!(search("锦华街121号").await.body, json!([]));
        // A landmark outside every grid: found, without a grid.
        let far = search("灯塔").await;
        assert_eq!(far.body[0]["grid"], Value::Null);
        // Limits are checked.
        assert_eq!(
            app.get(None, "/api/v1/places?q=%E9%94%A6&limit=0")
                .await
                .status,
            400
        );
        assert_eq!(app.get(None, "/api/v1/places").await.status, 400);
        // A request registered by its address alone, written as the gazetteer has it, is
        // placed at the entry's point; an address the gazetteer does not know stays
        // unplaced (flagged for the dispatcher).
        let operator = app.login("operator").await;
        let mut body = complaint();
        body.as_object_mut().unwrap().remove("location");
        body["address"] = json!("锦华小区3号楼");
        let serial = app.intake(&operator, body.clone()).await;
        let detail = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        assert_eq!(
            detail.body["area"]["id"], app.units.grid.0,
            "{}",
            detail.body
        );
        assert_eq!(detail.body["location"]["lat"], 38.907);
        body["address"] = json!("锦华小区9号楼");
        let serial = app.intake(&operator, body).await;
        let detail = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        assert_eq!(detail.body["area"], Value::Null);
        // A new file replaces the gazetteer.
        let count = civicgrid::services::places::import_gazetteer(
            store,
            "kind,name,lat,lng\nlandmark,锦华公园,38.9055,121.6055\n",
            start_time(),
        )
        .await
        .unwrap();
        assert_eq!(count.entries, 1);
        app.state.reload().await.unwrap();
        assert_eq!(search("锦华").await.body.as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn placing_a_request_routes_it_by_its_place() {
    on_every_backend(|_, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let categories = app.get(Some(&admin), "/api/v1/categories").await;
        let light = categories.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "urban.streetlight")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        // In the grid's street, street lights belong to another department.
        let rule = json!({"category": light, "unit": app.units.other_dept.0,
            "basis": "agreement", "area": app.units.street.0});
        let made = app.post(Some(&admin), "/api/v1/routing-rules", rule).await;
        assert_eq!(made.status, 201, "{}", made.body);
        let mut body = complaint();
        body.as_object_mut().unwrap().remove("location");
        let serial = app.intake(&operator, body).await;
        let proposal = |serial: String| {
            let app = &app;
            let dispatcher = dispatcher.clone();
            async move {
                app.get(Some(&dispatcher), &format!("/api/v1/requests/{serial}"))
                    .await
                    .body["proposal"]
                    .clone()
            }
        };
        // Nowhere yet: the district-wide rule.
        assert_eq!(
            proposal(serial.clone()).await["unit"]["id"],
            app.units.dept.0
        );
        let placed = app
            .act(
                &dispatcher,
                &serial,
                "place",
                json!({"location": {"lat": 38.905, "lng": 121.605}}),
            )
            .await;
        assert_eq!(placed.status, 200, "{}", placed.body);
        // In the street now: the street's own rule.
        let after = proposal(serial).await;
        assert_eq!(after["unit"]["id"], app.units.other_dept.0, "{after}");
        assert_eq!(after["basis"], "agreement");
    })
    .await;
}
