//! Streaming, quote-aware reader for PatentsView TSV dumps.
//!
//! Accepts Python-csv `QUOTE_NONNUMERIC` output (quoted text, bare numbers, `""` inside quotes for a
//! quote, newlines and tabs inside quoted fields) as well as the unquoted legacy exports. A quote only
//! opens a quoted field at the start of a field; elsewhere it is a literal character.
//!
//! Malformed records never cost good ones: when a record cannot be parsed (an unterminated quote, text
//! after a closing quote) or its caller rejects it, only its first physical line is reported, and the
//! lines after it are parsed again. Every physical line ends up either in an accepted record or in a
//! reject, with its 1-based line number.
//!
//! Memory stays bounded on hostile input: a physical line longer than the record limit is never
//! held; it is skipped in the input and rejected as one line. A UTF-8 byte-order mark before the
//! first line is dropped.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// Where one field lies in the record buffer.
#[derive(Debug, Clone, Copy)]
struct FieldSpan {
    start: usize,
    end: usize,
    quoted: bool,
    /// Holds `""` pairs that stand for one quote.
    escaped: bool,
}

/// The outcome of reading one record.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// A record was read; access it through the reader's field methods.
    Record,
    /// The first line of a malformed record; it has been consumed and the lines after it will be re-read.
    Malformed { line: u64, reason: String },
    /// End of input.
    End,
}

/// What reading one physical line found.
enum Line {
    Read,
    /// A line longer than the record limit, skipped in the input.
    TooLong,
    End,
}

/// A UTF-8 byte-order mark, which some tools write before the first line.
const BOM: &[u8] = b"\xef\xbb\xbf";

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Quoted,
    /// Just saw a `"` inside a quoted field: a second `"`, a tab, or the line end must follow.
    QuoteSeen,
}

pub struct TsvReader<R> {
    input: R,
    /// Lines handed back after a malformed record, read before `input`.
    replay: Vec<u8>,
    replay_pos: usize,
    raw: Vec<u8>,
    fields: Vec<FieldSpan>,
    next_line: u64,
    record_line: u64,
    max_record_bytes: usize,
    bytes_read: u64,
    /// Line `next_line` of the input ran past `max_record_bytes` and was skipped; it is reported
    /// once the lines before it (those left to replay) are read.
    too_long: bool,
}

impl<R: BufRead> TsvReader<R> {
    /// `max_record_bytes` bounds a record, and so the damage an unterminated quote can do.
    pub fn new(input: R, max_record_bytes: usize) -> Self {
        TsvReader {
            input,
            replay: vec![],
            replay_pos: 0,
            raw: Vec::with_capacity(1 << 16),
            fields: Vec::with_capacity(16),
            next_line: 1,
            record_line: 0,
            max_record_bytes,
            bytes_read: 0,
            too_long: false,
        }
    }
}

impl<R> TsvReader<R> {
    /// 1-based physical line where the current record starts.
    pub fn line(&self) -> u64 {
        self.record_line
    }

    /// Bytes consumed from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i` with quoting removed, doubled quotes collapsed; `Err` if not UTF-8.
    pub fn field(&self, i: usize) -> Result<Cow<'_, str>, std::str::Utf8Error> {
        let f = self.fields[i];
        let text = std::str::from_utf8(&self.raw[f.start..f.end])?;
        Ok(if f.escaped { Cow::Owned(text.replace("\"\"", "\"")) } else { Cow::Borrowed(text) })
    }

    /// Whether field `i` was written inside quotes.
    pub fn is_quoted(&self, i: usize) -> bool {
        self.fields[i].quoted
    }

    /// The current record as read, for reject reports (lossy UTF-8, without the final newline).
    pub fn raw(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(trim_newline(&self.raw))
    }

    /// Whether the current record spans more than one physical line.
    pub fn is_multiline(&self) -> bool {
        trim_newline(&self.raw).contains(&b'\n')
    }

    /// Rejects the current record: if it spans several lines, only its first line is dropped and the
    /// rest is read again (an unterminated quote may have swallowed good rows). Returns the text of the
    /// dropped line.
    pub fn reject_current(&mut self) -> String {
        let cut = memchr::memchr(b'\n', &self.raw).map_or(self.raw.len(), |i| i + 1);
        if cut < self.raw.len() {
            let mut replay = self.raw[cut..].to_vec();
            replay.extend_from_slice(&self.replay[self.replay_pos..]);
            self.replay = replay;
            self.replay_pos = 0;
            self.next_line = self.record_line + 1;
        }
        let first = String::from_utf8_lossy(trim_newline(&self.raw[..cut])).into_owned();
        self.raw.clear();
        self.fields.clear();
        first
    }

    fn push(&mut self, start: usize, end: usize, quoted: bool, escaped: bool) {
        self.fields.push(FieldSpan { start, end, quoted, escaped });
    }

    fn malformed(&mut self, reason: &str) -> Next {
        let line = self.record_line;
        self.reject_current();
        Next::Malformed { line, reason: reason.to_string() }
    }

    /// Reports the skipped overlong line, where the current record starts.
    fn line_too_long(&mut self) -> Next {
        self.too_long = false;
        self.next_line = self.record_line + 1;
        let limit = self.max_record_bytes;
        Next::Malformed { line: self.record_line, reason: format!("line runs past {limit} bytes (--max-record-bytes)") }
    }

    /// Rejects a record whose quoted field outgrew the record limit (its first line; the rest is
    /// replayed).
    fn field_too_long(&mut self) -> Next {
        let limit = self.max_record_bytes;
        self.malformed(&format!("quoted field runs past {limit} bytes (unterminated quote?)"))
    }
}

