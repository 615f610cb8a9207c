package tenants

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/wecomisv/platform/internal/wecomsim"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

func (f *fixture) push(corpID string, req wecomsim.EventRequest) wecomsim.EventResult {
	f.t.Helper()
	req.SuiteID = testSuiteID
	res, err := f.sim.PushEvent(context.Background(), corpID, req)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func TestChangeAuthRecordsVisibleRange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	f.install(res.AuthCode)
	f.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventChangeAuth, AllowUser: []string{"lisi"}, AllowParty: []int{2}})
	got, changes, err := f.svc.ChangeAuth(ctx, testSuiteID, res.CorpID, Source{Name: "change_auth"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Agent.Privilege.AllowUser, []string{"lisi"}) || !slices.Equal(got.Agent.Privilege.AllowParty, []int{2}) {
		t.Fatalf("privilege = %+v", got.Agent.Privilege)
	}
	if _, ok := changes["privilege.allow_user"]; !ok || len(changes) != 2 {
		t.Fatalf("changes = %+v", changes)
	}
	h, _ := f.store.History(ctx, testSuiteID, res.CorpID, 1)
	if h[0].Kind != KindChangeAuth || h[0].Detail["changes"] == nil {
		t.Fatalf("history = %+v", h[0])
	}
	// Nothing changed: no new entry.
	if _, changes, err := f.svc.ChangeAuth(ctx, testSuiteID, res.CorpID, Source{Name: "change_auth"}); err != nil || len(changes) != 0 {
		t.Fatalf("repeat: %v %v", changes, err)
	}
	if h := f.history(res.CorpID); len(h) != 3 {
		t.Errorf("history = %v", h)
	}
}

func TestCancelDeletesPersonalDataAndReinstallKeepsID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	first := f.install(res.AuthCode)
	if err := f.store.UpsertUser(ctx, testSuiteID, res.CorpID, User{UserID: "zhangsan", Name: "张三", Avatar: "https://a/1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tokens.CorpToken(ctx, testSuiteID, res.CorpID); err != nil {
		t.Fatal(err)
	}
	corpKey := "wecom:cred:corp:" + testSuiteID + ":" + res.CorpID
	if n, _ := f.rdb.Exists(ctx, corpKey).Result(); n != 1 {
		t.Fatalf("corp token not cached under %s", corpKey)
	}
	ev := f.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventCancelAuth})
	_ = ev
	got, err := f.svc.Cancel(ctx, testSuiteID, res.CorpID, f.sim.Now().Unix(), Source{Name: "cancel_auth"})
	if err != nil || got.Status != StatusCancelled || got.CancelledAt == nil || got.AuthUser.UserID != "" {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
	if n, _ := f.rdb.Exists(ctx, corpKey).Result(); n != 0 {
		t.Error("corp token still cached after cancel")
	}
	users, _ := f.store.Users(ctx, testSuiteID, res.CorpID)
	admins, _ := f.store.Admins(ctx, testSuiteID, res.CorpID)
	if len(users)+len(admins) != 0 {
		t.Errorf("personal data kept: users %v admins %v", users, admins)
	}
	if _, err := f.store.PermanentCode(ctx, testSuiteID, res.CorpID); !errors.Is(err, ErrCancelled) {
		t.Errorf("PermanentCode after cancel: %v", err)
	}
	// Repeated cancel: nothing new.
	if _, err := f.svc.Cancel(ctx, testSuiteID, res.CorpID, f.sim.Now().Unix(), Source{Name: "cancel_auth"}); err != nil {
		t.Fatal(err)
	}
	if h := f.history(res.CorpID); !slices.Equal(h, []string{KindInstall, KindAdminsChanged, KindCancel}) {
		t.Errorf("history = %v", h)
	}
	// Reinstall: the same tenant comes back.
	res2 := f.linkInstall(res.CorpID)
	again := f.install(res2.AuthCode)
	if again.ID != first.ID || again.Status != StatusActive || again.CancelledAt != nil {
		t.Fatalf("reinstall: %+v (first id %d)", again, first.ID)
	}
	if code, _ := f.store.PermanentCode(ctx, testSuiteID, res.CorpID); code != res2.PermanentCode || code == res.PermanentCode {
		t.Errorf("permanent code after reinstall is not the new one")
	}
	if h := f.history(res.CorpID); h[3] != KindReinstall {
		t.Errorf("history = %v", h)
	}
	// A cancel older than the reinstall is stale.
	if got, err := f.svc.Cancel(ctx, testSuiteID, res.CorpID, again.InstalledAt.Unix()-10, Source{Name: "cancel_auth"}); err != nil || got.Status != StatusActive {
		t.Errorf("stale cancel applied: %+v %v", got, err)
	}
}

