package auth

import (
	"context"
	"testing"
)

// The hot path of every authenticated request. verifySignature is the offline part (parse,
// Ed25519, claims); Verify adds the revocation check (one Redis GET on a warm cache).
func BenchmarkVerifySignature(b *testing.B) {
	e := newEnv(b)
	tok := e.issue(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.verifySignature(ctx, tok.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	e := newEnv(b)
	tok := e.issue(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Verify(ctx, tok.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	e := newEnv(b)
	tok := e.issue(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, err := e.Verify(ctx, tok.AccessToken); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
