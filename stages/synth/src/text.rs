//! Titles, claims and inventor names. Each CPC subclass gets its own words (compound technical nouns,
//! modifiers, verbs); a topic speaks the words of its subclasses, so claim-text similarity follows
//! the CPC codes. Claims mix those words with generic patent boiler-plate ("comprising", "wherein",
//! "said"), and a few carry embedded newlines, quoted words (`a "smart" device`) or a tab, as real
//! claim text does. Beside these, claims draw words from a [`Lexicon`] of 200,000 generated
//! pseudo-words with Zipf frequencies (the common ranks shared, the tail rotated per topic), so a
//! corpus has a real text vocabulary's long tail: most terms rare, the vocabulary growing with the
//! corpus.

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::impact::HOT_TERMS;
use crate::model::Model;

const PREFIXES: &[&str] = &[
    "micro", "nano", "electro", "hydro", "thermo", "photo", "bio", "opto", "magneto", "piezo", "cryo", "aero", "servo",
    "neuro", "geo", "chemo", "radio", "spectro", "cardio", "immuno", "poly", "meta", "cyber", "gyro", "turbo", "ferro",
    "hemo", "litho", "mono", "multi", "stereo", "tele", "ultra", "vaso", "xeno", "zeo",
];
const ROOTS: &[&str] = &[
    "sensor",
    "valve",
    "channel",
    "module",
    "lattice",
    "membrane",
    "circuit",
    "actuator",
    "reactor",
    "filter",
    "pump",
    "electrode",
    "antenna",
    "catheter",
    "implant",
    "scaffold",
    "compressor",
    "turbine",
    "resonator",
    "transistor",
    "capacitor",
    "inverter",
    "processor",
    "network",
    "encoder",
    "register",
    "cache",
    "display",
    "lens",
    "laser",
    "fiber",
    "polymer",
    "catalyst",
    "enzyme",
    "peptide",
    "vector",
    "particle",
    "coating",
    "substrate",
    "wafer",
    "gasket",
    "bearing",
    "gear",
    "spring",
    "nozzle",
    "burner",
    "injector",
    "chassis",
    "bracket",
    "hinge",
    "latch",
    "fastener",
    "garment",
    "container",
    "dispenser",
    "cartridge",
    "probe",
    "scanner",
    "beacon",
    "stent",
];
const MODIFIERS: &[&str] = &[
    "optical",
    "thermal",
    "magnetic",
    "acoustic",
    "hydraulic",
    "pneumatic",
    "electrical",
    "mechanical",
    "chemical",
    "biological",
    "digital",
    "analog",
    "wireless",
    "flexible",
    "rigid",
    "porous",
    "conductive",
    "insulating",
    "transparent",
    "rotary",
    "linear",
    "modular",
    "adaptive",
    "autonomous",
    "neural",
    "quantum",
    "catalytic",
    "polymeric",
    "ceramic",
    "metallic",
    "composite",
    "elastic",
    "volatile",
    "nonvolatile",
    "cryogenic",
    "ultrasonic",
    "photonic",
    "organic",
    "inorganic",
    "fluidic",
    "vascular",
    "surgical",
    "dental",
    "agricultural",
    "automotive",
    "marine",
    "aerial",
    "textile",
    "edible",
    "pharmaceutical",
    "genomic",
    "encrypted",
    "distributed",
    "virtual",
    "hybrid",
    "planar",
    "annular",
    "helical",
    "granular",
    "recombinant",
];
const VERBS: &[&str] = &[
    "receives",
    "transmits",
    "controls",
    "regulates",
    "detects",
    "stores",
    "converts",
    "filters",
    "modulates",
    "amplifies",
    "supports",
    "encodes",
    "decodes",
    "heats",
    "cools",
    "compresses",
    "measures",
    "separates",
    "directs",
    "rotates",
    "illuminates",
    "absorbs",
    "emits",
    "drives",
    "monitors",
    "processes",
    "generates",
    "aligns",
    "seals",
    "dispenses",
];
const GERUNDS: &[&str] = &[
    "controlling",
    "detecting",
    "processing",
    "measuring",
    "forming",
    "manufacturing",
    "operating",
    "transmitting",
    "storing",
    "monitoring",
    "cooling",
    "separating",
    "encoding",
    "assembling",
    "cleaning",
    "treating",
    "coating",
];
const GENERIC_NOUNS: &[&str] = &[
    "device",
    "member",
    "portion",
    "surface",
    "unit",
    "assembly",
    "element",
    "layer",
    "housing",
    "signal",
    "controller",
    "body",
    "frame",
    "interface",
    "region",
    "apparatus",
    "structure",
    "component",
];
const RELATIONS: &[&str] = &[
    "coupled to",
    "disposed on",
    "connected to",
    "in communication with",
    "adjacent to",
    "mounted to",
    "configured to engage",
    "positioned within",
    "extending from",
    "integrally formed with",
];
const SCARE_QUOTED: &[&str] = &["smart", "plug-and-play", "hot", "cold", "soft", "live", "green", "dry"];
const SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Garcia",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Cooper",
    "Peterson",
    "Reed",
    "Bailey",
    "Kelly",
    "Howard",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Wood",
    "Schmidt",
    "Mueller",
    "Schneider",
    "Fischer",
    "Weber",
    "Wagner",
    "Becker",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Watanabe",
    "Yamamoto",
    "Nakamura",
    "Kim",
    "Park",
    "Choi",
    "Chen",
    "Wang",
    "Zhang",
    "Liu",
    "Li",
    "Yang",
    "Huang",
    "Dubois",
    "Laurent",
    "Rossi",
    "Bianchi",
    "Nilsson",
    "Berg",
];

