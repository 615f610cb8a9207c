package oauth_test

import (
	"net/http"
	"testing"
	"time"
)

// /api/v1/me reads the signed-in user's own row, not every member of a large corp: it is
// asked on every page load.
func TestMeInALargeCorpReadsOneUser(t *testing.T) {
	t.Parallel()
	w := start(t)
	tn := w.install()
	b := w.browser()
	if st, _ := b.signIn(tn.CorpID, "zhangsan", "scope=privateinfo"); st != http.StatusOK {
		t.Fatalf("sign-in: %d", st)
	}
	err := w.Deps.DB.Exec(`INSERT INTO tenant_users (tenant_id, user_id, name)
		SELECT ?, 'member' || g, 'Member ' || g FROM generate_series(1, 300000) g`, tn.ID).Error
	if err != nil {
		t.Fatal(err)
	}
	b.me() // warm up
	start := time.Now()
	for range 5 {
		if st, m := b.me(); st != http.StatusOK || m.UserID != "zhangsan" || m.Name != "张三" {
			t.Fatalf("/me: %d %+v", st, m)
		}
	}
	if d := time.Since(start) / 5; d > 200*time.Millisecond {
		t.Errorf("/me took %v in a corp of 300000 signed-in members", d)
	}
}
