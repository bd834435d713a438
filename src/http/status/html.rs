//! `/status`: the status page for people. Server-rendered, no script, readable on a phone.
//! maud escapes every interpolated value; update bodies are Markdown, rendered by
//! `markdown.rs` with raw HTML shown as text and only web and mail links.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::json::timestamp;
use crate::service::status_page::{PublicIncident, PublicStatus, PublicUpdate, StatusPage};

/// Visitors who leave the page open see changes without a script.
const REFRESH_SECONDS: u32 = 60;

pub fn render(page: &StatusPage, title: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="refresh" content=(REFRESH_SECONDS);
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    header {
                        h1 { (title) }
                        p.muted { "Updated " (time(page.generated_at)) }
                    }
                    (banner(page))
                    @if !page.open.is_empty() {
                        section {
                            h2 { "Current incidents" }
                            @for incident in &page.open { (card(incident, false)) }
                        }
                    }
                    section {
                        h2 { "Recently resolved" }
                        @if page.recently_resolved.is_empty() {
                            p.muted {
                                "No incidents resolved in the last " (days(page.resolved_days)) "."
                            }
                        }
                        @for incident in &page.recently_resolved { (card(incident, true)) }
                    }
                    footer.muted {
                        "Times are in UTC. This page refreshes every minute. "
                        a href="status.json" { "Machine-readable version" }
                    }
                }
            }
        }
    }
}

fn banner(page: &StatusPage) -> Markup {
    match page.open.len() {
        0 => html! { p.banner.ok role="status" { "All systems operational" } },
        n => html! {
            p.banner.issue role="status" {
                @if n == 1 { "We are working on an incident" } @else { "We are working on " (n) " incidents" }
            }
        },
    }
}

fn card(incident: &PublicIncident, resolved: bool) -> Markup {
    html! {
        article.incident id={ "incident-" (incident.id) } {
            h3 { (incident.title) }
            p.meta {
                span class={ "badge " (badge_class(incident.status)) } { (incident.status.label()) }
                span.service { (incident.service) }
            }
            p.muted.when {
                @if let Some(resolved_at) = incident.resolved_at {
                    "Resolved " (time(resolved_at))
                } @else {
                    "Started " (time(incident.started_at))
                }
            }
            @if resolved {
                details {
                    summary { (count(incident.updates.len(), "update")) }
                    (updates(&incident.updates))
                }
            } @else {
                (updates(&incident.updates))
            }
        }
    }
}

fn updates(list: &[PublicUpdate]) -> Markup {
    html! {
        ol.updates {
            @for update in list {
                li {
                    p.update-head {
                        @if let Some(status) = update.status {
                            strong { (label(status)) }
                            " · "
                        }
                        (time(update.at))
                    }
                    div.body { (PreEscaped(super::markdown::to_safe_html(&update.body))) }
                }
            }
        }
    }
}

fn label(status: crate::domain::team::UpdateStatus) -> &'static str {
    use crate::domain::team::UpdateStatus as S;
    match status {
        S::Investigating => "Investigating",
        S::Identified => "Identified",
        S::Monitoring => "Monitoring",
        S::Resolved => "Resolved",
    }
}

fn badge_class(status: PublicStatus) -> &'static str {
    match status {
        PublicStatus::Investigating => "investigating",
        PublicStatus::Identified => "identified",
        PublicStatus::Monitoring => "monitoring",
        PublicStatus::Resolved => "resolved",
    }
}

fn time(at: DateTime<Utc>) -> Markup {
    html! { time datetime=(timestamp(at)) { (at.format("%-d %b %Y, %H:%M UTC")) } }
}

fn days(n: u32) -> String {
    count(n as usize, "day")
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1f2328;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:720px;margin:0 auto;padding:24px 16px 40px}
header h1{margin:0;font-size:1.6rem;line-height:1.25}
h2{font-size:1.05rem;margin:32px 0 12px;color:#444c56;text-transform:uppercase;letter-spacing:.04em}
h3{margin:0 0 6px;font-size:1.1rem;line-height:1.3;overflow-wrap:anywhere}
p{margin:0}
.muted{color:#636c76;font-size:.9rem}
header .muted{margin-top:4px}
.banner{margin-top:20px;padding:14px 16px;border-radius:10px;font-weight:600;font-size:1.05rem;color:#fff}
.banner::before{content:"";display:inline-block;width:10px;height:10px;border-radius:50%;background:#fff;margin-right:10px;vertical-align:1px}
.banner.ok{background:#1a7f37}
.banner.issue{background:#bc4c00}
.incident{background:#fff;border:1px solid #d8dee4;border-radius:10px;padding:16px;margin-bottom:12px}
.meta{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:4px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:.8rem;font-weight:600}
.badge.investigating{background:#fff1e5;color:#953800}
.badge.identified{background:#fff8c5;color:#7d4e00}
.badge.monitoring{background:#ddf4ff;color:#0550ae}
.badge.resolved{background:#dafbe1;color:#116329}
.service{font-size:.85rem;color:#444c56;background:#eff2f5;padding:2px 8px;border-radius:6px;overflow-wrap:anywhere}
.updates{list-style:none;margin:12px 0 0;padding:0;border-left:2px solid #d8dee4}
.updates li{position:relative;padding:0 0 14px 16px}
.updates li:last-child{padding-bottom:0}
.updates li::before{content:"";position:absolute;left:-6px;top:7px;width:10px;height:10px;border-radius:50%;background:#8c959f}
.updates li:first-child::before{background:#1f2328}
.update-head{font-size:.85rem;color:#636c76}
.update-head strong{color:#1f2328}
.body{overflow-wrap:anywhere;margin-top:2px}.body p{margin:0 0 6px}.body ul,.body ol{margin:0 0 6px;padding-left:20px}.body pre{white-space:pre-wrap}
details{margin-top:10px}
summary{cursor:pointer;color:#0969da;font-size:.9rem}
footer{margin-top:32px;text-align:center}
footer a{color:#0969da}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::IncidentId;

    #[test]
    fn text_from_incidents_is_escaped() {
        let evil = "<script>alert(1)</script>\"'&";
        let at = chrono::Utc::now();
        let incident = PublicIncident {
            id: IncidentId::new(),
            title: evil.into(),
            service: evil.into(),
            status: PublicStatus::Investigating,
            started_at: at,
            resolved_at: None,
            updates: vec![PublicUpdate {
                at,
                status: None,
                body: format!("line one\n{evil}"),
            }],
        };
        let page = StatusPage {
            generated_at: at,
            resolved_days: 7,
            open: vec![incident],
            recently_resolved: Vec::new(),
        };
        let out = render(&page, evil).into_string();
        assert!(!out.contains("<script"), "{out}");
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            out.contains("<p>line one</p>"),
            "the body is Markdown: {out}"
        );
    }
}