func TestResetPermanentCode(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	first := f.install(res.AuthCode)
	ev := f.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventResetPermanentCode})
	code := ev.Results[0].AuthCode
	got, err := f.svc.ResetPermanentCode(ctx, testSuiteID, code, Source{Name: "reset_permanent_code"})
	if err != nil || got.ID != first.ID {
		t.Fatalf("reset: %+v %v", got, err)
	}
	var want string
	for _, c := range f.sim.State().Corps {
		for _, in := range c.Installs {
			if in.CorpID == res.CorpID {
				want = in.PermanentCode
			}
		}
	}
	have, err := f.store.PermanentCode(ctx, testSuiteID, res.CorpID)
	if err != nil || have != want || have == res.PermanentCode {
		t.Fatalf("permanent code after reset: %v (changed: %v)", err, have != res.PermanentCode)
	}
	if h := f.history(res.CorpID); h[len(h)-1] != KindResetPermanentCode {
		t.Errorf("history = %v", h)
	}
	// The new code works for a corp token.
	if _, err := f.tokens.CorpToken(ctx, testSuiteID, res.CorpID); err != nil {
		t.Fatal(err)
	}
}

func TestAuthRevokedMarksTenantBroken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	f.install(res.AuthCode)
	if _, err := f.sim.AddFault(wecomsim.Fault{Path: pathAuthV2, ErrCode: 40084, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.svc.ChangeAuth(ctx, testSuiteID, res.CorpID, Source{Name: "change_auth"})
	if !errors.Is(err, ErrAuthBroken) || !errors.Is(inboxErr(err), errSkipRetry()) {
		t.Fatalf("err = %v", err)
	}
	got, _ := f.store.Get(ctx, testSuiteID, res.CorpID)
	if got.AuthBrokenAt == nil || got.Active() {
		t.Fatalf("tenant not marked: %+v", got)
	}
	if _, err := f.store.PermanentCode(ctx, testSuiteID, res.CorpID); !errors.Is(err, ErrAuthBroken) {
		t.Errorf("PermanentCode: %v", err)
	}
	counts, _ := f.store.CountByStatus(ctx)
	if counts["auth_broken"] != 1 || counts["active"] != 0 {
		t.Errorf("counts = %v", counts)
	}
	// WeCom accepts the code again: the flag clears.
	got, _, err = f.svc.ChangeAuth(ctx, testSuiteID, res.CorpID, Source{Name: "change_auth"})
	if err != nil || !got.Active() {
		t.Fatalf("recover: %+v %v", got, err)
	}
	if h := f.history(res.CorpID); !slices.Contains(h, KindAuthBroken) || h[len(h)-1] != KindChangeAuth {
		t.Errorf("history = %v", h)
	}
}

func TestAdminListFallsBackToLegacy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.sim.AddFault(wecomsim.Fault{Path: pathAdmin, ErrCode: 48002}); err != nil {
		t.Fatal(err)
	}
	res := f.linkInstall("")
	f.install(res.AuthCode)
	admins, err := f.store.Admins(ctx, testSuiteID, res.CorpID)
	if err != nil || len(admins) != 1 || admins[0].OpenUserID == "" {
		t.Fatalf("admins = %+v %v", admins, err)
	}
	if f.calls(pathAdminOld) != 1 {
		t.Errorf("legacy admin list called %d times", f.calls(pathAdminOld))
	}
	// change_app_admin with a new list; the current API has no open_userid, the old one is kept.
	f.sim.ClearFaults("")
	f.push(res.CorpID, wecomsim.EventRequest{Type: wecomsim.EventChangeAppAdmin,
		Admins: []store.Admin{{UserID: admins[0].UserID, AuthType: 1}, {UserID: "lisi", AuthType: 0}}})
	if err := f.svc.RefreshAdmins(ctx, testSuiteID, res.CorpID, Source{Name: "event.change_app_admin"}); err != nil {
		t.Fatal(err)
	}
	now, _ := f.store.Admins(ctx, testSuiteID, res.CorpID)
	if len(now) != 2 || now[1].UserID != "zhangsan" || now[1].OpenUserID != admins[0].OpenUserID || now[0].UserID != "lisi" {
		t.Fatalf("admins = %+v", now)
	}
	if ok, _ := f.store.IsAdmin(ctx, testSuiteID, res.CorpID, "lisi"); !ok {
		t.Error("lisi is not an admin")
	}
}

// 40084 while fetching the corp token (inside the token service) marks the tenant too.
func TestCorpTokenRejectionMarksTenantBroken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	f.install(res.AuthCode)
	if err := f.tokens.Purge(ctx, testSuiteID, res.CorpID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.AddFault(wecomsim.Fault{Path: pathCorpToken, ErrCode: 40084}); err != nil {
		t.Fatal(err)
	}
	err := f.svc.RefreshAdmins(ctx, testSuiteID, res.CorpID, Source{Name: "event.change_app_admin"})
	if !errors.Is(err, ErrAuthBroken) {
		t.Fatalf("err = %v", err)
	}
	if f.calls(pathAdminOld) != 0 {
		t.Error("fell back to the legacy admin list for a revoked tenant")
	}
	got, _ := f.store.Get(ctx, testSuiteID, res.CorpID)
	if got.AuthBrokenAt == nil || got.AuthBrokenReason != "wecom service/get_corp_token: errcode 40084" {
		t.Fatalf("tenant %+v", got)
	}
}
