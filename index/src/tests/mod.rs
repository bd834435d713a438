//! Unit tests of the knowledge base through its public API, on in-memory indexes (and temp
//! folders where persistence is the point).

mod bulk;
mod kb;
mod search;
mod suggest;

use chrono::{DateTime, TimeZone, Utc};

use crate::{Change, IncidentDoc, KnowledgeBase};

pub(crate) fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
        .single()
        .expect("valid date")
}

pub(crate) fn doc(id: &str, title: &str, description: &str) -> IncidentDoc {
    IncidentDoc {
        id: id.to_owned(),
        number: id
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .unwrap_or(0),
        title: title.to_owned(),
        description: description.to_owned(),
        service: "api".to_owned(),
        category: None,
        priority: Some(3),
        resolution_summary: "Resolved.".to_owned(),
        root_cause: None,
        fix: None,
        resolved_at: at(1),
        helpful: 0,
        unhelpful: 0,
        kind: crate::DocKind::Incident,
        workaround: None,
        related: String::new(),
        review: String::new(),
    }
}

pub(crate) fn kb_with(docs: Vec<IncidentDoc>) -> KnowledgeBase {
    let kb = KnowledgeBase::in_ram().expect("in-RAM index");
    kb.apply(docs.into_iter().map(Change::Upsert).collect(), 1)
        .expect("apply");
    kb
}

/// A few realistic incidents most tests share.
pub(crate) fn incidents() -> Vec<IncidentDoc> {
    vec![
        IncidentDoc {
            category: Some("database".into()),
            service: "checkout".into(),
            fix: Some(
                "Raised the Hikari pool size from 20 to 50 and added a statement timeout.".into(),
            ),
            root_cause: Some("A slow report query held connections for minutes.".into()),
            ..doc(
                "inc-1",
                "Checkout failing: database connection pool exhausted",
                "HikariPool-1 - Connection is not available, request timed out after 30000ms. \
                 Checkout requests returned 500 errors.",
            )
        },
        IncidentDoc {
            category: Some("security".into()),
            service: "edge".into(),
            fix: Some("Renewed the certificate and added expiry monitoring.".into()),
            ..doc(
                "inc-2",
                "TLS certificate expired on the public load balancer",
                "Browsers reported NET::ERR_CERT_DATE_INVALID; x509: certificate has expired.",
            )
        },
        IncidentDoc {
            category: Some("capacity".into()),
            service: "search".into(),
            priority: Some(2),
            resolved_at: at(10),
            fix: Some("Deleted old snapshots and grew the volume.".into()),
            ..doc(
                "inc-3",
                "Search indexer stopped: disk full on data volume",
                "No space left on device while writing segments; the indexer crashed repeatedly.",
            )
        },
        IncidentDoc {
            category: Some("network".into()),
            service: "payments".into(),
            priority: Some(1),
            resolved_at: at(20),
            ..doc(
                "inc-4",
                "Payments gateway connection reset by peer",
                "Upstream provider reset connections during TLS handshake; retries exhausted.",
            )
        },
    ]
}
