//! Everything that differs between SQLite and PostgreSQL, in one place: placeholders
//! (generated here, once), row locks, unique violations, and the bulk statements. Must not
//! know any table but the ones its callers name from constants.

use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::{Backend, Result};

/// A value to bind: every column is an integer, a float or text (see `sql/mod.rs`).
#[derive(Debug, Clone)]
pub(super) enum Val {
    I(Option<i64>),
    F(Option<f64>),
    S(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I(Some(v))
    }
}

impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::I(v)
    }
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::S(Some(v))
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::S(Some(v.to_owned()))
    }
}

impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::S(Some(v.clone()))
    }
}

/// A statement being built: its text is assembled only from `&'static str` pieces (SQL
/// keywords, table and column names from constants) and placeholders generated here; every
/// value goes to `values` and is bound. Nothing a user typed, and no number either, can
/// become SQL text, so there is no escaping to get wrong.
pub(super) struct Sql {
    backend: Backend,
    text: String,
    values: Vec<Val>,
    conditions: usize,
}

impl Sql {
    pub(super) fn new(backend: Backend, text: &'static str) -> Sql {
        Sql {
            backend,
            text: text.to_owned(),
            values: Vec::new(),
            conditions: 0,
        }
    }

    /// Appends constant SQL text.
    pub(super) fn push(&mut self, text: &'static str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub(super) fn value(&mut self, value: impl Into<Val>) -> &mut Sql {
        self.values.push(value.into());
        match self.backend {
            // Anonymous placeholders: SQLite binds them by position (`$N` names it looks up
            // linearly while preparing).
            Backend::Sqlite => self.text.push('?'),
            Backend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.values.len().to_string());
            }
        }
        self
    }

    /// Appends `(p1, p2, …)` binding each value; an empty list is `(NULL)`, which no value
    /// is `IN`.
    pub(super) fn list<V: Into<Val>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Sql {
        self.text.push('(');
        let mut any = false;
        for value in values {
            if any {
                self.text.push_str(", ");
            }
            any = true;
            self.value(value);
        }
        if !any {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// Appends "`column` contains `text`" (a plain substring: `%` and `_` mean themselves),
    /// in each engine's spelling.
    pub(super) fn contains(&mut self, column: &'static str, text: &str) -> &mut Sql {
        match self.backend {
            Backend::Sqlite => self
                .push("instr(")
                .push(column)
                .push(", ")
                .value(text.to_owned()),
            Backend::Postgres => self
                .push("strpos(")
                .push(column)
                .push(", ")
                .value(text.to_owned()),
        };
        self.push(") > 0")
    }

    /// Starts the next condition: ` WHERE ` the first time, ` AND ` after.
    pub(super) fn and(&mut self) -> &mut Sql {
        self.text.push_str(if self.conditions == 0 {
            " WHERE "
        } else {
            " AND "
        });
        self.conditions += 1;
        self
    }

    /// The statement with its values bound.
    pub(super) fn query(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments> {
        self.values
            .iter()
            .cloned()
            .fold(sqlx::query(sqlx::AssertSqlSafe(self.text.clone())), bind)
    }

    /// The statement as a one-column query.
    pub(super) fn scalar<O>(&self) -> sqlx::query::QueryScalar<'_, Any, O, sqlx::any::AnyArguments>
    where
        (O,): for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(self.text.clone()));
        for value in self.values.iter().cloned() {
            query = match value {
                Val::I(v) => query.bind(v),
                Val::F(Some(v)) => query.bind(v),
                Val::F(None) => query.bind(NULL_DOUBLE),
                Val::S(v) => query.bind(v),
            };
        }
        query
    }
}

/// `FOR UPDATE` where the engine has row locks (SQLite's single writer serialises anyway).
pub(super) fn lock_suffix(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    }
}

/// SQLite looks `$N` names up linearly while preparing a statement, which makes a
/// 30,000-parameter insert quadratic; anonymous `?` placeholders are bound by position.
pub(super) async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    returning: Option<&str>,
) -> Result<Vec<AnyRow>> {
    let tail = returning.map(|r| format!(" RETURNING {r}"));
    insert_rows_tail(
        tx,
        backend,
        table,
        columns,
        rows,
        tail.as_deref(),
        returning.is_some(),
    )
    .await
}

