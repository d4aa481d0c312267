// Tessera demo page: acts as the demo user of the demo tenant through the public API, exactly as
// a tenant's web front end would, with @tessera/sdk (the typed client generated from the OpenAPI
// document, and its WebAuthn ceremonies). Every API error shows its `message` and each of its `notices`.
import { createTesseraClient, outcomeOf } from '@tessera/sdk';
import * as ceremonies from '@tessera/sdk/browser';

const $ = (id) => document.getElementById(id);

const METHOD_LABELS = { webauthn_passkey: 'Passkey', webauthn_fido: 'Security key', totp: 'Authenticator app' };
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

// What a person can act on, for the browser-side WebAuthn failures (the API's own messages are shown as they are).
const WEBAUTHN_MESSAGES = {
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED:
    'This authenticator is already registered for your account. Use a different one, or remove the existing factor first.',
  ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT:
    'A passkey needs user verification (a PIN or biometric), and no available authenticator supports it.',
  ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT:
    'A passkey must be stored on the authenticator (a discoverable credential), and no available authenticator supports that.',
  ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG:
    'No available authenticator supports any of the signature algorithms this service accepts.',
  ERROR_CEREMONY_ABORTED: 'The request was cancelled.',
};
const NOT_ALLOWED_MESSAGE =
  'The browser did not complete the request: it was cancelled or timed out, or no authenticator could do what was required (for a passkey: user verification with a PIN or biometric).';

/** An SDK error value (the API's `{code, message, details, notices}`, or a browser-side failure), thrown to the action that ran it. */
class ApiFailure extends Error {
  constructor(error, status) {
    super(
      typeof error?.message === 'string' && error.message
        ? error.message
        : `The request failed${status ? ` (HTTP ${status})` : ''}.`,
    );
    this.name = 'ApiFailure';
    this.status = status;
    this.code = typeof error?.code === 'string' ? error.code : undefined;
    this.notices = Array.isArray(error?.notices) ? error.notices.filter((n) => typeof n === 'string') : [];
    this.details = error?.details && typeof error.details === 'object' ? error.details : undefined;
  }
}

let session = null;
// The SDK clients: the user's own calls (bearer, and the step-up proof while it is valid), and the
// challenge endpoints, where the challenge id is the capability.
let user = null;
let anonymous = null;
let challenge = null;
// The MFA token of the last step-up, sent as X-MFA-Token with factor changes while it is valid.
let stepUp = null;
// A factor change refused with step_up_required, run again once the step-up is complete.
let retryAfterStepUp = null;
let pendingTotp = null;
let shownCodes = [];

// ---- API ---------------------------------------------------------------------------------

/**
 * The browser's languages, best first, as an Accept-Language value with q-values, so notices and
 * messages come back in the user's language (German, or the default English).
 */
function acceptLanguage() {
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language || 'en'];
  return languages
    .slice(0, 10)
    .map((tag, i) => (i === 0 ? tag : `${tag};q=${Math.max(0.1, 1 - i * 0.1).toFixed(1)}`))
    .join(', ');
}

async function loadSession() {
  const res = await fetch('/demo/session', { cache: 'no-store' });
  const body = await readJson(res);
  if (!res.ok) throw new ApiFailure(body, res.status);
  session = body;
  const base = {
    baseUrl: location.origin,
    tenantId: session.tenant_id,
    headers: { 'Accept-Language': acceptLanguage() },
  };
  user = createTesseraClient({
    ...base,
    token: () => session.token,
    mfaToken: () => currentStepUpToken() ?? undefined,
  });
  anonymous = createTesseraClient(base);
  $('who').textContent =
    `Signed in as “${session.user_id}” of the demo tenant ${session.tenant_id}, with a dev token that expires ${formatTime(session.expires_at)}.`;
}

/**
 * Runs an SDK step that answers `{ data } | { error }` and returns its data; its error is thrown
 * as an ApiFailure. The dev token lasts an hour: on `unauthenticated` a fresh one is fetched once
 * and the step runs again.
 */
