package apikeys_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/apikeys"
	"github.com/wecomisv/platform/internal/testutil"
)

func TestCreateAuthenticateRevoke(t *testing.T) {
	t.Parallel()
	db, _ := testutil.DB(t)
	s := apikeys.NewStore(db)
	ctx := context.Background()
	k, secret, err := s.Create(ctx, "reports")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, apikeys.KeyPrefix) || len(secret) != 47 || !strings.HasPrefix(secret, k.Prefix) {
		t.Fatalf("secret %d chars, prefix %q", len(secret), k.Prefix)
	}
	var stored int
	db.Raw(`SELECT count(*) FROM api_keys WHERE key_hash = convert_to(?, 'UTF8') OR prefix = ?`, secret, secret).Scan(&stored)
	if stored != 0 {
		t.Fatal("the key itself is stored")
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != k.ID {
		t.Fatalf("authenticate: %+v, %v", got, err)
	}
	if _, err := s.Authenticate(ctx, secret[:len(secret)-1]+"x"); !errors.Is(err, apikeys.ErrInvalid) {
		t.Fatalf("a wrong key: %v", err)
	}
	list, _ := s.List(ctx)
	if len(list) != 1 || list[0].LastUsedAt == nil {
		t.Fatalf("list after use: %+v", list)
	}
	if _, err := s.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, apikeys.ErrInvalid) {
		t.Fatalf("a revoked key: %v", err)
	}
	if _, err := s.Revoke(ctx, k.ID+100); !errors.Is(err, apikeys.ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
}
