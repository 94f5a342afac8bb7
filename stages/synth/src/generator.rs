//! The generation loop: patents in grant order, each written at once to every table — its `g_patent`
//! and `g_application` rows, its CPC codes, its citations of earlier-granted patents and its claims
//! (into the `g_claims_YYYY` of its grant year) — plus any requested malformed rows, and at the end
//! the `g_cpc_title` of the codes used.
//!
//! Three random streams from the seed keep the parts independent: the model (scheme, topics,
//! vocabularies, planted impact), the structure (kinds, numbers, codes, citations) and the text.
//! The planted ground truth of every patent is tallied as it is written and saved at the end
//! ([`crate::ground_truth`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemas::patentsview::{
    APPLICATION, CLAIMS, CPC_CURRENT, DumpFileName, DumpKind, DumpTable, PATENT, US_PATENT_CITATION,
};
use stage_runtime::telemetry::Progress;

use crate::calibration::{
    CITATIONS_PER_YEAR, CITATIONS_SPREAD, CLAIMS_AT_FEE_LIMIT, CLAIMS_MEDIAN, CLAIMS_SPREAD, MAX_CITATIONS, MAX_CLAIMS,
    PRE_CORPUS_CITATIONS, PRE_CORPUS_DECAY_YEARS, interpolate, lognormal,
};
use crate::citations::CitationPools;
use crate::ground_truth::GroundTruth;
use crate::impact::OpportunitySettings;
use crate::model::{Model, PatentTopics};
use crate::schedule::{self, GrantCalendar, PatentKind, PatentNumbers};
use crate::text::{self, Lexicon, Vocabulary};
use crate::titles;
use crate::tsv_writer::{Field, TsvZipWriter};
use crate::{SynthConfig, SynthSummary};

/// Above this many patents the zips use ZIP64 sizes, as a table may then pass 4 GiB.
const LARGE_FILE_PATENTS: u64 = 2_000_000;
/// Patents between progress updates.
const PROGRESS_EVERY: usize = 4096;

/// What is kept of each patent for the patents citing it later.
struct CitedPatent {
    number: u32,
    kind: PatentKind,
    published: bool,
    granted: NaiveDate,
    topic: u16,
    /// Planted impact weight (lambda).
    weight: f32,
    surname: u16,
    et_al: bool,
}

impl CitedPatent {
    fn record_name(&self) -> String {
        text::record_name(self.surname, self.et_al)
    }
}

/// The patent being written, as its tables need it.
struct Grant<'a> {
    index: usize,
    id: &'a str,
    granted: NaiveDate,
    topics: PatentTopics,
}

pub struct Generator<'c> {
    config: &'c SynthConfig,
    dir: PathBuf,
    model: Model,
    vocabularies: Vec<Vocabulary>,
    lexicon: Lexicon,
    rng: ChaCha8Rng,
    text_rng: ChaCha8Rng,
    numbers: PatentNumbers,
    pools: CitationPools,
    patents: Vec<CitedPatent>,
    truth: GroundTruth,
    patent: TsvZipWriter,
    application: TsvZipWriter,
    cpc: TsvZipWriter,
    citation: TsvZipWriter,
    /// The claims file of the grant year being written.
    claims: Option<(i32, TsvZipWriter)>,
    finished_claims: Vec<(String, u64)>,
    finished_bytes: u64,
    malformed: u64,
    /// Whether each CPC group of the scheme is carried by a patent (for `g_cpc_title`).
    used_groups: Vec<bool>,
    /// Scratch: CPC groups and cited patents of the current patent.
    codes: Vec<u32>,
    cited: Vec<u32>,
}

fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

