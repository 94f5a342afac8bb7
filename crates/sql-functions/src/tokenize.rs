//! The tokenizer that turns a patent's text into terms.
//!
//! Rules, in order:
//! 1. **Split** the text into maximal runs of alphabetic characters ([`char::is_alphabetic`], so
//!    Unicode letters such as `é` and `ß` belong to words, while digits, punctuation, hyphens,
//!    apostrophes and white space separate them: `self-locking` gives `self` and `locking`,
//!    `device's` gives `device` and `s`, `H2O` gives `h` and `o`).
//! 2. **Lower-case** each run ([`str::to_lowercase`]).
//! 3. **Drop short tokens**: fewer than `min_len` characters (Unicode scalar values, not bytes).
//! 4. **Drop stop words**: the NLTK English list [`NLTK_STOP_WORDS`], always.
//! 5. **Drop boiler-plate**: a configurable list of words common to every patent's claims
//!    ([`DEFAULT_BOILERPLATE`] unless the run says otherwise).
//!
//! There is no stemming. The corpus-level rule (keep only terms in at least `min_df` patents) is
//! applied later, in SQL.

use std::collections::HashSet;
use std::sync::LazyLock;

use anyhow::{Result, bail};

/// NLTK's English stop-word list (`nltk.corpus.stopwords.words('english')`, the 179-word list), as
/// published. Entries with an apostrophe can never equal a token (apostrophes split tokens); their
/// pieces (`don`, `t`, `shouldn`, `ve`, ...) are in the list themselves.
#[rustfmt::skip]
pub const NLTK_STOP_WORDS: [&str; 179] = [
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "you're", "you've", "you'll", "you'd",
    "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself", "she", "she's", "her", "hers",
    "herself", "it", "it's", "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which",
    "who", "whom", "this", "that", "that'll", "these", "those", "am", "is", "are", "was", "were", "be", "been",
    "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if",
    "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into",
    "through", "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off",
    "over", "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own",
    "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don", "don't", "should", "should've",
    "now", "d", "ll", "m", "o", "re", "ve", "y", "ain", "aren", "aren't", "couldn", "couldn't", "didn", "didn't",
    "doesn", "doesn't", "hadn", "hadn't", "hasn", "hasn't", "haven", "haven't", "isn", "isn't", "ma", "mightn",
    "mightn't", "mustn", "mustn't", "needn", "needn't", "shan", "shan't", "shouldn", "shouldn't", "wasn", "wasn't",
    "weren", "weren't", "won", "won't", "wouldn", "wouldn't",
];

/// Default patent boiler-plate: words of claim language that every patent uses (claim references,
/// `comprising` and its forms, legal connectives such as `wherein` and `thereof`) and that would
/// otherwise dominate the vocabulary without telling patents apart. Deliberately short; subject
/// words such as `device` or `system` stay.
pub const DEFAULT_BOILERPLATE: [&str; 18] = [
    "according",
    "claim",
    "claimed",
    "claims",
    "comprise",
    "comprised",
    "comprises",
    "comprising",
    "method",
    "said",
    "thereby",
    "therefrom",
    "therein",
    "thereof",
    "thereon",
    "thereto",
    "whereby",
    "wherein",
];

static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| NLTK_STOP_WORDS.into_iter().collect());

/// A configured tokenizer: minimum token length and boiler-plate words (stop words are fixed).
#[derive(Debug, Clone)]
pub struct Tokenizer {
    min_len: usize,
    boilerplate: HashSet<String>,
}

impl Tokenizer {
    /// A tokenizer dropping tokens shorter than `min_len` characters and the given boiler-plate
    /// words (compared after lower-casing).
    pub fn new<S: AsRef<str>>(min_len: usize, boilerplate: &[S]) -> Tokenizer {
        Tokenizer { min_len, boilerplate: boilerplate.iter().map(|w| w.as_ref().to_lowercase()).collect() }
    }

    /// The terms of `text`, in order of occurrence, repeats kept.
    pub fn tokens<'a>(&'a self, text: &'a str) -> impl Iterator<Item = String> + 'a {
        text.split(|c: char| !c.is_alphabetic()).filter(|run| !run.is_empty()).map(str::to_lowercase).filter(|token| {
            token.chars().count() >= self.min_len
                && !STOP_WORDS.contains(token.as_str())
                && !self.boilerplate.contains(token)
        })
    }
}

