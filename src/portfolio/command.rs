//! The portfolio commands as library calls: `check --portfolio`, `catalog` and
//! `checkpoint` (with `--baseline`, `--compare`, `--prune`). `main.rs` only parses
//! arguments and prints.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::write_atomic;

use super::ack;
use super::catalog::{self, Catalog};
use super::checkpoint::{self, Checkpoint};
use super::discover::{self, Selection};
use super::drift::{self, Drift, Thresholds};
use super::record::{input_errors, RepoRecord};
use super::scan::{self, Scan, ScanOptions};
use super::shard;

/// Discovers and checks the portfolio at `root` (canonical), limited to `sel` and to
/// `opts.shard`'s part.
pub fn check(root: &Path, sel: &Selection, opts: &ScanOptions) -> Result<Scan> {
    let mut found = discover::discover(root, sel)?;
    if let Some(shard) = opts.shard {
        found
            .repos
            .retain(|r| shard.holds(&format!("{}/{}", r.org, r.name)));
    }
    scan::scan(root, found, opts)
}

/// The digest of what shapes records besides the repositories (see
/// [`shard::config_digest`]): the schema and policies under `root` and `opts`' options.
fn digest(root: &Path, opts: &ScanOptions) -> String {
    let o = &opts.session;
    shard::config_digest(
        root,
        // File hashes are checked on their own, with a clearer message.
        &format!("{:?}|{:?}", o.policies, o.selection),
    )
}

/// The records of the whole portfolio and the warnings: assembled from shards when
/// `opts.assemble` names their directory, else scanned. Errors: see [`check`] and
/// [`shard::assemble`].
fn records_of(root: &Path, opts: &ScanOptions) -> Result<(Vec<RepoRecord>, Vec<String>)> {
    match &opts.assemble {
        Some(dir) => shard::assemble(dir, &digest(root, opts), opts.file_hashes),
        None => {
            let scan = check(root, &Selection::default(), opts)?;
            let warnings = scan.warnings.clone();
            Ok((scan.repos.into_iter().map(|r| r.record).collect(), warnings))
        }
    }
}

/// Scans `opts.shard`'s part of the portfolio at `root` and writes its shard file into
/// `dir`. Returns the file and the part's records. Errors: see [`check`]; the write fails.
pub fn shard_run(
    root: &Path,
    dir: &Path,
    opts: &ScanOptions,
) -> Result<(PathBuf, Vec<RepoRecord>)> {
    let shard = opts
        .shard
        .ok_or_else(|| Error::Usage("a shard run needs --shard I/N".into()))?;
    let scan = check(root, &Selection::default(), opts)?;
    let warnings = scan.warnings.clone();
    let records: Vec<RepoRecord> = scan.repos.into_iter().map(|r| r.record).collect();
    let file = shard::ShardFile {
        format: shard::FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        config_digest: digest(root, opts),
        index: shard.index,
        count: shard.count,
        file_hashes: opts.file_hashes,
        records: records.clone(),
        warnings,
    };
    Ok((shard::write(dir, &file)?, records))
}

/// What `catalog` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CatalogFormat {
    /// `catalog.json` (schemas/catalog.schema.json).
    Json,
    /// A Markdown table per organization.
    Markdown,
}

/// The result of `catalog`.
pub struct CatalogRun {
    /// The catalog.
    pub catalog: Catalog,
    /// The rendering asked for on stdout, if one was.
    pub stdout: Option<String>,
    /// The files written, in the order asked.
    pub written: Vec<PathBuf>,
    /// Warnings for stderr.
    pub warnings: Vec<String>,
    /// Repositories and files that could not be checked (see
    /// [`super::record::input_errors`]); the catalog lists them too.
    pub input_errors: Vec<String>,
}

/// The previous catalog's statuses at `path`, if the file exists. A file that cannot be
/// read as JSON is kept aside as `<name>.unreadable` (never lost) and yields a warning.
fn previous_catalog(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Option<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => Some(catalog::previous_statuses(&v)),
        Err(e) => {
            let aside = path.with_extension("json.unreadable");
            let _ = std::fs::copy(path, &aside);
            warnings.push(format!(
                "warning: the previous catalog {} is not JSON ({e}); kept as {}, changes not computed",
                path.display(),
                aside.display()
            ));
            None
        }
    }
}

