package tenants_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecomsim"
)

const suiteID = platformtest.SuiteID

// world is the whole platform on real PostgreSQL and Redis, with the simulator as WeCom.
type world struct {
	t *testing.T
	*platformtest.E2E
}

func start(t *testing.T) *world {
	t.Helper()
	return &world{t: t, E2E: platformtest.StartE2E(t)}
}

func (w *world) tenant(corpID string) (tenants.Tenant, error) {
	return w.Deps.Tenants.Store().Get(context.Background(), suiteID, corpID)
}

// waitTenant waits until the corp's tenant satisfies cond and returns it.
func (w *world) waitTenant(what, corpID string, cond func(tenants.Tenant) bool) tenants.Tenant {
	w.t.Helper()
	var got tenants.Tenant
	platformtest.Eventually(w.t, what, func() bool {
		t, err := w.tenant(corpID)
		got = t
		return err == nil && cond(t)
	})
	return got
}

// waitInstalled waits for an active tenant with its admin list.
func (w *world) waitInstalled(corpID string) tenants.Tenant {
	w.t.Helper()
	t := w.waitTenant("tenant "+corpID+" active", corpID, tenants.Tenant.Active)
	platformtest.Eventually(w.t, "admin list of "+corpID, func() bool {
		admins, err := w.Deps.Tenants.Store().Admins(context.Background(), suiteID, corpID)
		return err == nil && len(admins) > 0
	})
	return t
}

func (w *world) install(req wecomsim.InstallRequest) wecomsim.InstallResult {
	w.t.Helper()
	req.SuiteID = suiteID
	res, err := w.Sim.Install(context.Background(), req)
	if err != nil {
		w.t.Fatal(err)
	}
	if res.Delivery != nil && !res.Delivery.OK {
		w.t.Fatalf("create_auth not accepted: %+v", res.Delivery)
	}
	return res
}

func (w *world) push(corpID string, req wecomsim.EventRequest) wecomsim.EventResult {
	return w.Push(w.t, corpID, req)
}

// pushCreateAuth delivers an auth code the simulator issued for a link install as a
// create_auth push too, as if WeCom sent both for one install.
func (w *world) pushCreateAuth(corpID, code string) {
	w.t.Helper()
	w.push(corpID, wecomsim.EventRequest{Type: "create_auth", Fields: map[string]any{"AuthCode": code, "State": "both"}})
}

func (w *world) exchanges() int { return w.Sim.Calls()["/cgi-bin/service/v2/get_permanent_code"].Total }

func (w *world) history(corpID string) []string {
	w.t.Helper()
	h, err := w.Deps.Tenants.Store().History(context.Background(), suiteID, corpID, 100)
	if err != nil {
		w.t.Fatal(err)
	}
	out := make([]string, len(h))
	for i, e := range h {
		out[len(h)-1-i] = e.Kind
	}
	return out
}

func (w *world) permanentCode(corpID string) string {
	for _, c := range w.Sim.State().Corps {
		for _, in := range c.Installs {
			if in.CorpID == corpID && in.SuiteID == suiteID {
				return in.PermanentCode
			}
		}
	}
	return ""
}

// get fetches url, following redirects, and returns the final status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func count(kinds []string, kind string) int {
	n := 0
	for _, k := range kinds {
		if k == kind {
			n++
		}
	}
	return n
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func ptr[T any](v T) *T { return &v }
