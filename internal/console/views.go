package console

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
)

// ticketFresh is how long a suite_ticket stays usable (WeCom pushes one every 10 minutes
// and each is valid for 30).
const ticketFresh = 30 * time.Minute

// SuiteHealth is a suite's ticket age and status (fresh, expired, or none yet).
type SuiteHealth struct {
	SuiteID          string     `json:"suite_id"`
	TicketReceivedAt *time.Time `json:"ticket_received_at,omitempty"`
	TicketAgeSeconds int64      `json:"ticket_age_seconds"`
	TicketStatus     string     `json:"ticket_status"`
}

// Dashboard is the console's front page.
type Dashboard struct {
	Suites              []SuiteHealth    `json:"suites"`
	RefreshFailures     map[string]int64 `json:"token_refresh_failures"`
	InboxPending        int64            `json:"inbox_pending"`
	InboxDead           int64            `json:"inbox_dead"`
	TenantsByStatus     map[string]int64 `json:"tenants_by_status"`
	RecentInstalls      []TenantSummary  `json:"recent_installs"`
	RecentCancellations []TenantSummary  `json:"recent_cancellations"`
}

// Dashboard gathers the health of every suite, the inbox, the tokens and the tenants.
func (c *Console) Dashboard(ctx context.Context) (Dashboard, error) {
	var d Dashboard
	infos, err := c.d.Suites.TicketInfos(ctx)
	if err != nil {
		return d, err
	}
	now := c.d.Now()
	for _, ti := range infos {
		h := SuiteHealth{SuiteID: ti.SuiteID, TicketStatus: "none"}
		if !ti.ReceivedAt.IsZero() {
			at := ti.ReceivedAt
			h.TicketReceivedAt, h.TicketAgeSeconds = &at, int64(now.Sub(at).Seconds())
			h.TicketStatus = "fresh"
			if now.Sub(at) >= ticketFresh {
				h.TicketStatus = "expired"
			}
		}
		d.Suites = append(d.Suites, h)
	}
	if d.InboxPending, d.InboxDead, err = c.d.Inbox.Counts(ctx); err != nil {
		return d, err
	}
	if d.RefreshFailures, err = c.d.Credentials.RefreshFailures(ctx); err != nil {
		return d, err
	}
	if d.TenantsByStatus, err = c.d.Tenants.CountByStatus(ctx); err != nil {
		return d, err
	}
	if d.RecentInstalls, err = c.dir.recentTenants(ctx, false, 10); err != nil {
		return d, err
	}
	d.RecentCancellations, err = c.dir.recentTenants(ctx, true, 10)
	return d, err
}

// Tenants lists tenants matching q.
func (c *Console) Tenants(ctx context.Context, q TenantQuery) (TenantPage, error) {
	return c.dir.tenants(ctx, q)
}

