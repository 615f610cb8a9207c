-- +goose Up
-- Suites are the provider's third-party apps. Secrets, the callback token and the AES key
-- are sealed with MASTER_KEY (internal/secrets); nothing here is readable without it.
CREATE TABLE suites (
    suite_id           text PRIMARY KEY,
    secret_sealed      bytea       NOT NULL,
    token_sealed       bytea       NOT NULL,
    aes_key_sealed     bytea       NOT NULL,
    trusted_domains    jsonb       NOT NULL DEFAULT '[]',
    -- The newest suite_ticket by WeCom's TimeStamp; an older push never replaces it.
    ticket_sealed      bytea,
    ticket_time        bigint      NOT NULL DEFAULT 0,
    ticket_received_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The callback inbox: one row per distinct delivery (WeCom's retries and duplicates carry
-- the same decrypted message, so they share delivery_key and make no second row).
CREATE TABLE inbox_events (
    id             bigserial PRIMARY KEY,
    delivery_key   text        NOT NULL UNIQUE,
    route          text        NOT NULL CHECK (route IN ('instruction', 'data', 'system')),
    suite_id       text        NOT NULL DEFAULT '',
    corp_id        text        NOT NULL DEFAULT '',
    event_type     text        NOT NULL,
    event_time     bigint      NOT NULL DEFAULT 0,
    payload_sealed bytea       NOT NULL,
    status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
    handler        text        NOT NULL DEFAULT '',
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text        NOT NULL DEFAULT '',
    deliveries     integer     NOT NULL DEFAULT 1,
    received_at    timestamptz NOT NULL DEFAULT now(),
    swept_at       timestamptz,
    processed_at   timestamptz
);
CREATE INDEX inbox_events_pending ON inbox_events (received_at) WHERE status = 'pending';
CREATE INDEX inbox_events_dead ON inbox_events (received_at) WHERE status = 'dead';
CREATE INDEX inbox_events_suite_corp ON inbox_events (suite_id, corp_id, received_at DESC);
CREATE INDEX inbox_events_type ON inbox_events (event_type, received_at DESC);

-- +goose Down
DROP TABLE inbox_events;
DROP TABLE suites;
