package tenants

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

type adminRow struct {
	TenantID   int64
	UserID     string
	OpenUserID string
	AuthType   int
	UpdatedAt  time.Time
}

func (adminRow) TableName() string { return "tenant_admins" }

// Admins returns the app's admins in the tenant corp, by userid.
func (s *Store) Admins(ctx context.Context, suiteID, corpID string) ([]Admin, error) {
	var rows []adminRow
	err := s.db.WithContext(ctx).Raw(`SELECT a.* FROM tenant_admins a JOIN tenants t ON t.id = a.tenant_id
		WHERE t.suite_id = ? AND t.corp_id = ? ORDER BY a.user_id`, suiteID, corpID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("admins of %s/%s: %w", suiteID, corpID, err)
	}
	out := make([]Admin, len(rows))
	for i, r := range rows {
		out[i] = Admin{UserID: r.UserID, OpenUserID: r.OpenUserID, AuthType: r.AuthType}
	}
	return out, nil
}

// IsAdmin reports whether userID is an admin of the app in an active tenant corp.
func (s *Store) IsAdmin(ctx context.Context, suiteID, corpID, userID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM tenant_admins a JOIN tenants t ON t.id = a.tenant_id
		WHERE t.suite_id = ? AND t.corp_id = ? AND t.status = 'active' AND a.user_id = ?`, suiteID, corpID, userID).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("is admin of %s/%s: %w", suiteID, corpID, err)
	}
	return n > 0, nil
}

// replaceAdmins stores the admin list WeCom returned and records a history entry when it
// changed. An open_userid the new answer lacks (agent/get_admin_list has none) is kept.
func (s *Store) replaceAdmins(ctx context.Context, suiteID, corpID, source string, admins []Admin) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.getRow(tx, suiteID, corpID, true)
		if err != nil {
			return err
		}
		if r.Status == string(StatusCancelled) {
			return ErrCancelled
		}
		var cur []adminRow
		if err := tx.Where("tenant_id = ?", r.ID).Order("user_id").Find(&cur).Error; err != nil {
			return fmt.Errorf("admins of %s/%s: %w", suiteID, corpID, err)
		}
		old := map[string]adminRow{}
		for _, a := range cur {
			old[a.UserID] = a
		}
		next := make([]adminRow, 0, len(admins))
		seen := map[string]bool{}
		var added, changed []string
		for _, a := range admins {
			if a.UserID == "" || seen[a.UserID] {
				continue
			}
			seen[a.UserID] = true
			o, had := old[a.UserID]
			if a.OpenUserID == "" {
				a.OpenUserID = o.OpenUserID
			}
			switch {
			case !had:
				added = append(added, a.UserID)
			case o.AuthType != a.AuthType || o.OpenUserID != a.OpenUserID:
				changed = append(changed, a.UserID)
			}
			next = append(next, adminRow{TenantID: r.ID, UserID: a.UserID, OpenUserID: a.OpenUserID, AuthType: a.AuthType, UpdatedAt: time.Now()})
		}
		var removed []string
		for _, a := range cur {
			if !seen[a.UserID] {
				removed = append(removed, a.UserID)
			}
		}
		if len(added)+len(changed)+len(removed) == 0 {
			return nil
		}
		if err := tx.Exec(`DELETE FROM tenant_admins WHERE tenant_id = ?`, r.ID).Error; err != nil {
			return fmt.Errorf("replace admins of %s/%s: %w", suiteID, corpID, err)
		}
		if len(next) > 0 {
			if err := tx.Create(&next).Error; err != nil {
				return fmt.Errorf("replace admins of %s/%s: %w", suiteID, corpID, err)
			}
		}
		slices.Sort(added)
		slices.Sort(removed)
		return addHistory(tx, r.ID, KindAdminsChanged, source, map[string]any{
			"added": orEmpty(added), "removed": orEmpty(removed), "changed": orEmpty(changed), "count": len(next)})
	})
}

func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// UpsertUser records a member who signed in to an active tenant.
func (s *Store) UpsertUser(ctx context.Context, suiteID, corpID string, u User) error {
	res := s.db.WithContext(ctx).Exec(`
		INSERT INTO tenant_users (tenant_id, user_id, open_user_id, name, avatar, last_login_at)
		SELECT id, ?, ?, ?, ?, ? FROM tenants WHERE suite_id = ? AND corp_id = ? AND status = 'active'
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET
			open_user_id = COALESCE(NULLIF(EXCLUDED.open_user_id, ''), tenant_users.open_user_id),
			name = COALESCE(NULLIF(EXCLUDED.name, ''), tenant_users.name),
			avatar = COALESCE(NULLIF(EXCLUDED.avatar, ''), tenant_users.avatar),
			last_login_at = COALESCE(EXCLUDED.last_login_at, tenant_users.last_login_at),
			updated_at = now()`,
		u.UserID, u.OpenUserID, u.Name, u.Avatar, u.LastLoginAt, suiteID, corpID)
	if res.Error != nil {
		return fmt.Errorf("upsert user of %s/%s: %w", suiteID, corpID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// Users lists the members of the tenant corp who signed in, by userid.
func (s *Store) Users(ctx context.Context, suiteID, corpID string) ([]User, error) {
	var rows []struct {
		UserID, OpenUserID, Name, Avatar string
		LastLoginAt                      *time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT u.user_id, u.open_user_id, u.name, u.avatar, u.last_login_at
		FROM tenant_users u JOIN tenants t ON t.id = u.tenant_id
		WHERE t.suite_id = ? AND t.corp_id = ? ORDER BY u.user_id`, suiteID, corpID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("users of %s/%s: %w", suiteID, corpID, err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = User{UserID: r.UserID, OpenUserID: r.OpenUserID, Name: r.Name, Avatar: r.Avatar, LastLoginAt: r.LastLoginAt}
	}
	return out, nil
}