impl<'c> Generator<'c> {
    pub fn new(config: &'c SynthConfig, dir: &Path) -> Result<Generator<'c>> {
        let mut model_rng = stream(config.seed, 0);
        let opportunities = OpportunitySettings {
            count: config.opportunities as usize,
            multiplier: config.opportunity_multiplier,
            share: config.opportunity_share,
        };
        let model = Model::new(&mut model_rng, config.topics, config.years, opportunities);
        let groups = model.scheme.groups.len();
        let vocabularies = Vocabulary::for_topics(&model, &mut model_rng);
        let table = |t: &'static DumpTable| {
            TsvZipWriter::create(dir, &DumpFileName::current_name(t.kind, None), t, config.patents > LARGE_FILE_PATENTS)
        };
        Ok(Generator {
            config,
            dir: dir.to_path_buf(),
            pools: CitationPools::new(model.topics.len(), config.years as usize, config.patents as usize),
            model,
            vocabularies,
            lexicon: Lexicon::new(),
            rng: stream(config.seed, 1),
            text_rng: stream(config.seed, 2),
            numbers: PatentNumbers::default(),
            patents: Vec::with_capacity(config.patents as usize),
            truth: GroundTruth::new(groups),
            patent: table(&PATENT)?,
            application: table(&APPLICATION)?,
            cpc: table(&CPC_CURRENT)?,
            citation: table(&US_PATENT_CITATION)?,
            claims: None,
            finished_claims: vec![],
            finished_bytes: 0,
            malformed: 0,
            used_groups: vec![false; groups],
            codes: vec![],
            cited: vec![],
        })
    }

    pub fn run(mut self) -> Result<SynthSummary> {
        let calendar = GrantCalendar::new(self.config.patents, self.config.first_year, self.config.years);
        let progress = Progress::over_items("synth", "patents", Some(self.config.patents));
        let mut reported_bytes = 0;
        for (index, granted) in calendar.dates().enumerate() {
            self.write_patent(index, granted)?;
            if (index + 1) % PROGRESS_EVERY == 0 {
                let bytes = self.bytes();
                progress.add(PROGRESS_EVERY as u64, bytes - reported_bytes);
                reported_bytes = bytes;
            }
        }
        progress.add(self.patents.len() as u64 - progress.rows(), self.bytes() - reported_bytes);
        let mut files =
            vec![self.patent.finish()?, self.application.finish()?, self.cpc.finish()?, self.citation.finish()?];
        files.append(&mut self.finished_claims);
        if let Some((_, claims)) = self.claims {
            files.push(claims.finish()?);
        }
        let scheme = &self.model.scheme;
        let used = self.used_groups.iter().enumerate().filter(|(_, used)| **used);
        files.push(titles::write(&self.dir, used.map(|(g, _)| scheme.groups[g].as_str()))?);
        let patents = &self.patents;
        let ground_truth = self
            .truth
            .write(&self.dir, &self.model, &self.config.describe(), |i| patents[i].kind.patent_id(patents[i].number))?;
        progress.finish();
        Ok(SynthSummary { files, ground_truth, malformed: self.malformed })
    }

    /// Uncompressed bytes written so far.
    fn bytes(&self) -> u64 {
        let open = [&self.patent, &self.application, &self.cpc, &self.citation]
            .into_iter()
            .chain(self.claims.as_ref().map(|(_, w)| w));
        self.finished_bytes + open.map(TsvZipWriter::bytes).sum::<u64>()
    }

    fn write_patent(&mut self, index: usize, granted: NaiveDate) -> Result<()> {
        // Patents granted before this one's date become citable.
        while self.pools.admitted() < index && self.patents[self.pools.admitted()].granted < granted {
            let cited = &self.patents[self.pools.admitted()];
            self.pools.admit(cited.topic, self.year_index(cited.granted), cited.weight as f64);
        }
        let year_index = self.year_index(granted);
        let rng = &mut self.rng;
        let kind = PatentKind::draw(rng);
        let number = self.numbers.next(kind, granted, rng);
        let id = kind.patent_id(number);
        let year = granted.year();
        let profile = match kind {
            PatentKind::Design => self.model.draw_design(year_index, rng),
            _ => self.model.draw_profile(year_index, rng),
        };
        self.model.draw_codes(&profile, rng, &mut self.codes);
        let score = self.model.planted.score(&profile.traits, profile.topics.primary);
        let weight = self.model.planted.weight(score, rng);
        let published = rng.random_bool(0.7);
        let withdrawn = rng.random_bool(0.0005);
        let claim_count = claim_count(rng);
        let topics = profile.topics;
        let secondary = topics.secondary.map(|t| &self.vocabularies[t as usize]);
        let mut writer = text::Writer::new(
            &self.vocabularies[topics.primary as usize],
            secondary,
            &self.lexicon,
            &mut self.text_rng,
        );
        let title = writer.title();
        let claims = match kind {
            PatentKind::Design => writer.design_claim(),
            _ => writer.claims(claim_count, profile.traits.hot_terms),
        };
        let filename = schedule::grant_file_name(granted);
        let patent_row = [
            Field::Text(&id),
            Field::Text(kind.type_name()),
            Field::Date(granted),
            Field::Text(&title),
            Field::Text(kind.wipo_kind(year, published)),
            Field::Int(claims.len() as i64),
            Field::Int(withdrawn as i64),
            Field::Text(&filename),
        ];
        self.patent.row(&patent_row)?;
        let texts: Vec<&str> = claims.iter().map(|c| c.text.as_str()).collect();
        self.truth.record(&self.model, kind, granted, &profile, &self.codes, (score, weight), &texts);

        let grant = Grant { index, id: &id, granted, topics };
        self.write_application(&grant, kind)?;
        self.write_cpc(&grant)?;
        self.write_citations(&grant)?;
        self.write_claims(&grant, &claims)?;
        self.write_malformed(&grant, &patent_row)?;
        self.patents.push(CitedPatent {
            number,
            kind,
            published,
            granted,
            topic: topics.primary,
            weight: weight as f32,
            surname: text::surname(&mut self.rng),
            et_al: self.rng.random_bool(0.6),
        });
        Ok(())
    }

