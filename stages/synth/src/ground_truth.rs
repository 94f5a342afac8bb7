//! The planted ground truth written beside the dumps in `ground_truth/` (documented in
//! `GROUND_TRUTH.md`, copied there as `README.md`): every patent's planted traits, score, impact
//! weight and realised forward citations, the planted opportunities, and a summary with the
//! marginals the dumps realise and the ROC-AUC of the planted rule. No stage reads it; tests and
//! benchmarks compare the stages' findings with it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Datelike, Months, NaiveDate};
use serde_json::json;

use crate::impact::{
    ATYPICAL_EFFECT, HOT_CODE_EFFECT, HOT_TERM_COUNTS, HOT_TERM_EFFECT, HOT_TERMS, IMPACT_NOISE, ImpactTraits,
};
use crate::model::{Model, Profile};
use crate::schedule::PatentKind;

/// The folder, relative to the dump folder.
pub const FOLDER: &str = "ground_truth";
/// Its files, in writing order.
pub const FILES: [&str; 4] = ["README.md", "patents.csv", "opportunities.csv", "summary.json"];
/// Forward citations are counted this many months after grant, as `labels --window-years 5` does.
const WINDOW_MONTHS: u32 = 60;
/// Share of each field and grant year that the planted rule's labels call L1.
const TOP_SHARE: f64 = 0.1;

/// What is known of one patent.
struct Row {
    grant_date: NaiveDate,
    primary: u16,
    secondary: Option<u16>,
    traits: ImpactTraits,
    score: f32,
    weight: f32,
    /// Section letter of the first code; none for patents without codes.
    section: Option<u8>,
    forward_in_window: u32,
    forward: u32,
}

/// Running tallies of the dumps' marginals.
#[derive(Default)]
struct Tally {
    utility: u64,
    design: u64,
    reissue: u64,
    with_codes: u64,
    cpc_rows: u64,
    subclasses: u64,
    multi_subclass: u64,
    citations: u64,
    in_corpus_citations: u64,
    utility_claims: u64,
    claims: u64,
    claim_bytes: u64,
    first_claim_longest: u64,
}

/// The ground truth of a corpus being generated.
pub struct GroundTruth {
    rows: Vec<Row>,
    tally: Tally,
    groups_in_use: Vec<bool>,
}

impl GroundTruth {
    /// An empty record for a scheme of `groups` groups.
    pub fn new(groups: usize) -> GroundTruth {
        GroundTruth { rows: vec![], tally: Tally::default(), groups_in_use: vec![false; groups] }
    }

    /// Records the next patent: its profile, CPC groups, planted score and weight, and claims.
    pub fn record(
        &mut self,
        model: &Model,
        kind: PatentKind,
        granted: NaiveDate,
        profile: &Profile,
        codes: &[u32],
        (score, weight): (f64, f64),
        claims: &[&str],
    ) {
        let t = &mut self.tally;
        match kind {
            PatentKind::Design => t.design += 1,
            PatentKind::Reissue => t.reissue += 1,
            PatentKind::Utility => t.utility += 1,
        }
        if !codes.is_empty() {
            t.with_codes += 1;
            t.cpc_rows += codes.len() as u64;
            t.subclasses += profile.subclasses.len() as u64;
            t.multi_subclass += (profile.subclasses.len() > 1) as u64;
        }
        for &c in codes {
            self.groups_in_use[c as usize] = true;
        }
        if kind == PatentKind::Utility {
            t.utility_claims += claims.len() as u64;
        }
        t.claims += claims.len() as u64;
        t.claim_bytes += claims.iter().map(|c| c.len() as u64).sum::<u64>();
        t.first_claim_longest += claims.iter().skip(1).all(|c| c.len() <= claims[0].len()) as u64;
        self.rows.push(Row {
            grant_date: granted,
            primary: profile.topics.primary,
            secondary: profile.topics.secondary,
            traits: profile.traits,
            score: score as f32,
            weight: weight as f32,
            section: codes.first().map(|&c| model.scheme.groups[c as usize].as_bytes()[0]),
            forward_in_window: 0,
            forward: 0,
        });
    }

    /// Records a citation made by a patent granted on `citing` (in the corpus or not, `cited`).
    pub fn citation(&mut self, citing: NaiveDate, cited: Option<usize>) {
        self.tally.citations += 1;
        let Some(i) = cited else { return };
        self.tally.in_corpus_citations += 1;
        let row = &mut self.rows[i];
        row.forward += 1;
        let window_end =
            row.grant_date.checked_add_months(Months::new(WINDOW_MONTHS)).expect("dates are far from the end of time");
        if citing > row.grant_date && citing <= window_end {
            row.forward_in_window += 1;
        }
    }

