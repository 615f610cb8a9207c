package console

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"
)

// QueueSummary is one asynq queue's sizes.
type QueueSummary struct {
	Queue     string `json:"queue"`
	Size      int    `json:"size"`
	Pending   int    `json:"pending"`
	Active    int    `json:"active"`
	Scheduled int    `json:"scheduled"`
	Retry     int    `json:"retry"`
	Archived  int    `json:"archived"`
	Completed int    `json:"completed"`
	Processed int    `json:"processed_today"`
	Failed    int    `json:"failed_today"`
	Paused    bool   `json:"paused"`
	LatencyMS int64  `json:"latency_ms"`
}

// TaskSummary is a failed task: its type, where it is, and its last error (masked).
type TaskSummary struct {
	ID            string     `json:"id"`
	Queue         string     `json:"queue"`
	Type          string     `json:"type"`
	State         string     `json:"state"`
	Retried       int        `json:"retried"`
	MaxRetry      int        `json:"max_retry"`
	LastError     string     `json:"last_error"`
	LastFailedAt  *time.Time `json:"last_failed_at,omitempty"`
	NextProcessAt *time.Time `json:"next_process_at,omitempty"`
}

// QueueView lists the queues and, for one queue and state (retry or archived), its tasks.
type QueueView struct {
	Queues []QueueSummary `json:"queues"`
	Queue  string         `json:"queue,omitempty"`
	State  string         `json:"state,omitempty"`
	Tasks  []TaskSummary  `json:"tasks"`
}

// Queues inspects asynq. state is retry (default) or archived.
func (c *Console) Queues(_ context.Context, queue, state string) (QueueView, error) {
	v := QueueView{Queues: []QueueSummary{}, Tasks: []TaskSummary{}}
	if c.inspect == nil {
		return v, fmt.Errorf("queue inspection needs a single Redis client: %w", ErrUnavailable)
	}
	names, err := c.inspect.Queues()
	if err != nil {
		return v, fmt.Errorf("list queues: %w", err)
	}
	for _, q := range names {
		in, err := c.inspect.GetQueueInfo(q)
		if err != nil {
			return v, fmt.Errorf("queue %s: %w", q, err)
		}
		v.Queues = append(v.Queues, QueueSummary{Queue: in.Queue, Size: in.Size, Pending: in.Pending, Active: in.Active,
			Scheduled: in.Scheduled, Retry: in.Retry, Archived: in.Archived, Completed: in.Completed,
			Processed: in.Processed, Failed: in.Failed, Paused: in.Paused, LatencyMS: in.Latency.Milliseconds()})
	}
	if queue == "" {
		return v, nil
	}
	if !slices.Contains(names, queue) {
		return v, fmt.Errorf("queue %q: %w", queue, ErrNotFound)
	}
	v.Queue, v.State = queue, state
	var tasks []*asynq.TaskInfo
	switch state {
	case "", "retry":
		v.State = "retry"
		tasks, err = c.inspect.ListRetryTasks(queue, asynq.PageSize(100))
	case "archived":
		tasks, err = c.inspect.ListArchivedTasks(queue, asynq.PageSize(100))
	default:
		return v, fmt.Errorf("state %q: want retry or archived: %w", state, ErrBadRequest)
	}
	if err != nil {
		return v, fmt.Errorf("list %s tasks of %s: %w", v.State, queue, err)
	}
	for _, t := range tasks {
		ts := TaskSummary{ID: t.ID, Queue: t.Queue, Type: t.Type, State: t.State.String(), Retried: t.Retried,
			MaxRetry: t.MaxRetry, LastError: MaskText(t.LastErr)}
		if !t.LastFailedAt.IsZero() {
			at := t.LastFailedAt
			ts.LastFailedAt = &at
		}
		if !t.NextProcessAt.IsZero() {
			at := t.NextProcessAt
			ts.NextProcessAt = &at
		}
		v.Tasks = append(v.Tasks, ts)
	}
	return v, nil
}
