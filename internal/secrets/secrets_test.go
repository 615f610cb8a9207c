package secrets

import (
	"bytes"
	"errors"
	"testing"
)

const (
	keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // "0123456789abcdef0123456789abcdef"
	keyB = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
)

func TestSealOpen(t *testing.T) {
	box, err := New(keyA)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.SealString("perm-code-123", "tenant:s:c")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("perm-code-123")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := box.OpenString(sealed, "tenant:s:c")
	if err != nil || got != "perm-code-123" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := box.Open(sealed, "tenant:s:other"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open with other associated data: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := box.Open(sealed, "tenant:s:c"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered: %v", err)
	}
}

func TestRotation(t *testing.T) {
	old, _ := New(keyA)
	sealed, _ := old.SealString("v", "x")

	rotated, err := New(keyB, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.OpenString(sealed, "x"); err != nil || got != "v" {
		t.Fatalf("open old value after rotation: %q %v", got, err)
	}
	if !rotated.NeedsRotation(sealed) {
		t.Fatal("old value should need rotation")
	}
	fresh, _ := rotated.SealString("v", "x")
	if rotated.NeedsRotation(fresh) {
		t.Fatal("fresh value should not need rotation")
	}
	onlyB, _ := New(keyB)
	if _, err := onlyB.Open(sealed, "x"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestBadKeys(t *testing.T) {
	for _, k := range []string{"", "short", "MDEyMzQ1Njc4OWFiY2RlZg=="} {
		if _, err := New(k); err == nil {
			t.Errorf("New(%q) accepted", k)
		}
	}
}