    /// Writes the folder into `dir` (the dump folder); `id(i)` is the patent id of the i-th patent.
    /// Returns the files written with their data rows.
    pub fn write(
        &self,
        dir: &Path,
        model: &Model,
        config: &serde_json::Value,
        id: impl Fn(usize) -> String,
    ) -> Result<Vec<(String, u64)>> {
        let folder = dir.join(FOLDER);
        std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
        let ids: Vec<String> = (0..self.rows.len()).map(id).collect();
        let mut patents = String::from(
            "patent_id,grant_year,topic,second_topic,atypical,hot_terms,hot_code,opportunity,planted_score,impact_weight,forward_citations_5y,forward_citations\n",
        );
        for (row, id) in self.rows.iter().zip(&ids) {
            let t = &row.traits;
            let second = row.secondary.map(|s| s.to_string()).unwrap_or_default();
            writeln!(
                patents,
                "{id},{},{},{second},{},{},{},{},{:.6},{:.6},{},{}",
                row.grant_date.year(),
                row.primary,
                t.atypical as u8,
                t.hot_terms,
                t.hot_code as u8,
                t.opportunity as u8,
                row.score,
                row.weight,
                row.forward_in_window,
                row.forward
            )?;
        }
        let mut opportunities =
            String::from("topic,typical_codes,opportunity_code,multiplier,topic_patents,carriers\n");
        let subclass = |s: u32| model.scheme.subclasses[s as usize].as_str();
        for o in &model.planted.opportunities {
            let typical: Vec<&str> = model.topics[o.topic as usize].typical().into_iter().map(subclass).collect();
            let of_topic = self.rows.iter().filter(|r| r.primary == o.topic && r.section.is_some());
            let (patents, carriers) = of_topic.fold((0, 0), |(n, c), r| (n + 1, c + r.traits.opportunity as u64));
            writeln!(
                opportunities,
                "{},{},{},{},{patents},{carriers}",
                o.topic,
                typical.join(" "),
                subclass(o.code),
                o.multiplier
            )?;
        }
        let summary = self.summary(model, config, &ids);
        let files = [
            (FILES[0], include_str!("../GROUND_TRUTH.md").to_string(), 0),
            (FILES[1], patents, self.rows.len() as u64),
            (FILES[2], opportunities, model.planted.opportunities.len() as u64),
            (FILES[3], serde_json::to_string_pretty(&summary)? + "\n", 1),
        ];
        let mut written = vec![];
        for (name, text, rows) in files {
            std::fs::write(folder.join(name), text).with_context(|| format!("writing {FOLDER}/{name}"))?;
            written.push((format!("{FOLDER}/{name}"), rows));
        }
        Ok(written)
    }

    fn summary(&self, model: &Model, config: &serde_json::Value, ids: &[String]) -> serde_json::Value {
        let t = &self.tally;
        let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let patents = self.rows.len() as u64;
        let subclass = |s: &u32| model.scheme.subclasses[*s as usize].clone();
        let (auc, labelled, l1) = self.planted_rule_auc(ids);
        json!({
            "config": config,
            "scheme": {
                "sections": 9,
                "classes": model.scheme.subclasses.iter().map(|s| &s[..3]).collect::<std::collections::BTreeSet<_>>().len(),
                "subclasses": model.scheme.subclasses.len(),
                "main_groups": model.scheme.main_group_count(),
                "groups": model.scheme.groups.len(),
                "groups_in_use": self.groups_in_use.iter().filter(|&&u| u).count(),
            },
            "marginals": {
                "patents": patents,
                "utility": t.utility,
                "design": t.design,
                "reissue": t.reissue,
                "patents_with_codes": t.with_codes,
                "cpc_rows": t.cpc_rows,
                "cpc_rows_per_patent_with_codes": per(t.cpc_rows, t.with_codes),
                "subclasses_per_patent_with_codes": per(t.subclasses, t.with_codes),
                "share_spanning_several_subclasses": per(t.multi_subclass, t.with_codes),
                "citations": t.citations,
                "citations_per_patent": per(t.citations, patents),
                "in_corpus_citations": t.in_corpus_citations,
                "claims": t.claims,
                "claims_per_utility_patent": per(t.utility_claims, t.utility),
                "claim_bytes_mean": per(t.claim_bytes, t.claims),
                "share_first_claim_longest": per(t.first_claim_longest, patents),
            },
            "planted": {
                "hot_terms": HOT_TERMS,
                "hot_term_counts": HOT_TERM_COUNTS,
                "hot_term_effect": HOT_TERM_EFFECT,
                "hot_codes": model.planted.hot_codes.iter().map(subclass).collect::<Vec<_>>(),
                "hot_code_effect": HOT_CODE_EFFECT,
                "atypical_effect": ATYPICAL_EFFECT,
                "impact_noise": IMPACT_NOISE,
                "opportunities": model.planted.opportunities.len(),
            },
            "planted_rule": {
                "label_rule": "L1: top 10% of forward citations within 5 years of grant per section of the first code and grant year (ties by patent id), cited at least once; patents with codes and a complete window; as labels --field section --top-share 0.1 --window-years 5",
                "labelled": labelled,
                "l1": l1,
                "roc_auc": auc,
            },
        })
    }

    /// The ROC-AUC of ranking by planted score against the labels of the planted rule (see
    /// `label_rule` in the summary), with the number of labelled and L1 patents.
    fn planted_rule_auc(&self, ids: &[String]) -> (Option<f64>, usize, usize) {
        let Some(last) = self.rows.iter().map(|r| r.grant_date).max() else { return (None, 0, 0) };
        let mut groups: HashMap<(u8, i32), Vec<usize>> = HashMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            let end = row
                .grant_date
                .checked_add_months(Months::new(WINDOW_MONTHS))
                .expect("dates are far from the end of time");
            if let Some(section) = row.section.filter(|_| end <= last) {
                groups.entry((section, row.grant_date.year())).or_default().push(i);
            }
        }
        // (score, 1, 0) for an L1 patent, (score, 0, 1) for an L2 one.
        let mut scored: Vec<(f64, u64, u64)> = vec![];
        for members in groups.values_mut() {
            members.sort_by(|&a, &b| {
                self.rows[b].forward_in_window.cmp(&self.rows[a].forward_in_window).then(ids[a].cmp(&ids[b]))
            });
            let cut = (members.len() as f64 * TOP_SHARE - 1e-9).ceil() as usize;
            for (rank, &i) in members.iter().enumerate() {
                let l1 = rank < cut && self.rows[i].forward_in_window > 0;
                scored.push((self.rows[i].score as f64, l1 as u64, !l1 as u64));
            }
        }
        let l1 = scored.iter().map(|r| r.1).sum::<u64>() as usize;
        (stats::roc_auc(&scored), scored.len(), l1)
    }
}
