package wecomsim

import (
	"sync"
	"time"
)

// Clock is the time source the simulator's clock runs on. Every lifetime (tokens,
// codes, tickets) is measured on the simulator clock: this source plus whatever
// Advance added.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// FixedClock is a Clock that never moves by itself, so a test controls time only
// through Sim.Advance and nothing expires or comes due behind its back.
type FixedClock time.Time

// Now returns the fixed instant.
func (c FixedClock) Now() time.Time { return time.Time(c) }

// simClock adds the offset accumulated by Advance to the base clock.
type simClock struct {
	base   Clock
	mu     sync.Mutex
	offset time.Duration
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Now().Add(c.offset)
}

func (c *simClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return c.base.Now().Add(c.offset)
}
