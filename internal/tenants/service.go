package tenants

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecom"
)

// Tokens is what the service needs of the credential service: calls made with a suite
// or corp token that is refreshed and retried once when WeCom rejects it, and the purge
// of a cancelled tenant's cached corp token and JS-SDK tickets.
type Tokens interface {
	CallSuite(ctx context.Context, suiteID string, fn func(token string) error) error
	CallCorp(ctx context.Context, suiteID, corpID string, fn func(token string) error) error
	Purge(ctx context.Context, suiteID, corpID string) error
}

// Suites looks up the configured suites.
type Suites interface {
	Suite(ctx context.Context, id string) (suite.Suite, error)
}

// Permanent-code API versions (WECOM_PERMANENT_CODE_API).
const (
	APIv2 = "v2" // v2/get_permanent_code + v2/get_auth_info: fast, the default
	APIv1 = "v1" // get_permanent_code answers everything in one (slow) call
)

// Options configure a Service.
type Options struct {
	PublicBaseURL    string // the api's origin: the install redirect comes back to it
	InstallBase      string // WeCom's install page host
	PermanentCodeAPI string // APIv2 (default) or APIv1
	// ClaimLease bounds how long another caller waits for an exchange in flight before
	// assuming its holder died; the exchange call itself is given two thirds of it.
	ClaimLease time.Duration
	Log        *slog.Logger
}

// Service runs installs and the tenant lifecycle. The install redirect and the
// create_auth inbox handler call the same Install.
type Service struct {
	store  *Store
	tokens Tokens
	wc     *wecom.Client
	suites Suites
	rdb    redis.UniversalClient
	queue  *asynq.Client
	tasks  *asynq.Inspector
	hooks  *Hooks
	opt    Options
	log    *slog.Logger
}

// NewService returns a Service. queue enqueues follow-up refreshes of link installs.
func NewService(store *Store, tokens Tokens, wc *wecom.Client, suites Suites, rdb redis.UniversalClient,
	queue *asynq.Client, opt Options) *Service {
	if opt.PermanentCodeAPI == "" {
		opt.PermanentCodeAPI = APIv2
	}
	if opt.ClaimLease <= 0 {
		opt.ClaimLease = 30 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, tokens: tokens, wc: wc, suites: suites, rdb: rdb, queue: queue,
		tasks: asynq.NewInspectorFromRedisClient(rdb), hooks: NewHooks(), opt: opt, log: opt.Log}
}

// Store exposes the underlying store.
func (s *Service) Store() *Store { return s.store }

// Hooks is the registry of handlers for corp events; register them before the worker starts.
func (s *Service) Hooks() *Hooks { return s.hooks }

// Source says where an install or change came from, for the history and the metrics.
type Source struct {
	Name  string    // create_auth, install_link, ...
	Ref   string    // e.g. the inbox event id
	Since time.Time // when the request arrived (the inbox's received_at)
}

func (src Source) String() string {
	if src.Ref == "" {
		return src.Name
	}
	return src.Name + "#" + src.Ref
}

// Install exchanges a single-use install auth code (once, whoever asks first) and stores
// the tenant, then fetches its admin list. Repeated and concurrent calls with one code
// end in one exchange and one tenant. A returned tenant with an error means the tenant
// is stored but its admin list is not.
func (s *Service) Install(ctx context.Context, suiteID, authCode string, src Source) (Tenant, error) {
	t, hash, err := s.redeem(ctx, suiteID, authCode, purposeInstall, src)
	if err != nil {
		return Tenant{}, err
	}
	if err := s.RefreshAdmins(ctx, suiteID, t.CorpID, src); err != nil {
		return t, fmt.Errorf("install %s/%s: %w", suiteID, t.CorpID, err)
	}
	first, err := s.store.markCompleted(ctx, hash)
	if err != nil {
		return t, err
	}
	if first && !src.Since.IsZero() {
		installDuration.WithLabelValues(src.Name).Observe(time.Since(src.Since).Seconds())
	}
	return t, nil
}