/// The words a topic uses.
#[derive(Default)]
pub struct Vocabulary {
    nouns: Vec<String>,
    modifiers: Vec<&'static str>,
    verbs: Vec<&'static str>,
    /// Rotation of the [`Lexicon`]'s tail ranks for this topic.
    tail_offset: usize,
}

/// Generated pseudo-words (`bakitemous`) drawn with Zipf frequencies (rank r with weight 1/r).
pub struct Lexicon {
    words: Vec<String>,
    /// Cumulative weights of the ranks.
    cumulative: Vec<f64>,
}

impl Lexicon {
    /// Number of words.
    const SIZE: usize = 200_000;
    /// Ranks below this are the same words in every topic.
    const SHARED: usize = 300;

    pub fn new() -> Lexicon {
        const CONSONANTS: &[u8] = b"bcdfghklmnprstvz";
        const VOWELS: &[u8] = b"aeiou";
        const SUFFIXES: &[&str] = &["ate", "ine", "ous", "al", "ic", "ide", "ase"];
        const SYLLABLES: u64 = 80;
        let words = (0..Lexicon::SIZE as u64)
            .map(|i| {
                // An odd multiplier not divisible by 5 permutes 0..80^3, so the words are distinct.
                let mut x = i * 2_654_435_761 % SYLLABLES.pow(3);
                let mut word = String::with_capacity(10);
                for _ in 0..3 {
                    let syllable = (x % SYLLABLES) as usize;
                    word.push(CONSONANTS[syllable / 5] as char);
                    word.push(VOWELS[syllable % 5] as char);
                    x /= SYLLABLES;
                }
                word + SUFFIXES[i as usize % SUFFIXES.len()]
            })
            .collect();
        let cumulative = (1..=Lexicon::SIZE)
            .scan(0.0, |total, rank| {
                *total += 1.0 / rank as f64;
                Some(*total)
            })
            .collect();
        Lexicon { words, cumulative }
    }

    /// A word drawn by Zipf rank, the tail rotated by `offset`.
    fn draw(&self, offset: usize, rng: &mut impl Rng) -> &str {
        let total = self.cumulative.last().expect("lexicon is not empty");
        let rank = self.cumulative.partition_point(|&c| c < rng.random::<f64>() * total).min(Lexicon::SIZE - 1);
        let index = if rank < Lexicon::SHARED {
            rank
        } else {
            Lexicon::SHARED + (rank - Lexicon::SHARED + offset) % (Lexicon::SIZE - Lexicon::SHARED)
        };
        &self.words[index]
    }
}

