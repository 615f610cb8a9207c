package callback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Sweeper enqueues inbox rows that are still pending after a while: their enqueue failed
// (Redis was down), or their task was lost with Redis' memory. Every worker runs one; the
// claim in Inbox.Due keeps them from doing the same work.
type Sweeper struct {
	inbox    *Inbox
	queue    *asynq.Client
	log      *slog.Logger
	Interval time.Duration // how often to look
	Age      time.Duration // how long a row may wait for its first enqueue
	Resweep  time.Duration // how long before a swept row may be swept again
	Batch    int

	// Inspector, when set, lets the sweep revive a row's task that asynq archived while
	// the row stayed pending (the worker died on the last attempt, or could not record
	// the outcome): its TaskID would otherwise turn every later enqueue into a no-op.
	Inspector *asynq.Inspector
}

// NewSweeper returns a Sweeper with production defaults.
func NewSweeper(inbox *Inbox, queue *asynq.Client, log *slog.Logger) *Sweeper {
	return &Sweeper{inbox: inbox, queue: queue, log: log,
		Interval: 10 * time.Second, Age: 10 * time.Second, Resweep: time.Minute, Batch: 500}
}

// Run sweeps until ctx ends.
func (s *Sweeper) Run(ctx context.Context) {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil {
			s.log.WarnContext(ctx, "inbox sweep failed", "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "inbox sweep enqueued pending events", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep enqueues one batch of due rows and returns how many it enqueued. Rows it could not
// enqueue stay pending for the next sweep.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	// Don't claim rows while Redis is down: the claim would delay them by Resweep.
	if err := s.queue.Ping(); err != nil {
		return 0, err
	}
	due, err := s.inbox.Due(ctx, s.Age, s.Resweep, s.Batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		task, opts := NewTask(r.ID, r.Key, r.Type)
		_, err := s.queue.EnqueueContext(ctx, task, opts...)
		if errors.Is(err, asynq.ErrTaskIDConflict) {
			err = s.revive(TaskID(r.ID, r.Key))
		}
		if err != nil {
			return n, err
		}
		n++
		swept.Inc()
	}
	return n, nil
}

// revive runs the task of a pending row now if asynq archived it. A task waiting, retrying
// or running is left alone: it is on its way.
func (s *Sweeper) revive(taskID string) error {
	if s.Inspector == nil {
		return nil
	}
	info, err := s.Inspector.GetTaskInfo(Queue, taskID)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil // gone meanwhile: the next sweep enqueues the row again
	}
	if err != nil {
		return fmt.Errorf("inspect task %s: %w", taskID, err)
	}
	if info.State != asynq.TaskStateArchived {
		return nil
	}
	if err := s.Inspector.RunTask(Queue, taskID); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		return fmt.Errorf("run archived task %s: %w", taskID, err)
	}
	revived.Inc()
	return nil
}
