package console

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// directory holds the console's read-only, cross-tenant queries: the tenant search and the
// event list. They read the tenants and inbox_events tables, whose owners (tenants,
// callback) offer no search; every write still goes through the owning package.
type directory struct{ db *gorm.DB }

// TenantQuery filters the tenant list. Status is active, cancelled or auth_broken. Pages
// are keyset: Before is the smallest id of the previous page (newest first).
type TenantQuery struct {
	Search  string `form:"q"`
	SuiteID string `form:"suite_id"`
	Status  string `form:"status"`
	Before  int64  `form:"before"`
	Limit   int    `form:"limit"`
}

// TenantSummary is one row of the tenant list.
type TenantSummary struct {
	ID          int64      `json:"id"`
	SuiteID     string     `json:"suite_id"`
	CorpID      string     `json:"corp_id"`
	CorpName    string     `json:"corp_name"`
	Status      string     `json:"status"`
	AuthBroken  bool       `json:"auth_broken"`
	AgentID     int        `json:"agent_id"`
	InstalledAt time.Time  `json:"installed_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
}

// TenantPage is one page of tenants; Next is the cursor of the following page (0: none).
type TenantPage struct {
	Tenants []TenantSummary `json:"tenants"`
	Next    int64           `json:"next,omitempty"`
}

// likeEscape escapes LIKE's metacharacters so a search is literal.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

const tenantColumns = `id, suite_id, corp_id, corp_name, status, auth_broken_at IS NOT NULL AS auth_broken, agent_id, installed_at, cancelled_at`

func (d *directory) tenants(ctx context.Context, q TenantQuery) (TenantPage, error) {
	limit := pageLimit(q.Limit)
	var rows []TenantSummary
	// A cached generic plan cannot use the trigram index for LIKE '%' || $1 || '%' and
	// scans the table; a plan made for the actual pattern does not.
	err := d.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL plan_cache_mode = force_custom_plan`).Error; err != nil {
			return err
		}
		db, err := tenantFilter(tx.Table("tenants").Select(tenantColumns), q)
		if err != nil {
			return err
		}
		return db.Order("id DESC").Limit(limit + 1).Scan(&rows).Error
	})
	if errors.Is(err, ErrBadRequest) {
		return TenantPage{}, err
	}
	if err != nil {
		return TenantPage{}, fmt.Errorf("list tenants: %w", err)
	}
	page := TenantPage{Tenants: rows}
	if len(rows) > limit {
		page.Tenants = rows[:limit]
		page.Next = rows[limit-1].ID
	}
	return page, nil
}

func tenantFilter(db *gorm.DB, q TenantQuery) (*gorm.DB, error) {
	if s := strings.TrimSpace(q.Search); s != "" {
		// Substring of the name (pg_trgm's GIN index when present) or a corpid prefix.
		db = db.Where(`(lower(corp_name) LIKE ? OR corp_id LIKE ?)`,
			"%"+likeEscape(strings.ToLower(s))+"%", likeEscape(s)+"%")
	}
	if q.SuiteID != "" {
		db = db.Where("suite_id = ?", q.SuiteID)
	}
	switch q.Status {
	case "":
	case "active":
		db = db.Where("status = 'active' AND auth_broken_at IS NULL")
	case "cancelled":
		db = db.Where("status = 'cancelled'")
	case "auth_broken":
		db = db.Where("status = 'active' AND auth_broken_at IS NOT NULL")
	default:
		return nil, fmt.Errorf("status %q: want active, cancelled or auth_broken: %w", q.Status, ErrBadRequest)
	}
	if q.Before > 0 {
		db = db.Where("id < ?", q.Before)
	}
	return db, nil
}

// recentTenants lists the newest installs, or with cancelled the newest cancellations.
func (d *directory) recentTenants(ctx context.Context, cancelled bool, n int) ([]TenantSummary, error) {
	db := d.db.WithContext(ctx).Table("tenants").Select(tenantColumns)
	if cancelled {
		db = db.Where("cancelled_at IS NOT NULL").Order("cancelled_at DESC")
	} else {
		db = db.Order("installed_at DESC")
	}
	var rows []TenantSummary
	if err := db.Limit(n).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("recent tenants: %w", err)
	}
	return rows, nil
}

// EventQuery filters the event list; pages are keyset by id, newest first.
type EventQuery struct {
	SuiteID string `form:"suite_id"`
	CorpID  string `form:"corp_id"`
	Type    string `form:"type"`
	Status  string `form:"status"`
	Before  int64  `form:"before"`
	Limit   int    `form:"limit"`
}

