//! `meta.schema`: `.meta/repo.yaml` validates against the repository metadata schema.

use crate::finding::{RawFinding, Severity};
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (seed 001 "Schema Validation Errors"; the schema is `schemas/repo.schema.json`,
/// overridden by `.metaHub/schemas/repo-schema.json` in the governance root).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("meta.schema"),
    severity: Severity::Error,
    version: 2,
    summary:
        ".meta/repo.yaml validates against the metadata JSON Schema; each error names its line.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Validates `.meta/repo.yaml` against `schemas/repo.schema.json` (fields name, \
description, type, language, tier 1-4, owner, lifecycle, on_call, slo, deployment_targets, \
ci_template, tags), or against `.metaHub/schemas/repo-schema.json` when the governance root has \
one. Every schema error is a finding at the line of the offending value (for a missing field, the \
line of the mapping that lacks it). A key given twice is a finding at the second; the last value is the one validated.",
        why:
            "Catalog, tiering and drift reports are only as trustworthy as the metadata they read; \
a typo in `tier` or `owner` silently drops a repository out of every report.",
        example: crate::rules::doc_files!("meta.schema", "example", [".meta/repo.yaml"]),
        use_instead: crate::rules::doc_files!("meta.schema", "use-instead", [".meta/repo.yaml"]),
        references: &[
            "seed 001: Schema Validation Errors (jsonschema.validate of .meta/repo.yaml)",
            "seed 002: deployment_targets, ci_template",
            "repolinter json-schema-passes",
        ],
    },
    check: Check::Metadata(check),
};

fn check(doc: Option<&Document>, ctx: &Ctx) -> Vec<RawFinding> {
    let help = format!("Fix the value to match the metadata schema ({}); `git govern explain meta.schema` lists the fields.", ctx.repo_schema.origin);
    let Some(doc) = doc else {
        return vec![RawFinding::new(
            RULE.id,
            Some(1),
            ".meta/repo.yaml is empty",
            help,
        )];
    };
    let validator = match ctx.repo_schema.validator() {
        Ok(v) => v,
        Err(e) => {
            return vec![RawFinding::new(
                RULE.id,
                None,
                format!(
                    "the metadata schema {} is not a valid JSON Schema: {e}",
                    ctx.repo_schema.origin
                ),
                "Fix the schema file; until then no metadata can be validated.",
            )]
        }
    };
    let mut out: Vec<RawFinding> = validator
        .iter_errors(&doc.value)
        .map(|e| {
            let pointer = e.instance_path().to_string();
            let field = if pointer.is_empty() {
                "the document".to_string()
            } else {
                format!("`{}`", pointer.trim_start_matches('/').replace('/', "."))
            };
            RawFinding::new(
                RULE.id,
                Some(doc.line_of(&pointer)),
                format!("{field}: {}", in_words(&e, &ctx.repo_schema.schema)),
                help.clone(),
            )
        })
        .collect();
    out.extend(doc.duplicates.iter().map(|d| {
        RawFinding::new(
            RULE.id,
            Some(d.line),
            format!(
                "`{}` is given a second time (first at line {}); this last value is the one read",
                d.pointer.trim_start_matches('/').replace('/', "."),
                d.first_line
            ),
            "Keep one of the two with the value you mean and delete the other.",
        )
    }));
    out.sort_by(|a, b| (a.line, &a.message).cmp(&(b.line, &b.message)));
    out.dedup();
    out
}

/// What a schema error says, in words: a value that does not match a `pattern` is
/// explained by the field's `description` from the schema (when it has one) instead of the
/// regular expression; other errors (types, allowed values, ranges) already read well.
fn in_words(e: &jsonschema::ValidationError<'_>, schema: &serde_json::Value) -> String {
    if !matches!(
        e.kind(),
        jsonschema::error::ValidationErrorKind::Pattern { .. }
    ) {
        return e.to_string();
    }
    let path = e.schema_path().to_string();
    let field = path.strip_suffix("/pattern").unwrap_or(&path);
    match schema
        .pointer(field)
        .and_then(|f| f.get("description"))
        .and_then(|d| d.as_str())
    {
        Some(d) => format!("{} is not valid here. {d}", e.instance()),
        None => e.to_string(),
    }
}
