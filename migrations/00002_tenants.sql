-- +goose Up
-- Tenants: one row per (suite, authorising corp), kept across cancel and reinstall so the
-- id is stable. The permanent code is sealed with MASTER_KEY (associated data names the
-- suite and corp); it is NULL once the tenant is cancelled, since WeCom has revoked it.
CREATE TABLE tenants (
    id                    bigserial PRIMARY KEY,
    suite_id              text        NOT NULL,
    corp_id               text        NOT NULL,
    status                text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    permanent_code_sealed bytea,
    -- When the stored permanent code was obtained: an older exchange never replaces it.
    permanent_code_at     timestamptz,
    corp_name             text        NOT NULL DEFAULT '',
    corp_full_name        text        NOT NULL DEFAULT '',
    corp_type             text        NOT NULL DEFAULT '',
    subject_type          integer     NOT NULL DEFAULT 0,
    corp_square_logo_url  text        NOT NULL DEFAULT '',
    corp_user_max         integer     NOT NULL DEFAULT 0,
    corp_industry         text        NOT NULL DEFAULT '',
    corp_sub_industry     text        NOT NULL DEFAULT '',
    corp_scale            text        NOT NULL DEFAULT '',
    verified_end_time     bigint      NOT NULL DEFAULT 0,
    agent_id              integer     NOT NULL DEFAULT 0,
    agent_name            text        NOT NULL DEFAULT '',
    auth_mode             integer     NOT NULL DEFAULT 0,
    is_customized_app     boolean     NOT NULL DEFAULT false,
    privilege             jsonb       NOT NULL DEFAULT '{}',
    shared_from           jsonb       NOT NULL DEFAULT '{}',
    edition               jsonb       NOT NULL DEFAULT '[]',
    dealer_corp_id        text        NOT NULL DEFAULT '',
    dealer_corp_name      text        NOT NULL DEFAULT '',
    auth_user_id          text        NOT NULL DEFAULT '',
    auth_open_user_id     text        NOT NULL DEFAULT '',
    auth_user_name        text        NOT NULL DEFAULT '',
    install_state         text        NOT NULL DEFAULT '',
    -- Set when WeCom rejects the permanent code (40084) or the auth relation (48004);
    -- cleared by a reinstall or a new permanent code.
    auth_broken_at        timestamptz,
    auth_broken_reason    text        NOT NULL DEFAULT '',
    installed_at          timestamptz NOT NULL DEFAULT now(),
    cancelled_at          timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (suite_id, corp_id)
);
CREATE INDEX tenants_status ON tenants (status);
CREATE INDEX tenants_corp ON tenants (corp_id);

-- The audit trail of a tenant's authorisation: append-only, never deleted with the
-- tenant's personal data.
CREATE TABLE tenant_history (
    id             bigserial PRIMARY KEY,
    tenant_id      bigint      NOT NULL REFERENCES tenants (id),
    kind           text        NOT NULL,
    source         text        NOT NULL DEFAULT '',
    detail         jsonb       NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_history_tenant ON tenant_history (tenant_id, id DESC);

-- Members who signed in (filled by the sign-in flow). Deleted on cancel_auth.
CREATE TABLE tenant_users (
    tenant_id     bigint      NOT NULL REFERENCES tenants (id),
    user_id       text        NOT NULL,
    open_user_id  text        NOT NULL DEFAULT '',
    name          text        NOT NULL DEFAULT '',
    avatar        text        NOT NULL DEFAULT '',
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);

-- The app's admins in the corp (get_admin_list). Deleted on cancel_auth.
CREATE TABLE tenant_admins (
    tenant_id    bigint      NOT NULL REFERENCES tenants (id),
    user_id      text        NOT NULL,
    open_user_id text        NOT NULL DEFAULT '',
    auth_type    integer     NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);

-- Corp events handed to the tenant hooks (contacts, external contacts, orders, licenses,
-- ...), one row per inbox event and tenant; the payload stays in the inbox.
CREATE TABLE tenant_events (
    id             bigserial PRIMARY KEY,
    tenant_id      bigint      NOT NULL REFERENCES tenants (id),
    inbox_event_id bigint      NOT NULL,
    event_type     text        NOT NULL,
    change_type    text        NOT NULL DEFAULT '',
    event_time     bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, inbox_event_id)
);
CREATE INDEX tenant_events_tenant ON tenant_events (tenant_id, id DESC);

-- Single-use auth codes (install and reset_permanent_code), keyed by a hash of suite and
-- code so the code itself is never stored. The first claimant exchanges the code; the
-- result is sealed here before anything else can fail, so a retry or a concurrent
-- delivery of the same code completes from it instead of calling WeCom again.
CREATE TABLE auth_code_claims (
    code_hash     text        PRIMARY KEY,
    suite_id      text        NOT NULL,
    purpose       text        NOT NULL CHECK (purpose IN ('install', 'reset')),
    status        text        NOT NULL CHECK (status IN ('claimed', 'exchanged', 'applied', 'failed')),
    owner         text        NOT NULL,
    lease_until   timestamptz NOT NULL,
    corp_id       text        NOT NULL DEFAULT '',
    result_sealed bytea,
    error_code    integer     NOT NULL DEFAULT 0,
    error         text        NOT NULL DEFAULT '',
    tenant_id     bigint,
    exchanged_at  timestamptz,
    applied_at    timestamptz,
    completed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_code_claims_created ON auth_code_claims (created_at);

-- +goose Down
DROP TABLE auth_code_claims;
DROP TABLE tenant_events;
DROP TABLE tenant_admins;
DROP TABLE tenant_users;
DROP TABLE tenant_history;
DROP TABLE tenants;
