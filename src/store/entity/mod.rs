//! Database rows. These types never leave `store/`: the domain and GraphQL layers have their
//! own, converted explicitly, so a column change cannot leak into the public schema.

pub mod action_item;
pub mod alert_key;
pub mod automation_cursor;
pub mod automation_rule;
pub mod automation_run;
pub mod counter;
pub mod event_annotation;
pub mod incident;
pub mod incident_alert;
pub mod incident_event;
pub mod incident_label;
pub mod incident_link;
pub mod incident_role;
pub mod incident_sla;
pub mod incident_update;
pub mod incident_watcher;
pub mod index_change;
pub mod integration;
pub mod problem;
pub mod problem_event;
pub mod problem_incident;
pub mod problem_suggestion_rating;
pub mod review;
pub mod sla_notice;
pub mod sla_policy;
pub mod sla_policy_service;
pub mod suggestion_impression;
pub mod suggestion_rating;
pub mod suggestion_viewer;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;
