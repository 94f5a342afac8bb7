//! `pipeline sweep`: runs the manifest's exploration and validation once per value of one explore
//! option (the reference paper swept the threshold), then gathers them. The manifest is extended,
//! not edited: per value a copy of the explore stage with the option set and a copy of the validate
//! stage reading it (names and outputs suffixed `-<option>-<value>`), and one `validation-sweep`
//! stage over all of them; the runner then runs whatever is not up to date, the manifest's own
//! stages included.

use anyhow::{Context, Result, bail, ensure};

use crate::manifest::{Manifest, StageDef};

/// What to sweep.
#[derive(Debug, Clone)]
pub struct SweepRequest {
    /// The explore option, without its dashes (`threshold`, `step-size`, `iterations`).
    pub option: String,
    /// Its values as written on the command line (they name the outputs).
    pub values: Vec<String>,
    /// The explore stage; default: the one stage whose binary is `explore`.
    pub explore_stage: Option<String>,
    /// The validate stage; default: the one stage whose binary is `validate` reading the explore
    /// stage's output.
    pub validate_stage: Option<String>,
}

/// The manifest extended with the sweep's stages, and the name of the gathering stage's output.
pub fn extend(manifest: &Manifest, request: &SweepRequest) -> Result<(Manifest, String)> {
    ensure!(!request.values.is_empty(), "--values: give at least one value");
    for value in &request.values {
        ensure!(
            value.parse::<f64>().is_ok_and(f64::is_finite),
            "--values: `{value}` is not a number (the sweep's values are numbers, e.g. 0.6,0.7,0.8)"
        );
    }
    let option = request.option.trim_start_matches('-');
    ensure!(!option.is_empty() && !option.contains('='), "--option: name an explore option, e.g. threshold");
    let explore = find(manifest, request.explore_stage.as_deref(), "explore", |_| true)?;
    let validate =
        find(manifest, request.validate_stage.as_deref(), "validate", |s| s.inputs.contains(&explore.output))?;
    ensure!(
        validate.inputs.contains(&explore.output),
        "stage {} does not read stage {}'s output `{}`",
        validate.name,
        explore.name,
        explore.output
    );
    let mut extended = manifest.clone();
    let mut gathered = vec![];
    for value in &request.values {
        let suffix = format!("-{option}-{value}");
        let mut e = explore.clone();
        e.name.push_str(&suffix);
        e.output.push_str(&suffix);
        e.args = with_option(&explore.args, option, value);
        let mut v = validate.clone();
        v.name.push_str(&suffix);
        v.output.push_str(&suffix);
        for input in &mut v.inputs {
            if *input == explore.output {
                input.clone_from(&e.output);
            }
        }
        gathered.extend([e.output.clone(), v.output.clone()]);
        extended.stages.extend([e, v]);
    }
    let output = format!("{}-sweep-{option}", validate.output);
    extended.stages.push(StageDef {
        name: format!("{}-sweep-{option}", validate.name),
        binary: "validation-sweep".into(),
        args: vec!["--parameter".into(), option.into(), "--values".into(), request.values.join(",")],
        inputs: gathered,
        output: output.clone(),
        depends_on: vec![],
        env: validate.env.clone(),
        timeout: validate.timeout.clone(),
    });
    Ok((extended, output))
}

/// The stage called `name`, or else the one stage running `binary` that `fits`.
fn find<'a>(
    manifest: &'a Manifest,
    name: Option<&str>,
    binary: &str,
    fits: impl Fn(&StageDef) -> bool,
) -> Result<&'a StageDef> {
    if let Some(name) = name {
        return manifest.stages.iter().find(|s| s.name == name).with_context(|| format!("no stage is called {name}"));
    }
    let runs = |s: &&StageDef| std::path::Path::new(&s.binary).file_name().is_some_and(|f| f == binary) && fits(s);
    let found: Vec<&StageDef> = manifest.stages.iter().filter(runs).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => bail!("no stage runs `{binary}`: name the stage (--{binary}-stage)"),
        many => bail!(
            "{} stages run `{binary}` ({}): name one (--{binary}-stage)",
            many.len(),
            many.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// `args` with `--option value`: the value replaced where the option is given (`--option v` or
/// `--option=v`), else appended.
fn with_option(args: &[String], option: &str, value: &str) -> Vec<String> {
    let flag = format!("--{option}");
    let mut out = args.to_vec();
    if let Some(i) = out.iter().position(|a| *a == flag) {
        match out.get_mut(i + 1) {
            Some(v) => *v = value.to_string(),
            None => out.push(value.to_string()),
        }
    } else if let Some(a) = out.iter_mut().find(|a| a.starts_with(&format!("{flag}="))) {
        *a = format!("{flag}={value}");
    } else {
        out.extend([flag, value.to_string()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_option_is_replaced_where_given_and_appended_otherwise() {
        let args = strings(&["--threshold", "0.8", "--decoding", "beam"]);
        assert_eq!(with_option(&args, "threshold", "0.6"), strings(&["--threshold", "0.6", "--decoding", "beam"]));
        assert_eq!(with_option(&strings(&["--threshold=0.8"]), "threshold", "0.7"), strings(&["--threshold=0.7"]));
        assert_eq!(
            with_option(&strings(&["--cited-only"]), "iterations", "10"),
            strings(&["--cited-only", "--iterations", "10"])
        );
    }
}
