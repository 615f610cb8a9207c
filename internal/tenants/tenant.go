// Package tenants owns the corps that installed a suite: the install flow (link and
// marketplace), the single-use auth code exchange, the tenant's lifecycle (change_auth,
// cancel_auth, reset_permanent_code, change_app_admin), its admins and users, its audit
// history, and the hooks other code registers for the corp events WeCom pushes.
package tenants

import (
	"errors"
	"time"
)

// Errors of the package. The token service maps ErrNotFound, ErrCancelled and
// ErrAuthBroken from Store.PermanentCode; the inbox handlers make the permanent ones
// fail without retries.
var (
	ErrNotFound   = errors.New("tenant not found")
	ErrCancelled  = errors.New("tenant cancelled the authorisation")
	ErrAuthBroken = errors.New("tenant authorisation rejected by WeCom")
	// ErrAuthCodeInvalid means WeCom refused the auth code: expired, already used, or
	// the install it stood for is gone. Only a new install helps.
	ErrAuthCodeInvalid = errors.New("auth code expired or already used")
	// ErrUnknownSuite means the suite is not configured here.
	ErrUnknownSuite = errors.New("unknown suite")
)

// Status of a tenant. An active tenant may additionally be auth-broken (Tenant.AuthBroken).
type Status string

// Tenant statuses.
const (
	StatusActive    Status = "active"
	StatusCancelled Status = "cancelled"
)

// Tenant is one corp's authorisation of one suite. The permanent code is not part of it:
// only Store.PermanentCode opens it.
type Tenant struct {
	ID      int64
	SuiteID string
	CorpID  string
	Status  Status

	Corp     Corp
	Agent    Agent
	Edition  []Edition // paid apps only
	Dealer   Dealer    // set when sold through a reseller
	AuthUser AuthUser  // the admin who installed; cleared on cancel
	// InstallState is the state parameter of the install link or QR code.
	InstallState string

	AuthBrokenAt     *time.Time
	AuthBrokenReason string

	InstalledAt time.Time
	CancelledAt *time.Time
	UpdatedAt   time.Time
}

// Active reports whether the tenant is installed and WeCom accepts its authorisation.
func (t Tenant) Active() bool { return t.Status == StatusActive && t.AuthBrokenAt == nil }

// Corp describes the authorising corp (auth_corp_info).
type Corp struct {
	Name            string `json:"corp_name"`
	FullName        string `json:"corp_full_name"`
	Type            string `json:"corp_type"` // verified | unverified
	SubjectType     int    `json:"subject_type"`
	SquareLogoURL   string `json:"corp_square_logo_url"`
	UserMax         int    `json:"corp_user_max"`
	Industry        string `json:"corp_industry"`
	SubIndustry     string `json:"corp_sub_industry"`
	Scale           string `json:"corp_scale"`
	VerifiedEndTime int64  `json:"verified_end_time"`
}

// Agent is the app inside the corp (auth_info.agent[0]).
type Agent struct {
	AgentID         int        `json:"agentid"`
	Name            string     `json:"name"`
	AuthMode        int        `json:"auth_mode"` // 0 admin auth, 1 member auth
	IsCustomizedApp bool       `json:"is_customized_app"`
	Privilege       Privilege  `json:"privilege"`
	SharedFrom      SharedFrom `json:"shared_from"`
}

// Privilege is the app's contact permission and visible range.
type Privilege struct {
	Level      int      `json:"level"`
	AllowParty []int    `json:"allow_party"`
	AllowUser  []string `json:"allow_user"`
	AllowTag   []int    `json:"allow_tag"`
	ExtraParty []int    `json:"extra_party"`
	ExtraUser  []string `json:"extra_user"`
	ExtraTag   []int    `json:"extra_tag"`
}

// SharedFrom is set when a parent corp shared the app (企业互联 / 上下游).
type SharedFrom struct {
	CorpID    string `json:"corpid,omitempty"`
	ShareType int    `json:"share_type,omitempty"`
}

// Edition is one app's paid edition (edition_info.agent[]).
type Edition struct {
	AgentID          int    `json:"agentid"`
	EditionID        string `json:"edition_id"`
	EditionName      string `json:"edition_name"`
	AppStatus        int    `json:"app_status"`
	UserLimit        int    `json:"user_limit"`
	ExpiredTime      int64  `json:"expired_time"`
	IsVirtualVersion bool   `json:"is_virtual_version"`
	IsShared         bool   `json:"is_shared_from_other_corp"`
}

// Dealer is the reseller (代理服务商) the app was sold through.
type Dealer struct {
	CorpID string `json:"corpid"`
	Name   string `json:"corp_name"`
}

// AuthUser is the admin who installed the app.
type AuthUser struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
	Name       string `json:"name"`
}

// Admin is one admin of the app in the tenant corp.
type Admin struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid,omitempty"`
	AuthType   int    `json:"auth_type"` // 0 use/message, 1 manage
}

// User is a member of the tenant corp who signed in to the app.
type User struct {
	UserID      string
	OpenUserID  string
	Name        string
	Avatar      string
	LastLoginAt *time.Time
}

// Kinds of history entries.
const (
	KindInstall            = "install"
	KindReinstall          = "reinstall"
	KindChangeAuth         = "change_auth"
	KindCancel             = "cancel"
	KindResetPermanentCode = "reset_permanent_code"
	KindAuthBroken         = "auth_broken"
	KindAdminsChanged      = "admins_changed"
)

// HistoryEntry is one change of a tenant's authorisation. Detail holds what changed
// ("changes": field → {old, new}) or why.
type HistoryEntry struct {
	ID        int64
	Kind      string
	Source    string
	Detail    map[string]any
	CreatedAt time.Time
}

// Change is the old and new value of one field.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// EventRecord is a corp event recorded against a tenant; its payload is the inbox row
// InboxEventID.
type EventRecord struct {
	ID           int64
	InboxEventID int64
	Type         string
	ChangeType   string
	EventTime    int64
	CreatedAt    time.Time
}
