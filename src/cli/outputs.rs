//! Where each report of a run goes: the repeatable `--format NAME[=FILE]` and `--output`
//! resolved into destinations, checked (stdout at most once, no file twice), then written
//! atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use git_govern::Error;

use super::args::FormatArg;

/// Where one report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// Standard output.
    Stdout,
    /// A file, written atomically.
    File(PathBuf),
}

/// One report to write: its format and destination.
#[derive(Debug, Clone)]
pub struct Planned<F> {
    /// The format.
    pub format: F,
    /// Where it goes.
    pub dest: Dest,
}

/// Resolves `formats`: `NAME=-` is stdout, `NAME=FILE` that file, a bare `NAME` goes to
/// `fallback(NAME)` (stdout, `--output`, or a command's default file). Errors (usage):
/// two reports to stdout, or two to one file.
pub fn plan<F: Copy + std::fmt::Debug>(
    formats: &[FormatArg<F>],
    fallback: &dyn Fn(F) -> Dest,
) -> Result<Vec<Planned<F>>, Error> {
    let planned: Vec<Planned<F>> = formats
        .iter()
        .map(|f| Planned {
            format: f.format,
            dest: match &f.file {
                Some(p) if p == Path::new("-") => Dest::Stdout,
                Some(p) => Dest::File(p.clone()),
                None => fallback(f.format),
            },
        })
        .collect();
    for (i, a) in planned.iter().enumerate() {
        if let Some(b) = planned[..i].iter().find(|b| b.dest == a.dest) {
            let at = match &a.dest {
                Dest::Stdout => "stdout".to_string(),
                Dest::File(p) => p.display().to_string(),
            };
            return Err(Error::Usage(format!(
                "--format {} and --format {} would both go to {at}; give one of them a file \
                 of its own (--format NAME=FILE)",
                name(&b.format),
                name(&a.format)
            )));
        }
    }
    Ok(planned)
}

/// A format's name as written on the command line (`Sarif` → `sarif`).
fn name<F: std::fmt::Debug>(f: &F) -> String {
    format!("{f:?}").to_ascii_lowercase()
}

/// Writes `text` to `dest`: stdout, or the file atomically.
pub fn write(text: &str, dest: &Dest) -> Result<(), Error> {
    git_govern::trace::phase(|| format!("report formatted: {} bytes", text.len()));
    match dest {
        Dest::File(p) => git_govern::output::write_atomic(p, text.as_bytes()),
        Dest::Stdout => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use git_govern::report::Format;

    fn arg(text: &str) -> FormatArg<Format> {
        super::super::args::format_arg(text).unwrap()
    }

    #[test]
    fn one_report_per_destination() {
        let stdout = |_| Dest::Stdout;
        let p = plan(&[arg("text"), arg("sarif=r.sarif")], &stdout).unwrap();
        assert_eq!(p[0].dest, Dest::Stdout);
        assert_eq!(p[1].dest, Dest::File("r.sarif".into()));
        let e = plan(&[arg("text"), arg("json")], &stdout).unwrap_err();
        assert!(
            e.to_string().contains("--format text and --format json"),
            "{e}"
        );
        assert!(plan(&[arg("json=a"), arg("sarif=a")], &stdout).is_err());
        assert!(plan(&[arg("json=-"), arg("text=t.txt")], &stdout).is_ok());
        assert!(super::super::args::format_arg::<Format>("yaml").is_err());
        assert!(super::super::args::format_arg::<Format>("json=").is_err());
    }
}