/// Updates many rows with one statement per chunk: `rows[i][0]` is the key, the rest the
/// new values of `columns`. Both engines name a VALUES list's columns `column1…N`.
pub(super) async fn update_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    key: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    let width = columns.len() + 1;
    let per_chunk = (30_000 / width).max(1);
    let set = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = v.column{}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_chunk).collect();
        let values = placeholder_rows(backend, chunk.len(), width);
        let sql = format!(
            "UPDATE {table} SET {set} FROM (VALUES {values}) AS v WHERE {table}.{key} = v.column1"
        );
        let query = chunk
            .into_iter()
            .flatten()
            .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), bind);
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `insert_rows` with a conflict clause after the values.
pub(super) async fn insert_rows_then(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    tail: &str,
) -> Result<()> {
    insert_rows_tail(tx, backend, table, columns, rows, Some(tail), false).await?;
    Ok(())
}

pub(super) async fn insert_rows_tail(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    tail: Option<&str>,
    fetch: bool,
) -> Result<Vec<AnyRow>> {
    let per_chunk = (30_000 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    let mut out = Vec::new();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_chunk).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        sql.push_str(&placeholder_rows(backend, chunk.len(), columns.len()));
        if let Some(tail) = tail {
            sql.push_str(tail);
        }
        let query = chunk
            .into_iter()
            .flatten()
            .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), bind);
        if fetch {
            out.extend(query.fetch_all(&mut **tx).await?);
        } else {
            query.execute(&mut **tx).await?;
        }
    }
    Ok(out)
}

/// Binds one value to a statement.
pub(super) fn bind(query: AnyQuery<'_>, value: Val) -> AnyQuery<'_> {
    match value {
        Val::I(v) => query.bind(v),
        Val::F(Some(v)) => query.bind(v),
        Val::F(None) => query.bind(NULL_DOUBLE),
        Val::S(v) => query.bind(v),
    }
}

/// A NULL that PostgreSQL receives as `float8`, like every non-NULL `f64` we bind.
///
/// sqlx-core 0.9.0's `Any` driver swaps the two float kinds for NULLs
/// (`any/arguments.rs`: a NULL `f64` goes out as a NULL `f32`, a NULL `f32` as `f64`). A
/// statement first prepared with a NULL latitude was therefore typed `float4`, and the
/// next execution of the same cached statement with a real latitude (`float8`) failed
/// with "incorrect binary data format": an intake without a location followed by one with
/// a location on the same connection answered 500. Binding a NULL `f32` yields `float8`.
/// `tests/it` of the store crate alternates the two on PostgreSQL and fails if this turns.
const NULL_DOUBLE: Option<f32> = None;

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// `(p, p, …),(p, p, …)…`: `rows` tuples of `width` placeholders, numbered in order.
fn placeholder_rows(backend: Backend, rows: usize, width: usize) -> String {
    let mut text = String::with_capacity(rows * width * 4);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            text.push(',');
        }
        text.push('(');
        for c in 0..width {
            if c > 0 {
                text.push(',');
            }
            n += 1;
            match backend {
                Backend::Sqlite => text.push('?'),
                Backend::Postgres => {
                    text.push('$');
                    text.push_str(&n.to_string());
                }
            }
        }
        text.push(')');
    }
    text
}

/// What a write changed, for the instances that keep it in memory (`generations` table).
#[derive(Debug, Clone, Copy)]
pub(super) enum Cached {
    /// Units, categories, routing rules, policies, official days, settings.
    Reference,
    /// Sessions and the users and grants behind them.
    Sessions,
}

/// Bumps the change counter of `what`, inside the transaction of the write itself.
pub(super) async fn bump(tx: &mut Transaction<'_, Any>, what: Cached) -> Result<()> {
    let name = match what {
        Cached::Reference => "reference",
        Cached::Sessions => "sessions",
    };
    sqlx::query("UPDATE generations SET n = n + 1 WHERE name = $1")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
