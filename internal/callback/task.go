package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/wecom"
)

// TaskPrefix starts the type of every inbox task: "inbox:" + the event type, e.g.
// "inbox:suite_ticket" or "inbox:event.change_app_admin". The worker routes the prefix.
const TaskPrefix = "inbox:"

// Queue is the asynq queue of callback tasks; the worker gives it the highest priority.
const Queue = "callbacks"

// MaxRetry bounds retries of a failing handler before its row is marked dead.
const MaxRetry = 10

type taskPayload struct {
	ID int64 `json:"id"`
}

// TaskID names the task of an inbox row. It carries the start of the row's delivery key,
// not only its id, so that a database rebuilt next to an old Redis (ids start again at 1)
// never collides with a task left there.
func TaskID(id int64, deliveryKey string) string {
	return fmt.Sprintf("inbox-%d-%s", id, deliveryKey[:min(12, len(deliveryKey))])
}

// NewTask returns the task that processes an inbox row. Its TaskID makes enqueueing the
// same row twice (the api and the sweeper racing) a no-op while the task exists.
func NewTask(id int64, deliveryKey, eventType string) (*asynq.Task, []asynq.Option) {
	payload, _ := json.Marshal(taskPayload{ID: id})
	return asynq.NewTask(TaskPrefix+eventType, payload), []asynq.Option{
		asynq.TaskID(TaskID(id, deliveryKey)),
		asynq.Queue(Queue),
		asynq.MaxRetry(MaxRetry),
		asynq.Timeout(2 * time.Minute),
	}
}

// Event is what a handler receives: the stored row, its decrypted XML and parsed header.
type Event struct {
	ID         int64
	Route      string
	SuiteID    string
	CorpID     string
	Type       string
	Header     wecom.Header
	Plain      []byte
	ReceivedAt time.Time
}

// HandlerFunc processes one event. It must be idempotent: an event may be delivered,
// retried or replayed more than once. Wrap an error with asynq.SkipRetry when retrying
// cannot help (the row is then marked dead at once).
type HandlerFunc func(ctx context.Context, ev Event) error

type namedHandler struct {
	name string
	fn   HandlerFunc
}

// Registry maps event types to handlers. Several handlers may hook one type; they run in
// the order registered.
type Registry struct {
	handlers map[string][]namedHandler
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{handlers: map[string][]namedHandler{}} }

// Handle registers fn under name for eventType (see Delivery.Type for the names).
func (r *Registry) Handle(eventType, name string, fn HandlerFunc) {
	r.handlers[eventType] = append(r.handlers[eventType], namedHandler{name: name, fn: fn})
}

// Processor runs inbox tasks in the worker.
type Processor struct {
	inbox    *Inbox
	registry *Registry
}

// NewProcessor returns a Processor.
func NewProcessor(inbox *Inbox, registry *Registry) *Processor {
	return &Processor{inbox: inbox, registry: registry}
}

// ProcessTask is the asynq handler for every TaskPrefix task.
func (p *Processor) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var payload taskPayload
	if err := json.Unmarshal(t.Payload(), &payload); err != nil || payload.ID == 0 {
		return fmt.Errorf("inbox task payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	rec, err := p.inbox.Get(ctx, payload.ID)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("inbox event %d: %w", payload.ID, asynq.SkipRetry)
	}
	if errors.Is(err, secrets.ErrCorrupt) || errors.Is(err, secrets.ErrUnknownKey) {
		// No retry can open it (a master key dropped from MASTER_KEY_PREVIOUS): the row is
		// dead for staff to see, not pending for ever.
		return p.fail(ctx, payload.ID, "", fmt.Errorf("%w: %w", err, asynq.SkipRetry))
	}
	if err != nil {
		return err
	}
	if rec.Status != StatusPending {
		return nil // already handled: a duplicate task
	}
	hs := p.registry.handlers[rec.Type]
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h.name
	}
	handler := strings.Join(names, ",")
	header, err := wecom.ParseHeader(rec.Plain)
	if err != nil {
		return p.fail(ctx, rec.ID, handler, fmt.Errorf("parse stored event: %v: %w", err, asynq.SkipRetry))
	}
	ev := Event{ID: rec.ID, Route: rec.Route, SuiteID: rec.SuiteID, CorpID: rec.CorpID, Type: rec.Type,
		Header: header, Plain: rec.Plain, ReceivedAt: rec.ReceivedAt}
	for _, h := range hs {
		if err := h.fn(ctx, ev); err != nil {
			return p.fail(ctx, rec.ID, handler, fmt.Errorf("%s: %w", h.name, err))
		}
	}
	outcome := "done"
	if len(hs) == 0 {
		outcome = "no_handler"
	}
	processed.WithLabelValues(rec.Type, outcome).Inc()
	rctx, cancel := recordContext(ctx)
	defer cancel()
	return p.inbox.Finish(rctx, rec.ID, handler)
}

// recordContext is for writing a run's outcome: the run's own context may have ended (its
// timeout fired, which is often why the handler failed), yet the outcome must be kept, or
// a row whose last attempt failed would stay pending with no task left to run it.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

func (p *Processor) fail(ctx context.Context, id int64, handler string, cause error) error {
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	dead := errors.Is(cause, asynq.SkipRetry) || (ok && retried >= maxRetry)
	outcome := "retry"
	if dead {
		outcome = "dead"
	}
	processed.WithLabelValues("", outcome).Inc()
	rctx, cancel := recordContext(ctx)
	defer cancel()
	if err := p.inbox.Fail(rctx, id, handler, cause.Error(), dead); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}
