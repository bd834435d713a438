//! A seeded, deterministic generator of realistic resolved incidents, for tests and benchmarks:
//! services and dependencies, narrative text, real-looking error messages, log lines and stack
//! traces, root causes and fixes. The same seed always gives the same incidents (the random
//! source is our own SplitMix64, so no dependency upgrade can change the data).
//!
//! Incidents come from a few dozen failure scenarios, each told in several ways, so a probe
//! made from a scenario has true matches in the corpus, as a real incident history would.

mod vocab;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::analysis;
use crate::model::{IncidentDoc, Probe};
use vocab::{
    CATEGORIES, CLASS_SUFFIXES, CLASS_WORDS, COMPONENT_HEADS, COMPONENT_TAILS, DEPENDENCIES,
    DETECTION, METHODS, NARRATIVE, PACKAGES, PATHS, PEOPLE, QUEUES, REGIONS, SCENARIOS, SERVICES,
    Scenario, TABLES,
};

/// SplitMix64: tiny, fast, and stable forever.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index in `0..n` with a long tail: low indexes are common, most are rare.
    fn long_tail(&mut self, n: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64) * u.powi(3)) as usize % n.max(1)
    }
}

/// Makes incidents (and probes: new incidents to diagnose) from a seed.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: Rng,
    next_number: i64,
    epoch: DateTime<Utc>,
}

