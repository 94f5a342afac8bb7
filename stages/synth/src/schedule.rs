//! When patents are granted and what they are numbered: weekly Tuesday grants whose yearly volume
//! follows the real one ([`GRANTS_PER_YEAR`]), patent numbers interpolated from real number ranges of each kind (so ids increase with
//! the grant date like real ones), filing dates, application numbers, and the pre-1976-style numbers
//! of cited patents older than the corpus.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::Rng;

use crate::calibration::{DESIGN_SHARE, GRANTS_PER_YEAR, REISSUE_SHARE, interpolate};

/// Grant dates of all patents, in order.
pub struct GrantCalendar {
    first_year: i32,
    per_year: Vec<u64>,
}

impl GrantCalendar {
    /// Splits `patents` over `years` years in proportion to the real grants of each year
    /// (largest-remainder rounding).
    pub fn new(patents: u64, first_year: i32, years: u32) -> GrantCalendar {
        let weights: Vec<f64> = (0..years as i32).map(|y| interpolate(&GRANTS_PER_YEAR, first_year + y)).collect();
        let total: f64 = weights.iter().sum();
        let shares: Vec<f64> = weights.iter().map(|w| w / total * patents as f64).collect();
        let mut per_year: Vec<u64> = shares.iter().map(|s| s.floor() as u64).collect();
        let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
        by_remainder.sort_by(|&a, &b| {
            (shares[b] - shares[b].floor()).total_cmp(&(shares[a] - shares[a].floor())).then(a.cmp(&b))
        });
        let missing = patents - per_year.iter().sum::<u64>();
        for &y in by_remainder.iter().take(missing as usize) {
            per_year[y] += 1;
        }
        GrantCalendar { first_year, per_year }
    }

    /// The grant date of every patent in order: each year's patents spread evenly over its Tuesdays.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.per_year.iter().enumerate().flat_map(|(offset, &count)| {
            let year = self.first_year + offset as i32;
            let first = NaiveDate::from_weekday_of_month_opt(year, 1, Weekday::Tue, 1).expect("January has Tuesdays");
            let weeks = (first.ordinal0() as u64..days_in_year(year) as u64).step_by(7).count() as u64;
            (0..count).map(move |j| first + Days::new(7 * (j * weeks / count)))
        })
    }
}

fn days_in_year(year: i32) -> u32 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() { 366 } else { 365 }
}

/// The kinds of patent generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatentKind {
    Utility,
    Design,
    Reissue,
}

impl PatentKind {
    /// [`DESIGN_SHARE`] design and [`REISSUE_SHARE`] reissue patents, the rest utility.
    pub fn draw(rng: &mut impl Rng) -> PatentKind {
        let draw = rng.random::<f64>();
        if draw < DESIGN_SHARE {
            PatentKind::Design
        } else if draw < DESIGN_SHARE + REISSUE_SHARE {
            PatentKind::Reissue
        } else {
            PatentKind::Utility
        }
    }

    /// `patent_type` in `g_patent`, and the application type in `g_application`.
    pub fn type_name(self) -> &'static str {
        match self {
            PatentKind::Utility => "utility",
            PatentKind::Design => "design",
            PatentKind::Reissue => "reissue",
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            PatentKind::Utility => "",
            PatentKind::Design => "D",
            PatentKind::Reissue => "RE",
        }
    }

    /// The id as written in the dumps: letter prefix, digits without leading zeros.
    pub fn patent_id(self, number: u32) -> String {
        format!("{}{number}", self.id_prefix())
    }

    /// WIPO kind code for a grant of `year`; `published` utility grants had a pre-grant publication (B2).
    pub fn wipo_kind(self, year: i32, published: bool) -> &'static str {
        match (self, year < 2001) {
            (PatentKind::Utility, true) => "A",
            (PatentKind::Utility, false) if published => "B2",
            (PatentKind::Utility, false) => "B1",
            (PatentKind::Design, true) => "S",
            (PatentKind::Design, false) => "S1",
            (PatentKind::Reissue, true) => "E",
            (PatentKind::Reissue, false) => "E1",
        }
    }

    /// Year and first number granted that year, from real grants; extrapolated beyond the ends.
    fn anchors(self) -> &'static [(f64, f64)] {
        match self {
            PatentKind::Utility => &[
                (1900.0, 640_167.0),
                (1920.0, 1_326_899.0),
                (1940.0, 2_185_170.0),
                (1960.0, 2_919_551.0),
                (1976.0, 3_930_271.0),
                (1990.0, 4_890_804.0),
                (2000.0, 6_009_554.0),
                (2010.0, 7_640_975.0),
                (2020.0, 10_524_427.0),
                (2025.0, 12_185_000.0),
            ],
            PatentKind::Design => &[
                (1980.0, 253_796.0),
                (2000.0, 418_870.0),
                (2010.0, 617_000.0),
                (2020.0, 872_000.0),
                (2025.0, 1_055_000.0),
            ],
            PatentKind::Reissue => {
                &[(1980.0, 30_000.0), (2000.0, 36_520.0), (2010.0, 40_900.0), (2020.0, 47_800.0), (2025.0, 50_100.0)]
            }
        }
    }

    fn number_near(self, year: f64) -> f64 {
        let anchors = self.anchors();
        let i = anchors.iter().position(|&(y, _)| y > year).unwrap_or(anchors.len() - 1).clamp(1, anchors.len() - 1);
        let ((y0, n0), (y1, n1)) = (anchors[i - 1], anchors[i]);
        (n0 + (year - y0) / (y1 - y0) * (n1 - n0)).max(1.0)
    }
}