/// Where a catalog of `format` goes by default: `.metaHub/catalog/catalog.json` or
/// `catalog.md` under `root`.
pub fn default_catalog_path(root: &Path, format: CatalogFormat) -> PathBuf {
    root.join(match format {
        CatalogFormat::Json => catalog::DEFAULT_PATH,
        CatalogFormat::Markdown => catalog::DEFAULT_MARKDOWN_PATH,
    })
}

/// Builds the catalog of the portfolio at `root` (or of `from_checkpoint`) and writes one
/// rendering per entry of `outputs`: a format and its file (`None` for stdout, at most
/// once; see [`default_catalog_path`]). Changes are computed against the catalog JSON at
/// the default path. Errors: discovery, an invalid schema or policy, an unreadable
/// checkpoint, a write that fails.
pub fn catalog(
    root: &Path,
    outputs: &[(CatalogFormat, Option<PathBuf>)],
    from_checkpoint: Option<&Path>,
    opts: &ScanOptions,
) -> Result<CatalogRun> {
    let mut warnings = Vec::new();
    let json_path = root.join(catalog::DEFAULT_PATH);
    let previous = previous_catalog(&json_path, &mut warnings);
    let (cat, input_errors) = match from_checkpoint {
        Some(cp) => {
            let cp = checkpoint::read(cp)?;
            let errors = input_errors(cp.repositories.values().map(|e| &e.record));
            (catalog::from_checkpoint(&cp, previous.as_ref()), errors)
        }
        None => {
            let (records, scan_warnings) = records_of(root, opts)?;
            warnings.extend(scan_warnings);
            let cat = catalog::build(
                &records,
                catalog::generated(opts.session.now),
                previous.as_ref(),
            );
            (cat, input_errors(&records))
        }
    };
    let (mut stdout, mut written) = (None, Vec::new());
    for (format, target) in outputs {
        let text = match format {
            CatalogFormat::Json => catalog::to_json(&cat),
            CatalogFormat::Markdown => catalog::to_markdown(&cat),
        };
        match target {
            Some(t) => {
                write_atomic(t, text.as_bytes())?;
                written.push(t.clone());
            }
            None => stdout = Some(text),
        }
    }
    Ok(CatalogRun {
        catalog: cat,
        stdout,
        written,
        warnings,
        input_errors,
    })
}

/// Scans the portfolio at `root` and writes its Backstage entities ([`backstage`]) to
/// `output` (atomically; `None` for the text alone). Returns the YAML, the number of
/// entities and the input errors. Errors: discovery, an invalid schema or policy, a
/// write that fails.
pub fn export_backstage(
    root: &Path,
    output: Option<&Path>,
    opts: &ScanOptions,
) -> Result<(String, usize, Vec<String>)> {
    let (records, _) = records_of(root, opts)?;
    let entities = super::backstage::entities(&records);
    let yaml = super::backstage::to_yaml(&entities);
    if let Some(path) = output {
        write_atomic(path, yaml.as_bytes())?;
    }
    Ok((yaml, entities.len(), input_errors(&records)))
}

/// Builds the dashboard of the governance root `root` ([`super::dashboard`]) and writes it
/// atomically to `target` (`None`: only returned). Returns the page and the number of
/// checkpoints it plots. Errors: see [`super::dashboard::build`]; a failed write.
pub fn dashboard(
    root: &Path,
    target: Option<&Path>,
    opts: &super::dashboard::Options,
) -> Result<(String, usize)> {
    let d = super::dashboard::build(root, opts)?;
    let page = super::dashboard::render(&d);
    if let Some(t) = target {
        write_atomic(t, page.as_bytes())?;
    }
    Ok((page, d.history.points.len()))
}

/// How `checkpoint` runs.
#[derive(Debug, Clone)]
pub struct CheckpointOptions {
    /// Archive the existing checkpoints first and start a new baseline (no comparison).
    pub baseline: bool,
    /// The acknowledgements file (default `.metaHub/drift-acknowledgements.yaml`).
    pub acknowledgements: Option<PathBuf>,
    /// Alert thresholds.
    pub thresholds: Thresholds,
    /// The scan.
    pub scan: ScanOptions,
}

