//! The state's tables ([`super::super::tables`]) read and written on PostgreSQL, a row
//! as a JSON object of its columns.

use super::super::tables::{Kind, Row, Table, bad_value};
use crate::error::Result;
use serde_json::Value;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of `table`, those whose scope column equals `scope` when given, in the order
/// they were written (runs by id; the others by their key).
pub async fn read(
    client: &impl GenericClient,
    table: &Table,
    scope: Option<&str>,
) -> std::result::Result<Vec<Row>, tokio_postgres::Error> {
    let order = super::super::tables::order(table, "\"C\"");
    let rows = match scope {
        Some(s) => {
            let sql = format!(
                "SELECT {} FROM {} WHERE \"{}\" = $1 ORDER BY {order}",
                column_list(table),
                table.name,
                table.scope
            );
            client.query(&sql, &[&s]).await?
        }
        None => {
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {order}",
                column_list(table),
                table.name
            );
            client.query(&sql, &[]).await?
        }
    };
    Ok(rows
        .iter()
        .map(|r| {
            let mut row = Row::new();
            for (i, (c, kind)) in table.columns.iter().enumerate() {
                let v = match kind {
                    Kind::Text => r.get::<_, Option<String>>(i).map(Value::from),
                    Kind::Int => r.get::<_, Option<i64>>(i).map(Value::from),
                };
                row.insert((*c).to_owned(), v.unwrap_or(Value::Null));
            }
            row
        })
        .collect())
}

/// One column's value as a PostgreSQL parameter.
enum Param {
    Text(Option<String>),
    Int(Option<i64>),
}

impl Param {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Text(v) => v,
            Param::Int(v) => v,
        }
    }
}

/// Writes `rows` into `table`, taking a row whose key is there as the table says
/// (`on_conflict`). The inserts are pipelined: one round trip's wait for them all.
pub async fn write(
    client: &impl GenericClient,
    table: &Table,
    rows: &[Row],
) -> Result<Result<(), tokio_postgres::Error>> {
    let marks = (1..=table.columns.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({marks}) {}",
        table.name,
        column_list(table),
        table.on_conflict
    );
    let mut all = Vec::with_capacity(rows.len());
    for row in rows {
        let mut params = Vec::with_capacity(table.columns.len());
        for (c, kind) in table.columns {
            let v = row.get(*c).unwrap_or(&Value::Null);
            params.push(match (v, kind) {
                (Value::Null, Kind::Text) => Param::Text(None),
                (Value::Null, Kind::Int) => Param::Int(None),
                (Value::String(s), Kind::Text) => Param::Text(Some(s.clone())),
                (Value::Number(n), Kind::Int) if n.is_i64() => Param::Int(n.as_i64()),
                (other, _) => return Err(bad_value(table, c, other)),
            });
        }
        all.push(params);
    }
    let stmt = match client.prepare(&sql).await {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let inserts = all.iter().map(|params| {
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::sql).collect();
        let stmt = &stmt;
        async move { client.execute(stmt, &refs).await }
    });
    Ok(futures::future::try_join_all(inserts).await.map(|_| ()))
}
