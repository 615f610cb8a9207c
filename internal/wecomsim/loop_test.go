package wecomsim

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// movableClock is a base clock the test moves by hand, standing in for real time.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLoopPushesTicketsOnTheBaseClock(t *testing.T) {
	rc := newReceiver(t)
	clock := &movableClock{t: testEpoch}
	sim, err := New(testConfig(rc), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	sim.poll = 5 * time.Millisecond
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err == nil {
		t.Error("second Start succeeded")
	}
	clock.add(10 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for len(sim.Deliveries("suite_ticket")) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("loop did not push: %d ticket deliveries", len(sim.Deliveries("suite_ticket")))
		}
		time.Sleep(5 * time.Millisecond)
	}
	sim.Close()
	n := len(sim.Deliveries("suite_ticket"))
	clock.add(time.Hour)
	time.Sleep(30 * time.Millisecond)
	if got := len(sim.Deliveries("suite_ticket")); got != n {
		t.Errorf("pushes after Close: %d -> %d", n, got)
	}
}

func TestDataURLCorpPlaceholder(t *testing.T) {
	rc := newReceiver(t)
	cfg := testConfig(rc)
	cfg.Suites[0].DataURL = rc.srv.URL + "/callback/" + testSuite + "/data/$CORPID$"
	sim, err := New(cfg, WithClock(FixedClock(testEpoch)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	e := &env{t: t, sim: sim, srv: srv, rc: rc}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	for _, r := range rc.all() {
		if strings.Contains(r.Path, "/data/") && r.Path != "/callback/"+testSuite+"/data/"+testProvider {
			t.Errorf("verification went to %s; $CORPID$ should be the provider corpid", r.Path)
		}
	}
	tn := e.tenant()
	res, err := sim.PushEvent(context.Background(), tn.corpID, EventRequest{Type: EventChangeAppAdmin})
	if err != nil || !res.Results[0].Delivery.OK {
		t.Fatalf("%v %+v", err, res)
	}
	if r := lastPost(t, rc); r.Path != "/callback/"+testSuite+"/data/"+tn.corpID {
		t.Errorf("data push went to %s", r.Path)
	}
}
