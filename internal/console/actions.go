package console

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecom"
)

// Actor is who performs an action, and from where.
type Actor struct {
	Staff Staff
	IP    string
}

// ErrActionFailed wraps a failure of the action itself (WeCom refused, a dependency
// failed): it was attempted and audited, and the handler answers 502.
var ErrActionFailed = errors.New("action failed")

// record writes the audit entry of an action and returns the action's error. An audit
// write failure fails the request: an unaudited action must not look successful.
func (c *Console) record(ctx context.Context, a Actor, action, target string, detail map[string]any, actErr error) error {
	result := "ok"
	if actErr != nil {
		result = "error: " + MaskText(actErr.Error())
	}
	id := a.Staff.ID
	e := Entry{StaffEmail: a.Staff.Email, Action: action, Target: target, Result: result, Detail: detail, IP: a.IP}
	if id != 0 {
		e.StaffID = &id
	}
	if err := c.audit.Write(context.WithoutCancel(ctx), e); err != nil {
		return errors.Join(actErr, err)
	}
	return actErr
}

func tenantTarget(suiteID, corpID string) string { return "tenant:" + suiteID + "/" + corpID }

// requireTenant fails with ErrNotFound for an unknown tenant, before anything is audited.
func (c *Console) requireTenant(ctx context.Context, suiteID, corpID string) error {
	_, err := c.d.Tenants.Get(ctx, suiteID, corpID)
	if errors.Is(err, tenants.ErrNotFound) {
		return fmt.Errorf("tenant %s/%s: %w", suiteID, corpID, ErrNotFound)
	}
	return err
}

// ReplayEvent makes an inbox event pending again and enqueues its task. Handlers are
// idempotent, so replaying a processed event is safe.
func (c *Console) ReplayEvent(ctx context.Context, a Actor, id int64) error {
	rec, err := c.d.Inbox.Get(ctx, id)
	if errors.Is(err, callback.ErrNotFound) {
		return fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	err = c.d.Inbox.Requeue(ctx, id)
	if err == nil {
		err = c.enqueue(ctx, rec)
	}
	if err != nil {
		err = fmt.Errorf("%w: replay event %d: %w", ErrActionFailed, id, err)
	}
	detail := map[string]any{"type": rec.Type, "suite_id": rec.SuiteID, "corp_id": rec.CorpID, "previous_status": rec.Status}
	return c.record(ctx, a, ActionReplayEvent, "event:"+strconv.FormatInt(id, 10), detail, err)
}

// enqueue adds the row's task. A task with the same id may still exist (archived after
// its retries ran out, or waiting to retry): it is run now instead. A pending one is
// already on its way; the sweeper enqueues the row later if all else fails.
func (c *Console) enqueue(ctx context.Context, rec callback.Record) error {
	task, opts := callback.NewTask(rec.ID, rec.Key, rec.Type)
	_, err := c.d.Queue.EnqueueContext(ctx, task, opts...)
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	if c.inspect == nil {
		return nil
	}
	taskID := callback.TaskID(rec.ID, rec.Key)
	info, err := c.inspect.GetTaskInfo(callback.Queue, taskID)
	if err != nil {
		return nil // gone meanwhile: the sweeper picks the pending row up
	}
	switch info.State {
	case asynq.TaskStateArchived, asynq.TaskStateRetry, asynq.TaskStateScheduled:
		if err := c.inspect.RunTask(callback.Queue, taskID); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
			return err
		}
	}
	return nil
}

// RefreshToken forces a new corp access token for the tenant (its cached credentials are
// dropped first).
func (c *Console) RefreshToken(ctx context.Context, a Actor, suiteID, corpID string) error {
	if err := c.requireTenant(ctx, suiteID, corpID); err != nil {
		return err
	}
	exp, err := c.d.Credentials.ForceRefresh(ctx, suiteID, corpID)
	detail := map[string]any{}
	if err != nil {
		err = fmt.Errorf("%w: refresh token: %w", ErrActionFailed, err)
	} else {
		detail["expires_at"] = exp
	}
	return c.record(ctx, a, ActionRefreshToken, tenantTarget(suiteID, corpID), detail, err)
}

// ResyncAuthInfo re-reads the tenant's auth info from WeCom.
func (c *Console) ResyncAuthInfo(ctx context.Context, a Actor, suiteID, corpID string) error {
	if err := c.requireTenant(ctx, suiteID, corpID); err != nil {
		return err
	}
	var err error
	if c.d.Resyncer == nil {
		err = fmt.Errorf("re-sync of auth info: %w", ErrUnavailable)
	} else if err = c.d.Resyncer.ResyncAuthInfo(ctx, suiteID, corpID); err != nil {
		err = fmt.Errorf("%w: re-sync auth info: %w", ErrActionFailed, err)
	}
	return c.record(ctx, a, ActionResyncAuth, tenantTarget(suiteID, corpID), nil, err)
}

