package tenants

import (
	"context"
	"fmt"
	"sync"
)

// Hook handles one corp event for a tenant. event is the typed event from
// wecom.ParseEvent (e.g. *wecom.ContactUserChange), or *wecom.UnknownEvent. The tenant
// is zero for events that name no corp (an export job's batch_job_result). Hooks run in
// the worker after the event is recorded and must be idempotent: an error retries the
// inbox task, which runs every hook of the type again.
type Hook func(ctx context.Context, t Tenant, event any) error

type namedHook struct {
	name string
	fn   Hook
}

// Hooks maps event types (callback.Delivery types such as "change_contact",
// "event.change_app_admin", "open_order") to the hooks registered for them.
type Hooks struct {
	mu sync.RWMutex
	m  map[string][]namedHook
}

// NewHooks returns an empty registry.
func NewHooks() *Hooks { return &Hooks{m: map[string][]namedHook{}} }

// On registers fn under name for eventType; hooks of one type run in registration order.
func (h *Hooks) On(eventType, name string, fn Hook) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m[eventType] = append(h.m[eventType], namedHook{name: name, fn: fn})
}

func (h *Hooks) run(ctx context.Context, eventType string, t Tenant, event any) error {
	h.mu.RLock()
	hs := h.m[eventType]
	h.mu.RUnlock()
	for _, hk := range hs {
		if err := hk.fn(ctx, t, event); err != nil {
			return fmt.Errorf("hook %s: %w", hk.name, err)
		}
	}
	return nil
}
