package tenants

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/queue"
)

// TaskRefresh re-reads a tenant's auth info and admin list, first writing the tenant of
// an auth code exchanged for the corp but not applied. The install redirect enqueues it
// when the admin list, or the tenant itself, could not be written in the request, since
// no inbox task retries a link install.
const TaskRefresh = "tenants:refresh"

type refreshPayload struct {
	SuiteID string `json:"suite_id"`
	CorpID  string `json:"corp_id"`
}

// NewRefreshTask returns the task with its default options; one per tenant may wait.
func NewRefreshTask(suiteID, corpID string) (*asynq.Task, []asynq.Option) {
	payload, _ := json.Marshal(refreshPayload{SuiteID: suiteID, CorpID: corpID})
	return asynq.NewTask(TaskRefresh, payload), []asynq.Option{
		asynq.TaskID("tenants-refresh:" + suiteID + ":" + corpID),
		asynq.MaxRetry(10),
		asynq.Timeout(time.Minute),
	}
}

func (s *Service) enqueueRefresh(ctx context.Context, suiteID, corpID string) error {
	task, opts := NewRefreshTask(suiteID, corpID)
	// An archived refresh of this tenant is replaced, not allowed to block it for 90 days.
	if _, err := queue.Enqueue(ctx, s.queue, s.tasks, task, opts...); err != nil {
		return fmt.Errorf("enqueue refresh of %s/%s: %w", suiteID, corpID, err)
	}
	return nil
}

// ProcessRefresh is the asynq handler of TaskRefresh.
func (s *Service) ProcessRefresh(ctx context.Context, t *asynq.Task) error {
	var p refreshPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.SuiteID == "" || p.CorpID == "" {
		return fmt.Errorf("refresh payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	src := Source{Name: "refresh"}
	if err := s.completeExchanged(ctx, p.SuiteID, p.CorpID, src); err != nil {
		return inboxErr(err)
	}
	if _, _, err := s.ChangeAuth(ctx, p.SuiteID, p.CorpID, src); err != nil {
		return inboxErr(err)
	}
	return inboxErr(s.RefreshAdmins(ctx, p.SuiteID, p.CorpID, src))
}

// finishLater hands a link install whose auth code was exchanged (and its result
// stored) but whose tenant was not written to the worker: WeCom pushes no create_auth
// for a link install, so nothing else would ever use that permanent code.
func (s *Service) finishLater(ctx context.Context, suiteID, code string) (corpID string, err error) {
	c, err := s.store.getClaim(ctx, codeHash(suiteID, code))
	if err != nil || c.Status != claimExchanged || c.CorpID == "" {
		return "", err
	}
	return c.CorpID, s.enqueueRefresh(ctx, suiteID, c.CorpID)
}

// completeExchanged writes the tenant of every auth code of suiteID exchanged for corpID
// but not applied, oldest first (a newer permanent code wins).
func (s *Service) completeExchanged(ctx context.Context, suiteID, corpID string, src Source) error {
	claims, err := s.store.exchangedClaims(ctx, suiteID, corpID)
	if err != nil {
		return err
	}
	for _, c := range claims {
		res, err := s.store.openResult(c)
		if err != nil {
			return err
		}
		auth := res.Auth
		if auth == nil {
			snap, err := s.readAuth(ctx, suiteID, corpID, res.PermanentCode)
			if err != nil {
				return fmt.Errorf("auth info of %s/%s: %w", suiteID, corpID, err)
			}
			auth = &snap
		}
		t, err := s.store.applyExchange(ctx, c.CodeHash, suiteID, c.Purpose, src.String(), res, auth)
		if err != nil {
			return err
		}
		s.log.InfoContext(ctx, "tenant authorised from a stored exchange", "suite_id", suiteID, "corp_id", corpID,
			"tenant_id", t.ID, "purpose", c.Purpose)
	}
	return nil
}
