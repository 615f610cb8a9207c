package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"testing"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/testutil"
)

// `api keys rotate-signing` makes the next key current: the JWKS then starts with the kid
// it printed, and the key it replaced is still published.
func TestKeysRotateSigning(t *testing.T) {
	t.Parallel()
	db, dsn := testutil.DB(t)
	const masterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	cfg := config.Config{DatabaseURL: dsn, MasterKey: masterKey}
	box, err := secrets.New(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	signing := auth.SigningKeys(db, box, auth.Config{}, slog.New(slog.DiscardHandler))
	if err := signing.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := signing.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := keys(ctx, cfg, []string{"rotate-signing"}, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`carry kid (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no kid in %q", out.String())
	}
	after := auth.SigningKeys(db, box, auth.Config{}, slog.New(slog.DiscardHandler))
	set, err := after.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if set.Keys[0].Kid != m[1] || set.Keys[0].Kid == before.Keys[0].Kid {
		t.Errorf("current kid after rotation = %s, printed %s, before %s", set.Keys[0].Kid, m[1], before.Keys[0].Kid)
	}
	found := false
	for _, k := range set.Keys {
		found = found || k.Kid == before.Keys[0].Kid
	}
	if !found {
		t.Error("the replaced key is no longer published")
	}
}
