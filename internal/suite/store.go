package suite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wecomisv/platform/internal/secrets"
)

// Store keeps suites in PostgreSQL with every secret sealed.
type Store struct {
	db  *gorm.DB
	box *secrets.Box
}

// NewStore returns a Store over db.
func NewStore(db *gorm.DB, box *secrets.Box) *Store { return &Store{db: db, box: box} }

type stringList []string

func (l stringList) Value() (driver.Value, error) {
	if l == nil {
		l = stringList{}
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

func (l *stringList) Scan(v any) error {
	switch v := v.(type) {
	case []byte:
		return json.Unmarshal(v, l)
	case string:
		return json.Unmarshal([]byte(v), l)
	case nil:
		*l = nil
		return nil
	}
	return fmt.Errorf("trusted_domains: unexpected %T", v)
}

type suiteRow struct {
	SuiteID          string `gorm:"primaryKey"`
	SecretSealed     []byte
	TokenSealed      []byte
	AESKeySealed     []byte `gorm:"column:aes_key_sealed"`
	TrustedDomains   stringList
	TicketSealed     []byte
	TicketTime       int64
	TicketReceivedAt *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (suiteRow) TableName() string { return "suites" }

func ad(suiteID, field string) string { return "suite:" + suiteID + ":" + field }

func (s *Store) toRow(su Suite) (suiteRow, error) {
	r := suiteRow{SuiteID: su.ID, TrustedDomains: su.TrustedDomains}
	var err error
	if r.SecretSealed, err = s.box.SealString(su.Secret, ad(su.ID, "secret")); err != nil {
		return r, err
	}
	if r.TokenSealed, err = s.box.SealString(su.Token, ad(su.ID, "token")); err != nil {
		return r, err
	}
	if r.AESKeySealed, err = s.box.SealString(su.EncodingAESKey, ad(su.ID, "aes_key")); err != nil {
		return r, err
	}
	return r, nil
}

func (s *Store) toSuite(r suiteRow) (Suite, error) {
	su := Suite{ID: r.SuiteID, TrustedDomains: r.TrustedDomains}
	var err error
	if su.Secret, err = s.box.OpenString(r.SecretSealed, ad(r.SuiteID, "secret")); err != nil {
		return su, fmt.Errorf("open suite %s secret: %w", r.SuiteID, err)
	}
	if su.Token, err = s.box.OpenString(r.TokenSealed, ad(r.SuiteID, "token")); err != nil {
		return su, fmt.Errorf("open suite %s token: %w", r.SuiteID, err)
	}
	if su.EncodingAESKey, err = s.box.OpenString(r.AESKeySealed, ad(r.SuiteID, "aes_key")); err != nil {
		return su, fmt.Errorf("open suite %s aes key: %w", r.SuiteID, err)
	}
	return su, nil
}

// Upsert creates the suite or replaces its credentials, keeping its ticket.
func (s *Store) Upsert(ctx context.Context, su Suite) error {
	r, err := s.toRow(su)
	if err != nil {
		return fmt.Errorf("upsert suite %s: %w", su.ID, err)
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "suite_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"secret_sealed", "token_sealed", "aes_key_sealed", "trusted_domains", "updated_at"}),
	}).Omit("ticket_sealed", "ticket_time", "ticket_received_at").Create(&r).Error
	if err != nil {
		return fmt.Errorf("upsert suite %s: %w", su.ID, err)
	}
	return nil
}

// Get returns one suite.
func (s *Store) Get(ctx context.Context, id string) (Suite, error) {
	var r suiteRow
	err := s.db.WithContext(ctx).Omit("ticket_sealed").Where("suite_id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Suite{}, ErrNotFound
	}
	if err != nil {
		return Suite{}, fmt.Errorf("get suite %s: %w", id, err)
	}
	return s.toSuite(r)
}

// List returns every suite, ordered by id.
func (s *Store) List(ctx context.Context) ([]Suite, error) {
	var rows []suiteRow
	if err := s.db.WithContext(ctx).Order("suite_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list suites: %w", err)
	}
	out := make([]Suite, 0, len(rows))
	for _, r := range rows {
		su, err := s.toSuite(r)
		if err != nil {
			return nil, err
		}
		out = append(out, su)
	}
	return out, nil
}

// SaveTicket stores t unless the stored ticket is newer. Two pushes stamped in the same
// second (a forced push right after a scheduled one) cannot be ordered by TimeStamp; the
// later write wins. It reports whether t was stored.
func (s *Store) SaveTicket(ctx context.Context, suiteID string, t Ticket) (bool, error) {
	sealed, err := s.box.SealString(t.Value, ad(suiteID, "ticket"))
	if err != nil {
		return false, fmt.Errorf("save ticket: %w", err)
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE suites SET ticket_sealed = ?, ticket_time = ?, ticket_received_at = now(), updated_at = now()
		WHERE suite_id = ? AND ticket_time <= ?`, sealed, t.Time, suiteID, t.Time)
	if res.Error != nil {
		return false, fmt.Errorf("save ticket for %s: %w", suiteID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// TicketInfo is what may be shown about a ticket: its age, never its value.
type TicketInfo struct {
	SuiteID    string
	Time       int64
	ReceivedAt time.Time
}

// Ticket returns the stored ticket, or ErrNotFound when none has arrived yet.
func (s *Store) Ticket(ctx context.Context, suiteID string) (Ticket, error) {
	var r suiteRow
	err := s.db.WithContext(ctx).Select("suite_id", "ticket_sealed", "ticket_time").Where("suite_id = ?", suiteID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && r.TicketSealed == nil) {
		return Ticket{}, ErrNotFound
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("get ticket for %s: %w", suiteID, err)
	}
	v, err := s.box.OpenString(r.TicketSealed, ad(suiteID, "ticket"))
	if err != nil {
		return Ticket{}, fmt.Errorf("open ticket for %s: %w", suiteID, err)
	}
	return Ticket{Value: v, Time: r.TicketTime}, nil
}

// TicketInfos lists, for every suite, when its newest ticket arrived.
func (s *Store) TicketInfos(ctx context.Context) ([]TicketInfo, error) {
	var rows []suiteRow
	if err := s.db.WithContext(ctx).Select("suite_id", "ticket_time", "ticket_received_at").Order("suite_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	out := make([]TicketInfo, 0, len(rows))
	for _, r := range rows {
		ti := TicketInfo{SuiteID: r.SuiteID, Time: r.TicketTime}
		if r.TicketReceivedAt != nil {
			ti.ReceivedAt = *r.TicketReceivedAt
		}
		out = append(out, ti)
	}
	return out, nil
}
