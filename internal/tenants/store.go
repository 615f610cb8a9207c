package tenants

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/secrets"
)

// Store keeps tenants, their admins, users, history and recorded events in PostgreSQL.
// The permanent code is sealed; gorm types and errors stay in this package's store files.
type Store struct {
	db  *gorm.DB
	box *secrets.Box
}

// NewStore returns a Store over db (opened with TranslateError).
func NewStore(db *gorm.DB, box *secrets.Box) *Store { return &Store{db: db, box: box} }

// jsonb stores a value as a PostgreSQL jsonb column.
type jsonb[T any] struct{ V T }

func (j jsonb[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	return string(b), err
}

func (j *jsonb[T]) Scan(v any) error {
	switch v := v.(type) {
	case []byte:
		return json.Unmarshal(v, &j.V)
	case string:
		return json.Unmarshal([]byte(v), &j.V)
	case nil:
		var zero T
		j.V = zero
		return nil
	}
	return fmt.Errorf("jsonb: unexpected %T", v)
}

type tenantRow struct {
	ID                  int64
	SuiteID             string
	CorpID              string
	Status              string
	PermanentCodeSealed []byte
	PermanentCodeAt     *time.Time
	CorpName            string
	CorpFullName        string
	CorpType            string
	SubjectType         int
	CorpSquareLogoURL   string `gorm:"column:corp_square_logo_url"`
	CorpUserMax         int
	CorpIndustry        string
	CorpSubIndustry     string
	CorpScale           string
	VerifiedEndTime     int64
	AgentID             int
	AgentName           string
	AuthMode            int
	IsCustomizedApp     bool
	Privilege           jsonb[Privilege]
	SharedFrom          jsonb[SharedFrom]
	Edition             jsonb[[]Edition]
	DealerCorpID        string
	DealerCorpName      string
	AuthUserID          string
	AuthOpenUserID      string
	AuthUserName        string
	InstallState        string
	AuthBrokenAt        *time.Time
	AuthBrokenReason    string
	InstalledAt         time.Time
	CancelledAt         *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (tenantRow) TableName() string { return "tenants" }

// codeAD binds a sealed permanent code to its tenant: copied to another row it fails to open.
func codeAD(suiteID, corpID string) string {
	return "tenant:" + suiteID + ":" + corpID + ":permanent_code"
}

func (s *Store) sealCode(suiteID, corpID, code string) ([]byte, error) {
	return s.box.SealString(code, codeAD(suiteID, corpID))
}

func toTenant(r tenantRow) Tenant {
	return Tenant{
		ID: r.ID, SuiteID: r.SuiteID, CorpID: r.CorpID, Status: Status(r.Status),
		Corp: Corp{Name: r.CorpName, FullName: r.CorpFullName, Type: r.CorpType, SubjectType: r.SubjectType,
			SquareLogoURL: r.CorpSquareLogoURL, UserMax: r.CorpUserMax, Industry: r.CorpIndustry,
			SubIndustry: r.CorpSubIndustry, Scale: r.CorpScale, VerifiedEndTime: r.VerifiedEndTime},
		Agent: Agent{AgentID: r.AgentID, Name: r.AgentName, AuthMode: r.AuthMode, IsCustomizedApp: r.IsCustomizedApp,
			Privilege: r.Privilege.V, SharedFrom: r.SharedFrom.V},
		Edition:      r.Edition.V,
		Dealer:       Dealer{CorpID: r.DealerCorpID, Name: r.DealerCorpName},
		AuthUser:     AuthUser{UserID: r.AuthUserID, OpenUserID: r.AuthOpenUserID, Name: r.AuthUserName},
		InstallState: r.InstallState, AuthBrokenAt: r.AuthBrokenAt, AuthBrokenReason: r.AuthBrokenReason,
		InstalledAt: r.InstalledAt, CancelledAt: r.CancelledAt, UpdatedAt: r.UpdatedAt,
	}
}

// setAuth copies what WeCom reports about the authorisation into the row. Edition info
// is only replaced when the answer carried it (v2 get_auth_info may leave it out).
func (r *tenantRow) setAuth(a authSnapshot) {
	r.CorpName, r.CorpFullName, r.CorpType, r.SubjectType = a.Corp.Name, a.Corp.FullName, a.Corp.Type, a.Corp.SubjectType
	r.CorpSquareLogoURL, r.CorpUserMax, r.VerifiedEndTime = a.Corp.SquareLogoURL, a.Corp.UserMax, a.Corp.VerifiedEndTime
	r.CorpIndustry, r.CorpSubIndustry, r.CorpScale = a.Corp.Industry, a.Corp.SubIndustry, a.Corp.Scale
	r.AgentID, r.AgentName, r.AuthMode, r.IsCustomizedApp = a.Agent.AgentID, a.Agent.Name, a.Agent.AuthMode, a.Agent.IsCustomizedApp
	r.Privilege, r.SharedFrom = jsonb[Privilege]{a.Agent.Privilege}, jsonb[SharedFrom]{a.Agent.SharedFrom}
	if a.HasEdition {
		r.Edition = jsonb[[]Edition]{a.Edition}
	}
	r.DealerCorpID, r.DealerCorpName = a.Dealer.CorpID, a.Dealer.Name
}

// Get returns one tenant.
func (s *Store) Get(ctx context.Context, suiteID, corpID string) (Tenant, error) {
	r, err := s.getRow(s.db.WithContext(ctx), suiteID, corpID, false)
	if err != nil {
		return Tenant{}, err
	}
	return toTenant(r), nil
}

func (s *Store) getRow(tx *gorm.DB, suiteID, corpID string, lock bool) (tenantRow, error) {
	var r tenantRow
	q := `SELECT * FROM tenants WHERE suite_id = ? AND corp_id = ?`
	if lock {
		q += ` FOR UPDATE`
	}
	res := tx.Raw(q, suiteID, corpID).Scan(&r)
	if res.Error != nil {
		return r, fmt.Errorf("get tenant %s/%s: %w", suiteID, corpID, res.Error)
	}
	if res.RowsAffected == 0 {
		return r, ErrNotFound
	}
	return r, nil
}

// PermanentCode returns the tenant's opened permanent code for the token service.
// It fails with ErrNotFound, ErrCancelled or ErrAuthBroken when no code may be used.
func (s *Store) PermanentCode(ctx context.Context, suiteID, corpID string) (string, error) {
	r, err := s.getRow(s.db.WithContext(ctx), suiteID, corpID, false)
	if err != nil {
		return "", err
	}
	switch {
	case r.Status == string(StatusCancelled):
		return "", ErrCancelled
	case r.AuthBrokenAt != nil:
		return "", fmt.Errorf("%w: %s", ErrAuthBroken, r.AuthBrokenReason)
	}
	return s.openCode(r)
}

func (s *Store) openCode(r tenantRow) (string, error) {
	if r.PermanentCodeSealed == nil {
		return "", ErrCancelled
	}
	code, err := s.box.OpenString(r.PermanentCodeSealed, codeAD(r.SuiteID, r.CorpID))
	if err != nil {
		return "", fmt.Errorf("open permanent code of %s/%s: %w", r.SuiteID, r.CorpID, err)
	}
	return code, nil
}

// credentials returns the tenant and its permanent code even when the tenant is marked
// auth-broken: re-reading the auth info is how a broken tenant is found healthy again.
func (s *Store) credentials(ctx context.Context, suiteID, corpID string) (Tenant, string, error) {
	r, err := s.getRow(s.db.WithContext(ctx), suiteID, corpID, false)
	if err != nil {
		return Tenant{}, "", err
	}
	if r.Status == string(StatusCancelled) {
		return toTenant(r), "", ErrCancelled
	}
	code, err := s.openCode(r)
	return toTenant(r), code, err
}

// ListOptions filters ListTenants.
type ListOptions struct {
	SuiteID string // empty: every suite
	Status  Status // empty: every status
	AfterID int64  // keyset pagination: tenants with a larger id
	Limit   int    // default 100
}

// ListTenants lists tenants across corps, by id.
func (s *Store) ListTenants(ctx context.Context, o ListOptions) ([]Tenant, error) {
	if o.Limit <= 0 {
		o.Limit = 100
	}
	q := s.db.WithContext(ctx).Where("id > ?", o.AfterID)
	if o.SuiteID != "" {
		q = q.Where("suite_id = ?", o.SuiteID)
	}
	if o.Status != "" {
		q = q.Where("status = ?", string(o.Status))
	}
	var rows []tenantRow
	if err := q.Order("id").Limit(o.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	out := make([]Tenant, len(rows))
	for i, r := range rows {
		out[i] = toTenant(r)
	}
	return out, nil
}

// CountByStatus counts tenants across all suites by status; active tenants WeCom
// rejected count as "auth_broken" instead of "active".
func (s *Store) CountByStatus(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT CASE WHEN status = 'active' AND auth_broken_at IS NOT NULL
		THEN 'auth_broken' ELSE status END AS status, count(*) AS n FROM tenants GROUP BY 1`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count tenants: %w", err)
	}
	out := map[string]int64{string(StatusActive): 0, string(StatusCancelled): 0, "auth_broken": 0}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// MarkAuthBroken flags the tenant as rejected by WeCom (40084/48004), with a history
// entry. Flagging an already broken tenant changes nothing.
func (s *Store) MarkAuthBroken(ctx context.Context, suiteID, corpID, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []int64
		err := tx.Raw(`UPDATE tenants SET auth_broken_at = now(), auth_broken_reason = ?, updated_at = now()
			WHERE suite_id = ? AND corp_id = ? AND status = 'active' AND auth_broken_at IS NULL RETURNING id`,
			truncate(reason, 500), suiteID, corpID).Scan(&ids).Error
		if err != nil {
			return fmt.Errorf("mark %s/%s auth broken: %w", suiteID, corpID, err)
		}
		if len(ids) == 0 {
			return nil
		}
		return addHistory(tx, ids[0], KindAuthBroken, "wecom", map[string]any{"reason": reason})
	})
}

func addHistory(tx *gorm.DB, tenantID int64, kind, source string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	err := tx.Exec(`INSERT INTO tenant_history (tenant_id, kind, source, detail) VALUES (?, ?, ?, ?)`,
		tenantID, kind, source, jsonb[map[string]any]{detail}).Error
	if err != nil {
		return fmt.Errorf("record %s of tenant %d: %w", kind, tenantID, err)
	}
	return nil
}

// History returns the tenant's newest history entries first.
func (s *Store) History(ctx context.Context, suiteID, corpID string, limit int) ([]HistoryEntry, error) {
	var rows []struct {
		ID        int64
		Kind      string
		Source    string
		Detail    jsonb[map[string]any]
		CreatedAt time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT h.id, h.kind, h.source, h.detail, h.created_at
		FROM tenant_history h JOIN tenants t ON t.id = h.tenant_id
		WHERE t.suite_id = ? AND t.corp_id = ? ORDER BY h.id DESC LIMIT ?`, suiteID, corpID, limitOr(limit)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("history of %s/%s: %w", suiteID, corpID, err)
	}
	out := make([]HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = HistoryEntry{ID: r.ID, Kind: r.Kind, Source: r.Source, Detail: r.Detail.V, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

func limitOr(n int) int {
	if n <= 0 || n > 1000 {
		return 100
	}
	return n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
