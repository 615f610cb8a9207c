package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/testutil"
)

func TestStaffCreate(t *testing.T) {
	t.Parallel()
	db, dsn := testutil.DB(t)
	cfg := config.Config{DatabaseURL: dsn}
	ctx := context.Background()
	var out bytes.Buffer
	// Password from stdin.
	err := staff(ctx, cfg, []string{"create", "ops@example.com", "--role", "operator"}, strings.NewReader("a fine long password\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	staffs := console.NewStaffStore(db)
	if _, ok, err := staffs.Authenticate(ctx, "ops@example.com", "a fine long password"); !ok || err != nil {
		t.Fatalf("stdin password does not sign in: %v", err)
	}
	// Generated, printed once.
	out.Reset()
	if err := staff(ctx, cfg, []string{"create", "boss@example.com", "--role=admin", "--generate"}, strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`password \(shown once\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no generated password in %q", out.String())
	}
	if st, ok, _ := staffs.Authenticate(ctx, "boss@example.com", m[1]); !ok || st.Role != console.RoleAdmin {
		t.Fatalf("generated password does not sign in as admin: %+v", st)
	}
	for _, args := range [][]string{{"create", "x@example.com"}, {"create", "--role", "root", "x@example.com"}, {"delete"}} {
		if err := staff(ctx, cfg, args, strings.NewReader("a fine long password\n"), &out); err == nil {
			t.Errorf("staff %v: no error", args)
		}
	}
	if err := staff(ctx, cfg, []string{"create", "short@example.com", "--role", "viewer"}, strings.NewReader("short\n"), &out); err == nil {
		t.Error("short password accepted")
	}
}
