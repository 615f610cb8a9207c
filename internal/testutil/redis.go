package testutil

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisAddr is the Redis server tests use.
func RedisAddr() string {
	if a := os.Getenv("TEST_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// redisDBs are the logical databases tests may lease; 0 holds only the leases.
const redisDBs = 16

// Redis leases a logical Redis database for this test, flushed before and after, and
// returns its URL. asynq has no key prefix, so a database per test is what isolates queues.
func Redis(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	ctl := redis.NewClient(&redis.Options{Addr: RedisAddr(), DB: 0})
	defer ctl.Close()
	owner := randomHex(8)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for n := 1; n < redisDBs; n++ {
			key := fmt.Sprintf("testutil:lease:%d", n)
			ok, err := ctl.SetNX(ctx, key, owner, 10*time.Minute).Result()
			if err != nil {
				t.Fatalf("lease redis db: %v", err)
			}
			if !ok {
				continue
			}
			c := redis.NewClient(&redis.Options{Addr: RedisAddr(), DB: n})
			if err := c.FlushDB(ctx).Err(); err != nil {
				t.Fatalf("flush redis db %d: %v", n, err)
			}
			t.Cleanup(func() {
				c.FlushDB(context.Background())
				c.Close()
				release := redis.NewClient(&redis.Options{Addr: RedisAddr(), DB: 0})
				defer release.Close()
				// Release only our own lease.
				if v, _ := release.Get(context.Background(), key).Result(); v == owner {
					release.Del(context.Background(), key)
				}
			})
			return fmt.Sprintf("redis://%s/%d", RedisAddr(), n)
		}
		if time.Now().After(deadline) {
			t.Fatal("no free redis database for this test")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