impl<R: BufRead> TsvReader<R> {
    /// Reads the next record.
    pub fn next_record(&mut self) -> io::Result<Next> {
        self.raw.clear();
        self.fields.clear();
        self.record_line = self.next_line;
        match self.read_line()? {
            Line::Read => {}
            Line::TooLong => return Ok(self.line_too_long()),
            Line::End => return Ok(Next::End),
        }
        let mut state = State::FieldStart;
        let mut start = 0;
        let mut escaped = false;
        let mut pos = 0;
        loop {
            while pos < self.raw.len() {
                match state {
                    State::FieldStart => {
                        if self.raw[pos] == b'"' {
                            state = State::Quoted;
                            start = pos + 1;
                            escaped = false;
                            pos += 1;
                        } else {
                            // Unquoted field: runs to the next tab or line end.
                            let end =
                                memchr::memchr2(b'\t', b'\n', &self.raw[pos..]).map_or(self.raw.len(), |i| pos + i);
                            if end < self.raw.len() && self.raw[end] == b'\t' {
                                self.push(pos, end, false, false);
                                pos = end + 1;
                            } else {
                                let stop = if end > pos && self.raw[end - 1] == b'\r' { end - 1 } else { end };
                                self.push(pos, stop, false, false);
                                return Ok(Next::Record);
                            }
                        }
                    }
                    State::Quoted => match memchr::memchr(b'"', &self.raw[pos..]) {
                        Some(i) => {
                            pos += i + 1;
                            state = State::QuoteSeen;
                        }
                        None => pos = self.raw.len(),
                    },
                    State::QuoteSeen => {
                        let close = pos - 1;
                        match self.raw[pos] {
                            b'"' => {
                                escaped = true;
                                state = State::Quoted;
                                pos += 1;
                            }
                            b'\t' => {
                                self.push(start, close, true, escaped);
                                state = State::FieldStart;
                                pos += 1;
                            }
                            b'\n' => {
                                self.push(start, close, true, escaped);
                                return Ok(Next::Record);
                            }
                            b'\r' if self.raw.get(pos + 1) == Some(&b'\n') => {
                                self.push(start, close, true, escaped);
                                return Ok(Next::Record);
                            }
                            _ => return Ok(self.malformed("text after a closing quote")),
                        }
                    }
                }
            }
            // The buffer ended inside the record.
            let at_eof = !self.raw.ends_with(b"\n");
            match state {
                State::Quoted if at_eof => return Ok(self.malformed("unterminated quoted field at end of file")),
                State::Quoted if self.raw.len() > self.max_record_bytes => return Ok(self.field_too_long()),
                State::Quoted => match self.read_line()? {
                    Line::Read => {}
                    // The record's first line is rejected and the lines after it replayed; the
                    // skipped line comes after them.
                    Line::TooLong => return Ok(self.field_too_long()),
                    Line::End => return Ok(self.malformed("unterminated quoted field at end of file")),
                },
                State::QuoteSeen => {
                    self.push(start, pos - 1, true, escaped);
                    return Ok(Next::Record);
                }
                State::FieldStart => {
                    // A line ending in a tab at end of file: one more empty field.
                    self.push(pos, pos, false, false);
                    return Ok(Next::Record);
                }
            }
        }
    }