/// Checks and lower-cases a boiler-plate list: every word must be one alphabetic run (anything else
/// could never equal a token). Empty entries are ignored, so an empty list disables the rule.
pub fn boilerplate_words<S: AsRef<str>>(words: &[S]) -> Result<Vec<String>> {
    let mut out = vec![];
    for word in words.iter().map(|w| w.as_ref().trim()).filter(|w| !w.is_empty()) {
        if !word.chars().all(char::is_alphabetic) {
            bail!("boiler-plate word `{word}` is not a single alphabetic word, so it could never match a token");
        }
        out.push(word.to_lowercase());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(min_len: usize, boilerplate: &[&str], text: &str) -> Vec<String> {
        Tokenizer::new(min_len, boilerplate).tokens(text).collect()
    }

    fn default_tokens(text: &str) -> Vec<String> {
        tokens(2, &DEFAULT_BOILERPLATE, text)
    }

    #[test]
    fn empty_and_non_letters_give_nothing() {
        assert!(default_tokens("").is_empty());
        assert!(default_tokens("   \n\t ").is_empty());
        assert!(default_tokens("12, 3.5 -- (42); %$#@! 1e10 ...").is_empty());
    }

    #[test]
    fn lower_cases_and_splits_on_digits_and_punctuation() {
        assert_eq!(default_tokens("Rotor BLADE, rotor;Blade"), ["rotor", "blade", "rotor", "blade"]);
        assert_eq!(default_tokens("abc123def 4gh"), ["abc", "def", "gh"]);
        assert_eq!(default_tokens("valve\nstem\tseal"), ["valve", "stem", "seal"]);
    }

    #[test]
    fn hyphens_and_apostrophes_split_words() {
        assert_eq!(default_tokens("self-locking nut"), ["self", "locking", "nut"]);
        // `device's` -> `device` + `s` (one letter, and a stop word); `can't` -> `can` (stop) + `t`.
        assert_eq!(default_tokens("the device's arm can't move"), ["device", "arm", "move"]);
        assert_eq!(default_tokens("o'clock"), ["clock"]);
    }

    #[test]
    fn non_ascii_letters_belong_to_words() {
        assert_eq!(default_tokens("Café CRÈME Straße"), ["café", "crème", "straße"]);
        assert_eq!(default_tokens("ÉTÉ-x"), ["été"]);
        // Length counts characters, not bytes: `éé` is two characters (four bytes).
        assert_eq!(tokens(3, &[], "éé ééé"), ["ééé"]);
        // Greek letters are alphabetic too; the degree sign is not.
        assert_eq!(default_tokens("αβ 45°C δ"), ["αβ"]);
    }

    #[test]
    fn short_tokens_are_dropped() {
        assert_eq!(default_tokens("a b x yz pq"), ["yz", "pq"]);
        assert_eq!(tokens(1, &[], "x y"), ["x"], "y is an NLTK stop word; x is not");
        assert_eq!(tokens(4, &[], "gear axle cam hub"), ["gear", "axle"]);
    }

    #[test]
    fn stop_words_are_dropped() {
        assert!(default_tokens("The and OF with which Between themselves").is_empty());
        assert_eq!(default_tokens("a gear for the shaft"), ["gear", "shaft"]);
        // Stop words are dropped even when the boiler-plate list is empty.
        assert!(tokens(2, &[], "into over under").is_empty());
    }

    #[test]
    fn boilerplate_is_dropped_and_configurable() {
        assert_eq!(
            default_tokens("A method according to claim 1, wherein said gear comprises teeth"),
            ["gear", "teeth"]
        );
        assert_eq!(tokens(2, &[], "method wherein gear"), ["method", "wherein", "gear"]);
        assert_eq!(tokens(2, &["Gear"], "GEAR shaft"), ["shaft"]);
    }

    #[test]
    fn stop_word_list_is_nltk_and_its_contractions_are_covered() {
        assert_eq!(STOP_WORDS.len(), 179, "no duplicates");
        for word in NLTK_STOP_WORDS {
            for piece in word.split('\'') {
                assert!(STOP_WORDS.contains(piece), "{piece} (from {word}) is not a stop word");
            }
        }
    }

    #[test]
    fn boilerplate_words_are_checked() {
        assert_eq!(boilerplate_words(&["Claim", "", " said ", "claim"]).unwrap(), ["claim", "said"]);
        assert!(boilerplate_words(&["self-locking"]).is_err());
        assert!(boilerplate_words(&["claim1"]).is_err());
        assert!(boilerplate_words::<&str>(&[]).unwrap().is_empty());
    }
}