// User returns one member of the tenant corp who signed in, or ErrNotFound. It reads one
// row: a corp may have many thousands of members.
func (s *Store) User(ctx context.Context, suiteID, corpID, userID string) (User, error) {
	var rows []struct {
		UserID, OpenUserID, Name, Avatar string
		LastLoginAt                      *time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT u.user_id, u.open_user_id, u.name, u.avatar, u.last_login_at
		FROM tenant_users u JOIN tenants t ON t.id = u.tenant_id
		WHERE t.suite_id = ? AND t.corp_id = ? AND u.user_id = ?`, suiteID, corpID, userID).Scan(&rows).Error
	if err != nil {
		return User{}, fmt.Errorf("user of %s/%s: %w", suiteID, corpID, err)
	}
	if len(rows) == 0 {
		return User{}, ErrNotFound
	}
	r := rows[0]
	return User{UserID: r.UserID, OpenUserID: r.OpenUserID, Name: r.Name, Avatar: r.Avatar, LastLoginAt: r.LastLoginAt}, nil
}

// recordEvent records an inbox event against the corp's tenant of suiteID, or against
// every tenant of the corp when suiteID is empty (provider-level system events), and
// returns those tenants. Recording the same inbox event twice changes nothing.
func (s *Store) recordEvent(ctx context.Context, suiteID, corpID string, inboxID int64, typ, changeType string, eventTime int64) ([]Tenant, error) {
	var rows []tenantRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("corp_id = ?", corpID)
		if suiteID != "" {
			q = q.Where("suite_id = ?", suiteID)
		}
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			err := tx.Exec(`INSERT INTO tenant_events (tenant_id, inbox_event_id, event_type, change_type, event_time)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, inbox_event_id) DO NOTHING`,
				r.ID, inboxID, typ, changeType, eventTime).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record %s for %s/%s: %w", typ, suiteID, corpID, err)
	}
	out := make([]Tenant, len(rows))
	for i, r := range rows {
		out[i] = toTenant(r)
	}
	return out, nil
}

// Events lists the corp events recorded against a tenant, newest first.
func (s *Store) Events(ctx context.Context, suiteID, corpID string, limit int) ([]EventRecord, error) {
	var rows []struct {
		ID, InboxEventID, EventTime int64
		EventType, ChangeType       string
		CreatedAt                   time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT e.id, e.inbox_event_id, e.event_time, e.event_type, e.change_type, e.created_at
		FROM tenant_events e JOIN tenants t ON t.id = e.tenant_id
		WHERE t.suite_id = ? AND t.corp_id = ? ORDER BY e.id DESC LIMIT ?`, suiteID, corpID, limitOr(limit)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("events of %s/%s: %w", suiteID, corpID, err)
	}
	out := make([]EventRecord, len(rows))
	for i, r := range rows {
		out[i] = EventRecord{ID: r.ID, InboxEventID: r.InboxEventID, Type: r.EventType, ChangeType: r.ChangeType,
			EventTime: r.EventTime, CreatedAt: r.CreatedAt}
	}
	return out, nil
}
