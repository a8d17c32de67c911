//! Dockerfile rules on real files, one case per trap the Dockerfile reader must handle.

mod common;
use common::*;

/// Expected docker.* findings as (rule, line).
type Expected = &'static [(&'static str, u64)];

/// (name, Dockerfile, expected findings).
const CASES: &[(&str, &str, Expected)] = &[
    ("clean", "FROM python:3.12-slim\nUSER 10001\nHEALTHCHECK CMD true\n", &[]),
    ("root-explicit", "FROM python:3.12-slim\nUSER root\nHEALTHCHECK CMD true\n", &[("docker.user-not-root", 2)]),
    ("root-uid-group", "FROM python:3.12-slim\nUSER 0:0\nHEALTHCHECK CMD true\n", &[("docker.user-not-root", 2)]),
    ("no-user", "FROM python:3.12-slim\nHEALTHCHECK CMD true\n", &[("docker.user-not-root", 1)]),
    ("root-then-nonroot", "FROM python:3.12-slim\nUSER root\nRUN apt-get update\nUSER app\nHEALTHCHECK CMD true\n", &[]),
    ("nonroot-then-root", "FROM python:3.12-slim\nUSER app\nUSER root\nHEALTHCHECK CMD true\n", &[("docker.user-not-root", 3)]),
    (
        "only-final-stage-counts",
        "FROM golang:1.23 AS build\nUSER root\nFROM gcr.io/distroless/static:1.0\nUSER 65532\nHEALTHCHECK CMD [\"/app\", \"-health\"]\n",
        &[],
    ),
    (
        "builder-nonroot-final-root",
        "FROM golang:1.23 AS build\nUSER app\nHEALTHCHECK CMD true\nFROM alpine:3.20\n",
        &[("docker.healthcheck", 4), ("docker.user-not-root", 4)],
    ),
    (
        "stage-inherits-user-and-healthcheck",
        "FROM alpine:3.20 AS base\nUSER app\nHEALTHCHECK CMD true\nFROM base AS final\nCOPY . /app\n",
        &[],
    ),
    ("nonroot-base-tag", "FROM gcr.io/distroless/static:nonroot\nHEALTHCHECK CMD [\"/app\"]\n", &[]),
    ("healthcheck-none", "FROM alpine:3.20\nUSER app\nHEALTHCHECK NONE\n", &[("docker.healthcheck", 3)]),
    ("latest", "FROM nginx:latest\nUSER app\nHEALTHCHECK CMD true\n", &[("docker.pinned-base-image", 1)]),
    ("untagged-registry-port", "FROM localhost:5000/app\nUSER app\nHEALTHCHECK CMD true\n", &[("docker.pinned-base-image", 1)]),
    ("digest-and-scratch", "FROM alpine@sha256:0123 AS a\nFROM scratch\nCOPY --from=a /x /x\nUSER 1000\nHEALTHCHECK CMD [\"/x\"]\n", &[]),
    ("every-from-checked", "FROM node AS build\nFROM nginx:1.27\nUSER app\nHEALTHCHECK CMD true\n", &[("docker.pinned-base-image", 1)]),
    ("arg-default-resolved", "ARG TAG=latest\nFROM nginx:${TAG}\nUSER app\nHEALTHCHECK CMD true\n", &[("docker.pinned-base-image", 2)]),
    ("arg-default-pinned", "ARG V=3.12\nFROM python:$V-slim\nUSER app\nHEALTHCHECK CMD true\n", &[]),
    ("arg-without-default", "ARG BASE\nFROM ${BASE}\nUSER app\nHEALTHCHECK CMD true\n", &[]),
    ("user-from-arg", "FROM alpine:3.20\nARG U=root\nUSER ${U}\nHEALTHCHECK CMD true\n", &[("docker.user-not-root", 3)]),
    (
        "platform-chown-from-flags",
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nFROM --platform=linux/amd64 alpine:3.20\nCOPY --from=build --chown=app:app /out /app\nUSER app\nHEALTHCHECK CMD true\n",
        &[],
    ),
    (
        "continuation-with-comments-and-blank-lines",
        "FROM alpine:3.20\nRUN apk add \\\n# a comment inside the continuation\n\n    curl \\\n    && true\nUSER root\nHEALTHCHECK CMD true\n",
        &[("docker.user-not-root", 7)],
    ),
    ("escape-directive", "# escape=`\nFROM alpine:3.20\nRUN echo a `\n  USER root\nUSER app\nHEALTHCHECK CMD true\n", &[]),
    ("lowercase-and-json-form", "from alpine:3.20\nuser app\nhealthcheck CMD [\"wget\", \"-q\", \"http://localhost\"]\ncmd [\"sh\"]\n", &[]),
    ("heredoc-run", "FROM alpine:3.20\nRUN <<EOF\nUSER root\nFROM nginx:latest\nEOF\nUSER app\nHEALTHCHECK CMD true\n", &[]),
    ("heredoc-copy", "FROM alpine:3.20\nCOPY <<EOF /etc/app.conf\nUSER root\nEOF\nUSER app\nHEALTHCHECK CMD true\n", &[]),
    (
        "heredocs-several-on-one-line",
        "FROM alpine:3.20\nRUN <<A <<\"B\" sh\necho a\nUSER root\nA\necho b\nB\nUSER app\nHEALTHCHECK CMD true\n",
        &[],
    ),
    ("heredoc-dash-strips-tabs", "FROM alpine:3.20\nRUN <<-EOT\n\techo hi\n\tEOT\nUSER app\nHEALTHCHECK CMD true\n", &[]),
    (
        "comment-and-instruction-right-after-terminator",
        "FROM alpine:3.20\nRUN <<EOF\necho hi\nEOF\n# a comment\nUSER root\nHEALTHCHECK CMD true\n",
        &[("docker.user-not-root", 6)],
    ),
    ("here-string-is-not-heredoc", "FROM alpine:3.20\nRUN cat <<< \"x\" && echo $((1<<2))\nUSER app\nHEALTHCHECK CMD true\n", &[]),
];