// EventSummary is an inbox row without its payload.
type EventSummary struct {
	ID          int64      `json:"id"`
	Route       string     `json:"route"`
	SuiteID     string     `json:"suite_id"`
	CorpID      string     `json:"corp_id"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	Handler     string     `json:"handler"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	Deliveries  int        `json:"deliveries"`
	ReceivedAt  time.Time  `json:"received_at"`
	ProcessedAt *time.Time `json:"processed_at,omitempty"`
}

// EventPage is one page of events; Next is the cursor of the following page (0: none).
type EventPage struct {
	Events []EventSummary `json:"events"`
	Next   int64          `json:"next,omitempty"`
}

const eventColumns = `id, route, suite_id, corp_id, event_type AS type, status, handler, attempts, last_error, deliveries, received_at, processed_at`

func (d *directory) events(ctx context.Context, q EventQuery) (EventPage, error) {
	limit := pageLimit(q.Limit)
	db := d.db.WithContext(ctx).Table("inbox_events").Select(eventColumns)
	for col, v := range map[string]string{"suite_id": q.SuiteID, "corp_id": q.CorpID, "event_type": q.Type} {
		if v != "" {
			db = db.Where(col+" = ?", v)
		}
	}
	switch q.Status {
	case "":
	case "pending", "done", "dead":
		db = db.Where("status = ?", q.Status)
	default:
		return EventPage{}, fmt.Errorf("status %q: want pending, done or dead: %w", q.Status, ErrBadRequest)
	}
	if q.Before > 0 {
		db = db.Where("id < ?", q.Before)
	}
	var rows []EventSummary
	if err := db.Order("id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return EventPage{}, fmt.Errorf("list events: %w", err)
	}
	page := EventPage{Events: rows}
	if len(rows) > limit {
		page.Events = rows[:limit]
		page.Next = rows[limit-1].ID
	}
	for i := range page.Events {
		page.Events[i].LastError = MaskText(page.Events[i].LastError)
	}
	return page, nil
}

// tenantEvents is a tenant's event timeline: inbox rows addressed to the corp, the rows
// the tenant registry recorded against the tenant, and extra (the events its history
// names, such as the create_auth that installed it, which carries no corpid).
func (d *directory) tenantEvents(ctx context.Context, suiteID, corpID string, extra []int64, n int) ([]EventSummary, error) {
	if extra == nil {
		extra = []int64{}
	}
	var rows []EventSummary
	err := d.db.WithContext(ctx).Raw(`SELECT `+eventColumns+` FROM inbox_events
		WHERE (suite_id = ? AND corp_id = ?)
		   OR id IN (SELECT te.inbox_event_id FROM tenant_events te JOIN tenants t ON t.id = te.tenant_id
		             WHERE t.suite_id = ? AND t.corp_id = ?)
		   OR (suite_id = ? AND id = ANY(?::bigint[]))
		ORDER BY id DESC LIMIT ?`, suiteID, corpID, suiteID, corpID, suiteID, int64Array(extra), n).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("events of %s/%s: %w", suiteID, corpID, err)
	}
	for i := range rows {
		rows[i].LastError = MaskText(rows[i].LastError)
	}
	return rows, nil
}

// PurgeMark says a tenant was marked for purge, by whom and when.
type PurgeMark struct {
	StaffID  *int64    `json:"staff_id,omitempty"`
	Reason   string    `json:"reason"`
	MarkedAt time.Time `json:"marked_at"`
}

func (d *directory) markPurge(ctx context.Context, suiteID, corpID string, staffID int64, reason string) error {
	err := d.db.WithContext(ctx).Exec(`INSERT INTO tenant_purge_marks (suite_id, corp_id, staff_id, reason)
		SELECT suite_id, corp_id, ?, ? FROM tenants WHERE suite_id = ? AND corp_id = ?
		ON CONFLICT (suite_id, corp_id) DO NOTHING`, staffID, truncate(reason, 500), suiteID, corpID).Error
	if err != nil {
		return fmt.Errorf("mark %s/%s for purge: %w", suiteID, corpID, err)
	}
	return nil
}

func (d *directory) purgeMark(ctx context.Context, suiteID, corpID string) (*PurgeMark, error) {
	var rows []PurgeMark
	err := d.db.WithContext(ctx).Raw(`SELECT staff_id, reason, marked_at FROM tenant_purge_marks
		WHERE suite_id = ? AND corp_id = ?`, suiteID, corpID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("purge mark of %s/%s: %w", suiteID, corpID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// int64Array renders ids as a PostgreSQL array literal, one bind parameter for any count.
func int64Array(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "{" + strings.Join(parts, ",") + "}"
}
