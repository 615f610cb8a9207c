package tokens

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeRefresh is the asynq task type of a scheduled credential refresh.
const TypeRefresh = "tokens:refresh"

// Queue is the asynq queue of refresh tasks.
const Queue = "tokens"

type refreshPayload struct {
	Kind    Kind   `json:"kind"`
	SuiteID string `json:"suite_id,omitempty"`
	CorpID  string `json:"corp_id,omitempty"`
}

// NewRefreshTask returns the task that refreshes k. Its TaskID ("refresh:" + key) makes a
// second enqueue of the same credential a no-op while the first task exists.
func NewRefreshTask(k Key) (*asynq.Task, []asynq.Option) {
	payload, _ := json.Marshal(refreshPayload{Kind: k.Kind, SuiteID: k.SuiteID, CorpID: k.CorpID})
	return asynq.NewTask(TypeRefresh, payload), []asynq.Option{
		asynq.TaskID(refreshTaskID(k)),
		asynq.Queue(Queue),
		// A failed refresh is retried by the schedule in the credentials table (with its
		// own backoff), not by asynq: two retry loops would multiply the calls.
		asynq.MaxRetry(0),
		asynq.Timeout(2 * time.Minute),
	}
}

func refreshTaskID(k Key) string { return "refresh:" + k.String() }

// ProcessRefresh handles TypeRefresh: it refreshes the credential through the same
// single-flight path as every request. A failed fetch is already recorded and
// rescheduled in the credentials table, so it does not fail the task.
func (s *Service) ProcessRefresh(ctx context.Context, t *asynq.Task) error {
	var p refreshPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Kind == "" {
		return fmt.Errorf("bad refresh payload: %w", asynq.SkipRetry)
	}
	k := Key{Kind: p.Kind, SuiteID: p.SuiteID, CorpID: p.CorpID}
	if _, err := s.Refresh(ctx, k); err != nil {
		// Logged where it was recorded (record); the next sweep or its backoff retries.
		s.cfg.Log.DebugContext(ctx, "scheduled refresh did not complete", "kind", k.Kind,
			"suite_id", k.SuiteID, "corp_id", k.CorpID, "result", s.resultLabel(err))
	}
	return nil
}
