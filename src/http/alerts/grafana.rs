//! Grafana's webhook contact point (unified alerting, payload `version` "1"): Alertmanager's
//! shape plus `orgId`, `title`, `state`, `message` and, per alert, `values`, `valueString` and
//! links to silence the rule, its dashboard, panel and screenshot (`webhook.rs` reads both).

use super::{Parsed, webhook};
use crate::domain::alert::{AlertError, Grouping};

pub fn parse(body: &[u8], grouping: Grouping) -> Result<Parsed, AlertError> {
    webhook::parse(body, grouping, "Grafana")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertStatus;

    /// The example body in Grafana's webhook notifier documentation, as published.
    const DOCUMENTED: &str = r#"{
  "receiver": "My Super Webhook",
  "status": "firing",
  "orgId": 1,
  "alerts": [
    {
      "status": "firing",
      "labels": {
        "alertname": "High memory usage",
        "team": "blue",
        "zone": "us-1"
      },
      "annotations": {
        "description": "The system has high memory usage",
        "runbook_url": "https://myrunbook.com/runbook/1234",
        "summary": "This alert was triggered for zone us-1"
      },
      "startsAt": "2021-10-12T09:51:03.157076+02:00",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
      "fingerprint": "c6eadffa33fcdf37",
      "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
      "dashboardURL": "",
      "panelURL": "",
      "values": {
        "B": 44.23943737541908,
        "C": 1
      }
    },
    {
      "status": "firing",
      "labels": {
        "alertname": "High CPU usage",
        "team": "blue",
        "zone": "eu-1"
      },
      "annotations": {
        "description": "The system has high CPU usage",
        "runbook_url": "https://myrunbook.com/runbook/1234",
        "summary": "This alert was triggered for zone eu-1"
      },
      "startsAt": "2021-10-12T09:56:03.157076+02:00",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
      "fingerprint": "bc97ff14869b13e3",
      "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1",
      "dashboardURL": "",
      "panelURL": "",
      "values": {
        "B": 44.23943737541908,
        "C": 1
      }
    }
  ],
  "groupLabels": {},
  "commonLabels": {
    "team": "blue"
  },
  "commonAnnotations": {},
  "externalURL": "https://play.grafana.org/",
  "version": "1",
  "groupKey": "{}:{}",
  "truncatedAlerts": 0,
  "title": "[FIRING:2]  (blue)",
  "state": "alerting",
  "message": "**Firing**\n\nLabels:\n - alertname = T2\n - team = blue\n - zone = us-1\nAnnotations:\n - description = This is the alert rule checking the second system\n - runbook_url = https://myrunbook.com\n - summary = This is my summary\nSource: https://play.grafana.org/alerting/1afz29v7z/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1\n\nLabels:\n - alertname = T1\n - team = blue\n - zone = eu-1\nAnnotations:\nSource: https://play.grafana.org/alerting/d1rdpdv7k/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1\n"
}"#;

    /// The same from Grafana 9.x's documentation: `valueString` instead of `values`.
    fn with_value_string() -> String {
        DOCUMENTED.replacen(
            r#""values": {
        "B": 44.23943737541908,
        "C": 1
      }"#,
            r#""valueString": "[ metric='' labels={} value=14151.331895396988 ]""#,
            1,
        )
    }

    #[test]
    fn the_documented_payload_gives_two_alerts() {
        let parsed = parse(DOCUMENTED.as_bytes(), Grouping::Alert).unwrap();
        assert_eq!(parsed.alerts.len(), 2);
        let memory = &parsed.alerts[0];
        assert_eq!(memory.dedup_key(), "c6eadffa33fcdf37");
        assert_eq!(memory.title(), "This alert was triggered for zone us-1");
        assert_eq!(memory.severity(), None);
        assert_eq!(memory.status(), AlertStatus::Firing);
        assert_eq!(
            memory.starts_at().map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-10-12T07:51:03.157076+00:00")
        );
        let texts: Vec<&str> = memory
            .links()
            .iter()
            .filter_map(|l| l.text.as_deref())
            .collect();
        // Empty dashboard and panel URLs are no links.
        assert_eq!(texts, ["Alert rule", "Silence", "Grafana"]);
        assert_eq!(memory.details()["values"]["B"], 44.23943737541908);
        assert_eq!(memory.details()["orgId"], 1);
        let description = memory.description();
        assert!(
            description.starts_with(
                "The system has high memory usage\n\nRunbook: https://myrunbook.com/runbook/1234"
            ),
            "{description}"
        );
        assert_eq!(parsed.alerts[1].dedup_key(), "bc97ff14869b13e3");

        let older = parse(with_value_string().as_bytes(), Grouping::Alert).unwrap();
        assert_eq!(
            older.alerts[0].details()["valueString"],
            "[ metric='' labels={} value=14151.331895396988 ]"
        );
    }

    #[test]
    fn grouped_the_documented_payload_is_one_alert() {
        let parsed = parse(DOCUMENTED.as_bytes(), Grouping::Group).unwrap();
        let [alert] = parsed.alerts.as_slice() else {
            panic!("one alert expected");
        };
        assert_eq!(alert.dedup_key(), "{}:{}");
        assert_eq!(alert.status(), AlertStatus::Firing);
        // No common summary or alertname: the title is built from the shared labels.
        assert_eq!(alert.title(), "Alert (team=blue)");
        assert_eq!(alert.details()["state"], "alerting");
        assert_eq!(alert.details()["alerts"][1]["dedupKey"], "bc97ff14869b13e3");
        assert_eq!(alert.links()[0].href, "https://play.grafana.org/");
    }

    #[test]
    fn wrong_types_in_grafana_fields_name_the_field() {
        let bad = DOCUMENTED.replacen("\"orgId\": 1", "\"orgId\": \"one\"", 1);
        let err = parse(bad.as_bytes(), Grouping::Alert).unwrap_err();
        assert_eq!(
            err.to_string(),
            "orgId: expected an integer, found a string"
        );
        let bad = DOCUMENTED.replacen(
            "\"dashboardURL\": \"\"",
            "\"dashboardURL\": \"javascript:x\"",
            1,
        );
        let err = parse(bad.as_bytes(), Grouping::Alert).unwrap_err();
        assert_eq!(err.path(), "alerts[0].dashboardURL");
    }
}