/// What stays fixed within one incident's text.
struct Context<'a> {
    service: &'a str,
    dependency: &'a str,
    region: &'a str,
    /// The part of the service that failed ("invoice-exporter"), from a long-tailed set.
    component: String,
    /// Its class name in code and logs ("InvoiceExporter").
    component_class: String,
    /// The application error code the component reported ("E0421"), also long-tailed.
    error_code: String,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: Rng(seed ^ 0x005E_ED0F_1ABE_u64),
            next_number: 1,
            epoch: Utc
                .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        }
    }

    /// An id as the server makes them (`IncidentId::new`, UUIDv7): the creation time in
    /// milliseconds, then random bits. Incidents are created in number order, about one a
    /// minute from the epoch.
    fn uuid_v7(&mut self, number: i64) -> String {
        let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
        let jitter = ((a >> 32) % 60_000) as i64;
        let millis = (self.epoch.timestamp_millis() + number * 60_000 + jitter) as u64;
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            (millis >> 16) & 0xffff_ffff,
            millis & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    fn hex(&mut self, len: usize) -> String {
        let v = self.rng.next_u64();
        format!("{v:016x}")[..len.min(16)].to_owned()
    }

    fn class_name(&mut self) -> String {
        format!(
            "{}{}",
            self.rng.pick(CLASS_WORDS),
            self.rng.pick(CLASS_SUFFIXES)
        )
    }

    /// Replaces the `{name}` placeholders of a template.
    fn fill(&mut self, template: &str, ctx: &Context<'_>) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &rest[start + 1..start + len];
            let value = match name {
                "svc" => ctx.service.to_owned(),
                "comp" => ctx.component.clone(),
                "dep" => ctx.dependency.to_owned(),
                "region" => ctx.region.to_owned(),
                "host" => format!(
                    "ip-10-{}-{}-{}",
                    self.rng.range(0, 255),
                    self.rng.range(0, 255),
                    self.rng.range(1, 254)
                ),
                "pod" => format!("{}-{}-{}", ctx.service, self.hex(10), self.hex(5)),
                "n" => self.rng.range(2, 5000).to_string(),
                "ms" => (self.rng.range(1, 60) * 500).to_string(),
                "pct" => self.rng.range(2, 99).to_string(),
                "ver" => format!(
                    "v{}.{}.{}",
                    self.rng.range(1, 9),
                    self.rng.range(0, 40),
                    self.rng.range(0, 20)
                ),
                "class" => self.class_name(),
                "code" => self
                    .rng
                    .pick(&["500", "502", "503", "504", "429"])
                    .to_string(),
                "port" => self.rng.range(30000, 65000).to_string(),
                "hex" => self.hex(16),
                "table" => self.rng.pick(TABLES).to_string(),
                "queue" => self.rng.pick(QUEUES).to_string(),
                "path" => self.rng.pick(PATHS).to_string(),
                "person" => self.rng.pick(PEOPLE).to_string(),
                "user" => format!("{}_rw", ctx.service.replace('-', "_")),
                other => format!("{{{other}}}"),
            };
            out.push_str(&value);
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    fn timestamp(&mut self) -> String {
        let t = self.epoch + Duration::seconds(self.rng.range(0, 730 * 86_400) as i64);
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    fn log_block(&mut self, scenario: &Scenario, ctx: &Context<'_>) -> String {
        let lines = self.rng.range(2, 6);
        let mut out = String::new();
        for _ in 0..lines {
            let level = *self.rng.pick(&["ERROR", "ERROR", "WARN", "INFO"]);
            let message = if self.rng.chance(0.7) {
                let e = *self.rng.pick(scenario.errors);
                self.fill(e, ctx)
            } else {
                let e = *self.rng.pick(&[
                    "retrying request {hex} (attempt {n})",
                    "request_id={hex} path={path} status={code} duration_ms={ms}",
                    "circuit breaker for {dep} is OPEN",
                    "health check passed on {host}",
                ]);
                self.fill(e, ctx)
            };
            let ts = self.timestamp();
            let thread = format!(
                "pool-{}-thread-{}",
                self.rng.range(1, 9),
                self.rng.range(1, 64)
            );
            let logger = format!("{}.{}", self.rng.pick(PACKAGES), ctx.component_class);
            out.push_str(&format!("{ts} {level} [{thread}] {logger} - {message}\n"));
        }
        out
    }

    fn stack_trace(&mut self, ctx: &Context<'_>) -> String {
        let depth = self.rng.range(3, 8);
        let mut out = format!(
            "{}Exception in {}.{}\n",
            self.rng.pick(CLASS_WORDS),
            ctx.component_class,
            self.rng.pick(METHODS)
        );
        match self.rng.below(3) {
            0 => {
                for _ in 0..depth {
                    let (pkg, class, method) = (
                        *self.rng.pick(PACKAGES),
                        self.class_name(),
                        *self.rng.pick(METHODS),
                    );
                    let line = self.rng.range(20, 900);
                    let svc = ctx.service.replace('-', "");
                    out.push_str(&format!(
                        "    at com.acme.{svc}.{pkg}.{class}.{method}({class}.java:{line})\n"
                    ));
                }
            }
            1 => {
                out.push_str("Traceback (most recent call last):\n");
                for _ in 0..depth {
                    let (pkg, method) = (*self.rng.pick(PACKAGES), *self.rng.pick(METHODS));
                    let line = self.rng.range(10, 600);
                    let svc = ctx.service.replace('-', "_");
                    out.push_str(&format!(
                        "  File \"/srv/{svc}/{pkg}.py\", line {line}, in {method}\n"
                    ));
                }
            }
            _ => {
                out.push_str(&format!(
                    "goroutine {} [running]:\n",
                    self.rng.range(1, 5000)
                ));
                for _ in 0..depth {
                    let (pkg, class, method) = (
                        *self.rng.pick(PACKAGES),
                        self.class_name(),
                        *self.rng.pick(METHODS),
                    );
                    let line = self.rng.range(10, 700);
                    out.push_str(&format!(
                        "{pkg}.(*{class}).{method}(...)\n\t/app/internal/{pkg}/{pkg}.go:{line}\n"
                    ));
                }
            }
        }
        out
    }

    /// Title and description of an incident of `scenario`, as a responder would write them.
    fn report(&mut self, scenario: &Scenario, ctx: &Context<'_>) -> (String, String) {
        let title_template = *self.rng.pick(scenario.titles);
        let mut title = self.fill(title_template, ctx);
        // Most reports name the component that failed, in the title or the first lines.
        match self.rng.below(4) {
            0 | 1 => title.push_str(&format!(" ({})", ctx.component)),
            2 => title = format!("{}: {title}", ctx.component),
            _ => {}
        }
        let mut parts: Vec<String> = Vec::new();
        let detection = *self.rng.pick(DETECTION);
        parts.push(self.fill(detection, ctx));
        let where_template = *self.rng.pick(&[
            "The failures came from {comp}.",
            "Only {comp} was affected; the rest of {svc} kept working.",
            "{comp} logged the errors below.",
            "Requests through {comp} failed first.",
        ]);
        parts.push(self.fill(where_template, ctx));
        for _ in 0..self.rng.range(1, 2) {
            let s = *self.rng.pick(scenario.symptoms);
            parts.push(self.fill(s, ctx));
        }
        let error = *self.rng.pick(scenario.errors);
        let error = self.fill(error, ctx);
        if self.rng.chance(0.5) {
            parts.push(format!("Error seen: {error} (code {})", ctx.error_code));
        } else {
            parts.push(format!("Error seen: {error}"));
        }
        for _ in 0..self.rng.range(1, 4) {
            let s = *self.rng.pick(NARRATIVE);
            parts.push(self.fill(s, ctx));
        }
        let mut description = parts.join(" ");
        if self.rng.chance(0.5) {
            description.push_str("\n\nLogs:\n");
            description.push_str(&self.log_block(scenario, ctx));
        }
        if self.rng.chance(0.3) {
            description.push_str("\nStack trace:\n");
            description.push_str(&self.stack_trace(ctx));
        }
        (title, description)
    }

    fn context(&mut self) -> Context<'static> {
        let service = *self.rng.pick(SERVICES);
        let dependency = *self.rng.pick(DEPENDENCIES);
        let region = *self.rng.pick(REGIONS);
        let i = self
            .rng
            .long_tail(COMPONENT_HEADS.len() * COMPONENT_TAILS.len());
        let (head, tail) = (
            COMPONENT_HEADS[i % COMPONENT_HEADS.len()],
            COMPONENT_TAILS[i / COMPONENT_HEADS.len()],
        );
        let camel = |w: &str| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        };
        let error_code = format!("E{:04}", self.rng.long_tail(5_000));
        Context {
            service,
            dependency,
            region,
            component: format!("{head}-{tail}"),
            component_class: format!("{}{}", camel(head), camel(tail)),
            error_code,
        }
    }

    /// The next resolved incident.
    pub fn incident(&mut self) -> IncidentDoc {
        let scenario = self.rng.pick(SCENARIOS);
        let ctx = self.context();
        let (title, description) = self.report(scenario, &ctx);
        let root_cause_template = *self.rng.pick(scenario.root_causes);
        let root_cause = self.fill(root_cause_template, &ctx);
        let fix_template = *self.rng.pick(scenario.fixes);
        let fix = self.fill(fix_template, &ctx);
        let minutes = self.rng.range(8, 600);
        let resolution_summary = format!(
            "Mitigated after {minutes} minutes. {}",
            fix.split(". ").next().unwrap_or(&fix)
        );
        // Categorization is usually right, sometimes a neighbour, sometimes missing.
        let category = match self.rng.below(10) {
            0 => None,
            1 => Some(self.rng.pick(CATEGORIES).to_string()),
            _ => Some(scenario.category.to_owned()),
        };
        let priority = [1u8, 2, 2, 3, 3, 3, 3, 4, 4, 5][self.rng.below(10)];
        let resolved_at = self.epoch + Duration::seconds(self.rng.range(0, 730 * 86_400) as i64);
        let helpful = if self.rng.chance(0.15) {
            self.rng.range(1, 12) as u32
        } else {
            0
        };
        let unhelpful = if self.rng.chance(0.1) {
            self.rng.range(1, 6) as u32
        } else {
            0
        };
        let number = self.next_number;
        self.next_number += 1;
        IncidentDoc {
            id: self.uuid_v7(number),
            number,
            title,
            description,
            service: ctx.service.to_owned(),
            category,
            priority: Some(priority),
            resolution_summary,
            root_cause: self.rng.chance(0.8).then_some(root_cause),
            fix: self.rng.chance(0.9).then_some(fix),
            resolved_at,
            helpful,
            unhelpful,
            kind: crate::DocKind::Incident,
            workaround: None,
            related: String::new(),
            review: String::new(),
        }
    }

    /// A new incident to diagnose: text only, service always, category when triaged.
    pub fn probe(&mut self) -> Probe {
        let scenario = self.rng.pick(SCENARIOS);
        let ctx = self.context();
        let (title, description) = self.report(scenario, &ctx);
        let triaged = self.rng.chance(0.6);
        Probe {
            title,
            description,
            service: Some(ctx.service.to_owned()),
            category: triaged.then(|| scenario.category.to_owned()),
        }
    }

    /// A short search a responder might type: two or three telling words, sometimes a phrase.
    pub fn search_text(&mut self) -> String {
        let scenario = self.rng.pick(SCENARIOS);
        let ctx = self.context();
        let error = *self.rng.pick(scenario.errors);
        let error = self.fill(error, &ctx);
        let words: Vec<&str> = error
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 3 && !w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        if words.is_empty() {
            return ctx.service.to_owned();
        }
        let start = self.rng.below(words.len());
        let take = self.rng.range(1, 2) as usize;
        let picked = words[start..(start + take).min(words.len())].join(" ");
        if analysis::stems(&mut analysis::english_analyzer(), &picked).is_empty() {
            // Only function words ("have", "will"): a responder would type the service.
            return ctx.service.to_owned();
        }
        if self.rng.chance(0.2) && picked.contains(' ') {
            format!("\"{picked}\"")
        } else if self.rng.chance(0.5) {
            format!("{picked} {}", ctx.service)
        } else {
            picked
        }
    }
}

