package tenants_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// change_auth, change_app_admin, a contact event with a hook, reset_permanent_code,
// cancel_auth and a reinstall, in the order a tenant may live them.
func TestE2ETenantLifecycle(t *testing.T) {
	t.Parallel()
	w := start(t)
	ctx := context.Background()
	st := w.Deps.Tenants.Store()
	var mu sync.Mutex
	var hooked []string
	w.Deps.Tenants.Hooks().On("change_contact", "test", func(_ context.Context, tn tenants.Tenant, ev any) error {
		if u, ok := ev.(*wecom.ContactUserChange); ok {
			mu.Lock()
			hooked = append(hooked, tn.CorpID+"/"+u.UserID)
			mu.Unlock()
		}
		return nil
	})
	res := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaMarket})
	first := w.waitInstalled(res.CorpID)

	// change_auth widens the visible range.
	w.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventChangeAuth, AllowUser: []string{"lisi", "wangwu"}})
	w.waitTenant("visible range changed", res.CorpID, func(tn tenants.Tenant) bool {
		return slices.Equal(tn.Agent.Privilege.AllowUser, []string{"lisi", "wangwu"})
	})
	h, _ := st.History(ctx, suiteID, res.CorpID, 1)
	if h[0].Kind != tenants.KindChangeAuth || h[0].Detail["changes"].(map[string]any)["privilege.allow_user"] == nil {
		t.Errorf("change_auth history = %+v", h[0])
	}

	// change_app_admin: the admin list follows.
	w.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventChangeAppAdmin, Admins: []store.Admin{{UserID: "lisi", AuthType: 1}}})
	platformtest.Eventually(t, "admin list refreshed", func() bool {
		ok, _ := st.IsAdmin(ctx, suiteID, res.CorpID, "lisi")
		was, _ := st.IsAdmin(ctx, suiteID, res.CorpID, "zhangsan")
		return ok && !was
	})

	// A contact event is recorded against the tenant and handed to the hook.
	w.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventChangeContact, ChangeType: "create_user",
		ContactChange: wecomsim.ContactChange{UserID: "zhaoliu", Name: ptr("赵六"), Department: []int{1}}})
	platformtest.Eventually(t, "contact event recorded and hooked", func() bool {
		evs, _ := st.Events(ctx, suiteID, res.CorpID, 10)
		mu.Lock()
		defer mu.Unlock()
		return len(evs) == 1 && evs[0].Type == "change_contact" && evs[0].ChangeType == "create_user" &&
			slices.Equal(hooked, []string{res.CorpID + "/zhaoliu"})
	})

	// reset_permanent_code: the new code is stored and works.
	ev := w.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventResetPermanentCode})
	if ev.Results[0].AuthCode == "" {
		t.Fatal("no reset auth code")
	}
	platformtest.Eventually(t, "new permanent code stored", func() bool {
		code, err := st.PermanentCode(ctx, suiteID, res.CorpID)
		return err == nil && code == w.permanentCode(res.CorpID) && code != res.PermanentCode
	})
	if _, err := w.Deps.Tokens.CorpToken(ctx, suiteID, res.CorpID); err != nil {
		t.Fatalf("corp token with the new code: %v", err)
	}

	// cancel_auth: cancelled, tokens purged, users deleted, history kept.
	if err := st.UpsertUser(ctx, suiteID, res.CorpID, tenants.User{UserID: "lisi", Name: "李四"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Deps.Tokens.CorpToken(ctx, suiteID, res.CorpID); err != nil {
		t.Fatal(err)
	}
	w.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventCancelAuth})
	gone := w.waitTenant("cancelled", res.CorpID, func(tn tenants.Tenant) bool { return tn.Status == tenants.StatusCancelled })
	if gone.CancelledAt == nil || gone.AuthUser.UserID != "" {
		t.Errorf("cancelled tenant %+v", gone)
	}
	// The purge follows the status commit in the same handler: wait for the handler to end.
	platformtest.Eventually(t, "cancel_auth handled", func() bool {
		var n int64
		w.Deps.DB.Raw(`SELECT count(*) FROM inbox_events WHERE event_type = 'cancel_auth' AND corp_id = ? AND status = 'done'`, res.CorpID).Scan(&n)
		return n > 0
	})
	keys, _ := w.Deps.Redis.Keys(ctx, "wecom:cred:*"+res.CorpID+"*").Result()
	if len(keys) != 0 {
		t.Errorf("credentials of the cancelled tenant still cached: %v", keys)
	}
	users, _ := st.Users(ctx, suiteID, res.CorpID)
	admins, _ := st.Admins(ctx, suiteID, res.CorpID)
	if len(users)+len(admins) != 0 {
		t.Errorf("personal data kept: %v %v", users, admins)
	}

	// Reinstall: the same tenant, active again with a new permanent code.
	again := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaMarket, CorpID: res.CorpID})
	back := w.waitInstalled(res.CorpID)
	if back.ID != first.ID {
		t.Errorf("reinstall made tenant %d, was %d", back.ID, first.ID)
	}
	if code, _ := st.PermanentCode(ctx, suiteID, res.CorpID); code != again.PermanentCode {
		t.Error("reinstall did not store the new permanent code")
	}
	want := []string{tenants.KindInstall, tenants.KindAdminsChanged, tenants.KindChangeAuth, tenants.KindAdminsChanged,
		tenants.KindResetPermanentCode, tenants.KindCancel, tenants.KindReinstall, tenants.KindAdminsChanged}
	if got := w.history(res.CorpID); !slices.Equal(got, want) {
		t.Errorf("history = %v\nwant      %v", got, want)
	}
}

// 48004 from WeCom marks the tenant auth-broken and its task fails without retries.
func TestE2EAuthRevokedIsVisible(t *testing.T) {
	t.Parallel()
	w := start(t)
	res := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaMarket})
	w.waitInstalled(res.CorpID)
	if _, err := w.Sim.AddFault(wecomsim.Fault{Path: "/cgi-bin/agent/get_admin_list", ErrCode: 48004}); err != nil {
		t.Fatal(err)
	}
	w.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventChangeAppAdmin})
	broken := w.waitTenant("auth broken", res.CorpID, func(tn tenants.Tenant) bool { return tn.AuthBrokenAt != nil })
	if broken.AuthBrokenReason == "" {
		t.Error("no reason recorded")
	}
	var rec struct {
		Status   string
		Attempts int
	}
	platformtest.Eventually(t, "inbox row dead", func() bool {
		w.Deps.DB.Raw(`SELECT status, attempts FROM inbox_events WHERE event_type = 'event.change_app_admin'`).Scan(&rec)
		return rec.Status == callback.StatusDead
	})
	if rec.Attempts != 1 {
		t.Errorf("auth-broken task ran %d times, want 1 (no retries)", rec.Attempts)
	}
	if h := w.history(res.CorpID); h[len(h)-1] != tenants.KindAuthBroken {
		t.Errorf("history = %v", h)
	}
	_, body := get(t, w.API.URL+"/metrics")
	if !contains(body, `wecom_tenants{status="auth_broken"} 1`) {
		t.Error("metrics do not show the auth-broken tenant")
	}
}
