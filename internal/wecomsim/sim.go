package wecomsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// Lifetimes fixed by WeCom (protocol §2), as opposed to the configurable token TTL.
const (
	suiteTicketValidity = 30 * time.Minute
	authCodeTTL         = 10 * time.Minute
	preAuthCodeTTL      = 20 * time.Minute
	oauthCodeTTL        = 5 * time.Minute
	loginCodeTTL        = 10 * time.Minute
	userTicketTTL       = 1800 * time.Second
)

// Sim is one simulated WeCom. Create it with New, serve Handler, call Start to begin
// pushing, and Close when done.
type Sim struct {
	cfg    Config
	log    *slog.Logger
	clock  *simClock
	store  *store.Store
	suites map[string]*suite
	order  []string // suite ids in config order
	client *http.Client
	pushes deliveryLog
	faults faultSet
	calls  callCounter
	mux    *http.ServeMux

	poll       time.Duration // how often the loop looks at the simulator clock
	fireMu     sync.Mutex    // serializes firing of due pushes (loop vs Advance)
	schedMu    sync.Mutex
	nextTicket map[string]time.Time

	startOnce sync.Once
	stopOnce  sync.Once
	stop      chan struct{}
	wg        sync.WaitGroup
}

type suite struct {
	cfg    SuiteConfig
	crypto *wecom.Crypto
}

// Option adjusts a Sim beyond its JSON config.
type Option func(*Sim)

// WithClock sets the base clock; Advance still moves the simulator clock past it.
func WithClock(c Clock) Option { return func(s *Sim) { s.clock.base = c } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Sim) { s.log = l } }

// New builds a simulator from cfg, creating the seed corps and their installs.
func New(cfg Config, opts ...Option) (*Sim, error) {
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Sim{
		cfg:        cfg,
		log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		clock:      &simClock{base: realClock{}},
		store:      store.New(),
		suites:     map[string]*suite{},
		nextTicket: map[string]time.Time{},
		poll:       time.Second,
		stop:       make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.client = &http.Client{
		Timeout: time.Duration(cfg.PushTimeoutMS) * time.Millisecond,
		// WeCom does not follow redirects from a callback URL; a 3xx is a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, sc := range cfg.Suites {
		c, err := wecom.NewCrypto(sc.Token, sc.EncodingAESKey)
		if err != nil {
			return nil, fmt.Errorf("suite %s: %w", sc.SuiteID, err)
		}
		if sc.Name == "" {
			sc.Name = "Demo App"
		}
		s.suites[sc.SuiteID] = &suite{cfg: sc, crypto: c}
		s.order = append(s.order, sc.SuiteID)
	}
	if err := s.seed(cfg.Corps); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

func (s *Sim) seed(corps []CorpSeed) error {
	now := s.Now()
	for _, cs := range corps {
		seed := store.CorpSeed{CorpID: cs.CorpID, Name: cs.CorpName, Admins: cs.Admins}
		for _, u := range cs.Users {
			seed.Users = append(seed.Users, store.User{
				UserID: u.UserID, Name: u.Name, Department: u.Department, Position: u.Position,
				Mobile: u.Mobile, Email: u.Email, Gender: u.Gender, Avatar: u.Avatar, Alias: u.Alias,
			})
		}
		c, err := s.store.AddCorp(seed, now)
		if err != nil {
			return fmt.Errorf("seed corp: %w", err)
		}
		for _, id := range cs.InstalledSuites {
			if _, _, err := s.store.Approve(id, c.CorpID, store.Approval{}, now, authCodeTTL); err != nil {
				return fmt.Errorf("seed install %s in %s: %w", id, c.CorpID, err)
			}
		}
	}
	return nil
}

// Handler serves WeCom's API and pages and the /sim/ control API on one base URL.
func (s *Sim) Handler() http.Handler { return s.mux }

// Config returns the effective configuration (defaults applied).
func (s *Sim) Config() Config { return s.cfg }

// Now is the simulator clock.
func (s *Sim) Now() time.Time { return s.clock.Now() }

// Start verifies the callback URLs (unless disabled), pushes a first suite_ticket to
// every suite, and then keeps pushing one every ticket interval until ctx ends or
// Close is called. The first pushes finish before Start returns.
func (s *Sim) Start(ctx context.Context) error {
	started := false
	s.startOnce.Do(func() { started = true })
	if !started {
		return errors.New("wecomsim: already started")
	}
	if s.cfg.VerifyOnStart == nil || *s.cfg.VerifyOnStart {
		for _, id := range s.order {
			s.VerifyURLs(ctx, id)
		}
	}
	for _, id := range s.order {
		if _, err := s.PushTicket(ctx, id); err != nil {
			return err
		}
	}
	s.wg.Add(1)
	go s.loop(ctx)
	return nil
}

// Close stops the ticket loop and waits for it.
func (s *Sim) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
	return nil
}

// loop polls the simulator clock; with a FixedClock nothing comes due until Advance.
func (s *Sim) loop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-t.C:
			s.fireMu.Lock()
			s.fireDue(ctx)
			s.fireMu.Unlock()
		}
	}
}

// Advance moves the simulator clock forward and fires what fell due on the way (the
// suite_ticket pushes), returning those deliveries. A jump past several intervals
// pushes once per suite: the newest ticket is all a receiver needs.
func (s *Sim) Advance(d time.Duration) []Delivery {
	s.fireMu.Lock()
	defer s.fireMu.Unlock()
	s.clock.advance(d)
	return s.fireDue(context.Background())
}

func (s *Sim) fireDue(ctx context.Context) []Delivery {
	now := s.Now()
	var due []string
	s.schedMu.Lock()
	for _, id := range s.order {
		if next, ok := s.nextTicket[id]; ok && !now.Before(next) {
			due = append(due, id)
		}
	}
	s.schedMu.Unlock()
	out := make([]Delivery, len(due))
	var wg sync.WaitGroup
	for i, id := range due {
		wg.Go(func() {
			if res, err := s.PushTicket(ctx, id); err == nil {
				out[i] = res.Delivery
			}
		})
	}
	wg.Wait()
	return out
}

func (s *Sim) suite(id string) (*suite, bool) {
	st, ok := s.suites[id]
	return st, ok
}
