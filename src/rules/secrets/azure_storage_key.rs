//! `secrets.azure-storage-key`: Azure storage account keys.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{placeholder, scan_tokens, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; detect-secrets `AzureStorageKeyDetector`;
/// GitHub secret scanning "Azure Storage Account Key").
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.azure-storage-key"),
    severity: Severity::Error,
    version: 1,
    summary: "No Azure storage account key (AccountKey=…, azurestorageaccountkey: …) in any file.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Finds Azure storage account keys: 64 random bytes written as 88 base64 \
characters (ending `==`), given as `AccountKey=` in a connection string or under a key named \
`azurestorageaccountkey`, `accountkey`, `account_key` or `storage_key` (any case). Under \
such a key the base64 of the key (120 characters, as a Kubernetes Secret's `data:` holds it) \
counts too. Placeholders (`XXXX`, `your…`, low entropy) are not reported. The message gives \
the length only.",
        why: "A storage account key is full control of every blob, file share, queue and \
table in the account, with no expiry; Kubernetes Secrets for the Azure File CSI driver and \
`.env` connection strings are where it leaks.",
        example: crate::rules::doc_files!(
            "secrets.azure-storage-key",
            "example",
            ["azure-secret.yaml"]
        ),
        use_instead: crate::rules::doc_files!(
            "secrets.azure-storage-key",
            "use-instead",
            ["azure-secret.yaml"]
        ),
        references: &[
            "seed 002: security scanning, secret detection",
            "detect-secrets AzureStorageKeyDetector",
            "GitHub secret scanning (Azure Storage Account Key)",
        ],
    },
    check: Check::Text(check),
};

static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:\bAccountKey=|\b(?:azure_?storage_?)?(?:account_?key|storage_?key)["']?[ \t]*[:=][ \t]*["']?)(?P<secret>[A-Za-z0-9+/]{86}==|[A-Za-z0-9+/]{118}==)(?:[^A-Za-z0-9+/=]|$)"#,
    )
    .expect("azure storage key regex")
});

fn check(text: &str, _ctx: &Ctx) -> Vec<RawFinding> {
    let lower = text.to_ascii_lowercase();
    if !(lower.contains("accountkey")
        || lower.contains("account_key")
        || lower.contains("storagekey")
        || lower.contains("storage_key"))
    {
        return Vec::new();
    }
    scan_tokens(
        RULE.id.as_str(),
        text,
        &KEY,
        |s| !placeholder(s),
        |c| {
            format!(
                "an Azure storage account key ({} characters of base64)",
                c["secret"].len()
            )
        },
        HELP,
    )
}
