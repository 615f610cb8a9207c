package tenants

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/wecom"
)

// The inbox handlers below are registered in the worker's callback.Registry. Each is
// idempotent: the service methods they call change nothing on a repeat.

// HandleCreateAuth installs from a marketplace or QR-code create_auth push.
func (s *Service) HandleCreateAuth(ctx context.Context, ev callback.Event) error {
	e, err := parse[*wecom.CreateAuth](ev)
	if err != nil {
		return err
	}
	t, err := s.Install(ctx, ev.SuiteID, e.AuthCode, sourceOf(ev))
	if err != nil {
		return inboxErr(err)
	}
	return s.hooks.run(ctx, ev.Type, t, e)
}

// HandleResetPermanentCode stores the new permanent code of a reset_permanent_code push.
func (s *Service) HandleResetPermanentCode(ctx context.Context, ev callback.Event) error {
	e, err := parse[*wecom.ResetPermanentCode](ev)
	if err != nil {
		return err
	}
	t, err := s.ResetPermanentCode(ctx, ev.SuiteID, e.AuthCode, sourceOf(ev))
	if err != nil {
		return inboxErr(err)
	}
	return s.hooks.run(ctx, ev.Type, t, e)
}

// HandleChangeAuth re-reads the auth info after change_auth (and change_editon, whose
// edition_info comes from the same call).
func (s *Service) HandleChangeAuth(ctx context.Context, ev callback.Event) error {
	_, e, err := wecom.ParseEvent(ev.Plain)
	if err != nil {
		return fmt.Errorf("parse %s: %v: %w", ev.Type, err, asynq.SkipRetry)
	}
	t, _, err := s.ChangeAuth(ctx, ev.SuiteID, ev.CorpID, sourceOf(ev))
	if errors.Is(err, ErrCancelled) {
		return nil // a late change for a corp that has since removed the app
	}
	if err != nil {
		return inboxErr(err)
	}
	return s.hooks.run(ctx, ev.Type, t, e)
}

// HandleCancelAuth cancels the tenant.
func (s *Service) HandleCancelAuth(ctx context.Context, ev callback.Event) error {
	e, err := parse[*wecom.CancelAuth](ev)
	if err != nil {
		return err
	}
	t, err := s.Cancel(ctx, ev.SuiteID, ev.CorpID, ev.Header.Time(), sourceOf(ev))
	if err != nil {
		return inboxErr(err)
	}
	return s.hooks.run(ctx, ev.Type, t, e)
}

// HandleChangeAppAdmin refreshes the admin list after the data callback change_app_admin.
func (s *Service) HandleChangeAppAdmin(ctx context.Context, ev callback.Event) error {
	e, err := parse[*wecom.ChangeAppAdmin](ev)
	if err != nil {
		return err
	}
	err = s.RefreshAdmins(ctx, ev.SuiteID, ev.CorpID, sourceOf(ev))
	if errors.Is(err, ErrCancelled) {
		return nil
	}
	if err != nil {
		return inboxErr(err)
	}
	t, err := s.store.Get(ctx, ev.SuiteID, ev.CorpID)
	if err != nil {
		return err
	}
	return s.hooks.run(ctx, ev.Type, t, e)
}

// RecordedEventTypes are the corp events recorded against their tenant and handed to
// the hooks, beyond the lifecycle events handled above (change_editon is a change_auth:
// its edition_info comes with the auth info, and the history records the change).
var RecordedEventTypes = []string{
	"share_agent_change", "share_chain_change", "corp_arch_auth", "approve_special_auth", "cancel_special_auth",
	"change_contact", "event.change_contact",
	"change_external_contact", "change_external_chat", "change_external_tag", "customer_acquisition_permit_change",
	"event.change_external_contact", "event.change_external_chat", "event.change_external_tag",
	"batch_job_result", "event.batch_job_result",
	"open_order", "change_order", "pay_for_app_success", "refund", "cancel_order",
	"license_pay_success", "license_refund", "auto_activate", "agree_external_userid_migration",
	"event.unlicensed_notify", "event.subscribe", "event.unsubscribe", "event.enter_agent", "event.share_agent_change",
}

// HandleRecord records a corp event against its tenant(s) and runs the hooks. An event
// for a corp with no tenant yet is retried: create_auth may still be in the queue.
func (s *Service) HandleRecord(ctx context.Context, ev callback.Event) error {
	h, e, err := wecom.ParseEvent(ev.Plain)
	if err != nil {
		return fmt.Errorf("parse %s: %v: %w", ev.Type, err, asynq.SkipRetry)
	}
	if ev.CorpID == "" {
		return s.hooks.run(ctx, ev.Type, Tenant{}, e)
	}
	ts, err := s.store.recordEvent(ctx, ev.SuiteID, ev.CorpID, ev.ID, ev.Type, h.ChangeType, h.Time())
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return fmt.Errorf("%s for %s/%s: %w", ev.Type, ev.SuiteID, ev.CorpID, ErrNotFound)
	}
	for _, t := range ts {
		if err := s.hooks.run(ctx, ev.Type, t, e); err != nil {
			return err
		}
	}
	return nil
}

func sourceOf(ev callback.Event) Source {
	return Source{Name: ev.Type, Ref: strconv.FormatInt(ev.ID, 10), Since: ev.ReceivedAt}
}

// parse decodes the typed event; a payload that does not parse will never parse.
func parse[T any](ev callback.Event) (T, error) {
	var zero T
	_, v, err := wecom.ParseEvent(ev.Plain)
	if err != nil {
		return zero, fmt.Errorf("parse %s: %v: %w", ev.Type, err, asynq.SkipRetry)
	}
	e, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("parse %s: got %T: %w", ev.Type, v, asynq.SkipRetry)
	}
	return e, nil
}

// inboxErr makes failures that no retry can fix permanent (the inbox row goes dead at
// once, visible to staff); everything else is retried with backoff.
func inboxErr(err error) error {
	for _, perm := range []error{ErrAuthBroken, ErrCancelled, ErrAuthCodeInvalid, ErrUnknownSuite} {
		if errors.Is(err, perm) {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
	}
	return err
}
