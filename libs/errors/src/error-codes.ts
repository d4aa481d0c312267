/**
 * The one catalogue of error codes. Every non-2xx body carries one of these codes;
 * the status map is checked with `satisfies`, so a new code without a status cannot compile.
 */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'invalid_tenant_header',
  'verification_failed',
  'policy_invalid',
  'unauthenticated',
  'mfa_failed',
  'forbidden',
  'tenant_mismatch',
  'tenant_unavailable',
  'policy_denied',
  'step_up_unavailable',
  'step_up_required',
  'not_found',
  'method_not_allowed',
  'credential_exists',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'headers_too_large',
  'internal',
  'not_implemented',
  'service_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_tenant_header: 400,
  verification_failed: 400,
  policy_invalid: 400,
  unauthenticated: 401,
  mfa_failed: 401,
  forbidden: 403,
  tenant_mismatch: 403,
  tenant_unavailable: 403,
  policy_denied: 403,
  step_up_unavailable: 403,
  step_up_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  credential_exists: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  not_implemented: 501,
  service_unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

/** Default human-readable message per code; call sites may give a more precise one. */
export const ERROR_MESSAGES = {
  validation_failed: 'The request is invalid.',
  invalid_json: 'The request body is not valid JSON.',
  invalid_tenant_header: 'X-Tenant-ID header is missing or is not a UUID.',
  verification_failed: 'The credential could not be verified.',
  policy_invalid: 'The policy is invalid.',
  unauthenticated: 'Authentication is required.',
  mfa_failed: 'The MFA challenge could not be completed.',
  forbidden: 'You are not allowed to do this.',
  tenant_mismatch: 'X-Tenant-ID does not match the tenant of the credential.',
  tenant_unavailable: 'The tenant does not exist or is disabled.',
  policy_denied: 'The tenant policy does not allow this.',
  step_up_unavailable: "None of the user's factors can give the requested strength of proof.",
  step_up_required: 'Confirm it is you with one of your existing factors, then retry with the X-MFA-Token header.',
  not_found: 'Not found.',
  method_not_allowed: 'Method not allowed.',
  credential_exists: 'This credential is already registered.',
  conflict: 'The resource was changed concurrently.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'The request body must be application/json.',
  rate_limited: 'Too many requests.',
  headers_too_large: 'The request headers are too large.',
  internal: 'An unexpected error occurred.',
  not_implemented: 'Not implemented.',
  service_unavailable: 'The service is temporarily unavailable.',
} as const satisfies Record<ErrorCode, string>;

/** The catalogue's messages in German (the service ships English and German). */
export const ERROR_MESSAGES_DE = {
  validation_failed: 'Die Anfrage ist ungültig.',
  invalid_json: 'Der Inhalt der Anfrage ist kein gültiges JSON.',
  invalid_tenant_header: 'Der Header X-Tenant-ID fehlt oder ist keine UUID.',
  verification_failed: 'Die Anmeldedaten konnten nicht überprüft werden.',
  policy_invalid: 'Die Richtlinie ist ungültig.',
  unauthenticated: 'Eine Anmeldung ist erforderlich.',
  mfa_failed: 'Die MFA-Anfrage konnte nicht abgeschlossen werden.',
  forbidden: 'Das ist Ihnen nicht erlaubt.',
  tenant_mismatch: 'X-Tenant-ID passt nicht zum Mandanten der Anmeldedaten.',
  tenant_unavailable: 'Der Mandant existiert nicht oder ist deaktiviert.',
  policy_denied: 'Die Richtlinie des Mandanten erlaubt das nicht.',
  step_up_required:
    'Bestätigen Sie mit einem Ihrer vorhandenen Faktoren, dass Sie es sind, und wiederholen Sie die Anfrage mit dem Header X-MFA-Token.',
  step_up_unavailable: 'Keiner der Faktoren des Benutzers erreicht die verlangte Stärke des Nachweises.',
  not_found: 'Nicht gefunden.',
  method_not_allowed: 'Methode nicht erlaubt.',
  credential_exists: 'Diese Anmeldedaten sind bereits registriert.',
  conflict: 'Die Ressource wurde gleichzeitig geändert.',
  payload_too_large: 'Der Inhalt der Anfrage ist zu groß.',
  unsupported_media_type: 'Der Inhalt der Anfrage muss application/json sein.',
  rate_limited: 'Zu viele Anfragen.',
  headers_too_large: 'Die Header der Anfrage sind zu groß.',
  internal: 'Ein unerwarteter Fehler ist aufgetreten.',
  not_implemented: 'Nicht implementiert.',
  service_unavailable: 'Der Dienst ist vorübergehend nicht verfügbar.',
} as const satisfies Record<ErrorCode, string>;

/** Catalogue messages by language; English is the default. */
export const ERROR_MESSAGES_BY_LANGUAGE: Readonly<Record<string, Readonly<Record<ErrorCode, string>>>> = {
  en: ERROR_MESSAGES,
  de: ERROR_MESSAGES_DE,
};

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