#[test]
fn dockerfile_traps() {
    let repo = Repo::new();
    repo.with_compliant_base();
    for (name, text, _) in CASES {
        repo.write(&format!("cases/{name}/Dockerfile"), text);
    }
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    let mut failures = Vec::new();
    for (name, _, expected) in CASES {
        let mut got = hits_in(&report, &format!("cases/{name}/Dockerfile"));
        got.sort();
        let mut want: Vec<(String, Option<u64>)> = expected
            .iter()
            .map(|(r, l)| (r.to_string(), Some(*l)))
            .collect();
        want.sort();
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dockerfile_names_are_recognised() {
    let repo = Repo::new();
    repo.with_compliant_base();
    for name in [
        "Dockerfile",
        "dockerfile.prod",
        "Dockerfile.dev",
        "api.Dockerfile",
        "Containerfile",
        "notes/Dockerfile.md.txt",
        "Dockerfile.dockerignore",
        "docker/Dockerfile.j2",
    ] {
        repo.write(name, "FROM nginx:latest\nUSER app\nHEALTHCHECK CMD true\n");
    }
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    let mut paths: Vec<String> = hits(&report).into_iter().map(|(_, p, _)| p).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "Containerfile",
            "Dockerfile",
            "Dockerfile.dev",
            "api.Dockerfile",
            "dockerfile.prod"
        ]
    );
}

#[test]
fn broken_dockerfile_is_an_input_error_with_its_line() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("Dockerfile", "FROM alpine:3.20\nFORM oops\n");
    repo.write(
        "heredoc/Dockerfile",
        "FROM alpine:3.20\nRUN <<EOF\necho never closed\n",
    );
    repo.write(
        "good/Dockerfile",
        "FROM alpine\nUSER app\nHEALTHCHECK CMD true\n",
    );
    repo.git(&["add", "-A"]);
    let out = repo.govern(&["check", "--no-cache"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "Dockerfile:2: could not check: cannot read Dockerfile: unknown instruction \"FORM\""
        ),
        "{text}"
    );
    assert!(
        text.contains("heredoc/Dockerfile:2: could not check"),
        "{text}"
    );
    // The other files were still checked.
    assert!(text.contains("good/Dockerfile"), "{text}");
}