impl Vocabulary {
    /// One vocabulary per topic of `model`: the union of per-subclass word sets.
    pub fn for_topics(model: &Model, rng: &mut impl Rng) -> Vec<Vocabulary> {
        let by_subclass: Vec<Vocabulary> = (0..model.scheme.subclasses.len()).map(|_| Vocabulary::draw(rng)).collect();
        model
            .topics
            .iter()
            .enumerate()
            .map(|(t, topic)| {
                let mut vocabulary = Vocabulary { tail_offset: t * 7919, ..Vocabulary::default() };
                for part in topic.typical().iter().map(|&s| &by_subclass[s as usize]) {
                    vocabulary.nouns.extend(part.nouns.iter().cloned());
                    vocabulary.modifiers.extend(&part.modifiers);
                    vocabulary.verbs.extend(&part.verbs);
                }
                vocabulary
            })
            .collect()
    }

    /// A subclass's words: five compound nouns (`microvalve`), two plain ones, three modifiers, two verbs.
    fn draw(rng: &mut impl Rng) -> Vocabulary {
        let compound = |rng: &mut _| format!("{}{}", pick(PREFIXES, rng), pick(ROOTS, rng));
        let mut nouns: Vec<String> = (0..5).map(|_| compound(rng)).collect();
        nouns.extend((0..2).map(|_| pick(ROOTS, rng).to_string()));
        let modifiers = (0..3).map(|_| pick(MODIFIERS, rng)).collect();
        let verbs = (0..2).map(|_| pick(VERBS, rng)).collect();
        Vocabulary { nouns, modifiers, verbs, tail_offset: 0 }
    }
}

