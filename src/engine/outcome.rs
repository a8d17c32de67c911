//! The outcome of a check run: findings and the other lists a report shows, in report
//! order. Built by [`super::check`], changed by waivers, read by every report format.

use crate::finding::{Finding, InputError, Skipped, Suppressed, Waived};
use crate::path::RepoPath;
use crate::rules::secrets::redact::redact;
use crate::rules::RuleSet;

/// The result of a check run, before formatting.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Findings that count, sorted by path, line, rule.
    pub findings: Vec<Finding>,
    /// Findings silenced inline, sorted the same way.
    pub suppressed: Vec<Suppressed>,
    /// Files that could not be read or parsed, sorted by path.
    pub errors: Vec<InputError>,
    /// Files passed over on purpose, sorted by path.
    pub skipped: Vec<Skipped>,
    /// Findings accepted by a waiver in force, sorted like findings.
    pub waived: Vec<Waived>,
    /// For every path some rule read, the rules that were evaluated or served from the
    /// cache for it; sorted by path, one entry per path: the test cases of the JUnit
    /// report. Repository rules appear with the path ".".
    pub evaluated: Vec<(RepoPath, RuleSet)>,
    /// Files that at least one rule read (from the cache or by running).
    pub files_checked: usize,
    /// Rule results served from the cache.
    pub cache_hits: usize,
    /// Commit messages checked (the commit-msg hook, `check --commits`, pre-push).
    pub commits_checked: usize,
    /// Branch names checked (pre-push).
    pub branches_checked: usize,
    /// The monorepo components of the repository checked (their directories, under the
    /// same prefix as the paths), so reports can name each finding's component.
    pub components: crate::components::Components,
}

impl Outcome {
    /// Adds every list and count of `other` to this outcome, with each path placed under
    /// `prefix` (a '/'-separated directory, e.g. `organizations/shop/api`; the repository
    /// path "." becomes the prefix itself). Call [`Outcome::sort`] after the last one.
    pub fn absorb(&mut self, other: Outcome, prefix: Option<&str>) {
        let place = |path: RepoPath| match prefix {
            None => path,
            Some(pre) => {
                let mut b = pre.as_bytes().to_vec();
                if path.as_bytes() != b"." {
                    b.push(b'/');
                    b.extend_from_slice(path.as_bytes());
                }
                RepoPath::from_bytes(b)
            }
        };
        macro_rules! moved {
            ($field:ident) => {
                self.$field.extend(other.$field.into_iter().map(|mut f| {
                    f.path = place(std::mem::take(&mut f.path));
                    f
                }))
            };
        }
        moved!(findings);
        moved!(suppressed);
        moved!(waived);
        moved!(errors);
        moved!(skipped);
        self.evaluated
            .extend(other.evaluated.into_iter().map(|(p, r)| (place(p), r)));
        // Rebuilt only when `other` adds some: absorbing a portfolio's repositories one
        // by one would otherwise copy every component found so far each time.
        if !other.components.dirs().is_empty() {
            self.components = crate::components::Components::from_dirs(
                self.components
                    .dirs()
                    .iter()
                    .cloned()
                    .chain(other.components.dirs().iter().map(|d| {
                        place(RepoPath::from_bytes(d.as_str()))
                            .display()
                            .into_owned()
                    }))
                    .collect(),
            );
        }
        self.files_checked += other.files_checked;
        self.cache_hits += other.cache_hits;
        self.commits_checked += other.commits_checked;
        self.branches_checked += other.branches_checked;
    }

    /// Restores the report order: findings by path, line, rule; the other lists by path
    /// and line; duplicates removed.
    /// (Input error messages, which may quote the file, are redacted here too.)
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
        self.suppressed
            .sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
        self.waived
            .sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
        for e in &mut self.errors {
            if let std::borrow::Cow::Owned(red) = redact(&e.message) {
                e.message = red;
            }
        }
        self.errors
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        self.errors.dedup();
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.dedup();
        self.evaluated.sort_by(|a, b| a.0.cmp(&b.0));
        self.evaluated.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = kept.1.union(later.1);
            }
            same
        });
    }

    /// Findings with severity error.
    pub fn violations(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == crate::Severity::Error)
            .count()
    }

    /// Findings with severity warning.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == crate::Severity::Warning)
            .count()
    }

    /// The exit code: 2 when some input could not be checked, 1 for violations (or warnings
    /// when `strict`), else 0.
    pub fn exit_code(&self, strict: bool) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if self.violations() > 0 || (strict && self.warnings() > 0) {
            1
        } else {
            0
        }
    }
}
