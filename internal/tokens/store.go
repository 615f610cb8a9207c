package tokens

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Store keeps the credentials table: which credentials exist, when each expires and is
// due for refresh, and how its refreshes went. It never holds a token or ticket value.
type Store struct{ db *gorm.DB }

// NewStore returns a Store over db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// Status is one credential's bookkeeping, as the console shows it.
type Status struct {
	Kind                Kind       `json:"kind"`
	SuiteID             string     `json:"suite_id"`
	CorpID              string     `json:"corp_id,omitempty"`
	ExpiresAt           *time.Time `json:"expires_at"`
	NextRefreshAt       *time.Time `json:"next_refresh_at"` // nil: not scheduled (tenant inactive)
	LastRefreshedAt     *time.Time `json:"last_refreshed_at"`
	LastAttemptAt       *time.Time `json:"last_attempt_at"`
	LastResult          string     `json:"last_result"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	FailuresTotal       int64      `json:"failures_total"`
	LastError           string     `json:"last_error,omitempty"`
}

// Key names the credential of the row.
func (st Status) Key() Key { return Key{Kind: st.Kind, SuiteID: st.SuiteID, CorpID: st.CorpID} }

type credentialRow struct {
	SuiteID             string
	CorpID              string
	Kind                string
	ExpiresAt           *time.Time
	NextRefreshAt       *time.Time
	LastRefreshedAt     *time.Time
	LastAttemptAt       *time.Time
	LastResult          string
	ConsecutiveFailures int
	FailuresTotal       int64
	LastError           string
}

func toStatus(r credentialRow) Status {
	return Status{Kind: Kind(r.Kind), SuiteID: r.SuiteID, CorpID: r.CorpID, ExpiresAt: r.ExpiresAt,
		NextRefreshAt: r.NextRefreshAt, LastRefreshedAt: r.LastRefreshedAt, LastAttemptAt: r.LastAttemptAt,
		LastResult: r.LastResult, ConsecutiveFailures: r.ConsecutiveFailures, FailuresTotal: r.FailuresTotal,
		LastError: r.LastError}
}

const statusColumns = `suite_id, corp_id, kind, expires_at, next_refresh_at, last_refreshed_at, last_attempt_at,
	last_result, consecutive_failures, failures_total, last_error`

// recordSuccess notes a fetch that returned a credential expiring at expires, and
// schedules its next refresh.
func (s *Store) recordSuccess(ctx context.Context, k Key, expires, next, now time.Time) error {
	err := s.db.WithContext(ctx).Exec(`
		INSERT INTO credentials AS c (suite_id, corp_id, kind, expires_at, next_refresh_at, last_refreshed_at, last_attempt_at, last_result)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'ok')
		ON CONFLICT (suite_id, corp_id, kind) DO UPDATE SET expires_at = excluded.expires_at,
			next_refresh_at = excluded.next_refresh_at, claimed_at = NULL,
			last_refreshed_at = excluded.last_refreshed_at, last_attempt_at = excluded.last_attempt_at,
			last_result = 'ok', consecutive_failures = 0, last_error = '', updated_at = now()`,
		k.SuiteID, k.CorpID, string(k.Kind), expires, next, now, now).Error
	if err != nil {
		return fmt.Errorf("record refresh of %s: %w", k, err)
	}
	return nil
}

// recordFailure counts a failed fetch. A credential of an inactive tenant is no longer
// scheduled (and gets no row if it had none); any other is retried after a backoff that
// doubles from base up to limit with each consecutive failure.
func (s *Store) recordFailure(ctx context.Context, k Key, now time.Time, result, msg string, inactive bool, base, limit time.Duration) error {
	db := s.db.WithContext(ctx)
	var err error
	if inactive {
		err = db.Exec(`UPDATE credentials SET next_refresh_at = NULL, claimed_at = NULL, last_attempt_at = ?,
			last_result = ?, last_error = ?, consecutive_failures = consecutive_failures + 1,
			failures_total = failures_total + 1, updated_at = now()
			WHERE suite_id = ? AND corp_id = ? AND kind = ?`,
			now, result, truncate(msg, 500), k.SuiteID, k.CorpID, string(k.Kind)).Error
	} else {
		err = db.Exec(`
			INSERT INTO credentials AS c (suite_id, corp_id, kind, next_refresh_at, last_attempt_at, last_result,
				last_error, consecutive_failures, failures_total)
			VALUES (?, ?, ?, ?::timestamptz + make_interval(secs => ?), ?, ?, ?, 1, 1)
			ON CONFLICT (suite_id, corp_id, kind) DO UPDATE SET
				next_refresh_at = excluded.last_attempt_at
					+ make_interval(secs => least(?, ? * power(2, least(c.consecutive_failures, 16)))),
				claimed_at = NULL, last_attempt_at = excluded.last_attempt_at, last_result = excluded.last_result,
				last_error = excluded.last_error, consecutive_failures = c.consecutive_failures + 1,
				failures_total = c.failures_total + 1, updated_at = now()`,
			k.SuiteID, k.CorpID, string(k.Kind), now, base.Seconds(), now, result, truncate(msg, 500),
			limit.Seconds(), base.Seconds()).Error
	}
	if err != nil {
		return fmt.Errorf("record failed refresh of %s: %w", k, err)
	}
	return nil
}

// reschedule makes sure a credential found fresh in the cache is scheduled from its
// expiry, without counting a fetch. It writes only when the row is behind, and never
// creates one: a purged tenant's row must not come back (every fetch records its own).
func (s *Store) reschedule(ctx context.Context, k Key, expires, next time.Time) error {
	err := s.db.WithContext(ctx).Exec(`
		UPDATE credentials SET expires_at = ?, next_refresh_at = ?, claimed_at = NULL, updated_at = now()
		WHERE suite_id = ? AND corp_id = ? AND kind = ?
			AND (expires_at IS DISTINCT FROM ? OR claimed_at IS NOT NULL OR next_refresh_at IS NULL)`,
		expires, next, k.SuiteID, k.CorpID, string(k.Kind), expires).Error
	if err != nil {
		return fmt.Errorf("reschedule %s: %w", k, err)
	}
	return nil
}

// Due is a credential whose refresh a sweep claimed.
type Due struct {
	Key Key
	At  time.Time // when the refresh should run
}

// claimDueAcrossTenants claims up to limit credentials, of every tenant, whose refresh
// is due by until and that no sweep claimed within reclaim. Concurrent sweepers skip
// each other's rows.
func (s *Store) claimDueAcrossTenants(ctx context.Context, now, until time.Time, reclaim time.Duration, limit int) ([]Due, error) {
	var rows []struct {
		SuiteID, CorpID, Kind string
		NextRefreshAt         time.Time
	}
	err := s.db.WithContext(ctx).Raw(`
		UPDATE credentials SET claimed_at = ?
		WHERE (suite_id, corp_id, kind) IN (
			SELECT suite_id, corp_id, kind FROM credentials
			WHERE next_refresh_at <= ? AND (claimed_at IS NULL OR claimed_at < ?)
			ORDER BY next_refresh_at LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING suite_id, corp_id, kind, next_refresh_at`, now, until, now.Add(-reclaim), limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("claim due credentials: %w", err)
	}
	out := make([]Due, len(rows))
	for i, r := range rows {
		out[i] = Due{Key: Key{Kind: Kind(r.Kind), SuiteID: r.SuiteID, CorpID: r.CorpID}, At: r.NextRefreshAt}
	}
	return out, nil
}

// purgeTenant forgets the tenant's credentials, so nothing refreshes them any more.
func (s *Store) purgeTenant(ctx context.Context, suiteID, corpID string) error {
	err := s.db.WithContext(ctx).Exec(`DELETE FROM credentials WHERE suite_id = ? AND corp_id = ? AND corp_id <> ''`,
		suiteID, corpID).Error
	if err != nil {
		return fmt.Errorf("delete credentials of %s/%s: %w", suiteID, corpID, err)
	}
	return nil
}

// Tenant returns the bookkeeping of one tenant's credentials.
func (s *Store) Tenant(ctx context.Context, suiteID, corpID string) ([]Status, error) {
	var rows []credentialRow
	err := s.db.WithContext(ctx).Raw(`SELECT `+statusColumns+` FROM credentials WHERE suite_id = ? AND corp_id = ?
		ORDER BY kind`, suiteID, corpID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("credentials of %s/%s: %w", suiteID, corpID, err)
	}
	return toStatuses(rows), nil
}

// ListOptions filters ListAcrossTenants.
type ListOptions struct {
	Kind        Kind // empty: every kind
	FailingOnly bool // only credentials whose last refresh failed
	Limit       int  // default 100
}

// ListAcrossTenants lists credentials of every tenant, the soonest to expire first.
func (s *Store) ListAcrossTenants(ctx context.Context, o ListOptions) ([]Status, error) {
	if o.Limit <= 0 {
		o.Limit = 100
	}
	q := s.db.WithContext(ctx).Table("credentials").Select(statusColumns)
	if o.Kind != "" {
		q = q.Where("kind = ?", string(o.Kind))
	}
	if o.FailingOnly {
		q = q.Where("consecutive_failures > 0")
	}
	var rows []credentialRow
	if err := q.Order("expires_at NULLS FIRST").Limit(o.Limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	return toStatuses(rows), nil
}

// FailingByKindAcrossTenants counts, per kind, the credentials whose last refresh failed.
func (s *Store) FailingByKindAcrossTenants(ctx context.Context) (map[Kind]int64, error) {
	var rows []struct {
		Kind string
		N    int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT kind, count(*) AS n FROM credentials WHERE consecutive_failures > 0
		GROUP BY kind`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count failing credentials: %w", err)
	}
	out := make(map[Kind]int64, len(rows))
	for _, r := range rows {
		out[Kind(r.Kind)] = r.N
	}
	return out, nil
}

