package suite_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/testutil"
)

const masterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// An out-of-order (older) ticket arriving after Redis lost its copy must not become the
// cached ticket: PostgreSQL keeps the newer one, and reads go to Redis first.
func TestOlderTicketNotCachedAfterRedisLoss(t *testing.T) {
	t.Parallel()
	db, _ := testutil.DB(t)
	opt, err := redis.ParseURL(testutil.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	box, err := secrets.New(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	svc := suite.NewService(suite.NewStore(db, box), rdb, time.Minute)
	ctx := context.Background()
	const id = "wwsuite-ticket-order"
	if err := svc.Store().Upsert(ctx, suite.Suite{ID: id, Secret: "s", Token: "t", EncodingAESKey: "k"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	if stored, err := svc.SaveTicket(ctx, id, suite.Ticket{Value: "newer", Time: now}); err != nil || !stored {
		t.Fatalf("save newer: %v %v", stored, err)
	}
	rdb.FlushDB(ctx) // Redis restarted without its data
	if stored, err := svc.SaveTicket(ctx, id, suite.Ticket{Value: "older", Time: now - 300}); err != nil || stored {
		t.Fatalf("save older: stored=%v %v", stored, err)
	}
	got, err := svc.Ticket(ctx, id)
	if err != nil || got.Value != "newer" || got.Time != now {
		t.Fatalf("ticket %q at %d (%v), want the newer one", got.Value, got.Time, err)
	}
}