    /// Appends one physical line (with its `\n`, if any) to the record buffer, unless it is longer
    /// than the record limit: then it is skipped in the input, never held whole.
    fn read_line(&mut self) -> io::Result<Line> {
        if self.replay_pos < self.replay.len() {
            let rest = &self.replay[self.replay_pos..];
            let n = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            self.raw.extend_from_slice(&rest[..n]);
            self.replay_pos += n;
            self.next_line += 1;
            return Ok(Line::Read);
        }
        if self.too_long {
            return Ok(Line::TooLong);
        }
        let start = self.raw.len();
        // One byte over the limit tells a line at the limit from a longer one.
        let cap = self.max_record_bytes as u64 + 1;
        let n = self.input.by_ref().take(cap).read_until(b'\n', &mut self.raw)? as u64;
        self.bytes_read += n;
        if n == 0 {
            return Ok(Line::End);
        }
        if n == cap && !self.raw.ends_with(b"\n") {
            self.raw.truncate(start);
            self.skip_line()?;
            self.too_long = true;
            return Ok(Line::TooLong);
        }
        if self.next_line == 1 && self.raw.starts_with(BOM) {
            self.raw.drain(..BOM.len());
        }
        self.next_line += 1;
        Ok(Line::Read)
    }

    /// Consumes the input up to and including the next `\n`.
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let buf = self.input.fill_buf()?;
            let (n, found) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            self.input.consume(n);
            self.bytes_read += n as u64;
            if found || n == 0 {
                return Ok(());
            }
        }
    }
}