func toStatuses(rows []credentialRow) []Status {
	out := make([]Status, len(rows))
	for i, r := range rows {
		out[i] = toStatus(r)
	}
	return out
}

// health is what the metrics collector reports, over scheduled credentials.
type health struct {
	soonest *time.Time
	failing map[Kind]int64
}

func (s *Store) healthAcrossTenants(ctx context.Context) (health, error) {
	h := health{failing: map[Kind]int64{}}
	var soonest struct{ T *time.Time }
	db := s.db.WithContext(ctx)
	err := db.Raw(`SELECT min(expires_at) AS t FROM credentials WHERE next_refresh_at IS NOT NULL`).Scan(&soonest).Error
	if err != nil {
		return h, fmt.Errorf("soonest credential expiry: %w", err)
	}
	h.soonest = soonest.T
	var rows []struct {
		Kind string
		N    int64
	}
	err = db.Raw(`SELECT kind, count(*) AS n FROM credentials WHERE consecutive_failures > 0 AND next_refresh_at IS NOT NULL
		GROUP BY kind`).Scan(&rows).Error
	if err != nil {
		return h, fmt.Errorf("count failing credentials: %w", err)
	}
	for _, r := range rows {
		h.failing[Kind(r.Kind)] = r.N
	}
	return h, nil
}

// truncate cuts s to at most n bytes without splitting a character: PostgreSQL refuses
// a text value that is not valid UTF-8, and the whole write would fail.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