fn pick(words: &[&'static str], rng: &mut impl Rng) -> &'static str {
    words.choose(rng).expect("word lists are not empty")
}

/// `a` or `an` for `word`.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

/// One claim of a patent.
pub struct Claim {
    pub text: String,
    /// Number of the claim it depends on; `None` for an independent claim.
    pub depends_on: Option<usize>,
}

/// Writes text for a patent from the vocabularies of its topics.
pub struct Writer<'a, R> {
    primary: &'a Vocabulary,
    secondary: &'a Vocabulary,
    lexicon: &'a Lexicon,
    rng: &'a mut R,
}

impl<'a, R: Rng> Writer<'a, R> {
    pub fn new(
        primary: &'a Vocabulary,
        secondary: Option<&'a Vocabulary>,
        lexicon: &'a Lexicon,
        rng: &'a mut R,
    ) -> Self {
        Writer { primary, secondary: secondary.unwrap_or(primary), lexicon, rng }
    }

    /// A title such as `Ceramic microvalve for a thermosensor`.
    pub fn title(&mut self) -> String {
        let title = match self.rng.random_range(0..3) {
            0 => format!("{} {} for {}", self.modifier(), self.noun(), self.noun_phrase()),
            1 => format!("Method and system for {} {}", pick(GERUNDS, self.rng), self.noun_phrase()),
            _ => format!("{} {} having {}", self.modifier(), self.noun(), self.noun_phrase()),
        };
        capitalised(&title)
    }

    /// The one claim of a design patent.
    pub fn design_claim(&mut self) -> Vec<Claim> {
        let text = format!("1. The ornamental design for {}, as shown and described.", self.noun_phrase());
        vec![Claim { text, depends_on: None }]
    }

    /// `count` claims: claim 1 independent, naming `hot_terms` of the planted [`HOT_TERMS`] in its
    /// preamble; a second independent (method) claim in some patents; the others depending on the
    /// independent claim before them. Independent claims are the longest.
    pub fn claims(&mut self, count: usize, hot_terms: usize) -> Vec<Claim> {
        let method_at = (count >= 6 && self.rng.random_bool(0.4)).then(|| count / 2 + 1);
        let mut claims = Vec::with_capacity(count);
        let (mut parent, mut head) = (1, String::new());
        for number in 1..=count {
            let claim = if number == 1 || Some(number) == method_at {
                parent = number;
                let hot = if number == 1 { hot_terms } else { 0 };
                let (text, subject) = self.independent_claim(number, Some(number) == method_at, hot);
                head = subject;
                Claim { text, depends_on: None }
            } else {
                Claim { text: self.dependent_claim(number, parent, &head), depends_on: Some(parent) }
            };
            claims.push(claim);
        }
        claims
    }

    /// An independent claim and its subject (`method`, or the claimed thing), with `hot` hot terms
    /// before the subject; some are laid out on several lines, a few hold a quoted word or a tab.
    fn independent_claim(&mut self, number: usize, method: bool, hot: usize) -> (String, String) {
        let separator = if self.rng.random_bool(0.08) { "\n" } else { " " };
        let techniques: Vec<&str> = HOT_TERMS.choose_multiple(self.rng, hot).copied().collect();
        let techniques = techniques.iter().map(|t| format!("{t} ")).collect::<String>();
        let subject = if method { "method".to_string() } else { format!("{} {}", self.modifier(), self.noun()) };
        let mut text = if method {
            let object = self.noun_phrase();
            format!("{number}. A {techniques}method of {} {object}, the method comprising:", pick(GERUNDS, self.rng))
        } else {
            let preamble = format!("{techniques}{subject}");
            format!("{number}. {} {preamble} comprising:", capitalised(article(&preamble)))
        };
        // A second (method) claim is shorter than claim 1, as in most real patents.
        let elements = if number == 1 { self.rng.random_range(3..=7) } else { self.rng.random_range(2..=4) };
        for i in 0..elements {
            let last = i + 1 == elements;
            let gap = if last && self.rng.random_bool(0.01) { "\t" } else { separator };
            text.push_str(gap);
            if last {
                text.push_str("and ");
            }
            if method {
                text.push_str(pick(GERUNDS, self.rng));
                text.push(' ');
            }
            let element = self.noun_phrase();
            let relation = pick(RELATIONS, self.rng);
            let other = self.noun();
            text.push_str(&format!("{element} {relation} the {other}"));
            text.push_str(if last { "" } else { ";" });
        }
        let (verb, object) = (self.verb(), self.noun_phrase());
        let tail = self.lexicon_words(12..=30);
        let actor = if method { self.noun() } else { subject.as_str() };
        text.push_str(&format!(", wherein said {actor} {verb} {object}, characterised by {tail}."));
        (text, subject)
    }

    /// `N. The <subject> of claim P, wherein ...`.
    fn dependent_claim(&mut self, number: usize, parent: usize, subject: &str) -> String {
        let detail = match self.rng.random_range(0..3) {
            0 => format!("wherein the {} {} {}", self.noun(), self.verb(), self.noun_phrase()),
            1 => format!("further comprising {} {} the {}", self.noun_phrase(), pick(RELATIONS, self.rng), self.noun()),
            _ => format!("wherein the {} is {}", self.noun(), self.modifier()),
        };
        let tail = self.lexicon_words(10..=30);
        format!("{number}. The {subject} of claim {parent}, {detail}, with {tail}.")
    }

    /// A run of [`Lexicon`] words (in the primary topic's rotation), as many as `count` draws.
    fn lexicon_words(&mut self, count: std::ops::RangeInclusive<usize>) -> String {
        let count = self.rng.random_range(count);
        let words: Vec<&str> = (0..count).map(|_| self.lexicon.draw(self.primary.tail_offset, self.rng)).collect();
        words.join(" ")
    }

    /// `a thermal microvalve`, `an encoder`, now and then `a "smart" device`.
    fn noun_phrase(&mut self) -> String {
        let noun = self.noun();
        if self.rng.random_bool(0.002) {
            return format!("a \"{}\" {noun}", pick(SCARE_QUOTED, self.rng));
        }
        if self.rng.random_bool(0.5) {
            let modifier = self.modifier();
            return format!("{} {modifier} {noun}", article(modifier));
        }
        format!("{} {noun}", article(noun))
    }

    fn noun(&mut self) -> &'a str {
        let vocabulary = match self.rng.random_range(0..100) {
            0..25 => return pick(GENERIC_NOUNS, self.rng),
            25..85 => self.primary,
            _ => self.secondary,
        };
        vocabulary.nouns.choose(self.rng).expect("vocabularies have nouns")
    }

    fn modifier(&mut self) -> &'static str {
        let vocabulary = if self.rng.random_bool(0.8) { self.primary } else { self.secondary };
        pick(&vocabulary.modifiers, self.rng)
    }

    fn verb(&mut self) -> &'static str {
        if self.rng.random_bool(0.3) { pick(VERBS, self.rng) } else { pick(&self.primary.verbs, self.rng) }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// An inventor surname for `record_name`.
pub fn surname(rng: &mut impl Rng) -> u16 {
    rng.random_range(0..SURNAMES.len() as u16)
}

/// `record_name` of a cited patent: its first inventor, with `et al.` when it has several.
pub fn record_name(surname: u16, et_al: bool) -> String {
    let name = SURNAMES[surname as usize];
    if et_al { format!("{name} et al.") } else { name.to_string() }
}
