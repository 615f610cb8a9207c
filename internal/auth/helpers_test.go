package auth

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/testutil"
)

const (
	testMasterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	testIssuer    = "https://isv.example.com"
	testAudience  = "wecom-isv"
)

var testIdentity = Identity{TenantID: "42", SuiteID: "wwsuite0001", CorpID: "wwcorp0001",
	UserID: "zhangsan", OpenUserID: "woAAAA", UserType: 0}

func testConfig() Config {
	return Config{Issuer: testIssuer, Audience: testAudience, AccessTTL: 10 * time.Minute, RefreshTTL: 30 * 24 * time.Hour}
}

// env is one replica's Service over a test's own database and Redis, with its log captured.
type env struct {
	*Service
	db  *gorm.DB
	rdb *redis.Client
	log *lockedBuffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, _ := testutil.DB(t)
	opt, err := redis.ParseURL(testutil.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return newReplica(t, db, rdb)
}

// newReplica starts another Service over the same database and Redis, like a second api
// process would.
func newReplica(t testing.TB, db *gorm.DB, rdb *redis.Client) *env {
	t.Helper()
	box, err := secrets.New(testMasterKey)
	if err != nil {
		t.Fatal(err)
	}
	buf := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &env{Service: New(db, rdb, box, testConfig(), log), db: db, rdb: rdb, log: buf}
	if err := e.Keys().Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("auth log:\n%s", buf.String())
		}
	})
	return e
}

// setClock moves this replica's clock (token times, key rotation times).
func (e *env) setClock(now func() time.Time) {
	e.now = now
	e.keys.now = now
}

func (e *env) issue(t testing.TB) Tokens {
	t.Helper()
	tok, err := e.Issue(context.Background(), testIdentity)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
