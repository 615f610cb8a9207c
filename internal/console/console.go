// Package console is the provider console: staff accounts and their sessions, the pages
// under /console/ (html/template from web/) and the JSON API under /console/api/, the
// audit log of every staff action, and the read models the pages need (the tenant search,
// the event list, the queue view). It owns no domain rules: actions go to the packages that
// own them (callback, tokens, tenants) through the small interfaces declared here.
package console

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
)

// Errors the handlers map to statuses.
var (
	ErrNotFound     = errors.New("not found")
	ErrForbidden    = errors.New("forbidden")
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("sign-in required")
	// ErrUnavailable means a dependency the action needs is not wired into this build yet.
	ErrUnavailable = errors.New("not available in this build")
)

// TenantRegistry is what the console reads of the tenant registry.
type TenantRegistry interface {
	Get(ctx context.Context, suiteID, corpID string) (tenants.Tenant, error)
	History(ctx context.Context, suiteID, corpID string, limit int) ([]tenants.HistoryEntry, error)
	CountByStatus(ctx context.Context) (map[string]int64, error)
	Admins(ctx context.Context, suiteID, corpID string) ([]tenants.Admin, error)
}

// AuthResyncer re-reads a tenant's auth info from WeCom (the tenants service).
type AuthResyncer interface {
	ResyncAuthInfo(ctx context.Context, suiteID, corpID string) error
}

// Credentials reports and force-refreshes a tenant's WeCom credentials.
type Credentials interface {
	Status(ctx context.Context, suiteID, corpID string) ([]CredentialStatus, error)
	ForceRefresh(ctx context.Context, suiteID, corpID string) (time.Time, error)
	// RefreshFailures counts failed refreshes by credential kind.
	RefreshFailures(ctx context.Context) (map[string]int64, error)
}

// CredentialStatus is what may be shown of one credential: never its value.
type CredentialStatus struct {
	Kind                string     `json:"kind"`
	ExpiresAt           *time.Time `json:"expires_at"`
	NextRefreshAt       *time.Time `json:"next_refresh_at"`
	LastRefreshedAt     *time.Time `json:"last_refreshed_at"`
	LastAttemptAt       *time.Time `json:"last_attempt_at"`
	LastResult          string     `json:"last_result"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	LastError           string     `json:"last_error,omitempty"`
}

// Inbox is what the console needs of the callback inbox.
type Inbox interface {
	Get(ctx context.Context, id int64) (callback.Record, error)
	Requeue(ctx context.Context, id int64) error
	Counts(ctx context.Context) (pending, dead int64, err error)
}

// Enqueuer enqueues tasks (an *asynq.Client).
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Suites is what the console needs of the suite registry.
type Suites interface {
	List(ctx context.Context) ([]suite.Suite, error)
	Get(ctx context.Context, id string) (suite.Suite, error)
	Upsert(ctx context.Context, s suite.Suite) error
	TicketInfos(ctx context.Context) ([]suite.TicketInfo, error)
}

// Deps are the console's collaborators. Resyncer may be nil until the tenants service
// offers it; the action then answers 503.
type Deps struct {
	DB            *gorm.DB
	Redis         redis.UniversalClient
	Queue         Enqueuer
	Inbox         Inbox
	Suites        Suites
	Tenants       TenantRegistry
	Resyncer      AuthResyncer
	Credentials   Credentials
	PublicBaseURL string
	Log           *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Console is the service behind every console page and API route.
type Console struct {
	d        Deps
	staff    *StaffStore
	sessions *sessionStore
	audit    *AuditLog
	throttle *throttle
	dir      *directory
	inspect  *asynq.Inspector
	secure   bool
}

// New returns a Console. Cookies are Secure when PUBLIC_BASE_URL is https.
func New(d Deps) *Console {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	c := &Console{d: d, staff: NewStaffStore(d.DB), sessions: &sessionStore{db: d.DB, now: d.Now},
		audit: NewAuditLog(d.DB), throttle: newThrottle(d.Redis), dir: &directory{db: d.DB},
		secure: strings.HasPrefix(strings.ToLower(d.PublicBaseURL), "https://")}
	if rc, ok := d.Redis.(*redis.Client); ok {
		c.inspect = asynq.NewInspectorFromRedisClient(rc)
	}
	return c
}

// Staff exposes the staff accounts (the `api staff` command uses them).
func (c *Console) Staff() *StaffStore { return c.staff }

// Audit exposes the audit log.
func (c *Console) Audit() *AuditLog { return c.audit }
