//! The report's table of the top suggested opportunities: the explored patents whose search added
//! codes, by the gain in predicted P(L1), with each code's CPC title where ingest published
//! `cpc_title` (PatentsView's `g_cpc_title`) and each patent's title where it published `patents`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;
use datafusion::prelude::SessionContext;
use sql_engine::rows;

use crate::format::{Kind, escape, number};
use crate::sql;

/// Opportunities shown.
pub const SHOWN: usize = 20;

/// The top opportunities and the titles of their codes.
#[derive(Debug, Clone, Default)]
pub struct Opportunities {
    pub rows: Vec<sql::Opportunity>,
    /// CPC title per code, for the codes in `rows` that have one.
    pub titles: BTreeMap<String, String>,
}

/// Reads the top opportunities; `patents` and `cpc_title` say which optional ingest tables are
/// registered in `ctx`.
pub async fn read(ctx: &SessionContext, patents: bool, cpc_title: bool) -> Result<Opportunities> {
    let rows: Vec<sql::Opportunity> = rows(ctx, &sql::top_opportunities(SHOWN, patents)).await?;
    let mut titles = BTreeMap::new();
    let codes: Vec<&str> = rows.iter().flat_map(|r| r.original().chain(r.added())).collect();
    if cpc_title && !codes.is_empty() {
        for t in sql_engine::rows::<sql::CodeTitle>(ctx, &sql::titles_of(&codes)).await? {
            titles.insert(t.code, t.title);
        }
    }
    Ok(Opportunities { rows, titles })
}

impl Opportunities {
    /// The table as HTML, or a sentence when there is no opportunity.
    pub fn html(&self) -> String {
        if self.rows.is_empty() {
            return "<p>No explored patent's search added a code.</p>\n".into();
        }
        let mut html = String::from(
            "<table class=\"opportunities\"><tr><th>#</th><th>patent</th><th>title</th><th>original codes</th>\
             <th>added codes</th><th>P(L1) start → end</th><th>gain</th></tr>\n",
        );
        let p = |v: f64| number(Kind::Real, v);
        for (i, r) in self.rows.iter().enumerate() {
            let _ = writeln!(
                html,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} → {}</td>\
                 <td class=\"n\">{}</td></tr>",
                i + 1,
                escape(&r.patent_id),
                r.title.as_deref().map_or_else(|| "—".to_string(), escape),
                self.codes(r.original()),
                self.codes(r.added()),
                p(r.start_probability),
                p(r.end_probability),
                p(r.gain)
            );
        }
        html.push_str("</table>\n");
        html
    }

    /// A list of codes, each with its title when known.
    fn codes<'a>(&self, codes: impl Iterator<Item = &'a str>) -> String {
        let mut html = String::from("<ul class=\"codes\">");
        for code in codes {
            let _ = write!(html, "<li><code>{}</code>", escape(code));
            if let Some(title) = self.titles.get(code) {
                let _ = write!(html, " <span class=\"cpc-title\">{}</span>", escape(title));
            }
            html.push_str("</li>");
        }
        html.push_str("</ul>");
        html
    }
}