async function call(step, retried = false) {
  const outcome = await step();
  if (outcome.error?.code === 'unauthenticated' && !retried) {
    await loadSession();
    return call(step, true);
  }
  if (outcome.error) throw new ApiFailure(outcome.error, outcome.status);
  return outcome.data;
}

/** One typed client request, e.g. `api(() => user.GET('/v1/users/me/mfa'))`. */
const api = (request) => call(() => outcomeOf(request()));

async function readJson(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function currentStepUpToken() {
  if (stepUp && Date.parse(stepUp.expires_at) > Date.now() + 5_000) return stepUp.token;
  stepUp = null;
  return null;
}

/**
 * Runs a change to the user's factors. Once the user has MFA, the API asks for a fresh proof of a
 * factor (403 step_up_required): the page then shows why, opens a step-up challenge, and runs the
 * change again with the challenge's MFA token in X-MFA-Token when the person has proved a factor.
 */
async function changeFactors(run) {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof ApiFailure) || err.code !== 'step_up_required') throw err;
    stepUp = null;
    retryAfterStepUp = run;
    await startChallenge(err);
    showStatus('First confirm it is you with one of your factors below; the page then finishes what you asked.');
  }
}

// ---- Feedback ----------------------------------------------------------------------------

function clearFeedback() {
  $('error').hidden = true;
  $('status').hidden = true;
}

function showStatus(text) {
  $('status').textContent = text;
  $('status').hidden = false;
}

function showError(err) {
  let message;
  let notices = [];
  let meta;
  if (err instanceof ApiFailure && err.code === 'ceremony_failed') {
    // The browser's side of a WebAuthn ceremony: the SDK names the error and @simplewebauthn's reason.
    const { name, reason } = err.details ?? {};
    message = WEBAUTHN_MESSAGES[reason] ?? (name === 'NotAllowedError' ? NOT_ALLOWED_MESSAGE : err.message);
    meta = `browser: ${reason ?? name ?? 'error'}${reason && name ? ` (${name})` : ''}`;
  } else if (err instanceof ApiFailure) {
    message = err.message;
    notices = err.notices;
    const fields = Array.isArray(err.details?.fields) ? err.details.fields.map((f) => `${f.field}: ${f.reason}`) : [];
    meta = [err.code ? `${err.code} (HTTP ${err.status})` : `HTTP ${err.status}`, ...fields].join(' · ');
  } else {
    message = err?.message || String(err);
    meta = err?.name && err.name !== 'Error' ? err.name : '';
  }
  $('error-message').textContent = message;
  $('error-notices').replaceChildren(...notices.map((n) => el('li', { className: 'notice' }, n)));
  $('error-code').textContent = meta;
  $('status').hidden = true;
  $('error').hidden = false;
}

/** Runs one user action: feedback cleared, the button disabled meanwhile, any failure shown. */
async function act(button, action) {
  clearFeedback();
  if (button) button.disabled = true;
  try {
    await action();
  } catch (err) {
    showError(err);
  } finally {
    if (button) button.disabled = false;
  }
}

