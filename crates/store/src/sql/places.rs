//! `PlaceStore` on SQL: grid layers and layer imports.

use async_trait::async_trait;
use civicgrid_domain::Instant;
use civicgrid_domain::UnitId;
use civicgrid_domain::gazetteer::{Entry, PlaceKind};
use civicgrid_domain::geography::Layer;
use civicgrid_domain::org::UnitKind;
use civicgrid_domain::request::Location;
use sqlx::Row;

use super::SqlStore;
use super::dialect::{Cached, bump};
use super::rows::{is_unique_violation, ms, word};

use crate::{GazetteerImport, ImportCount, PlaceImport, PlaceStore, Result, StoreError};

#[async_trait]
impl PlaceStore for SqlStore {
    async fn gazetteer(&self) -> Result<Vec<Entry>> {
        let rows = sqlx::query(
            "SELECT id, kind, name, parent_id, house_from, house_to, lat, lng, area_id FROM gazetteer ORDER BY id",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let from: Option<i64> = r.try_get("house_from")?;
                let to: Option<i64> = r.try_get("house_to")?;
                Ok(Entry {
                    id: r.try_get("id")?,
                    kind: word("kind", &kind, PlaceKind::parse)?,
                    name: r.try_get("name")?,
                    parent: r.try_get("parent_id")?,
                    houses: from.zip(to).map(|(a, b)| {
                        (u32::try_from(a).unwrap_or(0), u32::try_from(b).unwrap_or(0))
                    }),
                    location: Location {
                        lat: r.try_get("lat")?,
                        lng: r.try_get("lng")?,
                    },
                    area: r.try_get::<Option<i64>, _>("area_id")?.map(UnitId),
                })
            })
            .collect()
    }

    async fn replace_gazetteer(
        &self,
        entries: Vec<GazetteerImport>,
        now: Instant,
    ) -> Result<usize> {
        let mut tx = self.inner.write.begin().await?;
        sqlx::query("DELETE FROM gazetteer")
            .execute(&mut *tx)
            .await?;
        let mut compounds: std::collections::HashMap<String, i64> =
            std::collections::HashMap::new();
        // Compounds first, so buildings find them whatever the file's order.
        let mut ordered: Vec<&GazetteerImport> = entries.iter().collect();
        ordered.sort_by_key(|e| e.entry.kind != PlaceKind::Compound);
        for item in ordered {
            let e = &item.entry;
            let parent = match &e.parent {
                Some(name) => Some(
                    *compounds
                        .get(name)
                        .ok_or(StoreError::NotFound("compound"))?,
                ),
                None => None,
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO gazetteer (kind, name, parent_id, house_from, house_to, lat, lng, area_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(e.kind.as_str())
            .bind(&e.name)
            .bind(parent)
            .bind(e.houses.map(|h| i64::from(h.0)))
            .bind(e.houses.map(|h| i64::from(h.1)))
            .bind(e.location.lat)
            .bind(e.location.lng)
            .bind(item.area.map(|a| a.0))
            .bind(ms(now))
            .fetch_one(&mut *tx)
            .await?;
            if e.kind == PlaceKind::Compound {
                compounds.insert(e.name.clone(), id);
            }
        }
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        sqlx::query("ANALYZE gazetteer")
            .execute(&self.inner.write)
            .await?;
        Ok(entries.len())
    }

    async fn list_layers(&self) -> Result<Vec<Layer>> {
        let rows = sqlx::query("SELECT code, name, kind, exclusive FROM grid_layers ORDER BY code")
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Layer {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    kind: word("kind", &kind, UnitKind::parse)?,
                    exclusive: r.try_get::<i64, _>("exclusive")? != 0,
                })
            })
            .collect()
    }

    async fn import_places(
        &self,
        layer: &Layer,
        items: Vec<PlaceImport>,
        now: Instant,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportCount> {
        let mut tx = self.inner.write.begin().await?;
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM grid_layers WHERE code = $1")
                .bind(&layer.code)
                .fetch_optional(&mut *tx)
                .await?;
        match kind {
            Some(kind) if kind != layer.kind.as_str() => {
                return Err(StoreError::Duplicate(format!(
                    "layer {} (of {kind} units)",
                    layer.code
                )));
            }
            Some(_) => {
                sqlx::query("UPDATE grid_layers SET name = $1, exclusive = $2 WHERE code = $3")
                    .bind(&layer.name)
                    .bind(i64::from(layer.exclusive))
                    .bind(&layer.code)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO grid_layers (code, name, kind, exclusive, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&layer.code)
                .bind(&layer.name)
                .bind(layer.kind.as_str())
                .bind(i64::from(layer.exclusive))
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
            }
        }
        let mut count = ImportCount::default();
        for (done, item) in items.iter().enumerate() {
            match item.existing {
                Some(unit) => {
                    let changed = sqlx::query(
                        "UPDATE units SET geometry = $1, layer = $2 WHERE id = $3 \
                         AND (geometry IS NULL OR geometry <> $1 OR layer IS NULL OR layer <> $2)",
                    )
                    .bind(&item.geometry)
                    .bind(&layer.code)
                    .bind(unit.0)
                    .execute(&mut *tx)
                    .await?;
                    if changed.rows_affected() > 0 {
                        count.moved += 1;
                    } else {
                        count.unchanged += 1;
                    }
                }
                None => {
                    sqlx::query(
                        "INSERT INTO units (name, kind, parent_id, lines, geometry, code, layer, created_at) \
                         VALUES ($1, $2, $3, '', $4, $5, $6, $7)",
                    )
                    .bind(&item.name)
                    .bind(item.kind.as_str())
                    .bind(item.parent.0)
                    .bind(&item.geometry)
                    .bind(&item.code)
                    .bind(&layer.code)
                    .bind(ms(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            StoreError::Duplicate(format!("code {}", item.code))
                        } else {
                            e.into()
                        }
                    })?;
                    count.created += 1;
                }
            }
            if done % 100 == 99 {
                progress(done + 1);
            }
        }
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        progress(items.len());
        sqlx::query("ANALYZE units")
            .execute(&self.inner.write)
            .await?;
        Ok(count)
    }
}
