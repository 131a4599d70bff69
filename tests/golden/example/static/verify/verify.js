// The verify page of an Insigne site: checks an Open Badge in the reader's browser, trusting
// nothing of the page that links here. See docs/verifier-page.md.
//
// Input: an award URL (also ?url=...), or a baked PNG/SVG (or a JSON file), and optionally the
// recipient's email. Open Badges 2.0 hosted and signed (RS256) assertions are checked here with
// WebCrypto; Open Badges 3.0 credentials go through the bundled Digital Bazaar verifier
// (ob3-verifier.js, globalThis.InsigneOB3). Every text shown comes from the page's strings
// (the site's language) and every value is set with textContent, never as HTML.
'use strict';

(() => {
  const OB_NS = 'http://openbadges.org';
  const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const PNG_KEYWORDS = new Set(['openbadges', 'openbadgecredential']);
  // Worst first: the verdict is the first kind any failed check belongs to.
  const VERDICTS = [
    'not_found', 'not_a_badge', 'tampered', 'invalid', 'revoked', 'expired', 'email_mismatch',
  ];

  const strings = JSON.parse(document.getElementById('verify-strings').textContent);

  function t(key, values = {}) {
    const text = strings[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      name in values ? String(values[name]) : whole);
  }

  // Stops a verification with a verdict (a document missing, not a badge at all...).
  class Stop extends Error {
    constructor(kind, text) {
      super(text);
      this.kind = kind;
    }
  }

  class Report {
    constructor() {
      this.checks = []; // {state: 'ok' | 'fail' | 'skip', text, kind}
      this.facts = []; // [label, value]
    }
    ok(text) {
      this.checks.push({state: 'ok', text});
    }
    fail(kind, text) {
      this.checks.push({state: 'fail', text, kind});
    }
    skip(text) {
      this.checks.push({state: 'skip', text});
    }
    fact(label, value) {
      if(value) {
        this.facts.push([label, String(value)]);
      }
    }
    verdict() {
      const failed = new Set(this.checks.filter(c => c.state === 'fail').map(c => c.kind));
      return VERDICTS.find(kind => failed.has(kind)) || 'valid';
    }
  }

  // --- fetching ---------------------------------------------------------------------------

  // A did:web always names an https URL; a site previewed over http on its own host (insigne
  // serve, a test server) serves it over http: only there is https mapped to the page's origin.
  function reachable(url) {
    const parsed = new URL(url);
    if(parsed.protocol === 'https:' && location.protocol === 'http:' &&
      parsed.host === location.host) {
      parsed.protocol = 'http:';
    }
    return parsed.href;
  }

  async function get(url) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw new Stop('not_found', t('verify_err_bad_url', {url}));
    }
    if(parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new Stop('not_found', t('verify_err_bad_url', {url}));
    }
    let response;
    try {
      response = await fetch(reachable(parsed.href.split('#')[0]), {
        headers: {accept: 'application/ld+json, application/json;q=0.9, */*;q=0.1'},
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new Stop('not_found', t('verify_err_unreachable', {url}));
    }
    if(!response.ok) {
      throw new Stop('not_found', t('verify_err_http', {url, status: response.status}));
    }
    return response;
  }

  async function getJson(url) {
    const response = await get(url);
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Stop('not_a_badge', t('verify_err_not_json', {url}));
    }
  }

  // For the bundled OB 3.0 verifier: a plain Error, which it reports as a failed step.
  async function getJsonForLibrary(url) {
    try {
      return await getJson(url);
    } catch(e) {
      throw new Error(e.message);
    }
  }

  // --- unbaking -----------------------------------------------------------------------------

  async function inflate(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // The text of a PNG's `openbadges` or `openbadgecredential` iTXt/tEXt chunk, or null.
  async function unbakePng(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const latin1 = new TextDecoder('latin1');
    const utf8 = new TextDecoder('utf-8', {fatal: true});
    let offset = 8;
    while(offset + 8 <= bytes.length) {
      const length = view.getUint32(offset);
      const type = latin1.decode(bytes.subarray(offset + 4, offset + 8));
      const body = bytes.subarray(offset + 8, offset + 8 + length);
      if(body.length !== length) {
        break;
      }
      if(type === 'iTXt' || type === 'tEXt') {
        const end = body.indexOf(0);
        const keyword = end > 0 ? latin1.decode(body.subarray(0, end)) : '';
        if(PNG_KEYWORDS.has(keyword)) {
          if(type === 'tEXt') {
            return latin1.decode(body.subarray(end + 1));
          }
          const compressed = body[end + 1] === 1;
          let rest = body.subarray(end + 3);
          rest = rest.subarray(rest.indexOf(0) + 1); // language tag
          rest = rest.subarray(rest.indexOf(0) + 1); // translated keyword
          return utf8.decode(compressed ? await inflate(rest) : rest);
        }
      }
      if(type === 'IEND') {
        break;
      }
      offset += 12 + length;
    }
    return null;
  }

  // The text of an SVG's <openbadges:assertion> (or its verify="URL") or <openbadges:credential>.
  function unbakeSvg(text) {
    const svg = new DOMParser().parseFromString(text, 'image/svg+xml');
    if(svg.getElementsByTagName('parsererror').length) {
      return null;
    }
    for(const name of ['credential', 'assertion']) {
      const element = svg.getElementsByTagNameNS(OB_NS, name)[0];
      if(element) {
        const content = element.textContent.trim();
        return content || element.getAttribute('verify');
      }
    }
    return null;
  }

  async function readFile(file, report) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const isPng = PNG_SIGNATURE.every((b, i) => bytes[i] === b);
    let text;
    try {
      text = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
    } catch {
      text = null;
    }
    let baked = null;
    if(isPng) {
      baked = await unbakePng(bytes);
      report.fact(t('verify_fact_file'), t('verify_file_png', {name: file.name}));
    } else if(text !== null && /<svg[\s>]/.test(text.slice(0, 4096))) {
      baked = unbakeSvg(text);
      report.fact(t('verify_fact_file'), t('verify_file_svg', {name: file.name}));
    } else if(text !== null && text.trim().startsWith('{')) {
      baked = text;
    }
    if(baked === null) {
      throw new Stop('not_a_badge', t('verify_err_not_baked', {name: file.name}));
    }
    report.ok(t('verify_check_unbaked'));
    return baked.trim();
  }

  // --- crypto helpers -------------------------------------------------------------------

  function hex(buffer) {
    return [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('');
  }

  async function sha256Hex(text) {
    return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  }

  function base64UrlBytes(text) {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - b64.length % 4) % 4));
    return Uint8Array.from(binary, c => c.charCodeAt(0));
  }

  // Whether `email` is the recipient an identity object names (hashed or not).
  async function identityMatches(email, {identity, hashed, salt}) {
    const normalised = email.trim().toLowerCase();
    if(typeof identity !== 'string') {
      return null;
    }
    if(!hashed) {
      return identity.trim().toLowerCase() === normalised;
    }
    const [algorithm, digest] = identity.split('$');
    if(algorithm.toLowerCase() !== 'sha256' || !digest) {
      return null; // md5 and others: WebCrypto has no MD5, so the page cannot say
    }
    return (await sha256Hex(normalised + (salt || ''))) === digest.toLowerCase();
  }

  async function checkEmail(report, email, identities) {
    if(!email) {
      report.skip(t('verify_skip_email'));
      return;
    }
    const matches = [];
    for(const identity of identities) {
      matches.push(await identityMatches(email, identity));
    }
    if(matches.includes(true)) {
      report.ok(t('verify_check_email', {email}));
    } else if(matches.length && matches.every(match => match === null)) {
      report.skip(t('verify_skip_email_hash'));
    } else {
      report.fail('email_mismatch', t('verify_fail_email', {email}));
    }
  }

  // --- dates ------------------------------------------------------------------------------

  function parseDate(value) {
    const moment = typeof value === 'string' ? new Date(value) : null;
    if(!moment || Number.isNaN(moment.getTime())) {
      return null;
    }
    moment.source = value;
    return moment;
  }

  // The calendar date the document names (2017-09-15T00:00:00+02:00 is the 15th wherever the
  // reader is), in the page's language.
  function showDate(moment) {
    const named = /^(\d{4})-(\d{2})-(\d{2})/.exec(moment.source || '');
    const day = named ? new Date(Date.UTC(+named[1], named[2] - 1, +named[3])) : moment;
    return day.toLocaleDateString(document.documentElement.lang || undefined,
      {year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC'});
  }

  function checkPeriod(report, start, end) {
    const now = new Date();
    if(start && start > now) {
      report.fail('invalid', t('verify_fail_not_yet', {date: showDate(start)}));
    } else if(start) {
      report.ok(t('verify_check_issued', {date: showDate(start)}));
    }
    if(end && end <= now) {
      report.fail('expired', t('verify_fail_expired', {date: showDate(end)}));
    } else if(end) {
      report.ok(t('verify_check_not_expired', {date: showDate(end)}));
    } else {
      report.ok(t('verify_check_no_expiry'));
    }
  }

  // --- Open Badges 2.0 --------------------------------------------------------------------

  function types(node) {
    const type = node && node.type;
    return Array.isArray(type) ? type : [type];
  }

  function idOf(value) {
    return typeof value === 'string' ? value : value && value.id;
  }

  // A linked document, fetched from its URL, which must be its id.
  async function linked(report, value, type, label) {
    const url = idOf(value);
    if(typeof url !== 'string') {
      throw new Stop('not_a_badge', t('verify_err_no_address', {what: label}));
    }
    const node = await getJson(url);
    if(node.id !== url) {
      report.fail('tampered', t('verify_fail_id', {what: label, url, id: String(node.id)}));
    } else if(!types(node).includes(type)) {
      report.fail('not_a_badge', t('verify_fail_type', {what: label, type}));
    } else {
      report.ok(t('verify_check_fetched', {what: label, url}));
    }
    return node;
  }

  // Where the issuer's hosted assertions may live, as the 1EdTech validator reads it: the
  // issuer's verification policy (startsWith, allowedOrigins), else the authority (host:port)
  // of the issuer's id. Null when the issuer's id is no http(s) URL: nothing to enforce.
  function hostingPolicy(issuer) {
    const policy = typeof issuer.verification === 'object' && issuer.verification || {};
    if(typeof issuer.id !== 'string' || !/^https?:/.test(issuer.id)) {
      return null;
    }
    const origins = policy.allowedOrigins || new URL(issuer.id).host;
    return {
      allowedOrigins: [].concat(origins),
      startsWith: policy.startsWith ? [].concat(policy.startsWith) : null,
    };
  }

  function checkOrigin(report, assertion, issuer) {
    const policy = hostingPolicy(issuer);
    if(policy === null) {
      report.skip(t('verify_skip_origin'));
      return;
    }
    let host = '';
    try {
      host = new URL(assertion.id).host;
    } catch {
      // no host: refused below
    }
    const prefixOk = !policy.startsWith ||
      policy.startsWith.some(prefix => String(assertion.id).startsWith(prefix));
    if(prefixOk && policy.allowedOrigins.includes(host)) {
      report.ok(t('verify_check_origin', {host}));
    } else {
      report.fail('tampered', t('verify_fail_origin', {host: host || String(assertion.id)}));
    }
  }

  async function checkRevocation(report, assertion, issuer) {
    if(assertion.revoked === true) {
      report.fail('revoked', assertion.revocationReason ?
        t('verify_fail_revoked_reason', {reason: assertion.revocationReason}) :
        t('verify_fail_revoked'));
      return;
    }
    if(!issuer.revocationList) {
      report.ok(t('verify_check_not_revoked_no_list'));
      return;
    }
    const list = await getJson(idOf(issuer.revocationList));
    const entry = (list.revokedAssertions || []).find(item =>
      item === assertion.id || (item && (item.id === assertion.id ||
        (assertion.uid && item.uid === assertion.uid))));
    if(entry) {
      const reason = entry.revocationReason;
      report.fail('revoked', reason ?
        t('verify_fail_revoked_reason', {reason}) : t('verify_fail_revoked'));
    } else {
      report.ok(t('verify_check_not_revoked'));
    }
  }

  async function badgeAndIssuer(report, assertion) {
    const badge = await linked(report, assertion.badge, 'BadgeClass', t('verify_what_badge'));
    const issuer = await linked(report, badge.issuer, 'Issuer', t('verify_what_issuer'));
    report.fact(t('verify_fact_badge'), badge.name);
    report.fact(t('verify_fact_issuer'), issuer.name);
    return {badge, issuer};
  }

  async function verifyHosted(report, given, fetchedFrom) {
    const id = given.id;
    let assertion = given;
    if(fetchedFrom === null) {
      // A baked image: the assertion that counts is the one hosted at its id.
      if(typeof id !== 'string' || !/^https?:/.test(id)) {
        throw new Stop('not_a_badge', t('verify_err_missing', {what: 'id'}));
      }
      assertion = await getJson(id);
      const recipient = assertion.recipient || {};
      const bakedRecipient = given.recipient || {};
      const same = ['badge', 'issuedOn'].every(k => idOf(assertion[k]) === idOf(given[k])) &&
        ['type', 'identity', 'hashed', 'salt'].every(k => recipient[k] === bakedRecipient[k]);
      if(assertion.id === id && assertion.revoked === true) {
        // Revoked since it was baked: the hosted copy may be only its revocation.
        report.ok(t('verify_check_fetched', {what: t('verify_what_assertion'), url: id}));
      } else if(assertion.id !== id || !same) {
        report.fail('tampered', t('verify_fail_baked_differs', {url: id}));
      } else {
        report.ok(t('verify_check_baked_same', {url: id}));
      }
    } else if(id !== fetchedFrom) {
      report.fail('tampered', t('verify_fail_id',
        {what: t('verify_what_assertion'), url: fetchedFrom, id: String(id)}));
    } else {
      report.ok(t('verify_check_fetched', {what: t('verify_what_assertion'), url: id}));
    }
    if(assertion.revoked === true) {
      // A revoked hosted assertion may be only {id, revoked, revocationReason}.
      throw new Stop('revoked', assertion.revocationReason ?
        t('verify_fail_revoked_reason', {reason: assertion.revocationReason}) :
        t('verify_fail_revoked'));
    }
    const {issuer} = await badgeAndIssuer(report, assertion);
    checkOrigin(report, assertion, issuer);
    return {assertion, issuer};
  }

  async function verifySigned(report, jws) {
    const [header64, payload64, signature64] = jws.split('.');
    let header;
    let assertion;
    try {
      header = JSON.parse(new TextDecoder().decode(base64UrlBytes(header64)));
      assertion = JSON.parse(new TextDecoder().decode(base64UrlBytes(payload64)));
    } catch {
      throw new Stop('not_a_badge', t('verify_err_bad_jws'));
    }
    if(header.alg !== 'RS256') {
      report.fail('tampered', t('verify_fail_alg', {alg: String(header.alg)}));
      return {assertion, issuer: null};
    }
    const creator = assertion.verification && assertion.verification.creator;
    if(typeof creator !== 'string') {
      throw new Stop('not_a_badge', t('verify_err_missing', {what: 'verification.creator'}));
    }
    const {issuer} = await badgeAndIssuer(report, assertion);
    const key = await getJson(creator);
    const listed = [].concat(issuer.publicKey || []).map(idOf);
    if(!listed.includes(creator) || (key.owner && key.owner !== issuer.id)) {
      report.fail('tampered', t('verify_fail_key_not_listed', {url: creator}));
      return {assertion, issuer};
    }
    let verified = false;
    try {
      const pem = key.publicKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
      const spki = Uint8Array.from(atob(pem), c => c.charCodeAt(0));
      const publicKey = await crypto.subtle.importKey('spki', spki,
        {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, false, ['verify']);
      verified = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey,
        base64UrlBytes(signature64), new TextEncoder().encode(`${header64}.${payload64}`));
    } catch {
      verified = false;
    }
    if(verified) {
      report.ok(t('verify_check_jws', {url: creator}));
    } else {
      report.fail('tampered', t('verify_fail_jws'));
    }
    return {assertion, issuer};
  }

  async function verifyOb2(report, given, fetchedFrom, jws, email) {
    report.fact(t('verify_fact_format'), jws ? t('verify_format_ob2_signed') :
      t('verify_format_ob2_hosted'));
    const {assertion, issuer} = jws ?
      await verifySigned(report, jws) :
      await verifyHosted(report, given, fetchedFrom);
    if(!issuer) {
      return;
    }
    const issued = parseDate(assertion.issuedOn);
    const expires = parseDate(assertion.expires);
    if(!issued) {
      report.fail('not_a_badge', t('verify_err_missing', {what: 'issuedOn'}));
    }
    report.fact(t('verify_fact_issued'), issued && showDate(issued));
    report.fact(t('verify_fact_expires'), expires && showDate(expires));
    checkPeriod(report, issued, expires);
    await checkRevocation(report, assertion, issuer);
    const recipient = assertion.recipient || {};
    if(recipient.type && recipient.type !== 'email' && email) {
      report.skip(t('verify_skip_identity_type', {type: recipient.type}));
    } else {
      await checkEmail(report, email, [recipient]);
    }
    report.skip(t('verify_skip_ob2_trust'));
  }

  // --- Open Badges 3.0 --------------------------------------------------------------------

  async function verifyOb3(report, credential, email) {
    report.fact(t('verify_fact_format'), t('verify_format_ob3'));
    const subject = credential.credentialSubject || {};
    const achievement = subject.achievement || {};
    const issuer = typeof credential.issuer === 'object' ? credential.issuer : {};
    report.fact(t('verify_fact_badge'), achievement.name || credential.name);
    report.fact(t('verify_fact_issuer'), issuer.name || idOf(credential.issuer));
    const start = parseDate(credential.validFrom || credential.issuanceDate);
    const end = parseDate(credential.validUntil || credential.expirationDate);
    report.fact(t('verify_fact_issued'), start && showDate(start));
    report.fact(t('verify_fact_expires'), end && showDate(end));
    checkPeriod(report, start, end);
    if(!globalThis.InsigneOB3) {
      report.fail('invalid', t('verify_fail_no_library'));
      return;
    }
    // The validity period is judged above; the proof is judged at a moment inside it, so that
    // an expired credential is still told apart from a forged one.
    const now = end && end <= new Date() ? end : new Date();
    const result = await globalThis.InsigneOB3.verifyCredential(credential,
      {fetchJson: getJsonForLibrary, now});
    if(result.proofVerified) {
      report.ok(t('verify_check_proof', {issuer: String(idOf(credential.issuer))}));
    } else {
      report.fail('tampered', t('verify_fail_proof', {errors: result.errors.join(' · ')}));
    }
    if(!credential.credentialStatus) {
      report.skip(t('verify_skip_no_status'));
    } else if(!result.statusChecked) {
      if(result.proofVerified) {
        report.fail('invalid', t('verify_fail_status', {errors: result.errors.join(' · ')}));
      }
    } else if(result.revoked) {
      report.fail('revoked', t('verify_fail_revoked'));
    } else {
      report.ok(t('verify_check_status'));
    }
    const identities = [].concat(subject.identifier || []).map(item => ({
      identity: item.identityHash, hashed: item.hashed, salt: item.salt,
    }));
    await checkEmail(report, email, identities);
    report.skip(t('verify_skip_ob3_trust'));
  }

  // --- one verification -------------------------------------------------------------------

  const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

  // What a text names: a JSON document, a JWS, or a URL to fetch.
  async function dispatch(report, text, fetchedFrom, email) {
    if(JWS.test(text)) {
      await verifyOb2(report, null, null, text, email);
      return;
    }
    if(fetchedFrom === null && /^https?:\/\//.test(text)) {
      await verifyUrl(report, text, email);
      return;
    }
    let node;
    try {
      node = JSON.parse(text);
    } catch {
      throw new Stop('not_a_badge', t('verify_err_not_badge'));
    }
    const kinds = types(node);
    if(kinds.includes('VerifiableCredential') &&
      (kinds.includes('OpenBadgeCredential') || kinds.includes('AchievementCredential'))) {
      await verifyOb3(report, node, email);
    } else if(kinds.includes('Assertion')) {
      const signed = node.verification && node.verification.type === 'SignedBadge';
      if(signed && fetchedFrom === null) {
        throw new Stop('not_a_badge', t('verify_err_signed_needs_jws'));
      }
      await verifyOb2(report, node, fetchedFrom, null, email);
    } else {
      throw new Stop('not_a_badge', t('verify_err_not_badge'));
    }
  }

  async function verifyUrl(report, url, email) {
    const response = await get(url);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if(PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
      const baked = await unbakePng(bytes);
      if(baked === null) {
        throw new Stop('not_a_badge', t('verify_err_not_baked', {name: url}));
      }
      await dispatch(report, baked.trim(), null, email);
      return;
    }
    const text = new TextDecoder().decode(bytes).trim();
    if(/^<(\?xml|svg)/.test(text)) {
      const baked = unbakeSvg(text);
      if(baked === null) {
        throw new Stop('not_a_badge', t('verify_err_not_baked', {name: url}));
      }
      await dispatch(report, baked.trim(), null, email);
      return;
    }
    await dispatch(report, text, url, email);
  }

  // --- the page ---------------------------------------------------------------------------

  const form = document.getElementById('verify-form');
  const urlInput = document.getElementById('verify-url');
  const fileInput = document.getElementById('verify-file');
  const emailInput = document.getElementById('verify-email');
  const drop = document.getElementById('verify-drop');
  const result = document.getElementById('verify-result');

  function list(id, checks) {
    const element = document.getElementById(id);
    element.replaceChildren(...checks.map(check => {
      const item = document.createElement('li');
      item.className = check.state;
      item.textContent = check.text;
      return item;
    }));
  }

  function show(kind, report, extra) {
    result.hidden = false;
    result.className = `verify-result verdict-${kind}`;
    result.dataset.verdict = kind;
    const heading = document.getElementById('verify-verdict');
    heading.textContent = t(`verify_verdict_${kind}`);
    document.getElementById('verify-summary').textContent = extra || t(`verify_summary_${kind}`);
    const facts = document.getElementById('verify-facts');
    facts.replaceChildren(...report.facts.map(([label, value]) => {
      const row = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = label;
      dd.textContent = value;
      row.append(dt, dd);
      return row;
    }));
    list('verify-checked', report.checks.filter(c => c.state !== 'skip'));
    list('verify-not-checked', report.checks.filter(c => c.state === 'skip'));
    if(kind !== 'working') {
      heading.focus();
    }
  }

  async function run(source) {
    const report = new Report();
    const email = emailInput.value.trim();
    show('working', report);
    try {
      if(source instanceof File) {
        await dispatch(report, await readFile(source, report), null, email);
      } else {
        report.fact(t('verify_fact_url'), source);
        await verifyUrl(report, source, email);
      }
    } catch(e) {
      // Anything unforeseen (a malformed document deep inside) is a verdict too, never a
      // page stuck on "checking".
      const stop = e instanceof Stop ? e :
        new Stop('invalid', t('verify_err_unexpected', {error: e.message || String(e)}));
      report.fail(stop.kind, stop.message);
      show(stop.kind, report, stop.message);
      return;
    }
    show(report.verdict(), report);
  }

  form.addEventListener('submit', event => {
    event.preventDefault();
    const file = fileInput.files[0];
    if(file) {
      run(file);
    } else if(urlInput.value.trim()) {
      run(urlInput.value.trim());
    }
  });
  fileInput.addEventListener('change', () => {
    if(fileInput.files[0]) {
      urlInput.value = '';
      run(fileInput.files[0]);
    }
  });
  drop.addEventListener('dragover', event => {
    event.preventDefault();
    drop.classList.add('is-over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('is-over'));
  drop.addEventListener('drop', event => {
    event.preventDefault();
    drop.classList.remove('is-over');
    if(event.dataTransfer.files.length) {
      fileInput.files = event.dataTransfer.files;
      fileInput.dispatchEvent(new Event('change'));
    }
  });
  urlInput.addEventListener('input', () => {
    fileInput.value = '';
  });

  const given = new URLSearchParams(location.search).get('url');
  if(given) {
    urlInput.value = given;
    run(given);
  }
})();
