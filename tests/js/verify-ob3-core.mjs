#!/usr/bin/env node
// Open Badges 3.0 credentials through @digitalcredentials/verifier-core, the verifier of the
// Learner Credential Wallet and VerifierPlus, for the Insigne test suite.
//
//   node verify-ob3-core.mjs --map https://ORIGIN=http://127.0.0.1:PORT [--map ...] FILE_OR_URL...
//
// verifier-core takes no document loader: it fetches with the global `fetch`, resolves did:web
// over https, and its schema_check step fetches 1EdTech's JSON Schema by URL. So `fetch` is
// wrapped: JSON-LD contexts come from generator/contexts/ (the files Insigne signs with), the
// official schemas from tests/schemas/ob3/, mapped origins go to the local server, loopback URLs
// as they are, and anything else is refused: nothing leaves the machine. No issuer registry is
// given (a self-hosted issuer is in none), so registered_issuer is false by construction.
// Prints one JSON line per input:
//   {input, errors: [fatal error messages], checks: {step id: true|false|"error: ..."},
//    schemas: [{schema, valid, errors}]}
// Exit status 0 iff every input has no fatal error; 2 on bad usage.
import {readFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CONTEXTS_DIR = join(here, '..', '..', 'generator', 'contexts');
const SCHEMAS_DIR = join(here, '..', 'schemas', 'ob3');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const OB3_SCHEMAS = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/';
// The URLs verifier-core asks for (its own names for the schemas) and their `$id`s.
const SCHEMA_FILES = {
  [OB3_SCHEMAS + 'ob_v3p0_achievementcredential_schema.json']: 'achievementcredential.json',
  [OB3_SCHEMAS + 'ob_v3p0_achievementcredential-jsonschema1.json']: 'achievementcredential.json',
  [OB3_SCHEMAS + 'ob_v3p0_endorsementcredential_schema.json']: 'endorsementcredential.json',
  [OB3_SCHEMAS + 'ob_v3p0_endorsementcredential-jsonschema1.json']: 'endorsementcredential.json',
  [OB3_SCHEMAS + 'ob_v3p0_profile-jsonschema1.json']: 'profile.json',
};

function usage(message) {
  process.stderr.write(`verify-ob3-core: ${message}\n` +
    'usage: node verify-ob3-core.mjs [--map https://ORIGIN=http://127.0.0.1:PORT ...] ' +
    'FILE_OR_URL...\n');
  process.exit(2);
}

const maps = [];
const inputs = [];
const argv = process.argv.slice(2);
for(let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if(arg === '--map') {
    const spec = argv[++i] || '';
    const eq = spec.indexOf('=');
    if(eq < 0) {
      usage(`--map needs FROM=TO, got ${JSON.stringify(spec)}`);
    }
    const to = new URL(spec.slice(eq + 1));
    if(!LOOPBACK.has(to.hostname)) {
      usage(`--map target must be a loopback address, got ${to.origin}`);
    }
    maps.push({from: new URL(spec.slice(0, eq)).origin, to: to.origin});
  } else if(arg.startsWith('--')) {
    usage(`unknown option ${arg}`);
  } else {
    inputs.push(arg);
  }
}
if(inputs.length === 0) {
  usage('no input given');
}

const contextIndex = JSON.parse(await readFile(join(CONTEXTS_DIR, 'index.json'), 'utf8'));
const fetched = [];

function jsonResponse(text) {
  return new Response(text, {
    status: 200,
    headers: {'content-type': 'application/json'},
  });
}

const realFetch = globalThis.fetch;
globalThis.fetch = async (resource, init) => {
  const url = typeof resource === 'string' ? resource :
    resource instanceof URL ? resource.href : resource.url;
  const bare = url.split('#')[0];
  fetched.push(bare);
  if(contextIndex[bare]) {
    return jsonResponse(await readFile(join(CONTEXTS_DIR, contextIndex[bare]), 'utf8'));
  }
  if(SCHEMA_FILES[bare]) {
    return jsonResponse(await readFile(join(SCHEMAS_DIR, SCHEMA_FILES[bare]), 'utf8'));
  }
  const parsed = new URL(bare);
  for(const {from, to} of maps) {
    if(parsed.origin === from) {
      return realFetch(to + parsed.pathname + parsed.search, init);
    }
  }
  if(LOOPBACK.has(parsed.hostname) && parsed.protocol === 'http:') {
    return realFetch(bare, init);
  }
  throw new TypeError(`verify-ob3-core refuses to fetch ${url}: not a bundled context or ` +
    'schema, and its origin is not mapped to a loopback address');
};

// Imported after the wrapping: the library may keep a reference to fetch when it loads.
const {verifyCredential} = await import('@digitalcredentials/verifier-core');

async function loadInput(input) {
  if(/^https?:\/\//.test(input)) {
    const response = await globalThis.fetch(input);
    if(!response.ok) {
      throw new Error(`GET ${input} answered HTTP ${response.status}`);
    }
    return response.json();
  }
  return JSON.parse(await readFile(input, 'utf8'));
}

function message(error) {
  if(!error) {
    return '';
  }
  return `${error.name ? error.name + ': ' : ''}${error.message ?? JSON.stringify(error)}`;
}

async function verifyOne(input) {
  const report = {input, errors: [], checks: {}, schemas: []};
  let credential;
  try {
    credential = await loadInput(input);
  } catch(e) {
    report.errors.push(`cannot read credential: ${e.message}`);
    return report;
  }
  const result = await verifyCredential({credential, knownDIDRegistries: []});
  for(const error of result.errors || []) {
    report.errors.push(message(error));
  }
  for(const entry of result.log || []) {
    report.checks[entry.id] = 'valid' in entry ? entry.valid === true :
      `error: ${message(entry.error)}`;
  }
  for(const info of result.additionalInformation || []) {
    if(info.id !== 'schema_check') {
      continue;
    }
    if(!Array.isArray(info.results)) {
      report.schemas.push({schema: null, valid: false, errors: [String(info.results)]});
      continue;
    }
    for(const {schema, result: outcome} of info.results) {
      report.schemas.push({
        schema,
        valid: outcome.valid === true,
        errors: (outcome.errors || []).map(e => `${e.instancePath || '$'} ${e.message}`),
      });
    }
  }
  return report;
}

let ok = true;
for(const input of inputs) {
  const report = await verifyOne(input);
  if(report.errors.length) {
    ok = false;
  }
  process.stdout.write(JSON.stringify(report) + '\n');
}
process.exit(ok ? 0 : 1);
