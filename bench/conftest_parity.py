#!/usr/bin/env python3
"""Tally of conftest's acceptance tests (acceptance.bats) run with git-govern instead.

Usage: python3 bench/conftest_parity.py CONFTEST_CHECKOUT [--binary PATH] [--verbose]

Each `@test` of CONFTEST_CHECKOUT/acceptance.bats is sorted into one of four groups:

- "unread format": it feeds conftest a format git-govern has no reader for (HCL1, EDN,
  HOCON, VCL, Jsonnet, CUE, Groovy, nginx, textproto, SPDX, CycloneDX, ignore files);
- "CLI feature": it exercises a conftest command or flag git-govern does not offer
  (`conftest parse`, `--trace`, `--quiet`, `-o tap|table`, `--report`, `--update`, the
  conftest.toml configuration file, ...), or asserts on the shape of conftest's text
  output (line counts, `FAIL - file - ns - msg` lines, ANSI codes);
- "by design": it needs git-govern to follow a symbolic link out of the directory it
  checks, which git-govern never does;
- "comparable": everything else. Its commands are translated (`conftest test` becomes
  `git-govern check --no-cache --select 'policy.*' --only files --color never`,
  `conftest verify` becomes `git-govern policy test`, `--fail-on-warn` becomes `--strict`,
  `-o json` becomes `--format json`) and run in the checkout; the test matches when every
  assertion holds for git-govern:
  - exit status: both zero, or both non-zero (git-govern exits 2 for an input or usage
    error where conftest exits 1);
  - `"$output" =~ "text"` (or `!~`): the text is (or is not) in git-govern's output;
  - a summary `N tests, P passed, W warnings, F failures, E exceptions`: git-govern's
    violations, warnings and suppressed findings equal F, W and E (the numbers of tests and
    passes count conftest's rule-input pairs, which git-govern does not count); a verify
    summary is compared as printed.

The checkout is read, never changed; nothing from it is copied into git-govern.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

UNREAD_PARSERS = {"hcl1", "edn", "hocon", "vcl", "jsonnet", "cue", "groovy", "nginx",
                  "textproto", "spdx", "cyclonedx", "ignore", "jsonc"}
UNREAD_NAMES = (".edn", ".conf", ".vcl", ".jsonnet", ".cue", ".textproto", ".spdx",
                ".dockerignore", ".gitignore", ".jsonc")
UNSUPPORTED_FLAGS = (
    "--trace", "--quiet", "--report", "--update", "-u", "--version", "--help", "--capabilities",
    "--show-builtin-errors", "--strict", "--proto-file-dirs", "--suppress-exceptions", "-c",
    "--no-cache", "-r", "--rego-version", "parse", "pull", "push", "fmt", "document",
)
UNSUPPORTED_OUTPUTS = ("tap", "table")
VALUED = {"-p", "--policy", "-d", "--data", "--namespace", "--parser", "-o", "--output", "-c",
          "-r", "--report", "--capabilities", "--proto-file-dirs", "-u", "--update"}
SUMMARY = re.compile(
    r"(\d+) tests?, (\d+) passed, (\d+) warnings?, (\d+) failures?(?:, (\d+) exceptions?)?"
)


@dataclass
class Test:
    name: str
    body: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.body)


def parse_bats(path: Path) -> list[Test]:
    tests, current = [], None
    for line in path.read_text().splitlines():
        m = re.match(r'@test "(.*)" \{', line)
        if m:
            current = Test(m.group(1))
            tests.append(current)
        elif line.startswith("}"):
            current = None
        elif current is not None:
            current.body.append(line.strip())
    return tests


def run_line(t: Test) -> str:
    """The command of a test: its `run` line, the `bash -c` script unwrapped."""
    for line in t.body:
        if line.startswith("run "):
            return line
    return ""


def conftest_argv(line: str) -> list[str]:
    """The arguments after `./conftest` in a run line (stdin redirections dropped)."""
    at = line.find("./conftest")
    if at < 0:
        return []
    words = shlex.split(line[at + len("./conftest"):].split("|")[0].split("<")[0].rstrip('"'))
    return words


def unread_name(n: str) -> bool:
    return n.endswith(UNREAD_NAMES) or n.startswith("jenkinsfile")


def unread_dir(path: Path) -> bool:
    """Whether every input in a directory (the policies aside) is in an unread format."""
    files = [p for p in path.rglob("*") if p.is_file() and p.suffix != ".rego"
             and not p.name.startswith(".") and p.suffix not in (".md", ".proto")]
    return bool(files) and all(unread_name(p.name.lower()) for p in files)


def group(t: Test, checkout: Path) -> str:
    if "ln -s" in t.text:
        return "by design"
    line = run_line(t)
    argv = conftest_argv(line)
    if not argv or "cd examples/configfile" in t.text:
        return "CLI feature"
    inputs, parser, i = [], None, 1
    while i < len(argv):
        if argv[i] in VALUED:
            if argv[i] == "--parser":
                parser = argv[i + 1]
            if argv[i] in ("-o", "--output") and argv[i + 1] in UNSUPPORTED_OUTPUTS:
                return "CLI feature"
            i += 2
            continue
        if not argv[i].startswith("-"):
            inputs.append(argv[i].lower())
        i += 1
    names = [x.rstrip("/").rsplit("/", 1)[-1] for x in inputs]
    if parser in UNREAD_PARSERS or any(unread_name(n) for n in names) \
            or any((checkout / x).is_dir() and unread_dir(checkout / x) for x in inputs):
        return "unread format"
    if argv[0] in ("parse", "pull", "push", "fmt", "document") or argv[0].startswith("-"):
        return "CLI feature"
    if any(a in UNSUPPORTED_FLAGS for a in argv[1:]):
        return "CLI feature"
    if any(x in t.text for x in ("${#lines[@]}", "FAIL - ", "EXCP - ", "PRNT ", "WARN - ")):
        return "CLI feature"
    if argv[0] == "verify" and any(a in ("-o", "--output") for a in argv):
        return "CLI feature"
    return "comparable"


def translate(args: list[str], binary: str) -> list[str]:
    """conftest's arguments (after `./conftest`) as git-govern's."""
    if not args:
        return [binary]
    sub, rest = args[0], args[1:]
    if sub == "verify":
        out = [binary, "policy", "test"]
    else:
        out = [binary, "check", "--no-cache", "--select", "policy.*", "--only", "files",
               "--color", "never"]
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--no-color":
            pass
        elif a == "--fail-on-warn":
            out.append("--strict")
        elif a in ("-o", "--output"):
            out += ["--format", rest[i + 1]]
            i += 1
        else:
            out.append(a)
        i += 1
    return out


def command_of(t: Test, binary: str) -> tuple[list[str] | str, bool] | None:
    """The translated command: an argv, or a shell string (for `bash -c`)."""
    for line in t.body:
        if line.startswith("run ./conftest"):
            argv = shlex.split(line[len("run ./conftest"):])
            stdin = None
            if "<" in argv:
                at = argv.index("<")
                stdin = argv[at + 1]
                argv = argv[:at]
            return translate(argv, binary), stdin
        if line.startswith('run bash -c "'):
            script = line[len('run bash -c "'):-1].replace('\\"', '"')
            script = re.sub(
                r"\./conftest ([^|<]*)",
                lambda m: shlex.join(translate(shlex.split(m.group(1)), binary)) + " ",
                script,
            )
            return script, None
    return None


def run(cmd, stdin_file: str | None, cwd: Path) -> tuple[int, str]:
    stdin = open(cwd / stdin_file, "rb") if stdin_file else subprocess.DEVNULL
    env = dict(os.environ, NO_COLOR="1")
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=stdin, capture_output=True, text=True,
                           shell=isinstance(cmd, str), env=env, timeout=120)
    finally:
        if stdin_file:
            stdin.close()
    return p.returncode, p.stdout + p.stderr


def counts(cmd, stdin_file, cwd) -> tuple[int, int, int] | None:
    """(violations, warnings, suppressed) of a check, from its JSON report."""
    if isinstance(cmd, str) or "check" not in cmd:
        return None
    code, _ = 0, ""
    argv = [a for a in cmd]
    if "--format" in argv:
        at = argv.index("--format")
        del argv[at:at + 2]
    argv += ["--format", "json"]
    stdin = open(cwd / stdin_file, "rb") if stdin_file else subprocess.DEVNULL
    p = subprocess.run(argv, cwd=cwd, stdin=stdin, capture_output=True, text=True, timeout=120)
    try:
        s = json.loads(p.stdout)["summary"]
    except (ValueError, KeyError):
        return None
    return s["violations"], s["warnings"], s["suppressed"]


def check_assertions(t: Test, code: int, output: str, cmd, stdin_file, cwd) -> list[str]:
    """The assertions of `t` that do not hold for git-govern's run."""
    failed = []
    for line in t.body:
        m = re.match(r'\[ "\$status" -eq (\d+) \]', line)
        if m:
            want = int(m.group(1))
            if (want == 0) != (code == 0):
                failed.append(f"status: conftest {want}, git-govern {code}")
            continue
        m = re.match(r'\[\[ (!?) ?"\$output" (=~|!=) (["\'])(.*)\3 \]\]', line)
        if not m:
            m2 = re.match(r'\[ "\$\{lines\[\d+\]\}" (=|==|=~) "(.*)" \]', line)
            if m2:
                text = m2.group(2).replace('\\"', '"')
                failed += summary_or_text(text, output, True, cmd, stdin_file, cwd)
            continue
        negate = m.group(1) == "!" or m.group(2) == "!="
        text = m.group(4).replace('\\"', '"').replace("\\`", "`").strip("*")
        failed += summary_or_text(text, output, not negate, cmd, stdin_file, cwd)
    return failed


