//! Monorepo components (seed 003): a directory below the repository root that holds its
//! own `.meta/repo.yaml` is a component (a service, a shared package); the root's metadata,
//! if any, describes the repository as a whole. Every file belongs to its nearest
//! component.
//!
//! The repository-level rules judge each component as they judge a repository, through a
//! [`SubtreeView`]: the component's files (not those of components nested in it), with
//! paths relative to the component's directory; their findings are mapped back to
//! repository paths.

use crate::path::RepoPath;
use crate::source::RepoView;

/// The metadata file that makes a directory a component, relative to it.
pub const MARKER: &str = ".meta/repo.yaml";

/// The components of a repository: their directories ('/'-separated, no trailing '/'),
/// sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Components {
    dirs: Vec<String>,
}

impl Components {
    /// The components among `files` (repo-relative paths): the directories of every
    /// `<dir>/.meta/repo.yaml` whose path `selected` keeps (the configuration's
    /// include/exclude), the root's own metadata aside.
    pub fn discover<'a>(
        files: impl IntoIterator<Item = &'a RepoPath>,
        selected: &dyn Fn(&str) -> bool,
    ) -> Components {
        let suffix = format!("/{MARKER}");
        let mut dirs: Vec<String> = files
            .into_iter()
            .filter(|p| p.as_bytes().ends_with(suffix.as_bytes()))
            .map(|p| p.display().into_owned())
            .filter(|p| selected(p))
            .map(|p| p[..p.len() - suffix.len()].to_string())
            .collect();
        dirs.sort();
        dirs.dedup();
        Components { dirs }
    }

    /// Components from known directories (tests, portfolio records).
    pub fn from_dirs(mut dirs: Vec<String>) -> Components {
        dirs.sort();
        dirs.dedup();
        Components { dirs }
    }

    /// Whether the repository has none (it is judged as one whole).
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    /// The component directories, sorted.
    pub fn dirs(&self) -> &[String] {
        &self.dirs
    }

    /// The nearest component holding `path` (repo-relative), `None` for the root's files.
    pub fn of(&self, path: &[u8]) -> Option<&str> {
        self.dirs
            .iter()
            .filter(|d| within(path, d))
            .max_by_key(|d| d.len())
            .map(String::as_str)
    }

    /// A view of component `dir` as a repository of its own.
    pub fn view<'a>(&self, inner: &'a dyn RepoView, dir: &str) -> SubtreeView<'a> {
        let prefix = format!("{dir}/");
        let nested = self
            .dirs
            .iter()
            .filter(|d| d.len() > dir.len() && d.starts_with(&prefix))
            .map(|d| format!("{}/", &d[prefix.len()..]))
            .collect();
        SubtreeView {
            inner,
            prefix,
            nested,
        }
    }
}

/// The names a commit scope may use for the components of the repository at `root`:
/// each component's directory name and its metadata `name`, sorted. `files` are the
/// repository's paths (the index's, for the commit-msg hook); metadata is read from disk.
pub fn scope_names<'a>(
    root: &std::path::Path,
    files: impl IntoIterator<Item = &'a RepoPath>,
) -> Vec<String> {
    let found = Components::discover(files, &|_| true);
    let mut names = Vec::new();
    for dir in found.dirs() {
        names.push(dir.rsplit('/').next().unwrap_or(dir).to_string());
        let meta = root.join(dir).join(MARKER);
        let name = crate::read::bounded_text(&meta, crate::read::CONFIG_LIMIT)
            .ok()
            .and_then(|t| crate::yaml::parse_stream(&t).ok())
            .and_then(|d| d.into_iter().next())
            .and_then(|d| d.value.get("name")?.as_str().map(str::to_string));
        names.extend(name);
    }
    names.sort();
    names.dedup();
    names
}

/// Whether `path` (repo-relative) lies under directory `dir` ('/'-separated, no trailing
/// '/').
pub fn within(path: &[u8], dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir.as_bytes()) && path[dir.len()] == b'/'
}

/// A component seen as a repository: the files under its directory, minus those of
/// components nested in it, with paths relative to it.
pub struct SubtreeView<'a> {
    inner: &'a dyn RepoView,
    /// The component's directory with a trailing '/'.
    prefix: String,
    /// Nested components' directories, relative, each with a trailing '/'.
    nested: Vec<String>,
}

