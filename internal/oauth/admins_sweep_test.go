package oauth_test

import (
	"context"
	"testing"

	"github.com/wecomisv/platform/internal/platform/platformtest"
)

// The periodic sweep re-reads every active tenant's admin list without a change_app_admin
// push, and only one replica sweeps per interval.
func TestAdminSweepRefreshesAdminLists(t *testing.T) {
	t.Parallel()
	w := start(t)
	w.install()
	ctx := context.Background()
	sweep := w.Worker.Admins
	adminCalls := func() int { return w.Sim.Calls()["/cgi-bin/agent/get_admin_list"].Total }
	before := adminCalls()
	if err := w.Deps.Redis.Del(ctx, "oauth:admin-sweep").Err(); err != nil {
		t.Fatal(err)
	}
	// The worker swept at start (before the install); the interval's lock is dropped here
	// as if an hour had passed.
	if n, err := sweep.SweepIfDue(ctx); n != 1 || err != nil {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, err := sweep.SweepIfDue(ctx); n != 0 || err != nil {
		t.Fatalf("second sweep in one interval: %d %v", n, err)
	}
	platformtest.Eventually(t, "admin list re-read by the sweep's task", func() bool { return adminCalls() > before })
}