// MarkForPurge records that the tenant's data should be purged.
func (c *Console) MarkForPurge(ctx context.Context, a Actor, suiteID, corpID, reason string) error {
	if err := c.requireTenant(ctx, suiteID, corpID); err != nil {
		return err
	}
	err := c.dir.markPurge(ctx, suiteID, corpID, a.Staff.ID, reason)
	return c.record(ctx, a, ActionMarkPurge, tenantTarget(suiteID, corpID), map[string]any{"reason": truncate(reason, 200)}, err)
}

// SuiteForm edits a suite. Empty secret fields keep the stored values: secrets are
// write-only and never shown again.
type SuiteForm struct {
	SuiteID        string `form:"suite_id" json:"suite_id"`
	Secret         string `form:"secret" json:"secret"`
	Token          string `form:"token" json:"token"`
	EncodingAESKey string `form:"encoding_aes_key" json:"encoding_aes_key"`
	TrustedDomains string `form:"trusted_domains" json:"trusted_domains"` // comma or space separated
}

// SaveSuite creates or updates a suite.
func (c *Console) SaveSuite(ctx context.Context, a Actor, f SuiteForm) (SuiteView, error) {
	f.SuiteID = strings.TrimSpace(f.SuiteID)
	if f.SuiteID == "" || strings.ContainsAny(f.SuiteID, "/ ?#") {
		return SuiteView{}, fmt.Errorf("suite_id is required and may not contain / ? # or spaces: %w", ErrBadRequest)
	}
	cur, err := c.d.Suites.Get(ctx, f.SuiteID)
	isNew := errors.Is(err, suite.ErrNotFound)
	if err != nil && !isNew {
		return SuiteView{}, err
	}
	s := suite.Suite{ID: f.SuiteID, Secret: cur.Secret, Token: cur.Token, EncodingAESKey: cur.EncodingAESKey,
		TrustedDomains: strings.FieldsFunc(f.TrustedDomains, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })}
	var replaced []string
	for name, v := range map[string]struct {
		in  string
		dst *string
	}{"secret": {f.Secret, &s.Secret}, "token": {f.Token, &s.Token}, "encoding_aes_key": {f.EncodingAESKey, &s.EncodingAESKey}} {
		if v.in = strings.TrimSpace(v.in); v.in != "" {
			*v.dst = v.in
			replaced = append(replaced, name)
		}
	}
	if s.Secret == "" || s.Token == "" || s.EncodingAESKey == "" {
		return SuiteView{}, fmt.Errorf("a new suite needs secret, token and encoding_aes_key: %w", ErrBadRequest)
	}
	if _, err := wecom.NewCrypto(s.Token, s.EncodingAESKey); err != nil {
		return SuiteView{}, fmt.Errorf("encoding_aes_key must be 43 characters of [a-zA-Z0-9]: %w", ErrBadRequest)
	}
	err = c.d.Suites.Upsert(ctx, s)
	detail := map[string]any{"new": isNew, "replaced": replaced, "trusted_domains": s.TrustedDomains}
	if err := c.record(ctx, a, ActionSuiteSave, "suite:"+s.ID, detail, err); err != nil {
		return SuiteView{}, err
	}
	return c.suiteView(s), nil
}

// StaffForm creates or edits a staff account.
type StaffForm struct {
	Email    string `form:"email" json:"email"`
	Role     string `form:"role" json:"role"`
	Password string `form:"password" json:"password"`
	Disabled bool   `form:"disabled" json:"disabled"`
}

// CreateStaff adds an account (admins only; the route enforces it).
func (c *Console) CreateStaff(ctx context.Context, a Actor, f StaffForm) (Staff, error) {
	role, err := ParseRole(f.Role)
	if err != nil {
		return Staff{}, err
	}
	st, err := c.staff.Create(ctx, f.Email, role, f.Password)
	if err != nil {
		return Staff{}, err
	}
	return st, c.record(ctx, a, ActionStaffCreate, "staff:"+st.Email, map[string]any{"role": string(role)}, nil)
}

// UpdateStaff changes an account's role or disables it; admins cannot demote or disable
// themselves (so one admin always remains).
func (c *Console) UpdateStaff(ctx context.Context, a Actor, id int64, f StaffForm) (Staff, error) {
	role, err := ParseRole(f.Role)
	if err != nil {
		return Staff{}, err
	}
	if id == a.Staff.ID && (role != RoleAdmin || f.Disabled) {
		return Staff{}, fmt.Errorf("you cannot demote or disable yourself: %w", ErrBadRequest)
	}
	st, err := c.staff.Update(ctx, id, role, f.Disabled)
	if errors.Is(err, ErrNotFound) {
		return Staff{}, err
	}
	target := "staff:" + strconv.FormatInt(id, 10)
	if err == nil {
		target = "staff:" + st.Email
	}
	return st, c.record(ctx, a, ActionStaffUpdate, target, map[string]any{"role": string(role), "disabled": f.Disabled}, err)
}
