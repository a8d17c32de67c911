//! The ADR templates `adr.format` knows: which parts each requires, which statuses it
//! allows, and how an ADR's template is recognised from its headings, status and text.

use serde::{Deserialize, Serialize};

use crate::kinds::adr::{Adr, StatusSource};

/// A template an ADR may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Template {
    /// Michael Nygard's template, as adr-tools writes it and seed 003 gives it: Status,
    /// Context, Decision and Consequences sections.
    Nygard,
    /// MADR 2 to 4 (adr.github.io/madr): status as a list item (2.x) or in front matter
    /// (3.x, 4.x), optional; Context and Problem Statement, Considered Options and Decision
    /// Outcome sections.
    Madr,
    /// log4brains' template: MADR 2 with `- Tags:` and a `draft` status.
    Log4brains,
    /// Olaf Zimmermann's Y-statement: "In the context of …, facing …, we decided for … and
    /// neglected …, to achieve …, accepting …".
    YStatement,
}

/// `template:` of `adr.format`: one template for every ADR, or `auto` to recognise each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Choice {
    /// Recognise each ADR's template ([`detect`]).
    #[default]
    Auto,
    /// Every ADR follows Nygard's template.
    Nygard,
    /// Every ADR follows MADR.
    Madr,
    /// Every ADR follows log4brains' template.
    Log4brains,
    /// Every ADR is a Y-statement.
    YStatement,
}

/// A required part of a template: a section heading, or (Y-statements) a phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A heading with this title (any level, case-insensitive).
    Section(&'static str),
    /// A phrase somewhere in the text (case-insensitive, across line breaks).
    Phrase(&'static str),
}

const MADR_SECTIONS: &[Part] = &[
    Part::Section("Context and Problem Statement"),
    Part::Section("Considered Options"),
    Part::Section("Decision Outcome"),
];
const MADR_STATUSES: &[&str] = &[
    "proposed",
    "rejected",
    "accepted",
    "deprecated",
    "superseded",
];

impl Template {
    /// The name a finding uses.
    pub fn name(self) -> &'static str {
        match self {
            Template::Nygard => "Nygard",
            Template::Madr => "MADR",
            Template::Log4brains => "log4brains",
            Template::YStatement => "Y-statement",
        }
    }

    /// The parts every ADR of this template has. Nygard's Status is not listed: it is the
    /// status, which [`Template::requires_status`] asks for.
    pub fn parts(self) -> &'static [Part] {
        match self {
            Template::Nygard => &[
                Part::Section("Context"),
                Part::Section("Decision"),
                Part::Section("Consequences"),
            ],
            Template::Madr | Template::Log4brains => MADR_SECTIONS,
            Template::YStatement => &[
                Part::Phrase("in the context of"),
                Part::Phrase("facing"),
                Part::Phrase("we decided"),
                Part::Phrase("to achieve"),
                Part::Phrase("accepting"),
            ],
        }
    }

    /// The statuses the template allows (compared case-insensitively with the status's
    /// first word; "Superseded by ADR-012" is "superseded"). adr-tools spells it
    /// "Superceded".
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            Template::Nygard | Template::YStatement => &[
                "proposed",
                "accepted",
                "rejected",
                "deprecated",
                "superseded",
                "superceded",
            ],
            Template::Madr => MADR_STATUSES,
            Template::Log4brains => &[
                "draft",
                "proposed",
                "rejected",
                "accepted",
                "deprecated",
                "superseded",
            ],
        }
    }

    /// Whether the template requires a status: Nygard's does; MADR and log4brains mark it
    /// optional; a Y-statement has none.
    pub fn requires_status(self) -> bool {
        self == Template::Nygard
    }
}

/// How the template of an ADR was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Set by `template:` in `.govern.yaml`.
    Set(Template),
    /// Recognised from the ADR.
    Detected(Template),
    /// Nothing recognised: read as Nygard's, seed 003's template.
    Fallback,
}

impl Found {
    /// The template in force.
    pub fn template(self) -> Template {
        match self {
            Found::Set(t) | Found::Detected(t) => t,
            Found::Fallback => Template::Nygard,
        }
    }

    /// How a finding names it: "MADR (detected)", "Nygard (set in .govern.yaml)".
    pub fn describe(self) -> String {
        match self {
            Found::Set(t) => format!("{} (set in .govern.yaml)", t.name()),
            Found::Detected(t) => format!("{} (detected)", t.name()),
            Found::Fallback => "no known template; read as Nygard's (seed 003)".to_string(),
        }
    }
}

/// The template of `adr` under `choice`.
pub fn find(adr: &Adr, choice: Choice) -> Found {
    match choice {
        Choice::Auto => detect(adr),
        Choice::Nygard => Found::Set(Template::Nygard),
        Choice::Madr => Found::Set(Template::Madr),
        Choice::Log4brains => Found::Set(Template::Log4brains),
        Choice::YStatement => Found::Set(Template::YStatement),
    }
}

/// Recognises the template of `adr` by weighing its signs: MADR's section names and a
/// front-matter or list-item status (worth two) against Nygard's section names and a Status
/// heading or bare `Status:` line. MADR wins ties, and is log4brains when the ADR has a
/// `Tags:` field or a `draft` status. With neither, "in the context of … we decided" means
/// a Y-statement; with nothing, [`Found::Fallback`].
pub fn detect(adr: &Adr) -> Found {
    let score = |parts: &[Part]| parts.iter().filter(|p| has(adr, **p)).count();
    let source = adr.status.as_ref().map(|s| &s.source);
    let madr_status = matches!(
        source,
        Some(StatusSource::FrontMatter | StatusSource::ListItem)
    );
    let madr = score(MADR_SECTIONS) + 2 * usize::from(madr_status);
    let nygard_sections = score(Template::Nygard.parts());
    let nygard_status = matches!(source, Some(StatusSource::Heading | StatusSource::Line));
    let nygard = nygard_sections + usize::from(nygard_status);
    if madr > 0 && madr >= nygard {
        let log4brains = adr.fields.iter().any(|f| f == "tags")
            || adr
                .status
                .as_ref()
                .is_some_and(|s| first_word(s.text.as_deref()) == "draft");
        return Found::Detected(if log4brains {
            Template::Log4brains
        } else {
            Template::Madr
        });
    }
    if nygard_sections > 0 {
        return Found::Detected(Template::Nygard);
    }
    if has(adr, Part::Phrase("in the context of")) && has(adr, Part::Phrase("we decided")) {
        return Found::Detected(Template::YStatement);
    }
    if nygard_status {
        return Found::Detected(Template::Nygard);
    }
    Found::Fallback
}

/// Whether `adr` has `part`.
pub fn has(adr: &Adr, part: Part) -> bool {
    match part {
        Part::Section(title) => adr.heading(title).is_some(),
        Part::Phrase(phrase) => {
            let text = adr.lines.join(" ").to_lowercase();
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            text.contains(phrase)
        }
    }
}

/// The first word of a status, lower-cased, without Markdown emphasis or brackets
/// ("**Superseded** by [ADR-3](…)" → "superseded").
pub fn first_word(status: Option<&str>) -> String {
    status
        .unwrap_or("")
        .trim_matches(|c: char| c == '[' || c == ']' || c == '*' || c == '_' || c == '`')
        .split(|c: char| c.is_whitespace() || c == '|' || c == ',')
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}