    /// Years since the corpus's first grant year.
    fn year_index(&self, date: NaiveDate) -> usize {
        (date.year() - self.config.first_year) as usize
    }

    fn write_application(&mut self, grant: &Grant, kind: PatentKind) -> Result<()> {
        let filed = schedule::filing_date(grant.granted, &mut self.rng);
        let series = schedule::series_code(kind, filed);
        let application_id =
            format!("{series}{:06}", schedule::application_serial(grant.index as u64, self.config.seed));
        let rule_47 = self.rng.random_bool(0.01);
        self.application.row(&[
            Field::Text(&application_id),
            Field::Text(grant.id),
            Field::Text(kind.type_name()),
            Field::Date(filed),
            Field::Text(series),
            Field::Int(rule_47 as i64),
        ])
    }

    fn write_cpc(&mut self, grant: &Grant) -> Result<()> {
        for (sequence, &code) in self.codes.iter().enumerate() {
            self.used_groups[code as usize] = true;
            let cpc_type = if sequence == 0 || self.rng.random_bool(0.6) { "inventional" } else { "additional" };
            let row = cpc_row(grant.id, sequence, &self.model.scheme.groups[code as usize], cpc_type);
            self.cpc.row(&row)?;
        }
        Ok(())
    }

    /// Lognormally many citations with the mean of the grant year ([`CITATIONS_PER_YEAR`]), to
    /// earlier patents of the corpus or to patents older than the corpus.
    fn write_citations(&mut self, grant: &Grant) -> Result<()> {
        let mean = interpolate(&CITATIONS_PER_YEAR, grant.granted.year());
        let median = mean * (-CITATIONS_SPREAD * CITATIONS_SPREAD / 2.0).exp();
        let wanted = (lognormal(median, CITATIONS_SPREAD, &mut self.rng).round() as usize).clamp(1, MAX_CITATIONS);
        let year_index = self.year_index(grant.granted);
        let corpus_age =
            (grant.granted.year() - self.config.first_year) as f64 + grant.granted.ordinal0() as f64 / 365.0;
        let pre_corpus =
            PRE_CORPUS_CITATIONS + (1.0 - PRE_CORPUS_CITATIONS) * (-corpus_age / PRE_CORPUS_DECAY_YEARS).exp();
        self.cited.clear();
        let mut sequence = 0;
        // A repeated pick is drawn again, a few times at most (small corpora have few candidates).
        for _ in 0..3 * wanted {
            if sequence == wanted as i64 {
                break;
            }
            let category = if self.rng.random_bool(0.6) { "cited by applicant" } else { "cited by examiner" };
            let in_corpus = match self.rng.random_bool(pre_corpus) {
                true => None,
                false => self.pools.cite(grant.topics, year_index, &mut self.rng),
            };
            let (cited_id, granted, name, kind) = match in_corpus {
                Some(i) if self.cited.contains(&i) => continue,
                Some(i) => {
                    self.cited.push(i);
                    self.truth.citation(grant.granted, Some(i as usize));
                    let cited = &self.patents[i as usize];
                    let kind = cited.kind.wipo_kind(cited.granted.year(), cited.published);
                    (cited.kind.patent_id(cited.number), cited.granted, cited.record_name(), kind)
                }
                None => {
                    self.truth.citation(grant.granted, None);
                    let (number, granted) = schedule::pre_corpus_patent(self.config.first_year, &mut self.rng);
                    let name = text::record_name(text::surname(&mut self.rng), self.rng.random_bool(0.5));
                    (number.to_string(), granted, name, PatentKind::Utility.wipo_kind(granted.year(), false))
                }
            };
            self.citation.row(&[
                Field::Text(grant.id),
                Field::Int(sequence),
                Field::Text(&cited_id),
                Field::Date(granted.with_day(1).expect("every month has a first day")),
                Field::Text(&name),
                Field::Text(kind),
                Field::Text(category),
            ])?;
            sequence += 1;
        }
        Ok(())
    }

