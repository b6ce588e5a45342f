//! `PlaceStore` on SQL: grid layers and layer imports.

use async_trait::async_trait;
use civicgrid_domain::Instant;
use civicgrid_domain::geography::Layer;
use civicgrid_domain::org::UnitKind;
use sqlx::Row;

use super::SqlStore;
use super::dialect::{Cached, bump};
use super::rows::{is_unique_violation, ms, word};

use crate::{ImportCount, PlaceImport, PlaceStore, Result, StoreError};

#[async_trait]
impl PlaceStore for SqlStore {
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
