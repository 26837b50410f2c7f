-- accounts: email is stored normalised (trimmed, lower-case), so the unique key is case-insensitive
CREATE TABLE users (
  id            uuid PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  name          text NOT NULL,
  phone         text,
  language      text NOT NULL DEFAULT 'ru',
  roles         text[] NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_roles_known CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['buyer', 'seller', 'admin']::text[])
);

-- a refresh token family is one login session; every refresh rotates the token within it
CREATE TABLE refresh_families (
  id             uuid PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  revoked_reason text
);
CREATE INDEX refresh_families_user ON refresh_families (user_id);

-- only SHA-256 of the (256-bit random) token is kept; rotated_at marks a spent token
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  family_id  uuid NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

-- failed logins per key ('account:<email>', 'address:<ip>'), shared by every auth node
CREATE TABLE login_throttle (
  key               text PRIMARY KEY,
  failures          integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  locked_until      timestamptz
);

-- the token signing key every auth node uses unless config gives one (first node to start wins)
CREATE TABLE signing_keys (
  slot            text PRIMARY KEY,
  kid             text NOT NULL,
  private_key_pem text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