    fn write_claims(&mut self, grant: &Grant, claims: &[text::Claim]) -> Result<()> {
        let writer = self.claims_file(grant.granted.year())?;
        for (sequence, claim) in claims.iter().enumerate() {
            let dependent = claim.depends_on.map(|parent| format!("claim {parent}"));
            writer.row(&[
                Field::Text(grant.id),
                Field::Int(sequence as i64),
                Field::Text(&claim.text),
                dependent.as_deref().map_or(Field::Null, Field::Text),
                Field::Text(&format!("{:05}", sequence + 1)),
                Field::Int((sequence == 0) as i64),
            ])?;
        }
        Ok(())
    }

    /// The claims file of `year`, closing the previous year's.
    fn claims_file(&mut self, year: i32) -> Result<&mut TsvZipWriter> {
        if self.claims.as_ref().is_some_and(|(y, _)| *y != year)
            && let Some((_, previous)) = self.claims.take()
        {
            self.finished_bytes += previous.bytes();
            self.finished_claims.push(previous.finish()?);
        }
        if self.claims.is_none() {
            let name = DumpFileName::current_name(DumpKind::Claims, Some(year));
            let large = self.config.patents > LARGE_FILE_PATENTS;
            self.claims = Some((year, TsvZipWriter::create(&self.dir, &name, &CLAIMS, large)?));
        }
        Ok(&mut self.claims.as_mut().expect("just opened").1)
    }

    /// The malformed rows due after this patent, spread evenly over the run; see `--inject-malformed`.
    fn write_malformed(&mut self, grant: &Grant, patent_row: &[Field]) -> Result<()> {
        let (wanted, patents) = (self.config.inject_malformed, self.config.patents);
        // Design patents have no codes: their malformed CPC rows carry a made-up one.
        let main_group = self.codes.first().map_or("A01B1/00", |&c| &self.model.scheme.groups[c as usize]);
        let cpc_row = cpc_row(grant.id, 0, main_group, "inventional");
        while self.malformed < wanted && (2 * self.malformed + 1) * patents / (2 * wanted) <= grant.index as u64 {
            match self.malformed % 4 {
                0 => self.patent.malformed_row(&patent_row[..patent_row.len() - 1])?,
                1 => self.cpc.malformed_row(&with_field(&cpc_row, 1, Field::Text("one")))?,
                2 => self.patent.malformed_row(&with_field(patent_row, 2, Field::Text("2001-13-45")))?,
                _ => self.cpc.malformed_row(&cpc_row[..cpc_row.len() - 1])?,
            }
            self.malformed += 1;
        }
        Ok(())
    }
}

/// The number of claims of a utility or reissue patent: lognormal around [`CLAIMS_MEDIAN`], or
/// exactly 20 for [`CLAIMS_AT_FEE_LIMIT`] of patents.
fn claim_count(rng: &mut impl Rng) -> usize {
    if rng.random_bool(CLAIMS_AT_FEE_LIMIT) {
        return 20;
    }
    (lognormal(CLAIMS_MEDIAN, CLAIMS_SPREAD, rng).round() as usize).clamp(1, MAX_CLAIMS)
}

/// A `g_cpc_current` row; section, class and subclass are prefixes of the group symbol.
fn cpc_row<'a>(id: &'a str, sequence: usize, group: &'a str, cpc_type: &'a str) -> [Field<'a>; 7] {
    [
        Field::Text(id),
        Field::Int(sequence as i64),
        Field::Text(&group[..1]),
        Field::Text(&group[..3]),
        Field::Text(&group[..4]),
        Field::Text(group),
        Field::Text(cpc_type),
    ]
}

fn with_field<'a>(row: &[Field<'a>], column: usize, value: Field<'a>) -> Vec<Field<'a>> {
    let mut row = row.to_vec();
    row[column] = value;
    row
}
