package oauth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/oauth"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecomsim"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

const secondSuiteID = "wwsecondsuite00002"

// A corp with two of the provider's apps: the admin login without a suite_id signs in to
// the app the admin manages, refuses to guess when the admin manages both, and follows
// ?suite_id= when it is given. Never "the first install found".
func TestProviderLoginPicksTenantDeterministically(t *testing.T) {
	t.Parallel()
	e2e := platformtest.StartE2E(t, func(c *wecomsim.Config) {
		second := c.Suites[0]
		second.SuiteID = secondSuiteID
		second.InstructionURL = strings.Replace(second.InstructionURL, suiteID, secondSuiteID, 1)
		second.DataURL = strings.Replace(second.DataURL, suiteID, secondSuiteID, 1)
		c.Suites = append(c.Suites, second)
	})
	w := &world{t: t, E2E: e2e}
	ctx := context.Background()
	// The second suite is added as staff would in the console, then gets its ticket.
	err := w.Deps.Suites.Store().Upsert(ctx, suite.Suite{ID: secondSuiteID, Secret: platformtest.SuiteSecret,
		Token: platformtest.SuiteToken, EncodingAESKey: platformtest.SuiteAESKey,
		TrustedDomains: e2e.Sim.Config().Suites[0].TrustedDomains})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sim.PushTicket(ctx, secondSuiteID); err != nil {
		t.Fatal(err)
	}
	platformtest.Eventually(t, "second suite's ticket stored", func() bool {
		_, err := w.Deps.Suites.Ticket(ctx, secondSuiteID)
		return err == nil
	})
	first := w.install()
	if _, err := w.Sim.Install(ctx, wecomsim.InstallRequest{SuiteID: secondSuiteID, CorpID: first.CorpID, Via: wecomsim.ViaMarket}); err != nil {
		t.Fatal(err)
	}
	platformtest.Eventually(t, "second install active with admins", func() bool {
		tn, err := w.Deps.Tenants.Store().Get(ctx, secondSuiteID, first.CorpID)
		if err != nil || !tn.Active() {
			return false
		}
		admins, err := w.Deps.Tenants.Store().Admins(ctx, secondSuiteID, first.CorpID)
		return err == nil && len(admins) > 0
	})

	login := func(query string) (int, *browser) {
		b := w.browser()
		st, _, _ := b.visit(w.API.URL+oauth.ProviderLoginPath+"?redirect=/app/"+query, first.CorpID, "zhangsan", nil)
		return st, b
	}
	// zhangsan administers both apps: nothing tells which is meant.
	if st, _ := login(""); st != http.StatusConflict {
		t.Fatalf("login managing two apps: %d, want 409", st)
	}
	if st, b := login("&suite_id=" + secondSuiteID); st != http.StatusOK || b.claims().SuiteID != secondSuiteID {
		t.Fatalf("login naming the second suite: %d", st)
	}
	// The first app gets another admin: zhangsan now manages only the second one.
	w.setAdmins(first.CorpID, store.Admin{UserID: "lisi", AuthType: 1})
	platformtest.Eventually(t, "first app's admin list without zhangsan", func() bool {
		admins, _ := w.Deps.Tenants.Store().Admins(ctx, suiteID, first.CorpID)
		return len(admins) == 1 && admins[0].UserID == "lisi"
	})
	for range 3 {
		st, b := login("")
		if st != http.StatusOK || b.claims().SuiteID != secondSuiteID {
			t.Fatalf("login of the second app's admin: %d, want a session of %s", st, secondSuiteID)
		}
	}
}
