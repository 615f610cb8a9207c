package platformtest_test

import (
	"context"
	"testing"

	"github.com/wecomisv/platform/internal/platform/platformtest"
)

// The simulator's start-up pushes reach the platform: URL verification is answered with
// the echo, the suite_ticket is acknowledged, stored and processed by the worker.
func TestE2EStartupPushesReachThePlatform(t *testing.T) {
	t.Parallel()
	e := platformtest.StartE2E(t)
	for _, d := range e.Sim.Deliveries("") {
		if !d.OK {
			t.Errorf("delivery %+v was not accepted", d)
		}
	}
	hasTicket := func(want string) func() bool {
		return func() bool {
			got, err := e.Deps.Suites.Ticket(context.Background(), platformtest.SuiteID)
			return err == nil && got.Value == want
		}
	}
	simTicket := e.Sim.State().Suites[0].SuiteTicket
	if simTicket == "" {
		t.Fatal("simulator pushed no ticket")
	}
	platformtest.Eventually(t, "first ticket stored", hasTicket(simTicket))
	// A forced push replaces it.
	res, err := e.Sim.PushTicket(context.Background(), platformtest.SuiteID)
	if err != nil || !res.Delivery.OK {
		t.Fatalf("push: %+v %v", res.Delivery, err)
	}
	platformtest.Eventually(t, "forced ticket stored", hasTicket(res.SuiteTicket))
}