/** A destructive button asks for a second click within a few seconds. */
function armed(button, confirmLabel, action) {
  if (button.dataset.armed === 'true') {
    button.dataset.armed = 'false';
    return act(button, action);
  }
  const label = button.textContent;
  button.dataset.armed = 'true';
  button.textContent = confirmLabel;
  setTimeout(() => {
    if (button.dataset.armed === 'true') {
      button.dataset.armed = 'false';
      button.textContent = label;
    }
  }, 4000);
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function formatTime(iso) {
  if (!iso) return 'Never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// ---- Factors -----------------------------------------------------------------------------

async function refresh() {
  const [{ methods, signals }, { remaining }] = await Promise.all([
    api(() => user.GET('/v1/users/me/mfa')),
    api(() => user.GET('/v1/users/me/mfa/backup-codes')),
  ]);
  sendSignals(signals);
  $('factors-body').replaceChildren(...methods.map(factorRow));
  $('factors-empty').hidden = methods.length > 0;
  $('factors').hidden = methods.length === 0;
  $('codes-remaining').textContent = String(remaining);
}

function authenticatorLabel(factor) {
  const a = factor.authenticator;
  if (!a) return el('span', { className: 'muted' }, '—');
  const name = a.name ?? (a.aaguid === ZERO_AAGUID ? 'Model not disclosed' : 'Unknown model');
  const sub = [a.aaguid === ZERO_AAGUID ? null : a.aaguid, a.backed_up ? 'synced' : 'device-bound']
    .filter(Boolean)
    .join(' · ');
  return el('span', {}, name, el('span', { className: 'sub' }, sub));
}

function factorRow(factor) {
  const nameCell = el(
    'td',
    { className: 'name' },
    factor.device_name,
    factor.verified ? '' : el('span', { className: 'sub' }, 'not verified yet'),
  );
  const rename = el('button', { type: 'button', className: 'secondary rename' }, 'Rename');
  const remove = el('button', { type: 'button', className: 'danger remove' }, 'Remove');
  rename.addEventListener('click', () => startRename(nameCell, factor));
  remove.addEventListener('click', () =>
    armed(remove, 'Click again to remove', () =>
      changeFactors(async () => {
        const removed = await api(() => user.DELETE('/v1/users/me/mfa/{id}', { params: { path: { id: factor.id } } }));
        sendSignals(removed?.signals);
        await refresh();
        showStatus(`“${factor.device_name}” was removed.`);
      }),
    ),
  );
  const row = el(
    'tr',
    {},
    nameCell,
    el('td', { className: 'kind' }, METHOD_LABELS[factor.method_type] ?? factor.method_type),
    el('td', { className: 'authenticator' }, authenticatorLabel(factor)),
    el('td', { className: 'created' }, formatTime(factor.created_at)),
    el('td', { className: 'last-used' }, formatTime(factor.last_used_at)),
    el('td', { className: 'actions' }, rename, ' ', remove),
  );
  row.dataset.id = factor.id;
  row.dataset.methodType = factor.method_type;
  return row;
}

function startRename(cell, factor) {
  const input = el('input', {
    value: factor.device_name,
    maxLength: 100,
    className: 'rename-input',
    ariaLabel: 'New device name',
  });
  const save = el('button', { type: 'submit', className: 'rename-save' }, 'Save');
  const cancel = el('button', { type: 'button', className: 'secondary' }, 'Cancel');
  const form = el('form', { className: 'row' }, input, save, cancel);
  cancel.addEventListener('click', () => act(null, refresh));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(save, async () => {
      const name = input.value.trim();
      await api(() =>
        user.PATCH('/v1/users/me/mfa/{id}', { params: { path: { id: factor.id } }, body: { device_name: name } }),
      );
      // The table first: the status tells the person (and the browser test) the change is shown.
      await refresh();
      showStatus(`Renamed to “${name}”.`);
    });
  });
  cell.replaceChildren(form);
  input.focus();
  input.select();
}

// ---- Enrollment ----------------------------------------------------------------------------

async function enroll(methodType, deviceName) {
  // Options → navigator.credentials.create() → completion, in one SDK call.
  const result = await call(() => ceremonies.enroll(user, { methodType, deviceName }));
  // The table first: the status must never announce a factor the page has not drawn yet.
  await refresh();
  afterEnrollment(`${METHOD_LABELS[methodType]} “${deviceName}” enrolled.`, result);
}

function afterEnrollment(text, result) {
  if (result?.codes?.length) {
    showStatus(`${text} Save your backup codes below.`);
    showCodes(result.codes);
  } else {
    showStatus(`${text} Your existing backup codes still work (${result?.remaining ?? '?'} left).`);
  }
}

async function startTotp(deviceName) {
  pendingTotp = await api(() =>
    user.POST('/v1/users/me/mfa/totp', { body: deviceName ? { device_name: deviceName } : {} }),
  );
  $('totp-secret').textContent = pendingTotp.secret;
  $('totp-uri').textContent = pendingTotp.qr_uri;
  $('totp-uri').href = pendingTotp.qr_uri;
  $('totp-pending').hidden = false;
  $('totp-verify-code').focus();
  await refresh();
}

