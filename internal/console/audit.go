package console

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Audit actions.
const (
	ActionSignIn       = "sign_in"
	ActionSignOut      = "sign_out"
	ActionReplayEvent  = "replay_event"
	ActionRefreshToken = "refresh_token"
	ActionResyncAuth   = "resync_auth_info"
	ActionMarkPurge    = "mark_for_purge"
	ActionSuiteSave    = "suite_save"
	ActionStaffCreate  = "staff_create"
	ActionStaffUpdate  = "staff_update"
)

// Entry is one audit log line.
type Entry struct {
	ID         int64          `json:"id"`
	StaffID    *int64         `json:"staff_id,omitempty"`
	StaffEmail string         `json:"staff_email"`
	Action     string         `json:"action"`
	Target     string         `json:"target"`
	Result     string         `json:"result"`
	Detail     map[string]any `json:"detail,omitempty"`
	IP         string         `json:"ip"`
	CreatedAt  time.Time      `json:"created_at"`
}

// AuditLog is the append-only record of staff actions.
type AuditLog struct{ db *gorm.DB }

// NewAuditLog returns an AuditLog over db.
func NewAuditLog(db *gorm.DB) *AuditLog { return &AuditLog{db: db} }

type jsonMap map[string]any

func (m jsonMap) Value() (driver.Value, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]any(m))
	return string(b), err
}

func (m *jsonMap) Scan(v any) error {
	switch v := v.(type) {
	case []byte:
		return json.Unmarshal(v, m)
	case string:
		return json.Unmarshal([]byte(v), m)
	case nil:
		*m = nil
		return nil
	}
	return fmt.Errorf("audit detail: unexpected %T", v)
}

// Write appends an entry. Detail must hold no secret: callers pass ids and outcomes only.
func (a *AuditLog) Write(ctx context.Context, e Entry) error {
	if e.Result == "" {
		e.Result = "ok"
	}
	err := a.db.WithContext(ctx).Exec(`INSERT INTO audit_log (staff_id, staff_email, action, target, result, detail, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.StaffID, e.StaffEmail, e.Action, e.Target, truncate(e.Result, 500),
		jsonMap(e.Detail), e.IP).Error
	if err != nil {
		return fmt.Errorf("write audit log (%s %s): %w", e.Action, e.Target, err)
	}
	return nil
}

// AuditQuery filters List; BeforeID pages backwards (newest first).
type AuditQuery struct {
	Target   string
	Action   string
	BeforeID int64
	Limit    int
}

// List returns entries newest first.
func (a *AuditLog) List(ctx context.Context, q AuditQuery) ([]Entry, error) {
	db := a.db.WithContext(ctx).Table("audit_log")
	if q.Target != "" {
		db = db.Where("target = ?", q.Target)
	}
	if q.Action != "" {
		db = db.Where("action = ?", q.Action)
	}
	if q.BeforeID > 0 {
		db = db.Where("id < ?", q.BeforeID)
	}
	var rows []struct {
		ID         int64
		StaffID    *int64
		StaffEmail string
		Action     string
		Target     string
		Result     string
		Detail     jsonMap
		IP         string
		CreatedAt  time.Time
	}
	if err := db.Order("id DESC").Limit(pageLimit(q.Limit)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = Entry{ID: r.ID, StaffID: r.StaffID, StaffEmail: r.StaffEmail, Action: r.Action, Target: r.Target,
			Result: r.Result, Detail: r.Detail, IP: r.IP, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

func pageLimit(n int) int {
	if n <= 0 || n > 200 {
		return 50
	}
	return n
}
