/**
 * OpenAPI (JSON Schema 2020-12) schemas of the WebAuthn Level 3 JSON forms
 * (https://www.w3.org/TR/webauthn-3/, IDL of §5.1, §5.4 and §5.5: the `…JSON` dictionaries that
 * `PublicKeyCredential.toJSON()`, `parseCreationOptionsFromJSON()` and `parseRequestOptionsFromJSON()`
 * use), so a generated client passes `options` to `@simplewebauthn/browser` and its result back
 * without a cast. They document the wire format only: the request bodies are still checked by the
 * validation pipe and the verifier exactly as before (the seed's `credential: {}` answers 404
 * when nothing is pending).
 *
 * Members the IDL marks `required` are required here, except where browsers and
 * `@simplewebauthn/browser` still omit them (`authenticatorData`, `transports`,
 * `publicKeyAlgorithm` of an attestation response), which the IDL itself notes for older clients.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const base64url = (description: string): Schema => ({
  type: 'string',
  pattern: '^[A-Za-z0-9_-]*$',
  description: `${description} (base64url, no padding)`,
});

const TRANSPORTS_DOC =
  'Transports as the authenticator reported them: usb, nfc, ble, smart-card, hybrid, internal (unknown values are kept as sent).';

const credentialType: Schema = { type: 'string', enum: ['public-key'], description: 'Always "public-key".' };
const attachment: Schema = {
  type: 'string',
  enum: ['platform', 'cross-platform'],
  description: 'How the authenticator is attached, when the browser reports it.',
};
const requirement = (description: string): Schema => ({
  type: 'string',
  enum: ['required', 'preferred', 'discouraged'],
  description,
});
const hints: Schema = {
  type: 'array',
  items: { type: 'string', enum: ['security-key', 'client-device', 'hybrid'] },
  description: 'Which kind of authenticator the browser should offer first (PublicKeyCredentialHint).',
};

export const WEBAUTHN_JSON_SCHEMAS: Record<string, Schema> = {
  PublicKeyCredentialRpEntity: {
    type: 'object',
    description: 'The relying party (PublicKeyCredentialRpEntity).',
    required: ['name'],
    properties: {
      id: { type: 'string', description: "The relying party id: the tenant's rp_id." },
      name: { type: 'string', description: 'Human-palatable relying party name.' },
    },
  },
  PublicKeyCredentialUserEntityJSON: {
    type: 'object',
    description: 'The user account the credential is created for (PublicKeyCredentialUserEntityJSON).',
    required: ['id', 'name', 'displayName'],
    properties: {
      id: base64url('The user handle: 32 random bytes per (tenant, user), no user data in it'),
      name: { type: 'string' },
      displayName: { type: 'string' },
    },
  },
  PublicKeyCredentialParameters: {
    type: 'object',
    description: 'One acceptable credential type and algorithm (PublicKeyCredentialParameters).',
    required: ['type', 'alg'],
    properties: {
      type: credentialType,
      alg: { type: 'integer', description: 'COSE algorithm identifier: -7 ES256, -8 EdDSA, -257 RS256.' },
    },
  },
  PublicKeyCredentialDescriptorJSON: {
    type: 'object',
    description:
      'A credential to exclude (registration) or allow (authentication) (PublicKeyCredentialDescriptorJSON).',
    required: ['type', 'id'],
    properties: {
      type: credentialType,
      id: base64url('The credential id'),
      transports: { type: 'array', items: { type: 'string' }, description: TRANSPORTS_DOC },
    },
  },
  AuthenticatorSelectionCriteria: {
    type: 'object',
    description: 'Which authenticators may be used (AuthenticatorSelectionCriteria).',
    properties: {
      authenticatorAttachment: attachment,
      residentKey: requirement(
        'Whether a discoverable credential is wanted: "required" for passkeys, "discouraged" for security keys.',
      ),
      requireResidentKey: {
        type: 'boolean',
        description: 'true exactly when residentKey is "required" (for Level 1 clients).',
      },
      userVerification: requirement('Whether the authenticator must verify the user (PIN or biometric).'),
    },
  },
  AuthenticationExtensionsClientInputsJSON: {
    type: 'object',
    description: 'Client extension inputs (AuthenticationExtensionsClientInputsJSON); Tessera asks for credProps.',
    properties: {
      appid: { type: 'string', description: 'FIDO AppID, for credentials registered with U2F.' },
      credProps: { type: 'boolean', description: 'Ask the client whether the credential is discoverable.' },
      hmacCreateSecret: { type: 'boolean' },
      minPinLength: { type: 'boolean' },
    },
  },
  AuthenticationExtensionsClientOutputsJSON: {
    type: 'object',
    description: 'Client extension outputs (AuthenticationExtensionsClientOutputsJSON), as the browser returned them.',
    properties: {
      appid: { type: 'boolean' },
      credProps: {
        type: 'object',
        properties: { rk: { type: 'boolean', description: 'The credential is discoverable.' } },
      },
      hmacCreateSecret: { type: 'boolean' },
    },
  },
  PublicKeyCredentialCreationOptionsJSON: {
    type: 'object',
    description:
      'Options for navigator.credentials.create() (PublicKeyCredentialCreationOptionsJSON): pass them to PublicKeyCredential.parseCreationOptionsFromJSON() or @simplewebauthn/browser startRegistration({ optionsJSON }).',
    required: ['rp', 'user', 'challenge', 'pubKeyCredParams'],
    properties: {
      rp: ref('PublicKeyCredentialRpEntity'),
      user: ref('PublicKeyCredentialUserEntityJSON'),
      challenge: base64url('A single-use random challenge, bound to the pending enrollment'),
      pubKeyCredParams: {
        type: 'array',
        items: ref('PublicKeyCredentialParameters'),
        description: 'Acceptable algorithms, most preferred first.',
      },
      timeout: { type: 'integer', minimum: 0, description: 'Milliseconds the ceremony may take.' },
      excludeCredentials: {
        type: 'array',
        items: ref('PublicKeyCredentialDescriptorJSON'),
        description: "The user's credentials in this tenant, so an authenticator is not registered twice.",
      },
      authenticatorSelection: ref('AuthenticatorSelectionCriteria'),
      hints,
      attestation: {
        type: 'string',
        enum: ['none', 'indirect', 'direct', 'enterprise'],
        description: 'Attestation conveyance preference.',
      },
      attestationFormats: {
        type: 'array',
        items: {
          type: 'string',
          enum: ['packed', 'tpm', 'android-key', 'android-safetynet', 'fido-u2f', 'apple', 'none'],
        },
        description:
          'Preferred attestation statement formats (WebAuthn attestation statement format identifiers), most preferred first.',
      },
      extensions: ref('AuthenticationExtensionsClientInputsJSON'),
    },
  },
  PublicKeyCredentialRequestOptionsJSON: {
    type: 'object',
    description:
      'Options for navigator.credentials.get() (PublicKeyCredentialRequestOptionsJSON): pass them to PublicKeyCredential.parseRequestOptionsFromJSON() or @simplewebauthn/browser startAuthentication({ optionsJSON }).',
    required: ['challenge'],
    properties: {
      challenge: base64url('A single-use random challenge, bound to the MFA challenge'),
      timeout: { type: 'integer', minimum: 0, description: 'Milliseconds the ceremony may take.' },
      rpId: { type: 'string', description: "The relying party id: the tenant's rp_id." },
      allowCredentials: {
        type: 'array',
        items: ref('PublicKeyCredentialDescriptorJSON'),
        description: "The user's credentials in this tenant.",
      },
      userVerification: requirement('"required" when all of the user\'s credentials are passkeys, else "preferred".'),
      hints,
      extensions: ref('AuthenticationExtensionsClientInputsJSON'),
    },
  },
  AuthenticatorAttestationResponseJSON: {
    type: 'object',
    description: "The authenticator's answer to create() (AuthenticatorAttestationResponseJSON).",
    required: ['clientDataJSON', 'attestationObject'],
    properties: {
      clientDataJSON: base64url('The client data JSON the authenticator signed over'),
      authenticatorData: base64url('The authenticator data'),
      transports: { type: 'array', items: { type: 'string' }, description: TRANSPORTS_DOC },
      publicKey: base64url('The credential public key as a SubjectPublicKeyInfo, when the browser can express it'),
      publicKeyAlgorithm: { type: 'integer', description: 'COSE algorithm of the credential public key.' },
      attestationObject: base64url('The CBOR attestation object'),
    },
  },
  AuthenticatorAssertionResponseJSON: {
    type: 'object',
    description: "The authenticator's answer to get() (AuthenticatorAssertionResponseJSON).",
    required: ['clientDataJSON', 'authenticatorData', 'signature'],
    properties: {
      clientDataJSON: base64url('The client data JSON the authenticator signed over'),
      authenticatorData: base64url('The authenticator data'),
      signature: base64url('The assertion signature'),
      userHandle: base64url('The user handle, returned by discoverable credentials'),
    },
  },
  RegistrationResponseJSON: {
    type: 'object',
    description:
      'A new credential as PublicKeyCredential.toJSON() (or @simplewebauthn/browser startRegistration) returns it (RegistrationResponseJSON).',
    required: ['id', 'rawId', 'response', 'clientExtensionResults', 'type'],
    properties: {
      id: base64url('The credential id'),
      rawId: base64url('The credential id'),
      response: ref('AuthenticatorAttestationResponseJSON'),
      authenticatorAttachment: attachment,
      clientExtensionResults: ref('AuthenticationExtensionsClientOutputsJSON'),
      type: credentialType,
    },
  },
  AuthenticationResponseJSON: {
    type: 'object',
    description:
      'An assertion as PublicKeyCredential.toJSON() (or @simplewebauthn/browser startAuthentication) returns it (AuthenticationResponseJSON).',
    required: ['id', 'rawId', 'response', 'clientExtensionResults', 'type'],
    properties: {
      id: base64url('The credential id'),
      rawId: base64url('The credential id'),
      response: ref('AuthenticatorAssertionResponseJSON'),
      authenticatorAttachment: attachment,
      clientExtensionResults: ref('AuthenticationExtensionsClientOutputsJSON'),
      type: credentialType,
    },
  },
};