// ExchangeAuthCode is Install's first step on its own: the code is exchanged (or found
// exchanged) and the result made durable, but no tenant is written. A later Install
// with the same code completes from it without calling WeCom.
func (s *Service) ExchangeAuthCode(ctx context.Context, suiteID, authCode string) (corpID string, err error) {
	res, c, err := s.exchange(ctx, suiteID, authCode, purposeInstall)
	if err != nil {
		return "", err
	}
	if res.CorpID == "" {
		return c.CorpID, nil
	}
	return res.CorpID, nil
}

// ResetPermanentCode exchanges a reset_permanent_code auth code for the tenant's new
// permanent code, and purges the corp token minted with the old one.
func (s *Service) ResetPermanentCode(ctx context.Context, suiteID, authCode string, src Source) (Tenant, error) {
	t, _, err := s.redeem(ctx, suiteID, authCode, purposeReset, src)
	if err != nil {
		return Tenant{}, err
	}
	if err := s.tokens.Purge(ctx, suiteID, t.CorpID); err != nil {
		return t, fmt.Errorf("purge tokens of %s/%s: %w", suiteID, t.CorpID, err)
	}
	return t, nil
}

// redeem exchanges the code and writes the tenant; it returns the claim's hash.
func (s *Service) redeem(ctx context.Context, suiteID, code, purpose string, src Source) (Tenant, string, error) {
	if code == "" {
		return Tenant{}, "", fmt.Errorf("%w: empty auth code", ErrAuthCodeInvalid)
	}
	if _, err := s.suites.Suite(ctx, suiteID); errors.Is(err, suite.ErrNotFound) {
		return Tenant{}, "", fmt.Errorf("%w: %s", ErrUnknownSuite, suiteID)
	} else if err != nil {
		return Tenant{}, "", err
	}
	hash := codeHash(suiteID, code)
	res, c, err := s.exchange(ctx, suiteID, code, purpose)
	if err != nil {
		return Tenant{}, hash, err
	}
	if c.Status == claimApplied && c.TenantID != nil {
		t, err := s.store.Get(ctx, suiteID, c.CorpID)
		return t, hash, err
	}
	auth := res.Auth
	if auth == nil {
		snap, err := s.readAuth(ctx, suiteID, res.CorpID, res.PermanentCode)
		if err != nil {
			return Tenant{}, hash, fmt.Errorf("auth info of %s/%s: %w", suiteID, res.CorpID, err)
		}
		auth = &snap
	}
	t, err := s.store.applyExchange(ctx, hash, suiteID, purpose, src.String(), res, auth)
	if err != nil {
		return Tenant{}, hash, err
	}
	s.log.InfoContext(ctx, "tenant authorised", "suite_id", suiteID, "corp_id", t.CorpID, "tenant_id", t.ID,
		"purpose", purpose, "source", src.Name)
	return t, hash, nil
}

// ChangeAuth re-reads the tenant's auth info and records what changed.
func (s *Service) ChangeAuth(ctx context.Context, suiteID, corpID string, src Source) (Tenant, map[string]Change, error) {
	_, code, err := s.store.credentials(ctx, suiteID, corpID)
	if err != nil {
		return Tenant{}, nil, err
	}
	snap, err := s.readAuth(ctx, suiteID, corpID, code)
	if err != nil {
		return Tenant{}, nil, s.authFailure(ctx, suiteID, corpID, err)
	}
	return s.store.updateAuth(ctx, suiteID, corpID, src.String(), snap)
}

