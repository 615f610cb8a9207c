-- +goose Up
-- The provider console (internal/console): staff accounts, their sessions, and the audit
-- log of every staff action. Login throttling lives in Redis, not here.
CREATE TABLE staff (
    id            bigserial PRIMARY KEY,
    email         text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    -- argon2id in PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash text        NOT NULL,
    disabled_at   timestamptz,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_email ON staff (lower(email));

-- A session is one sign-in. The cookie carries a random token; only its SHA-256 is stored,
-- so a copy of this table cannot sign anyone in. The CSRF token is per session.
CREATE TABLE staff_sessions (
    token_hash   text PRIMARY KEY, -- hex SHA-256 of the cookie value
    staff_id     bigint      NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    csrf_token   text        NOT NULL,
    ip           text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);

-- Append-only: who did what to which target, when, from where, and how it ended.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    staff_id    bigint,
    staff_email text        NOT NULL,
    action      text        NOT NULL,
    target      text        NOT NULL DEFAULT '',
    result      text        NOT NULL DEFAULT 'ok',
    detail      jsonb       NOT NULL DEFAULT '{}',
    ip          text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_target ON audit_log (target, id DESC);

-- Tenants staff marked for purge of their data; whoever purges consumes the marks.
CREATE TABLE tenant_purge_marks (
    suite_id  text        NOT NULL,
    corp_id   text        NOT NULL,
    staff_id  bigint,
    reason    text        NOT NULL DEFAULT '',
    marked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (suite_id, corp_id)
);

-- The console's tenant list: keyset pages by id, filtered by suite and status, searched by
-- corp name (substring, through pg_trgm when the server has it) or corpid (exact/prefix).
CREATE INDEX tenants_suite_status_id ON tenants (suite_id, status, id);
CREATE INDEX tenants_status_id ON tenants (status, id);
CREATE INDEX tenants_corp_prefix ON tenants (corp_id text_pattern_ops);
CREATE INDEX tenants_name_prefix ON tenants (lower(corp_name) text_pattern_ops);
CREATE INDEX tenants_installed ON tenants (installed_at DESC);
CREATE INDEX tenants_cancelled ON tenants (cancelled_at DESC) WHERE cancelled_at IS NOT NULL;
-- The event list: keyset pages by id within a status.
CREATE INDEX inbox_events_status_id ON inbox_events (status, id);
-- The event list filters by corp or by type without a suite and pages newest id first.
CREATE INDEX inbox_events_corp_id ON inbox_events (corp_id, id);
CREATE INDEX inbox_events_type_id ON inbox_events (event_type, id);

-- pg_trgm is a trusted extension (PostgreSQL 13+), so a database owner may create it; a
-- server without it, or a role without the right, still gets the prefix index above.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm not created (insufficient privilege); corp name search uses prefixes';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX tenants_name_trgm ON tenants USING gin (lower(corp_name) gin_trgm_ops)';
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS tenants_name_trgm;
DROP INDEX inbox_events_type_id;
DROP INDEX inbox_events_corp_id;
DROP INDEX inbox_events_status_id;
DROP INDEX tenants_cancelled;
DROP INDEX tenants_installed;
DROP INDEX tenants_name_prefix;
DROP INDEX tenants_corp_prefix;
DROP INDEX tenants_status_id;
DROP INDEX tenants_suite_status_id;
DROP TABLE tenant_purge_marks;
DROP TABLE audit_log;
DROP TABLE staff_sessions;
DROP TABLE staff;