/// The result of `checkpoint`.
pub struct CheckpointRun {
    /// The new checkpoint.
    pub checkpoint: Checkpoint,
    /// The comparison with the previous one (`None` for a baseline).
    pub drift: Option<Drift>,
    /// Files written, in order.
    pub written: Vec<PathBuf>,
    /// Checkpoints moved to the archive (`--baseline`).
    pub archived: Vec<PathBuf>,
    /// Warnings for stderr.
    pub warnings: Vec<String>,
    /// Repositories and files that could not be checked (see
    /// [`super::record::input_errors`]); the checkpoint records them too.
    pub input_errors: Vec<String>,
}

/// The weekly-reports directory, relative to the governance root.
pub const REPORTS_DIR: &str = ".metaHub/catalog/weekly-reports";

/// Takes a checkpoint of the portfolio at `root`: scans it (with file hashes), compares it
/// with `checkpoint-latest.json` when there is one and this is not a baseline, writes the
/// dated checkpoint and the latest copy, and the drift report as `drift-YYYY-MM-DD.md` and
/// `latest-drift.md`, with the same facts in `drift-YYYY-MM-DD.json` and `latest-drift.json`. Errors: discovery, an invalid acknowledgements file (read before
/// anything is written), an unreadable previous checkpoint, a failed write.
pub fn checkpoint(root: &Path, opts: &CheckpointOptions) -> Result<CheckpointRun> {
    let dir = root.join(checkpoint::DIR);
    let acks_path = opts
        .acknowledgements
        .clone()
        .unwrap_or_else(|| root.join(ack::DEFAULT_PATH));
    let acks = ack::load(&acks_path)?;
    let latest = dir.join(checkpoint::LATEST);
    let previous = if !opts.baseline && latest.is_file() {
        Some(checkpoint::read(&latest)?)
    } else {
        None
    };
    let (records, warnings) = records_of(root, &opts.scan)?;
    let input_errors = input_errors(&records);
    let cp = checkpoint::build(records, catalog::generated(opts.scan.session.now));
    let archived = if opts.baseline {
        checkpoint::archive(&dir)?
    } else {
        Vec::new()
    };
    let (dated, latest_path) = checkpoint::write(&dir, &cp)?;
    let drift = previous
        .map(|prev| drift::compare(&prev, &cp, acks, opts.scan.session.today, opts.thresholds));
    let (markdown, json) = match &drift {
        Some(d) => (d.to_markdown(), d.to_json()),
        None => (
            drift::baseline_markdown(&cp),
            drift::json::baseline_json(&cp),
        ),
    };
    let reports = root.join(REPORTS_DIR);
    let mut written = vec![dated, latest_path];
    for (name, text) in [
        (format!("drift-{}.md", cp.date), &markdown),
        ("latest-drift.md".to_string(), &markdown),
        (format!("drift-{}.json", cp.date), &json),
        ("latest-drift.json".to_string(), &json),
    ] {
        let path = reports.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(CheckpointRun {
        checkpoint: cp,
        drift,
        written,
        archived,
        warnings,
        input_errors,
    })
}

/// Compares two checkpoint files (`--compare A B`) under the acknowledgements at
/// `acks_path` (none when absent). Errors: a file that is not a checkpoint, an invalid
/// acknowledgements file. `today` decides which acknowledgements are in force.
pub fn compare(
    a: &Path,
    b: &Path,
    acks_path: &Path,
    today: jiff::civil::Date,
    thresholds: Thresholds,
) -> Result<Drift> {
    let acks = ack::load(acks_path)?;
    let (a, b) = (checkpoint::read(a)?, checkpoint::read(b)?);
    Ok(drift::compare(&a, &b, acks, today, thresholds))
}

/// Appends the drift outputs to `path` (the file `GITHUB_OUTPUT` names), when given.
/// Errors: the file cannot be opened for appending.
pub fn github_output(path: Option<&Path>, d: Option<&Drift>) -> Result<()> {
    use std::io::Write;
    let Some(path) = path else {
        return Ok(());
    };
    let lines = match d {
        Some(d) => d.github_outputs(),
        None => drift::github_outputs(false, &drift::Counts::default(), false),
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("opening GITHUB_OUTPUT {}", path.display()), e))?;
    f.write_all(lines.as_bytes())
        .map_err(|e| Error::io("writing GITHUB_OUTPUT", e))
}