/// Hands out strictly increasing patent numbers per kind that follow the real ranges of the grant date.
#[derive(Default)]
pub struct PatentNumbers {
    last: [u32; 3],
}

impl PatentNumbers {
    pub fn next(&mut self, kind: PatentKind, granted: NaiveDate, rng: &mut impl Rng) -> u32 {
        let near = kind.number_near(fractional_year(granted)) as u32 + rng.random_range(0..200);
        let last = &mut self.last[kind as usize];
        *last = near.max(*last + 1);
        *last
    }
}

fn fractional_year(date: NaiveDate) -> f64 {
    date.year() as f64 + date.ordinal0() as f64 / days_in_year(date.year()) as f64
}

/// A cited utility patent granted before the corpus starts: its number and grant date.
pub fn pre_corpus_patent(first_year: i32, rng: &mut impl Rng) -> (u32, NaiveDate) {
    let age = 0.5 + (-(1.0 - rng.random::<f64>()).ln() * 12.0).min(first_year as f64 - 1900.0);
    let year = first_year as f64 - age;
    let whole = year.floor() as i32;
    let ordinal = 1 + ((year - year.floor()) * 365.0) as u32;
    let date = NaiveDate::from_yo_opt(whole, ordinal).expect("day 1..=365 exists");
    (PatentKind::Utility.number_near(year) as u32, date)
}

/// Filing date 1–4 years before the grant.
pub fn filing_date(granted: NaiveDate, rng: &mut impl Rng) -> NaiveDate {
    granted - Days::new(rng.random_range(365..=1460))
}

/// USPTO application series code for a filing date (designs have their own series, 29).
pub fn series_code(kind: PatentKind, filed: NaiveDate) -> &'static str {
    const SERIES_FROM: [(i32, &str); 10] = [
        (1998, "09"),
        (2001, "10"),
        (2004, "11"),
        (2007, "12"),
        (2011, "13"),
        (2014, "14"),
        (2016, "15"),
        (2018, "16"),
        (2020, "17"),
        (2022, "18"),
    ];
    if kind == PatentKind::Design {
        return "29";
    }
    SERIES_FROM.iter().rev().find(|(from, _)| filed.year() >= *from).map_or("08", |(_, code)| code)
}

/// The 6-digit serial of the `index`-th patent's application: a bijection of the index modulo 10^6,
/// so serials do not repeat below a million patents.
pub fn application_serial(index: u64, seed: u64) -> u64 {
    (index.wrapping_mul(738_137).wrapping_add(seed)) % 1_000_000
}

/// The weekly grant file a patent was published in, named as in `g_patent.filename`.
pub fn grant_file_name(granted: NaiveDate) -> String {
    match granted.year() {
        ..2002 => format!("pftaps{}_wk{:02}.zip", granted.format("%Y%m%d"), granted.iso_week().week()),
        2002..2005 => format!("pg{}.zip", granted.format("%y%m%d")),
        _ => format!("ipg{}.xml", granted.format("%y%m%d")),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn calendar_follows_real_volumes_and_grants_on_tuesdays() {
        let calendar = GrantCalendar::new(1000, 2000, 20);
        assert_eq!(calendar.per_year.iter().sum::<u64>(), 1000);
        // 2019 had about 355 k utility grants, 2000 about 157 k.
        let ratio = calendar.per_year[19] as f64 / calendar.per_year[0] as f64;
        assert!((2.0..2.6).contains(&ratio), "{:?}", calendar.per_year);
        let dates: Vec<_> = calendar.dates().collect();
        assert_eq!(dates.len(), 1000);
        assert!(dates.is_sorted() && dates.iter().all(|d| d.weekday() == Weekday::Tue));
        assert_eq!((dates[0].year(), dates[999].year()), (2000, 2019));
    }

    #[test]
    fn numbers_follow_real_ranges() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut numbers = PatentNumbers::default();
        let date = NaiveDate::from_ymd_opt(2018, 6, 19).unwrap();
        let n = numbers.next(PatentKind::Utility, date, &mut rng);
        assert!((9_800_000..10_100_000).contains(&n), "{n}");
        assert_eq!(numbers.next(PatentKind::Utility, date - Days::new(7), &mut rng), n + 1);
        let (old, granted) = pre_corpus_patent(2000, &mut rng);
        assert!(old < 6_009_554 && granted.year() < 2000, "{old} {granted}");
    }
}