impl SubtreeView<'_> {
    /// A repository path of a path relative to the component.
    pub fn outer(&self, path: &RepoPath) -> RepoPath {
        let mut bytes = self.prefix.as_bytes().to_vec();
        bytes.extend_from_slice(path.as_bytes());
        RepoPath::from_bytes(bytes)
    }

    fn full(&self, path: &[u8]) -> Vec<u8> {
        let mut bytes = self.prefix.as_bytes().to_vec();
        bytes.extend_from_slice(path);
        bytes
    }

    fn mine(&self, rel: &[u8]) -> bool {
        !self.nested.iter().any(|n| rel.starts_with(n.as_bytes()))
    }

    /// The component's own files under `dir` (relative; "" for all), relative, sorted.
    fn own(&self, listed: Vec<RepoPath>) -> Vec<RepoPath> {
        listed
            .into_iter()
            .filter_map(|p| {
                let rel = p.as_bytes().strip_prefix(self.prefix.as_bytes())?.to_vec();
                self.mine(&rel).then(|| RepoPath::from_bytes(rel))
            })
            .collect()
    }
}

impl RepoView for SubtreeView<'_> {
    fn contains(&self, path: &[u8]) -> bool {
        self.mine(path) && self.inner.contains(&self.full(path))
    }

    fn list(&self, dir: &[u8]) -> Vec<RepoPath> {
        let full = self.full(dir);
        let full = full.strip_suffix(b"/").unwrap_or(&full);
        self.own(self.inner.list(full))
    }

    fn top_level(&self) -> Vec<RepoPath> {
        self.files()
            .into_iter()
            .filter(|p| !p.as_bytes().contains(&b'/'))
            .collect()
    }

    fn named(&self, names: &[&str]) -> Vec<RepoPath> {
        self.own(self.inner.named(names))
    }

    fn read(&self, path: &[u8]) -> Option<Vec<u8>> {
        if !self.mine(path) {
            return None;
        }
        self.inner.read(&self.full(path))
    }

    fn content_id(&self, path: &[u8]) -> Option<gix::ObjectId> {
        if !self.mine(path) {
            return None;
        }
        self.inner.content_id(&self.full(path))
    }

    fn dirs(&self, depth: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in self.files() {
            let shown = p.display();
            let parts: Vec<&str> = shown.split('/').collect();
            for n in 1..parts.len().min(depth + 1) {
                out.push(parts[..n].join("/"));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn files(&self) -> Vec<RepoPath> {
        let dir = &self.prefix[..self.prefix.len() - 1];
        self.own(self.inner.list(dir.as_bytes()))
    }

    fn unstaged(&self, path: &[u8]) -> bool {
        self.inner.unstaged(&self.full(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Subject;

    fn view(paths: &[&str]) -> crate::source::view::WorkTreeView {
        let mut subjects: Vec<Subject> = paths
            .iter()
            .map(|p| Subject {
                path: RepoPath::from_bytes(*p),
                content: crate::source::Content::Bytes(p.as_bytes().into()),
            })
            .collect();
        subjects.sort_by(|a, b| a.path.cmp(&b.path));
        crate::source::view::WorkTreeView::new(subjects.into(), None)
    }

    #[test]
    fn nearest_component_and_subtree_views() {
        let v = view(&[
            ".github/CODEOWNERS",
            "services/api/.meta/repo.yaml",
            "services/api/README.md",
            "services/api/plugins/x/.meta/repo.yaml",
            "services/api/plugins/x/main.go",
            "services/web/.meta/repo.yaml",
            "docs/rules/example/.meta/repo.yaml",
        ]);
        let files = v.files();
        let c = Components::discover(&files, &|p| !p.starts_with("docs/rules/"));
        assert_eq!(
            c.dirs(),
            ["services/api", "services/api/plugins/x", "services/web"]
        );
        assert_eq!(c.of(b"services/api/README.md"), Some("services/api"));
        assert_eq!(
            c.of(b"services/api/plugins/x/main.go"),
            Some("services/api/plugins/x")
        );
        assert_eq!(c.of(b"services/apix/README.md"), None);
        assert_eq!(c.of(b".github/CODEOWNERS"), None);
        let api = c.view(&v, "services/api");
        let names: Vec<String> = api
            .files()
            .iter()
            .map(|p| p.display().into_owned())
            .collect();
        assert_eq!(
            names,
            [".meta/repo.yaml", "README.md"],
            "nested component left out"
        );
        assert!(api.contains(b"README.md"));
        assert!(!api.contains(b"plugins/x/main.go"));
        assert_eq!(api.read(b"README.md").unwrap(), b"services/api/README.md");
        assert_eq!(api.top_level().len(), 1);
        assert_eq!(api.dirs(3), [".meta"]);
        assert_eq!(
            api.outer(&RepoPath::from_bytes("README.md")).display(),
            "services/api/README.md"
        );
    }
}
