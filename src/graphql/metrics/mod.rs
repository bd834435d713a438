//! Incident metrics: MTTA, MTTM, MTTR, SLA attainment, reopen rate and knowledge payoff per
//! period, optionally per service, category or priority.

mod query;

pub use query::MetricsQuery;