def summary_or_text(text, output, present, cmd, stdin_file, cwd) -> list[str]:
    s = SUMMARY.search(text)
    if s and isinstance(cmd, list) and "check" in cmd:
        got = counts(cmd, stdin_file, cwd)
        want = (int(s.group(4)), int(s.group(3)), int(s.group(5) or 0))
        if got != want:
            return [f"counts (failures, warnings, exceptions): conftest {want}, git-govern {got}"]
        return []
    if (text in output) != present:
        return [f"output {'lacks' if present else 'has'}: {text!r}"]
    return []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout", type=Path)
    ap.add_argument("--binary", default=str(Path(__file__).resolve().parent.parent
                                            / "target" / "release" / "git-govern"))
    ap.add_argument("--verbose", action="store_true",
                    help="name every test with its group, not only those that differ")
    a = ap.parse_args()
    a.binary = str(Path(a.binary).resolve())
    tests = parse_bats(a.checkout / "acceptance.bats")
    tally: dict[str, list[str]] = {"unread format": [], "CLI feature": [], "by design": [],
                                   "match": [], "differ": []}
    for t in tests:
        g = group(t, a.checkout)
        if g != "comparable":
            tally[g].append(t.name)
            if a.verbose:
                print(f"{g.upper():14} {t.name}")
            continue
        c = command_of(t, a.binary)
        if c is None:
            tally["CLI feature"].append(t.name)
            continue
        cmd, stdin_file = c
        code, output = run(cmd, stdin_file, a.checkout)
        failed = check_assertions(t, code, output, cmd, stdin_file, a.checkout)
        tally["differ" if failed else "match"].append(t.name)
        if failed or a.verbose:
            print(f"{'DIFFER' if failed else 'MATCH '} {t.name}")
            for f in failed:
                print(f"         {f}")
    comparable = len(tally["match"]) + len(tally["differ"])
    print()
    print(f"acceptance tests: {len(tests)}")
    for k in ("unread format", "CLI feature", "by design"):
        print(f"  {k}: {len(tally[k])}")
    print(f"  comparable: {comparable}: {len(tally['match'])} match, {len(tally['differ'])} differ"
          f" ({100 * len(tally['match']) / max(comparable, 1):.0f}% match)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