impl Iterator for Generator {
    type Item = IncidentDoc;

    fn next(&mut self) -> Option<IncidentDoc> {
        Some(self.incident())
    }
}

/// `n` incidents from `seed`.
pub fn incidents(seed: u64, n: usize) -> impl Iterator<Item = IncidentDoc> {
    Generator::new(seed).take(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Change, KnowledgeBase, SearchQuery, SuggestOptions};

    #[test]
    fn same_seed_same_incidents_other_seed_other_incidents() {
        let a: Vec<IncidentDoc> = incidents(7, 50).collect();
        let b: Vec<IncidentDoc> = incidents(7, 50).collect();
        let c: Vec<IncidentDoc> = incidents(8, 50).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut ids: Vec<&str> = a.iter().map(|d| d.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 50, "ids are unique");
        assert_eq!(a[0].number, 1);
        assert_eq!(a[49].number, 50);
    }

    #[test]
    fn incidents_look_real() {
        let docs: Vec<IncidentDoc> = incidents(1, 500).collect();
        let unfilled = |t: &str| t.contains('{') || t.contains('}');
        for d in &docs {
            let texts = [&d.title, &d.description, &d.resolution_summary];
            assert!(
                !texts.iter().any(|t| unfilled(t)),
                "placeholder left in {d:?}"
            );
        }
        let avg = docs.iter().map(|d| d.description.len()).sum::<usize>() / docs.len();
        assert!(
            (250..3000).contains(&avg),
            "average description {avg} bytes"
        );
        assert!(docs.iter().any(|d| d.description.contains("Traceback")));
        assert!(docs.iter().any(|d| d.description.contains(" ERROR [")));
        assert!(docs.iter().any(|d| d.category.is_none()));
        assert!(docs.iter().any(|d| d.helpful > 0));
        let services: std::collections::HashSet<&str> =
            docs.iter().map(|d| d.service.as_str()).collect();
        assert!(services.len() > 30);
        assert!(
            docs.iter()
                .all(|d| d.priority.is_some_and(|p| (1..=5).contains(&p)))
        );
    }

    #[test]
    fn probes_find_incidents_of_their_scenario() {
        let kb = KnowledgeBase::in_ram().expect("kb");
        kb.apply(incidents(3, 2_000).map(Change::Upsert).collect(), 1)
            .expect("apply");
        let mut g = Generator::new(99);
        let mut found = 0;
        for _ in 0..20 {
            let p = g.probe();
            let got = kb.suggest(&p, &SuggestOptions::default()).expect("suggest");
            found += usize::from(!got.is_empty());
            assert!(got.iter().all(|s| !s.matched_terms.is_empty()));
        }
        assert_eq!(found, 20);
        for _ in 0..20 {
            let text = g.search_text();
            let q = SearchQuery {
                text: text.clone(),
                ..SearchQuery::default()
            };
            assert!(kb.search(&q).is_ok(), "{text}");
        }
    }
}
