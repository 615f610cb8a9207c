package tenants

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TaskRefresh re-reads a tenant's auth info and admin list. The install redirect
// enqueues it when the admin list could not be fetched in the request, since no inbox
// task retries a link install.
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
	_, err := s.queue.EnqueueContext(ctx, task, opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
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
	if _, _, err := s.ChangeAuth(ctx, p.SuiteID, p.CorpID, src); err != nil {
		return inboxErr(err)
	}
	return inboxErr(s.RefreshAdmins(ctx, p.SuiteID, p.CorpID, src))
}
