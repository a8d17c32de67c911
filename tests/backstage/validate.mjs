// Validates a catalog file written by `git govern export backstage` with Backstage's own
// catalog model (@backstage/catalog-model from npm): the policies the catalog applies when
// it reads entities (schema, field formats, no foreign root fields) and the validator of
// each entity's kind. Prints {"validated": N, "kinds": {...}, "errors": [...]} as JSON.
//
// Usage: node tests/backstage/validate.mjs catalog-info.yaml
// The packages are found in target/tools/node_modules (.ci/run installs them).
import { createRequire } from "node:module";
import path from "node:path";
import fs from "node:fs";

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, "../../target/tools/package.json"));
const model = require("@backstage/catalog-model");
const YAML = require("yaml");

const file = process.argv[2];
const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
const policies = [
  new model.SchemaValidEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
];
const kinds = {
  Component: model.componentEntityV1alpha1Validator,
  System: model.systemEntityV1alpha1Validator,
};
const errors = [];
const seen = {};
for (const doc of docs) {
  const entity = doc.toJS();
  const name = `${entity?.kind}:${entity?.metadata?.namespace}/${entity?.metadata?.name}`;
  try {
    for (const p of policies) await p.enforce(entity);
    const validator = kinds[entity.kind];
    if (!validator || !(await validator.check(entity))) throw new Error(`no validator took kind ${entity.kind}`);
    seen[entity.kind] = (seen[entity.kind] || 0) + 1;
  } catch (e) {
    errors.push(`${name}: ${e.message}`);
  }
}
console.log(JSON.stringify({ validated: docs.length - errors.length, kinds: seen, errors }));
