//! SLA policies (with the services they list and their calendar as JSON), the warnings and
//! breaches claimed against incidents, and the first incident-manager assignment that counts
//! as a response.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveTime, Weekday};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::entity::sla_notice::{self, Entity as Notices};
use super::entity::sla_policy::{self, Entity as Policies};
use super::entity::sla_policy_service::{self, Entity as PolicyServices};
use crate::domain::ids::{IncidentId, SlaPolicyId, UserId};
use crate::domain::sla::clock::NoticeKind;
use crate::domain::sla::notice::{BreachFilter, Notice};
use crate::domain::sla::policy::{ClockKind, PolicyDraft, SlaPolicy, Targets};
use crate::domain::sla::{BusinessHours, Calendar, SlaDuration};
use crate::domain::text::{PolicyName, Service};

fn corrupt(what: &str, detail: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!(
        "sla_policies row holds an unreadable {what}: {detail}"
    ))
}

#[derive(Serialize, Deserialize)]
struct TargetJson {
    priority: i32,
    response: Option<String>,
    resolution: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalendarJson {
    time_zone: String,
    hours: Vec<OpeningJson>,
    holidays: Vec<NaiveDate>,
}

#[derive(Serialize, Deserialize)]
struct OpeningJson {
    day: Weekday,
    open: NaiveTime,
    close: NaiveTime,
}

fn targets_to_json(targets: &[Targets; 5]) -> String {
    let rows: Vec<TargetJson> = (1..)
        .zip(targets)
        .filter(|(_, t)| t.response.is_some() || t.resolution.is_some())
        .map(|(priority, t)| TargetJson {
            priority,
            response: t.response.map(|d| d.to_string()),
            resolution: t.resolution.map(|d| d.to_string()),
        })
        .collect();
    serde_json::json!(rows).to_string()
}

fn calendar_to_json(calendar: &Calendar) -> Option<String> {
    match calendar {
        Calendar::AroundTheClock => None,
        Calendar::BusinessHours(hours) => {
            let json = CalendarJson {
                time_zone: hours.time_zone().name().to_owned(),
                hours: hours
                    .hours()
                    .into_iter()
                    .map(|(day, open, close)| OpeningJson { day, open, close })
                    .collect(),
                holidays: hours.holidays().iter().copied().collect(),
            };
            Some(serde_json::json!(json).to_string())
        }
    }
}

fn calendar_from_json(text: Option<&str>) -> Result<Calendar, DbErr> {
    let Some(text) = text else {
        return Ok(Calendar::AroundTheClock);
    };
    let json: CalendarJson = serde_json::from_str(text).map_err(|e| corrupt("calendar", e))?;
    let hours = json
        .hours
        .into_iter()
        .map(|o| (o.day, o.open, o.close))
        .collect();
    BusinessHours::new(&json.time_zone, hours, json.holidays)
        .map(Calendar::BusinessHours)
        .map_err(|e| corrupt("calendar", e))
}

fn to_policy(m: sla_policy::Model, services: Vec<String>) -> Result<SlaPolicy, DbErr> {
    let targets: Vec<TargetJson> =
        serde_json::from_str(&m.targets).map_err(|e| corrupt("targets", e))?;
    let mut table = [Targets::default(); 5];
    for t in targets {
        let slot = usize::try_from(t.priority - 1)
            .ok()
            .filter(|&i| i < 5)
            .ok_or_else(|| corrupt("priority", t.priority))?;
        let duration = |text: Option<String>| {
            text.map(|d| SlaDuration::parse(&d, "targets").map_err(|e| corrupt("target", e)))
                .transpose()
        };
        table[slot] = Targets {
            response: duration(t.response)?,
            resolution: duration(t.resolution)?,
        };
    }
    let services = services
        .iter()
        .map(|s| Service::parse(s).map_err(|e| corrupt("service", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SlaPolicy {
        id: SlaPolicyId(m.id),
        draft: PolicyDraft {
            name: PolicyName::parse(&m.name).map_err(|e| corrupt("name", e))?,
            services,
            calendar: calendar_from_json(m.calendar.as_deref())?,
            warn_at_percent: u8::try_from(m.warn_at_percent)
                .map_err(|_| corrupt("warn_at_percent", m.warn_at_percent))?,
            targets: table,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
        updated_by: UserId::from(m.updated_by),
    })
}

/// Every policy, the default first, then by name.
pub async fn policies(conn: &impl ConnectionTrait) -> Result<Vec<SlaPolicy>, DbErr> {
    let rows = Policies::find()
        .order_by_desc(sla_policy::Column::IsDefault)
        .order_by_asc(sla_policy::Column::Name)
        .all(conn)
        .await?;
    let mut services: HashMap<Uuid, Vec<String>> = HashMap::new();
    for row in PolicyServices::find()
        .order_by_asc(sla_policy_service::Column::Service)
        .all(conn)
        .await?
    {
        services.entry(row.policy_id).or_default().push(row.service);
    }
    rows.into_iter()
        .map(|m| {
            let listed = services.remove(&m.id).unwrap_or_default();
            to_policy(m, listed)
        })
        .collect()
}

pub async fn find_policy(
    conn: &impl ConnectionTrait,
    id: SlaPolicyId,
) -> Result<Option<SlaPolicy>, DbErr> {
    let Some(row) = Policies::find_by_id(id.0).one(conn).await? else {
        return Ok(None);
    };
    let services = PolicyServices::find()
        .filter(sla_policy_service::Column::PolicyId.eq(id.0))
        .order_by_asc(sla_policy_service::Column::Service)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.service)
        .collect();
    to_policy(row, services).map(Some)
}

fn to_active(p: &SlaPolicy) -> sla_policy::ActiveModel {
    sla_policy::ActiveModel {
        id: Set(p.id.0),
        name: Set(p.draft.name.as_str().to_owned()),
        is_default: Set(p.draft.is_default()),
        calendar: Set(calendar_to_json(&p.draft.calendar)),
        warn_at_percent: Set(i32::from(p.draft.warn_at_percent)),
        targets: Set(targets_to_json(&p.draft.targets)),
        version: Set(p.version),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
        updated_by: Set(p.updated_by.as_str().to_owned()),
    }
}

async fn list_services(conn: &impl ConnectionTrait, policy: &SlaPolicy) -> Result<(), DbErr> {
    PolicyServices::delete_many()
        .filter(sla_policy_service::Column::PolicyId.eq(policy.id.0))
        .exec(conn)
        .await?;
    if policy.draft.services.is_empty() {
        return Ok(());
    }
    let rows = policy
        .draft
        .services
        .iter()
        .map(|s| sla_policy_service::ActiveModel {
            service: Set(s.as_str().to_owned()),
            policy_id: Set(policy.id.0),
        });
    PolicyServices::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

pub async fn insert_policy(conn: &impl ConnectionTrait, policy: &SlaPolicy) -> Result<(), DbErr> {
    Policies::insert(to_active(policy))
        .exec_without_returning(conn)
        .await?;
    list_services(conn, policy).await
}

/// Writes `policy` if the stored one is still at `expected_version`; `false` if not.
pub async fn update_policy(
    conn: &impl ConnectionTrait,
    policy: &SlaPolicy,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let result = Policies::update_many()
        .set(to_active(policy))
        .filter(sla_policy::Column::Id.eq(policy.id.0))
        .filter(sla_policy::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    list_services(conn, policy).await?;
    Ok(true)
}

/// `false` if there is no such policy.
pub async fn delete_policy(conn: &impl ConnectionTrait, id: SlaPolicyId) -> Result<bool, DbErr> {
    PolicyServices::delete_many()
        .filter(sla_policy_service::Column::PolicyId.eq(id.0))
        .exec(conn)
        .await?;
    let result = Policies::delete_by_id(id.0).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

/// Which of `services` some policy other than `except` already lists, and that policy's name.
pub async fn services_taken(
    conn: &impl ConnectionTrait,
    services: &[Service],
    except: Option<SlaPolicyId>,
) -> Result<Vec<(String, String)>, DbErr> {
    if services.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = PolicyServices::find().filter(
        sla_policy_service::Column::Service.is_in(services.iter().map(|s| s.as_str().to_owned())),
    );
    if let Some(except) = except {
        query = query.filter(sla_policy_service::Column::PolicyId.ne(except.0));
    }
    let taken = query.all(conn).await?;
    let ids: HashSet<Uuid> = taken.iter().map(|t| t.policy_id).collect();
    let names: HashMap<Uuid, String> = Policies::find()
        .filter(sla_policy::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(taken
        .into_iter()
        .map(|t| {
            let name = names.get(&t.policy_id).cloned().unwrap_or_default();
            (t.service, name)
        })
        .collect())
}

/// Whether a policy other than `except` is called `name`.
pub async fn name_taken(
    conn: &impl ConnectionTrait,
    name: &str,
    except: Option<SlaPolicyId>,
) -> Result<bool, DbErr> {
    let mut query = Policies::find().filter(sla_policy::Column::Name.eq(name));
    if let Some(except) = except {
        query = query.filter(sla_policy::Column::Id.ne(except.0));
    }
    Ok(query.one(conn).await?.is_some())
}

/// The default policy's name, unless it is `except`.
pub async fn default_policy_name(
    conn: &impl ConnectionTrait,
    except: Option<SlaPolicyId>,
) -> Result<Option<String>, DbErr> {
    let mut query = Policies::find().filter(sla_policy::Column::IsDefault.eq(true));
    if let Some(except) = except {
        query = query.filter(sla_policy::Column::Id.ne(except.0));
    }
    Ok(query.one(conn).await?.map(|p| p.name))
}

/// Writes `policy` unless a default policy exists (or its name is taken): how a new database
/// gets the shipped default, safely when several nodes start at once.
pub async fn insert_default_if_none(
    conn: &impl ConnectionTrait,
    policy: &SlaPolicy,
) -> Result<bool, DbErr> {
    let inserted = Policies::insert(to_active(policy))
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Records the notice unless it was recorded before (by this node or another): `true` if
/// this call claimed it.
pub async fn claim_notice(conn: &impl ConnectionTrait, notice: &Notice) -> Result<bool, DbErr> {
    let row = sla_notice::ActiveModel {
        id: sea_orm::NotSet,
        incident_id: Set(notice.incident_id.0),
        clock: Set(notice.clock.as_str().to_owned()),
        priority: Set(i32::from(notice.priority_rank)),
        kind: Set(notice.kind.as_str().to_owned()),
        due_at: Set(notice.due_at),
        target_seconds: Set(notice.target.as_secs()),
        policy_id: Set(notice.policy_id.map(|p| p.0)),
        policy_name: Set(notice.policy_name.clone()),
        service: Set(notice.service.clone()),
        recorded_at: Set(notice.recorded_at),
    };
    let inserted = Notices::insert(row)
        .on_conflict(
            OnConflict::columns([
                sla_notice::Column::IncidentId,
                sla_notice::Column::Clock,
                sla_notice::Column::Priority,
                sla_notice::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// The notices already recorded for `incidents`: (incident, clock, priority, kind).
pub async fn notices_of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashSet<(IncidentId, ClockKind, i16, NoticeKind)>, DbErr> {
    if incidents.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = Notices::find()
        .filter(sla_notice::Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|n| {
            Some((
                IncidentId(n.incident_id),
                ClockKind::parse(&n.clock)?,
                i16::try_from(n.priority).ok()?,
                NoticeKind::parse(&n.kind)?,
            ))
        })
        .collect())
}

/// Breaches by the time they fell due, newest first, at most `limit`.
pub async fn breaches(
    conn: &impl ConnectionTrait,
    filter: &BreachFilter,
    limit: u64,
) -> Result<Vec<Notice>, DbErr> {
    let mut condition =
        Condition::all().add(sla_notice::Column::Kind.eq(NoticeKind::Breached.as_str()));
    if let Some(from) = filter.from {
        condition = condition.add(sla_notice::Column::DueAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(sla_notice::Column::DueAt.lt(to));
    }
    if let Some(service) = &filter.service {
        condition = condition.add(sla_notice::Column::Service.eq(service.as_str()));
    }
    if let Some(rank) = filter.priority_rank {
        condition = condition.add(sla_notice::Column::Priority.eq(i32::from(rank)));
    }
    Notices::find()
        .filter(condition)
        .order_by_desc(sla_notice::Column::DueAt)
        .order_by_desc(sla_notice::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|n| {
            Ok(Notice {
                incident_id: IncidentId(n.incident_id),
                clock: ClockKind::parse(&n.clock).ok_or_else(|| corrupt("clock", &n.clock))?,
                priority_rank: i16::try_from(n.priority)
                    .map_err(|_| corrupt("priority", n.priority))?,
                kind: NoticeKind::parse(&n.kind).ok_or_else(|| corrupt("kind", &n.kind))?,
                due_at: n.due_at,
                target: SlaDuration::from_secs(n.target_seconds, "target")
                    .map_err(|e| corrupt("target", e))?,
                policy_id: n.policy_id.map(SlaPolicyId),
                policy_name: n.policy_name,
                service: n.service,
                recorded_at: n.recorded_at,
            })
        })
        .collect()
}