async function verifyTotp(code) {
  if (!pendingTotp) throw new Error('Create a secret first.');
  const result = await api(() =>
    user.POST('/v1/users/me/mfa/totp/{id}/verify', { params: { path: { id: pendingTotp.id } }, body: { code } }),
  );
  pendingTotp = null;
  $('totp-pending').hidden = true;
  $('totp-verify-code').value = '';
  await refresh();
  afterEnrollment('Authenticator app verified.', result);
}

// ---- Backup codes --------------------------------------------------------------------------

function showCodes(codes) {
  shownCodes = [...codes];
  $('codes').replaceChildren(...codes.map((c) => el('li', { className: 'code' }, c)));
  $('codes-panel').hidden = false;
  $('codes-panel').scrollIntoView({ block: 'nearest' });
}

function hideCodes() {
  // Shown once: forget them when the person says they are saved.
  shownCodes = [];
  $('codes').replaceChildren();
  $('codes-panel').hidden = true;
}

function codesText() {
  return [
    `Tessera backup codes for ${session.user_id} (tenant ${session.tenant_id})`,
    `Generated ${new Date().toISOString()}`,
    '',
    ...shownCodes,
    '',
  ].join('\n');
}

async function copyCodes() {
  try {
    await navigator.clipboard.writeText(shownCodes.join('\n'));
    showStatus('Backup codes copied to the clipboard.');
  } catch {
    // Clipboard refused (permissions): select the list so the person can copy it by hand.
    const range = document.createRange();
    range.selectNodeContents($('codes'));
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    showStatus('Press Ctrl+C (⌘C) to copy the selected codes.');
  }
}

