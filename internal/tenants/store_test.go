package tenants

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func TestStoreSealsAndLists(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.linkInstall("")
	b := f.linkInstall("")
	ta, tb := f.install(a.AuthCode), f.install(b.AuthCode)

	// The permanent code is sealed, and bound to its row: copied to another tenant it
	// does not open.
	var sealed []byte
	f.db.Raw(`SELECT permanent_code_sealed FROM tenants WHERE id = ?`, ta.ID).Scan(&sealed)
	if len(sealed) == 0 || bytes.Contains(sealed, []byte(a.PermanentCode)) {
		t.Fatal("permanent code stored in the clear")
	}
	f.db.Exec(`UPDATE tenants SET permanent_code_sealed = ? WHERE id = ?`, sealed, tb.ID)
	if _, err := f.store.PermanentCode(ctx, testSuiteID, b.CorpID); err == nil {
		t.Error("a sealed code copied to another tenant opened")
	}
	if _, err := f.store.PermanentCode(ctx, testSuiteID, "wwnosuchcorp"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown tenant: %v", err)
	}

	page, err := f.store.ListTenants(ctx, ListOptions{Limit: 1})
	if err != nil || len(page) != 1 || page[0].ID != ta.ID {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, _ = f.store.ListTenants(ctx, ListOptions{AfterID: ta.ID, Status: StatusActive, SuiteID: testSuiteID})
	if len(page) != 1 || page[0].ID != tb.ID {
		t.Fatalf("second page: %+v", page)
	}
	counts, _ := f.store.CountByStatus(ctx)
	if counts["active"] != 2 || counts["cancelled"] != 0 {
		t.Errorf("counts = %v", counts)
	}

	if err := f.store.UpsertUser(ctx, testSuiteID, "wwnosuchcorp", User{UserID: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("user of unknown tenant: %v", err)
	}
	now := time.Now()
	f.store.UpsertUser(ctx, testSuiteID, a.CorpID, User{UserID: "lisi", Name: "李四", Avatar: "https://a/1"})
	f.store.UpsertUser(ctx, testSuiteID, a.CorpID, User{UserID: "lisi", OpenUserID: "wo1", LastLoginAt: &now})
	users, _ := f.store.Users(ctx, testSuiteID, a.CorpID)
	if len(users) != 1 || users[0].Name != "李四" || users[0].OpenUserID != "wo1" || users[0].LastLoginAt == nil {
		t.Errorf("users = %+v", users)
	}

	// Settled claims are pruned; nothing newer than the cut-off is.
	if n, err := f.store.PruneClaimsBefore(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("pruned %d recent claims, %v", n, err)
	}
	if n, _ := f.store.PruneClaimsBefore(ctx, time.Now().Add(time.Minute)); n != 2 {
		t.Errorf("pruned %d claims, want 2", n)
	}
}
