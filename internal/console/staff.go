package console

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Role is a staff member's permission level; each includes the ones before it.
type Role string

// Roles: viewers read, operators also act on tenants and events, admins also manage staff
// and suites and read the audit log.
const (
	RoleViewer   Role = "viewer"
	RoleOperator Role = "operator"
	RoleAdmin    Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Allows reports whether r includes need.
func (r Role) Allows(need Role) bool { return r.rank() >= need.rank() && need.rank() > 0 }

// ParseRole accepts viewer, operator or admin.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", fmt.Errorf("role %q: want viewer, operator or admin: %w", s, ErrBadRequest)
	}
	return r, nil
}

// ErrStaffExists means a staff account with that email exists.
var ErrStaffExists = errors.New("a staff account with that email exists")

// Staff is one console account. The password hash never leaves this package.
type Staff struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Role        Role       `json:"role"`
	Disabled    bool       `json:"disabled"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

type staffRow struct {
	ID           int64
	Email        string
	Role         string
	PasswordHash string
	DisabledAt   *time.Time
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (staffRow) TableName() string { return "staff" }

func (r staffRow) toStaff() Staff {
	return Staff{ID: r.ID, Email: r.Email, Role: Role(r.Role), Disabled: r.DisabledAt != nil,
		LastLoginAt: r.LastLoginAt, CreatedAt: r.CreatedAt}
}

// StaffStore keeps staff accounts in PostgreSQL.
type StaffStore struct{ db *gorm.DB }

// NewStaffStore returns a StaffStore over db.
func NewStaffStore(db *gorm.DB) *StaffStore { return &StaffStore{db: db} }

// NormalizeEmail validates an email address and lower-cases it.
func NormalizeEmail(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Address != strings.TrimSpace(s) {
		return "", fmt.Errorf("email %q is not an address: %w", s, ErrBadRequest)
	}
	return strings.ToLower(a.Address), nil
}

// Create adds an account. The password must be at least 12 characters.
func (s *StaffStore) Create(ctx context.Context, email string, role Role, password string) (Staff, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return Staff{}, err
	}
	if role.rank() == 0 {
		return Staff{}, fmt.Errorf("role %q: %w", role, ErrBadRequest)
	}
	if len(password) < 12 {
		return Staff{}, fmt.Errorf("password shorter than 12 characters: %w", ErrBadRequest)
	}
	hash, err := hashPassword(password)
	if err != nil {
		return Staff{}, err
	}
	r := staffRow{Email: email, Role: string(role), PasswordHash: hash}
	err = s.db.WithContext(ctx).Create(&r).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Staff{}, fmt.Errorf("%s: %w", email, ErrStaffExists)
	}
	if err != nil {
		return Staff{}, fmt.Errorf("create staff %s: %w", email, err)
	}
	return r.toStaff(), nil
}

// Authenticate checks email and password; ok is false for an unknown or disabled account
// or a wrong password, indistinguishably.
func (s *StaffStore) Authenticate(ctx context.Context, email, password string) (Staff, bool, error) {
	var r staffRow
	err := s.db.WithContext(ctx).Where("lower(email) = lower(?)", strings.TrimSpace(email)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		checkPassword(dummyHash, password)
		return Staff{}, false, nil
	}
	if err != nil {
		return Staff{}, false, fmt.Errorf("find staff: %w", err)
	}
	ok, err := checkPassword(r.PasswordHash, password)
	if err != nil {
		return Staff{}, false, fmt.Errorf("staff %d: %w", r.ID, err)
	}
	if !ok || r.DisabledAt != nil {
		return Staff{}, false, nil
	}
	s.db.WithContext(ctx).Model(&staffRow{}).Where("id = ?", r.ID).Update("last_login_at", time.Now())
	return r.toStaff(), true, nil
}

// Get returns one account.
func (s *StaffStore) Get(ctx context.Context, id int64) (Staff, error) {
	var r staffRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Staff{}, fmt.Errorf("staff %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Staff{}, fmt.Errorf("get staff %d: %w", id, err)
	}
	return r.toStaff(), nil
}

// List returns every account by email.
func (s *StaffStore) List(ctx context.Context) ([]Staff, error) {
	var rows []staffRow
	if err := s.db.WithContext(ctx).Order("email").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	out := make([]Staff, len(rows))
	for i, r := range rows {
		out[i] = r.toStaff()
	}
	return out, nil
}

// Update changes an account's role and disabled flag; disabling ends its sessions.
func (s *StaffStore) Update(ctx context.Context, id int64, role Role, disabled bool) (Staff, error) {
	if role.rank() == 0 {
		return Staff{}, fmt.Errorf("role %q: %w", role, ErrBadRequest)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE staff SET role = ?, updated_at = now(),
			disabled_at = CASE WHEN ? THEN coalesce(disabled_at, now()) END WHERE id = ?`, string(role), disabled, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if disabled {
			return tx.Exec(`DELETE FROM staff_sessions WHERE staff_id = ?`, id).Error
		}
		return nil
	})
	if err != nil {
		return Staff{}, fmt.Errorf("update staff %d: %w", id, err)
	}
	return s.Get(ctx, id)
}
