//! Property tests of the readers (issue #15 point 8): whatever the input — including
//! nesting amplified far past any real file — each reader returns a result or an error with
//! positions inside the text, and never panics or runs out of stack.

use git_govern::finding::RawFinding;
use proptest::prelude::*;

/// Text made of the pieces a reader cares about, in any order: keywords, continuations,
/// heredocs, YAML indicators, comments, quotes, Unicode and control characters.
fn tokens(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::sample::select(pieces).prop_map(str::to_string),
            1 => "[ -~]{0,12}",
            1 => "[\\u{0}-\\u{1f}é✓\\u{202e}]{0,3}",
        ],
        0..60,
    )
    .prop_map(|v| v.concat())
}

const DOCKERFILE: &[&str] = &[
    "FROM ",
    "FROM --platform=$P ",
    "AS b",
    "RUN ",
    "USER ",
    "ARG ",
    "ENV ",
    "COPY ",
    "HEALTHCHECK ",
    "NONE",
    "ONBUILD ",
    "\\\n",
    "\n",
    " ",
    "<<EOF",
    "<<-EOF",
    "EOF\n",
    "# escape=`\n",
    "# syntax=x\n",
    "`\n",
    "${A:-x}",
    "$A",
    "[\"a\", \"b\"]",
    "\"",
    "'",
    "alpine:3.20",
    "@sha256:",
    "scratch",
    "root",
    "0:0",
];

const YAML: &[&str] = &[
    "apiVersion: v1\n",
    "kind: Pod\n",
    "---\n",
    "...\n",
    "- ",
    "? ",
    ": ",
    "  ",
    "\n",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "|\n",
    ">-\n",
    "'",
    "\"",
    "#",
    "containers:\n",
    "image: x\n",
    "<<: *a\n",
    "\t",
    "%YAML 1.2\n",
];

const MESSAGE: &[&str] = &[
    "feat",
    "fix",
    "(scope)",
    "!",
    ": ",
    "subject",
    "\n",
    "\n\n",
    "# comment\n",
    "BREAKING CHANGE: x\n",
    "Refs: #1\n",
    "# ------------------------ >8 ------------------------\n",
    "\r\n",
    ";",
    "Signed-off-by: a <a@b>\n",
];

const CODEOWNERS: &[&str] = &[
    "* ",
    "/docs/ ",
    "@org/team",
    "@user",
    "a@b.c",
    "\n",
    "# c\n",
    "[Section]",
    "^[Opt][2]",
    "!x ",
    "\\ ",
    "**/",
    "*.rs ",
    " ",
];

const SUPPRESSION: &[&str] = &[
    "# govern:ignore ",
    "// govern:ignore ",
    "k8s.*",
    "docker.user-not-root",
    " reason",
    "\n",
    "x: 1\n",
    "#\n",
    "  ",
];

fn lines(text: &str) -> u32 {
    text.split('\n').count() as u32
}

/// Lines as YAML counts them: `\r\n`, `\n` and a lone `\r` each end one.
fn yaml_lines(text: &str) -> u32 {
    lines(&text.replace("\r\n", "\n").replace('\r', "\n"))
}

proptest! {
    // A fixed seed, so that CI runs the same cases every time (a failure is reproducible,
    // never a flake); no failure files, so that a test writes nothing into the tree.
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0060_0d5e),
        ..ProptestConfig::default()
    })]

    #[test]
    fn dockerfile_reader_never_panics(text in tokens(DOCKERFILE)) {
        match git_govern::dockerfile::parse(&text) {
            Ok(df) => {
                for i in &df.instructions {
                    prop_assert!(i.line >= 1 && i.line <= lines(&text), "{i:?}");
                }
            }
            Err(e) => prop_assert!(e.line >= 1 && e.line <= lines(&text) + 1, "{e:?}"),
        }
    }

    #[test]
    fn yaml_reader_never_panics(text in tokens(YAML)) {
        match git_govern::yaml::parse_stream(&text) {
            Ok(docs) => {
                for d in &docs {
                    for l in d.lines.values() {
                        prop_assert!(*l <= yaml_lines(&text) + 1, "line {l}");
                    }
                }
            }
            Err(e) => prop_assert!(e.line <= yaml_lines(&text) + 1, "{e:?}"),
        }
    }

    #[test]
    fn commit_message_parser_never_panics(text in tokens(MESSAGE), comment in prop_oneof!["#", ";", "//", "auto"]) {
        let m = git_govern::message::Message::parse(text.as_bytes(), &comment);
        prop_assert!(m.lines.len() as u32 <= lines(&text));
    }

    #[test]
    fn codeowners_reader_never_panics(text in tokens(CODEOWNERS)) {
        for e in git_govern::kinds::codeowners::parse(&text) {
            prop_assert!(e.line >= 1 && e.line <= lines(&text));
        }
    }

    #[test]
    fn suppression_comments_never_panic(
        text in tokens(SUPPRESSION),
        at in 1u32..80,
        anchors in proptest::collection::vec(0u32..80, 0..3),
    ) {
        let mut f = vec![RawFinding::new("k8s.probes", Some(at), "m", "h")];
        f[0].anchors = anchors;
        git_govern::suppress::apply(&text, &mut f);
    }

    /// Nesting amplified past the limit, in every shape, on half the stack a worker thread
    /// has (2 MiB), in a debug build (whose frames are the larger ones).
    #[test]
    fn deep_nesting_is_an_error_not_an_overflow(depth in 100usize..4000, shape in 0usize..4) {
        let text = match shape {
            0 => format!("a: {}x{}\n", "[".repeat(depth), "]".repeat(depth)),
            1 => (0..depth).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect(),
            2 => format!("{}x\n", "? ".repeat(depth)),
            _ => (0..depth).map(|i| format!("{}-\n", "  ".repeat(i))).collect(),
        };
        let result = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || git_govern::yaml::parse_stream(&text).map(|d| d.len()).map_err(|e| e.line))
            .unwrap()
            .join();
        prop_assert!(result.is_ok(), "the reader overflowed its stack at depth {depth}");
        if depth > git_govern::yaml::MAX_DEPTH + 1 {
            prop_assert!(result.unwrap().is_err());
        }
    }
}