fn trim_newline(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line number with what was found there.
    type Lines<T> = Vec<(u64, T)>;

    /// Reads everything: accepted records as field lists with their line, and rejected lines.
    fn read_all(text: &str) -> (Lines<Vec<String>>, Lines<String>) {
        let mut r = TsvReader::new(text.as_bytes(), 1 << 20);
        let (mut ok, mut bad) = (vec![], vec![]);
        loop {
            match r.next_record().unwrap() {
                Next::Record => ok.push((r.line(), (0..r.len()).map(|i| r.field(i).unwrap().into_owned()).collect())),
                Next::Malformed { line, reason } => bad.push((line, reason)),
                Next::End => break,
            }
        }
        (ok, bad)
    }

    #[test]
    fn quoted_text_and_bare_numbers() {
        let (ok, bad) = read_all("\"patent_id\"\t\"num_claims\"\n\"10000000\"\t20\n");
        assert!(bad.is_empty());
        assert_eq!(
            ok,
            vec![(1, vec!["patent_id".into(), "num_claims".into()]), (2, vec!["10000000".into(), "20".into()])]
        );
    }

    #[test]
    fn doubled_quotes_tabs_and_newlines_inside_quotes() {
        let text = "\"a \"\"smart\"\" device\"\t\"x\ty\"\t\"line1\nline2\n\nline4\"\n\"next\"\t1\t2\n";
        let (ok, bad) = read_all(text);
        assert!(bad.is_empty());
        assert_eq!(ok[0].1, vec!["a \"smart\" device", "x\ty", "line1\nline2\n\nline4"]);
        assert_eq!(ok[1], (5, vec!["next".into(), "1".into(), "2".into()]));
    }

    #[test]
    fn empty_quotes_and_empty_bare_fields() {
        let (ok, _) = read_all("\"\"\t\t\"\"\"\"\n");
        assert_eq!(ok[0].1, vec!["", "", "\""]);
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        let (ok, bad) = read_all("\"a\"\t1\r\nb\t2\r\n\"c\"\t3");
        assert!(bad.is_empty());
        assert_eq!(
            ok.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            vec![vec!["a", "1"], vec!["b", "2"], vec!["c", "3"]]
        );
    }

    #[test]
    fn quote_inside_unquoted_field_is_literal() {
        let (ok, _) = read_all("5\" disk\tNULL\n");
        assert_eq!(ok[0].1, vec!["5\" disk", "NULL"]);
    }

    #[test]
    fn text_after_closing_quote_rejects_only_that_line() {
        let (ok, bad) = read_all("\"a\"b\t1\n\"c\"\t2\n");
        assert_eq!(bad, vec![(1, "text after a closing quote".to_string())]);
        assert_eq!(ok, vec![(2, vec!["c".into(), "2".into()])]);
    }

    #[test]
    fn unterminated_quote_at_end_of_file_gives_back_later_lines() {
        let (ok, bad) = read_all("\"1\"\t\"fine\"\n\"2\"\t\"broken\n\"3\"\tok\n4\tok\n");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, 2);
        // Line 3 starts with a quote: it closes the open field of line 2, so the swallowed record is
        // only found bad at the end of the file; lines 3 and 4 are re-read and kept.
        assert_eq!(ok.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 3, 4]);
        assert_eq!(ok[1].1, vec!["3", "ok"]);
    }

    #[test]
    fn caller_rejection_of_multiline_record_replays_the_rest() {
        let mut r = TsvReader::new("\"a\tb\n\"c\"\t1\n\"d\"\t2\n".as_bytes(), 1 << 20);
        // `"a<TAB>b\n"` opens a quote closed by line 2's first quote: one record of the wrong shape.
        assert_eq!(r.next_record().unwrap(), Next::Malformed { line: 1, reason: "text after a closing quote".into() });
        assert_eq!(r.next_record().unwrap(), Next::Record);
        assert_eq!((r.line(), r.field(0).unwrap().into_owned()), (2, "c".to_string()));
        assert_eq!(r.next_record().unwrap(), Next::Record);
        assert!(!r.is_multiline());
        assert_eq!(r.line(), 3);

        let mut r = TsvReader::new("\"x\ny\"\t1\n\"z\"\t2\n".as_bytes(), 1 << 20);
        assert_eq!(r.next_record().unwrap(), Next::Record);
        assert!(r.is_multiline());
        assert_eq!(r.reject_current(), "\"x");
        // Line 2 is re-read on its own: a bare field whose quote is a literal character.
        assert_eq!(r.next_record().unwrap(), Next::Record);
        assert_eq!((r.line(), r.field(0).unwrap().into_owned()), (2, "y\"".to_string()));
        assert_eq!(r.next_record().unwrap(), Next::Record);
        assert_eq!(r.line(), 3);
    }

    #[test]
    fn record_size_bound() {
        let text = format!("\"open\n{}\n\"b\"\t1\n", "x".repeat(100));
        let mut r = TsvReader::new(text.as_bytes(), 50);
        match r.next_record().unwrap() {
            Next::Malformed { line: 1, reason } => assert!(reason.contains("runs past 50 bytes"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn overlong_lines_are_skipped_and_rejected_alone() {
        let long = "x".repeat(100);
        let text = format!("\"a\"\t1\n\"{long}\"\t2\n\"b\"\t3\n\"open\n{long}\n\"c\"\t4\n{long}");
        let mut r = TsvReader::new(text.as_bytes(), 50);
        let mut seen = vec![];
        loop {
            match r.next_record().unwrap() {
                Next::Record => seen.push((r.line(), r.field(0).unwrap().into_owned())),
                Next::Malformed { line, reason } => seen.push((line, reason)),
                Next::End => break,
            }
        }
        let past = "line runs past 50 bytes (--max-record-bytes)".to_string();
        assert_eq!(
            seen,
            vec![
                (1, "a".into()),
                (2, past.clone()),
                (3, "b".into()),
                // An open quote that runs into an overlong line: its first line is rejected, the
                // overlong line after it too, and the lines after that are read.
                (4, "quoted field runs past 50 bytes (unterminated quote?)".into()),
                (5, past.clone()),
                (6, "c".into()),
                (7, past),
            ]
        );
        assert_eq!(r.bytes_read(), text.len() as u64);
        // A line exactly at the limit is read.
        let at_limit = format!("{}\n", "y".repeat(50));
        let mut r = TsvReader::new(at_limit.as_bytes(), 50);
        assert_eq!(r.next_record().unwrap(), Next::Record);
        assert_eq!(r.field(0).unwrap().len(), 50);
    }

    #[test]
    fn byte_order_mark_before_the_first_line_is_dropped() {
        let (ok, bad) = read_all("\u{feff}\"patent_id\"\tn\n\"\u{feff}1\"\t2\n");
        assert!(bad.is_empty());
        assert_eq!(ok[0].1, vec!["patent_id", "n"]);
        // Only at the start of the file: elsewhere it is data.
        assert_eq!(ok[1].1, vec!["\u{feff}1", "2"]);
    }

    #[test]
    fn every_line_is_accounted_for_on_random_input() {
        // Random mixes of good rows and broken quotes: accepted records plus rejected lines must cover
        // each physical line exactly once.
        let mut seed = 12345u64;
        let mut rand = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // The small limit makes the long lines overlong and cuts open quotes short.
        for (_, limit) in (0..400).zip([1 << 20, 32].into_iter().cycle()) {
            let mut text = String::new();
            for _ in 0..(rand() % 12 + 1) {
                match rand() % 6 {
                    0 => text.push_str("\"bro\"ken\t1\n"),
                    1 => text.push_str("\"open\t2\n"),
                    2 => text.push_str("\"multi\nline\"\t3\n"),
                    3 => text.push_str("\"a line longer than thirty-two bytes\"\t5\n"),
                    _ => text.push_str("\"ok\"\t4\n"),
                }
            }
            let total_lines = text.matches('\n').count() as u64;
            let mut r = TsvReader::new(text.as_bytes(), limit);
            let mut covered = vec![0u32; total_lines as usize + 2];
            loop {
                match r.next_record().unwrap() {
                    Next::Record => {
                        let lines = r.raw().matches('\n').count() as u64 + 1;
                        for l in r.line()..r.line() + lines {
                            covered[l as usize] += 1;
                        }
                    }
                    Next::Malformed { line, .. } => covered[line as usize] += 1,
                    Next::End => break,
                }
            }
            assert!(covered[1..=total_lines as usize].iter().all(|&c| c == 1), "{text:?}: {covered:?}");
        }
    }
}
