//! "The first N rows of each incident" in one statement: a window per incident
//! (`ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY ...)`), the same on SQLite and
//! PostgreSQL. Lists under an incident load for a whole page of incidents at once, and each
//! incident's share stays bounded.

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query, SelectStatement};

/// Wraps `rows` (a query selecting `*` from a table with an `incident_id` column) so that
/// only the first `limit` rows of each incident in `rank_order` (SQL, e.g. `id DESC`) remain,
/// returned ordered by the column `output_by` (`output`).
pub fn first_of_each(
    rows: SelectStatement,
    rank_order: &str,
    limit: u64,
    output_by: &str,
    output: Order,
) -> SelectStatement {
    let mut ranked = rows;
    ranked.expr_as(
        Expr::cust(format!(
            "ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY {rank_order})"
        )),
        Alias::new("rn"),
    );
    Query::select()
        .column(Asterisk)
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("rn")).lte(i64::try_from(limit).unwrap_or(i64::MAX)))
        .order_by(Alias::new(output_by), output)
        .to_owned()
}