function downloadCodes() {
  const url = URL.createObjectURL(new Blob([codesText()], { type: 'text/plain' }));
  const link = el('a', { href: url, download: 'tessera-backup-codes.txt' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---- Step-up -------------------------------------------------------------------------------

/** Opens a step-up challenge; `reason` is the step_up_required answer that asked for it, if any. */
async function startChallenge(reason) {
  challenge = await api(() => user.POST('/v1/users/me/mfa/challenges'));
  $('stepup-reason').hidden = !reason;
  $('stepup-reason-message').textContent = reason?.message ?? '';
  $('stepup-notices').replaceChildren(...(reason?.notices ?? []).map((n) => el('li', { className: 'notice' }, n)));
  $('stepup-id').textContent = challenge.challenge_id;
  $('stepup-expires').textContent = formatTime(challenge.expires_at);
  $('stepup-methods').textContent =
    Array.isArray(challenge.methods) && challenge.methods.length ? challenge.methods.join(', ') : 'none';
  $('stepup-panel').hidden = false;
  $('token-panel').hidden = true;
}

/** Completes the open challenge with `complete(challengeId)`, which answers the MFA token. */
async function completeChallenge(complete) {
  if (!challenge) throw new Error('Start a challenge first.');
  const result = await complete(challenge.challenge_id);
  challenge = null;
  stepUp = { token: result.token, expires_at: result.expires_at };
  $('stepup-panel').hidden = true;
  showToken(result);
  const retry = retryAfterStepUp;
  retryAfterStepUp = null;
  // The refused change, now with the proof: its own outcome is what the person sees.
  if (retry) return retry();
  const left =
    typeof result.backup_codes_remaining === 'number' ? ` ${result.backup_codes_remaining} backup codes left.` : '';
  await refresh();
  showStatus(
    `Step-up complete${result.method_type ? ` with ${result.method_type}` : ''}: here is the MFA token.${left}`,
  );
}

async function stepUpWithWebAuthn() {
  // Request options → navigator.credentials.get() → the MFA token, in one SDK call.
  await completeChallenge((challengeId) => call(() => ceremonies.stepUp(user, { challengeId })));
}

const completeWithTotp = (code) =>
  completeChallenge((challenge_id) =>
    api(() => anonymous.POST('/v1/auth/mfa/totp/complete', { body: { challenge_id, code } })),
  );
const completeWithBackupCode = (code) =>
  completeChallenge((challenge_id) =>
    api(() => anonymous.POST('/v1/auth/mfa/backup-codes/complete', { body: { challenge_id, code } })),
  );

function decodeJwtPart(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function showToken(result) {
  const [header, payload] = String(result.token).split('.');
  let text;
  try {
    text = JSON.stringify({ header: decodeJwtPart(header), payload: decodeJwtPart(payload) }, null, 2);
  } catch {
    text = String(result.token);
  }
  $('token-decoded').textContent = text;
  $('token-expires').textContent = formatTime(result.expires_at);
  $('token-panel').hidden = false;
}

// ---- Signals (WebAuthn L3 Signal API) -------------------------------------------------------

/** What the page last told the browser, for people and for the browser test. */
const signalsSent = [];

/**
 * Hands the API's signals to the browser's passkey manager, when the browser has the Signal API:
 * removed passkeys stop being offered and names stay current. Best effort: a browser that refuses
 * (or lacks) a signal changes nothing here.
 */
function sendSignals(signals) {
  const pkc = globalThis.PublicKeyCredential;
  if (!signals || !pkc) return;
  const accepted = signals.all_accepted_credentials;
  if (accepted && typeof pkc.signalAllAcceptedCredentials === 'function') {
    signal('signalAllAcceptedCredentials', () =>
      pkc.signalAllAcceptedCredentials({
        rpId: accepted.rp_id,
        userId: accepted.user_id,
        allAcceptedCredentialIds: accepted.all_accepted_credential_ids,
      }),
    );
  }
  const details = signals.current_user_details;
  if (details && typeof pkc.signalCurrentUserDetails === 'function') {
    signal('signalCurrentUserDetails', () =>
      pkc.signalCurrentUserDetails({
        rpId: details.rp_id,
        userId: details.user_id,
        name: details.name,
        displayName: details.display_name,
      }),
    );
  }
}

/** details.signal of a 401 mfa_failed: the passkey used is unknown to the service. */
function sendUnknownCredentialSignal(err) {
  const s = err instanceof ApiFailure ? err.details?.signal : undefined;
  const pkc = globalThis.PublicKeyCredential;
  if (s?.type !== 'unknown_credential' || typeof pkc?.signalUnknownCredential !== 'function') return;
  signal('signalUnknownCredential', () =>
    pkc.signalUnknownCredential({ rpId: s.rp_id, credentialId: s.credential_id }),
  );
}

function signal(name, call) {
  Promise.resolve()
    .then(call)
    .then(
      () => recordSignal(name, 'sent'),
      (err) => recordSignal(name, err?.name ?? 'failed'),
    );
}

function recordSignal(name, outcome) {
  signalsSent.push(`${name}:${outcome}`);
  document.body.dataset.signals = signalsSent.join(' ');
}

// ---- Sign in with a passkey (usernameless) ------------------------------------------------

/**
 * The usernameless flow a tenant's sign-in page runs: its backend opens a challenge without a
 * user (here the dev-only /demo/passkey-sign-in stands in for it), the browser picks any passkey
 * of this site, and the token names whose passkey it was. Results show in this card only.
 */
async function passkeySignIn({ autofill }) {
  const opened = await fetchJson('POST', '/demo/passkey-sign-in');
  try {
    // begin → navigator.credentials.get() (conditional when autofill) → complete, in one SDK call.
    showSignInResult(
      await call(() => ceremonies.signIn(anonymous, opened.challenge_id, { useBrowserAutofill: autofill })),
    );
  } catch (err) {
    sendUnknownCredentialSignal(err);
    throw err;
  }
}

async function fetchJson(method, path) {
  const res = await fetch(path, { method, cache: 'no-store' });
  const body = await readJson(res);
  if (!res.ok) throw new ApiFailure(body, res.status);
  return body;
}

function showSignInResult(result) {
  const [, payload] = String(result.token).split('.');
  const claims = decodeJwtPart(payload);
  $('signin-result').textContent =
    `Signed in as “${claims.sub}” with a ${METHOD_LABELS[result.method_type] ?? result.method_type} (acr ${claims.acr}, amr ${claims.amr.join(', ')}).`;
  $('signin-result').dataset.sub = claims.sub;
  $('signin-result').hidden = false;
  showToken(result);
}

/**
 * Autofill (conditional mediation) where the browser supports it: the request waits in the
 * background until a passkey is picked from the field's suggestions. Any other ceremony on the page
 * (the button, enrollment, step-up) aborts it; that is not an error.
 */
async function startConditionalSignIn() {
  const pkc = globalThis.PublicKeyCredential;
  const supported =
    typeof pkc?.isConditionalMediationAvailable === 'function' &&
    (await pkc.isConditionalMediationAvailable().catch(() => false));
  document.body.dataset.conditionalMediation = supported ? 'started' : 'unsupported';
  if (!supported) return;
  try {
    await passkeySignIn({ autofill: true });
  } catch (err) {
    // Aborted or dismissed conditional requests (ceremony_failed) end quietly; the API's answers are shown.
    if (err instanceof ApiFailure && err.code !== 'ceremony_failed') showError(err);
  }
}

function wireSignIn() {
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act($('signin-passkey'), async () => {
      await passkeySignIn({ autofill: false });
      showStatus($('signin-result').textContent);
    });
  });
}

// ---- Wiring --------------------------------------------------------------------------------

function wire() {
  $('error-dismiss').addEventListener('click', () => ($('error').hidden = true));
  $('refresh').addEventListener('click', (e) => act(e.currentTarget, refresh));

  $('enroll-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const methodType = new FormData(form).get('method_type');
    const deviceName = $('device-name').value.trim();
    act($('enroll'), () => changeFactors(() => enroll(String(methodType), deviceName)));
  });

  $('totp-start-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const deviceName = $('totp-device-name').value.trim();
    act($('totp-start'), () => changeFactors(() => startTotp(deviceName)));
  });
  $('totp-verify-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const code = $('totp-verify-code').value.trim();
    act($('totp-verify'), () => changeFactors(() => verifyTotp(code)));
  });

  $('codes-copy').addEventListener('click', () => copyCodes());
  $('codes-download').addEventListener('click', () => downloadCodes());
  $('codes-done').addEventListener('click', () => hideCodes());
  $('codes-regenerate').addEventListener('click', (e) =>
    armed(e.currentTarget, 'Earlier codes stop working: click again', () =>
      changeFactors(async () => {
        const result = await api(() => user.POST('/v1/users/me/mfa/backup-codes'));
        showStatus('New backup codes issued; earlier codes no longer work.');
        showCodes(result.codes);
        await refresh();
      }),
    ),
  );

  $('stepup-start').addEventListener('click', (e) => act(e.currentTarget, () => startChallenge()));
  $('stepup-webauthn').addEventListener('click', (e) => act(e.currentTarget, stepUpWithWebAuthn));
  $('stepup-totp-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act($('stepup-totp'), () => completeWithTotp($('stepup-totp-code').value.trim()));
  });
  $('stepup-backup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act($('stepup-backup'), () => completeWithBackupCode($('stepup-backup-code').value.trim()));
  });
}

async function main() {
  wire();
  wireSignIn();
  await act(null, async () => {
    await loadSession();
    await refresh();
  });
  if (location.hostname !== 'localhost') {
    // The demo tenant's relying party is "localhost": WebAuthn refuses any other host name, 127.0.0.1 included.
    const url = `${location.protocol}//localhost${location.port ? `:${location.port}` : ''}/demo`;
    showError(
      new Error(
        `Open this page at ${url}: the demo tenant's passkeys belong to "localhost", so the browser refuses WebAuthn on ${location.hostname}.`,
      ),
    );
  }
  // For people and for the browser test: the page is wired and has loaded its first data.
  document.body.dataset.ready = 'true';
  void startConditionalSignIn();
}

main();
