-- +goose Up
-- Keys that sign the platform's JWTs (internal/auth). The private half is sealed with
-- MASTER_KEY; the public half is served at /.well-known/jwks.json. One key is current
-- (signs); one is next (published ahead of its use, so cached key sets already hold it
-- when a rotation promotes it); previous keys still verify until a later rotation retires them.
CREATE TABLE jwt_signing_keys (
    kid            text PRIMARY KEY,
    alg            text        NOT NULL,
    public_key     bytea       NOT NULL,
    private_sealed bytea       NOT NULL,
    status         text        NOT NULL CHECK (status IN ('next', 'current', 'previous', 'retired')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    superseded_at  timestamptz,
    retired_at     timestamptz
);
-- Two replicas starting at once both try to create the first keys; this lets only one win.
CREATE UNIQUE INDEX jwt_signing_keys_one_current ON jwt_signing_keys (status) WHERE status IN ('current', 'next');

-- A session is one sign-in: its access tokens carry its id (sid), and its refresh tokens
-- form one family. Revoking the session refuses both.
CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    tenant_id     text        NOT NULL DEFAULT '',
    suite_id      text        NOT NULL,
    corp_id       text        NOT NULL,
    user_id       text        NOT NULL DEFAULT '',
    open_user_id  text        NOT NULL DEFAULT '',
    user_type     integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- The newest refresh token's expiry: after it, nothing can extend the session.
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoke_reason text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_tenant ON sessions (tenant_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_corp ON sessions (suite_id, corp_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Refresh tokens are stored only as SHA-256 hashes. Each refresh marks the presented token
-- used and adds its child; presenting a used token again revokes the whole family.
CREATE TABLE refresh_tokens (
    id         bigserial PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    parent_id  bigint      REFERENCES refresh_tokens (id) ON DELETE CASCADE,
    token_hash bytea       NOT NULL UNIQUE,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE jwt_signing_keys;
