-- +goose Up
-- What the token service must keep fresh (internal/tokens). The values live only in Redis;
-- this table holds enough to find every credential again after Redis loses its memory:
-- which ones exist, when each expires, when the worker should refresh it, and how its
-- last refreshes went. No token or ticket value is ever stored here.
-- suite_id is '' for the provider token; corp_id is '' for provider and suite tokens.
CREATE TABLE credentials (
    suite_id             text        NOT NULL DEFAULT '',
    corp_id              text        NOT NULL DEFAULT '',
    kind                 text        NOT NULL CHECK (kind IN ('provider', 'suite', 'corp', 'jsapi', 'agent')),
    expires_at           timestamptz,
    -- NULL: not scheduled (the tenant is cancelled or WeCom revoked its authorisation).
    next_refresh_at      timestamptz,
    -- Set by the sweep that enqueued the refresh; a later sweep re-enqueues only after a while.
    claimed_at           timestamptz,
    last_refreshed_at    timestamptz,
    last_attempt_at      timestamptz,
    last_result          text        NOT NULL DEFAULT '',
    consecutive_failures integer     NOT NULL DEFAULT 0,
    failures_total       bigint      NOT NULL DEFAULT 0,
    last_error           text        NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (suite_id, corp_id, kind)
);
CREATE INDEX credentials_due ON credentials (next_refresh_at) WHERE next_refresh_at IS NOT NULL;
CREATE INDEX credentials_expiry ON credentials (expires_at) WHERE next_refresh_at IS NOT NULL;

-- Keys for the provider's own services (GET /internal/v1/...). Only the SHA-256 of a key
-- is kept; prefix is its first characters, shown in listings so a key can be recognised.
CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- +goose Down
DROP TABLE api_keys;
DROP TABLE credentials;