// TenantInfo is a tenant as the console shows it (the permanent code is never part of it).
type TenantInfo struct {
	ID               int64             `json:"id"`
	SuiteID          string            `json:"suite_id"`
	CorpID           string            `json:"corp_id"`
	Status           string            `json:"status"`
	Corp             tenants.Corp      `json:"corp"`
	Agent            tenants.Agent     `json:"agent"`
	Edition          []tenants.Edition `json:"edition"`
	Dealer           tenants.Dealer    `json:"dealer"`
	AuthUser         tenants.AuthUser  `json:"auth_user"`
	AuthBrokenAt     *time.Time        `json:"auth_broken_at,omitempty"`
	AuthBrokenReason string            `json:"auth_broken_reason,omitempty"`
	InstalledAt      time.Time         `json:"installed_at"`
	CancelledAt      *time.Time        `json:"cancelled_at,omitempty"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

// HistoryItem is one entry of the tenant's history, with sensitive detail masked.
type HistoryItem struct {
	ID        int64          `json:"id"`
	Kind      string         `json:"kind"`
	Source    string         `json:"source"`
	Detail    map[string]any `json:"detail"`
	CreatedAt time.Time      `json:"created_at"`
	// EventID is the inbox event the change came from, when its source names one.
	EventID int64 `json:"event_id,omitempty"`
}

// sourceEvent reads the inbox event id of a history source ("create_auth#12").
func sourceEvent(src string) int64 {
	_, ref, ok := strings.Cut(src, "#")
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// TenantDetail is everything the tenant page shows.
type TenantDetail struct {
	Tenant           TenantInfo         `json:"tenant"`
	Admins           []tenants.Admin    `json:"admins"`
	Credentials      []CredentialStatus `json:"credentials"`
	CredentialsError string             `json:"credentials_error,omitempty"`
	History          []HistoryItem      `json:"history"`
	Events           []EventSummary     `json:"events"`
	PurgeMark        *PurgeMark         `json:"purge_mark,omitempty"`
}

// Tenant returns one tenant's detail.
func (c *Console) Tenant(ctx context.Context, suiteID, corpID string) (TenantDetail, error) {
	t, err := c.d.Tenants.Get(ctx, suiteID, corpID)
	if errors.Is(err, tenants.ErrNotFound) {
		return TenantDetail{}, fmt.Errorf("tenant %s/%s: %w", suiteID, corpID, ErrNotFound)
	}
	if err != nil {
		return TenantDetail{}, err
	}
	d := TenantDetail{Tenant: TenantInfo{ID: t.ID, SuiteID: t.SuiteID, CorpID: t.CorpID, Status: string(t.Status),
		Corp: t.Corp, Agent: t.Agent, Edition: t.Edition, Dealer: t.Dealer, AuthUser: t.AuthUser,
		AuthBrokenAt: t.AuthBrokenAt, AuthBrokenReason: MaskText(t.AuthBrokenReason),
		InstalledAt: t.InstalledAt, CancelledAt: t.CancelledAt, UpdatedAt: t.UpdatedAt}}
	if d.Admins, err = c.d.Tenants.Admins(ctx, suiteID, corpID); err != nil {
		return d, err
	}
	// A credential store failure (Redis) should not hide the rest of the page.
	if d.Credentials, err = c.d.Credentials.Status(ctx, suiteID, corpID); err != nil {
		d.CredentialsError = MaskText(err.Error())
	}
	hist, err := c.d.Tenants.History(ctx, suiteID, corpID, 100)
	if err != nil {
		return d, err
	}
	var named []int64
	for _, h := range hist {
		item := HistoryItem{ID: h.ID, Kind: h.Kind, Source: h.Source, Detail: maskMap(h.Detail), CreatedAt: h.CreatedAt}
		item.EventID = sourceEvent(h.Source)
		if item.EventID != 0 {
			named = append(named, item.EventID)
		}
		d.History = append(d.History, item)
	}
	if d.Events, err = c.dir.tenantEvents(ctx, suiteID, corpID, named, 100); err != nil {
		return d, err
	}
	d.PurgeMark, err = c.dir.purgeMark(ctx, suiteID, corpID)
	return d, err
}

// maskMap masks values under sensitive keys, recursively.
func maskMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			if sensitiveName.MatchString(k) {
				out[k] = masked(v)
			} else {
				out[k] = MaskText(v)
			}
		case map[string]any:
			out[k] = maskMap(v)
		default:
			out[k] = v
		}
	}
	return out
}

// Events lists inbox events matching q.
func (c *Console) Events(ctx context.Context, q EventQuery) (EventPage, error) {
	return c.dir.events(ctx, q)
}

// EventDetail is one event with its payload, credentials masked.
type EventDetail struct {
	EventSummary
	Payload string `json:"payload"`
}

// Event returns one event.
func (c *Console) Event(ctx context.Context, id int64) (EventDetail, error) {
	rec, err := c.d.Inbox.Get(ctx, id)
	if errors.Is(err, callback.ErrNotFound) {
		return EventDetail{}, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return EventDetail{}, err
	}
	return EventDetail{EventSummary: EventSummary{ID: rec.ID, Route: rec.Route, SuiteID: rec.SuiteID, CorpID: rec.CorpID,
		Type: rec.Type, Status: rec.Status, Handler: rec.Handler, Attempts: rec.Attempts, LastError: MaskText(rec.LastError),
		Deliveries: rec.Deliveries, ReceivedAt: rec.ReceivedAt, ProcessedAt: rec.ProcessedAt},
		Payload: MaskXML(rec.Plain)}, nil
}

// SuiteView is a suite without its secrets: only whether each is set.
type SuiteView struct {
	SuiteID        string   `json:"suite_id"`
	SecretSet      bool     `json:"secret_set"`
	TokenSet       bool     `json:"token_set"`
	AESKeySet      bool     `json:"encoding_aes_key_set"`
	TrustedDomains []string `json:"trusted_domains"`
	InstructionURL string   `json:"instruction_url"`
	DataURL        string   `json:"data_url"`
	SystemURL      string   `json:"system_url"`
}

func (c *Console) suiteView(s suite.Suite) SuiteView {
	base := c.d.PublicBaseURL
	return SuiteView{SuiteID: s.ID, SecretSet: s.Secret != "", TokenSet: s.Token != "", AESKeySet: s.EncodingAESKey != "",
		TrustedDomains: append([]string{}, s.TrustedDomains...),
		InstructionURL: base + "/callback/" + s.ID + "/instruction", DataURL: base + "/callback/" + s.ID + "/data",
		SystemURL: base + "/callback/system"}
}

// Suites lists every suite with the callback URLs to paste into WeCom's console.
func (c *Console) Suites(ctx context.Context) ([]SuiteView, error) {
	list, err := c.d.Suites.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SuiteView, len(list))
	for i, s := range list {
		out[i] = c.suiteView(s)
	}
	return out, nil
}

// Suite returns one suite.
func (c *Console) Suite(ctx context.Context, id string) (SuiteView, error) {
	s, err := c.d.Suites.Get(ctx, id)
	if errors.Is(err, suite.ErrNotFound) {
		return SuiteView{}, fmt.Errorf("suite %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return SuiteView{}, err
	}
	return c.suiteView(s), nil
}

// AuditEntries lists the audit log (admins only; the route enforces it).
func (c *Console) AuditEntries(ctx context.Context, q AuditQuery) ([]Entry, error) {
	return c.audit.List(ctx, q)
}

// StaffList lists every staff account.
func (c *Console) StaffList(ctx context.Context) ([]Staff, error) { return c.staff.List(ctx) }

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
