package callback

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/queue"
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

	// Inspector, when set, lets the sweep replace a row's task that asynq archived while
	// the row stayed pending (the worker died on the last attempt, or could not record
	// the outcome); see queue.Enqueue.
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
		replaced, err := queue.Enqueue(ctx, s.queue, s.Inspector, task, opts...)
		if err != nil {
			return n, err
		}
		if replaced {
			revived.Inc()
		}
		n++
		swept.Inc()
	}
	return n, nil
}