// Cancel ends the tenant's authorisation: status cancelled, users' and admins' data
// deleted, history kept, and its cached tokens and tickets purged. eventTime is
// cancel_auth's TimeStamp; a cancel older than the current install is ignored.
func (s *Service) Cancel(ctx context.Context, suiteID, corpID string, eventTime int64, src Source) (Tenant, error) {
	t, _, err := s.store.cancel(ctx, suiteID, corpID, src.String(), eventTime)
	if err != nil {
		return Tenant{}, err
	}
	if t.Status != StatusCancelled {
		return t, nil // stale: the corp installed again after this cancel
	}
	// Purged on every run, not only the first: a failed purge is retried with the task.
	if err := s.tokens.Purge(ctx, suiteID, corpID); err != nil {
		return t, fmt.Errorf("purge tokens of %s/%s: %w", suiteID, corpID, err)
	}
	return t, nil
}

// RefreshAdmins re-reads the app's admin list (agent/get_admin_list with the corp token,
// falling back to the legacy service/get_admin_list with the suite token) and stores it.
func (s *Service) RefreshAdmins(ctx context.Context, suiteID, corpID string, src Source) error {
	t, err := s.store.Get(ctx, suiteID, corpID)
	if err != nil {
		return err
	}
	if t.Status == StatusCancelled {
		return ErrCancelled
	}
	var list []wecom.Admin
	err = s.tokens.CallCorp(ctx, suiteID, corpID, func(tok string) error {
		var err error
		list, err = s.wc.GetAdminList(ctx, tok)
		return err
	})
	if err != nil && !permanent(err) {
		lerr := s.tokens.CallSuite(ctx, suiteID, func(tok string) error {
			var err error
			list, err = s.wc.GetAdminListLegacy(ctx, tok, corpID, t.Agent.AgentID)
			return err
		})
		if lerr == nil {
			err = nil
		} else {
			err = fmt.Errorf("admin list: %w; legacy admin list: %w", err, lerr)
		}
	}
	if err != nil {
		return s.authFailure(ctx, suiteID, corpID, err)
	}
	admins := make([]Admin, len(list))
	for i, a := range list {
		admins[i] = Admin{UserID: a.UserID, OpenUserID: a.OpenUserID, AuthType: a.AuthType}
	}
	return s.store.replaceAdmins(ctx, suiteID, corpID, src.String(), admins)
}

// permanent reports an error that no retry or fallback can fix.
func permanent(err error) bool {
	if errors.Is(err, ErrAuthBroken) || errors.Is(err, ErrCancelled) || errors.Is(err, ErrNotFound) {
		return true
	}
	we, ok := wecom.AsError(err)
	return ok && we.AuthRevoked()
}

// authFailure marks the tenant auth-broken when WeCom rejected its permanent code or
// auth relation (40084/48004), so the state is visible instead of silently retried.
func (s *Service) authFailure(ctx context.Context, suiteID, corpID string, err error) error {
	we, ok := wecom.AsError(err)
	if !ok || !we.AuthRevoked() {
		return err
	}
	reason := fmt.Sprintf("wecom %s: errcode %d", we.Op, we.Code)
	if merr := s.store.MarkAuthBroken(ctx, suiteID, corpID, reason); merr != nil {
		return errors.Join(err, merr)
	}
	return fmt.Errorf("%w: %w", ErrAuthBroken, err)
}

// readAuth calls get_auth_info (v2 unless the v1 API is configured).
func (s *Service) readAuth(ctx context.Context, suiteID, corpID, permanentCode string) (authSnapshot, error) {
	var info *wecom.AuthInfo
	err := s.tokens.CallSuite(ctx, suiteID, func(tok string) error {
		var err error
		if s.opt.PermanentCodeAPI == APIv1 {
			info, err = s.wc.GetAuthInfo(ctx, tok, corpID, permanentCode)
		} else {
			info, err = s.wc.GetAuthInfoV2(ctx, tok, corpID, permanentCode)
		}
		return err
	})
	if err != nil {
		return authSnapshot{}, err
	}
	return snapshotOf(info.AuthCorpInfo, info.AuthInfo, info.EditionInfo, info.DealerCorpInfo), nil
}
