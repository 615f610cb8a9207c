package store

import (
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestIssueTokenSameWhileValid(t *testing.T) {
	s := New()
	a := s.IssueToken(KindCorp, "s", "c", t0, time.Hour)
	if b := s.IssueToken(KindCorp, "s", "c", t0.Add(59*time.Minute), time.Hour); b.Value != a.Value {
		t.Error("token changed while valid")
	}
	if b := s.IssueToken(KindCorp, "s", "other", t0, time.Hour); b.Value == a.Value {
		t.Error("two corps share a token")
	}
	c := s.IssueToken(KindCorp, "s", "c", t0.Add(time.Hour), time.Hour)
	if c.Value == a.Value {
		t.Error("expired token reissued")
	}
	tests := []struct {
		name  string
		value string
		kind  Kind
		at    time.Time
		want  error
	}{
		{"valid", c.Value, KindCorp, t0.Add(time.Hour), nil},
		{"expired", a.Value, KindCorp, t0.Add(time.Hour), ErrExpired},
		{"wrong kind", c.Value, KindSuite, t0.Add(time.Hour), ErrWrongKind},
		{"unknown", "x", KindCorp, t0, ErrUnknown},
	}
	for _, tt := range tests {
		if _, err := s.CheckToken(tt.value, tt.kind, tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestCodes(t *testing.T) {
	s := New()
	c := s.NewCode(CodeOAuth, Code{Owner: "suite"}, t0, 5*time.Minute)
	if _, err := s.UseCode(CodeOAuth, "other", c.Value, t0); !errors.Is(err, ErrUnknown) {
		t.Errorf("foreign owner: %v", err)
	}
	if _, err := s.UseCode(CodeAuth, "suite", c.Value, t0); !errors.Is(err, ErrUnknown) {
		t.Errorf("wrong kind: %v", err)
	}
	if _, err := s.UseCode(CodeOAuth, "suite", c.Value, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseCode(CodeOAuth, "suite", c.Value, t0); !errors.Is(err, ErrUsed) {
		t.Errorf("reuse: %v", err)
	}
	d := s.NewCode(CodeOAuth, Code{Owner: "suite"}, t0, 5*time.Minute)
	if _, err := s.PeekCode(CodeOAuth, "suite", d.Value, t0.Add(5*time.Minute)); !errors.Is(err, ErrExpired) {
		t.Errorf("expiry: %v", err)
	}
}

func TestSuiteTicketWindow(t *testing.T) {
	s := New()
	a := s.NewSuiteTicket("s", t0, 30*time.Minute)
	b := s.NewSuiteTicket("s", t0.Add(10*time.Minute), 30*time.Minute)
	if err := s.CheckSuiteTicket("s", a.Value, t0.Add(29*time.Minute), 30*time.Minute); err != nil {
		t.Errorf("older ticket inside window: %v", err)
	}
	if err := s.CheckSuiteTicket("s", a.Value, t0.Add(30*time.Minute), 30*time.Minute); !errors.Is(err, ErrExpired) {
		t.Errorf("older ticket after window: %v", err)
	}
	if err := s.CheckSuiteTicket("other", b.Value, t0, 30*time.Minute); !errors.Is(err, ErrUnknown) {
		t.Errorf("other suite: %v", err)
	}
	if latest, _ := s.LatestSuiteTicket("s"); latest != b {
		t.Error("latest is not the newest push")
	}
}

func TestInstallLifecycle(t *testing.T) {
	s := New()
	c, err := s.AddCorp(CorpSeed{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ww[0-9a-f]{16}$`).MatchString(c.CorpID) || len(c.Users) != 3 || c.Admins[0] != "zhangsan" {
		t.Fatalf("corp %+v", c)
	}
	in, code, err := s.Approve("s", c.CorpID, Approval{State: "x"}, t0, 10*time.Minute)
	if err != nil || code.PermanentCode != in.PermanentCode || in.AuthUserID != "zhangsan" {
		t.Fatalf("approve %+v %+v %v", in, code, err)
	}
	again, _, _ := s.Approve("s", c.CorpID, Approval{}, t0, 10*time.Minute)
	if again.PermanentCode != in.PermanentCode || again.AgentID != in.AgentID {
		t.Error("re-approving an active install changed it")
	}
	tok := s.IssueToken(KindCorp, "s", c.CorpID, t0, time.Hour)
	if _, err := s.Cancel("s", c.CorpID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckToken(tok.Value, KindCorp, t0); !errors.Is(err, ErrUnknown) {
		t.Errorf("corp token after cancel: %v", err)
	}
	if _, err := s.InstallByPermanentCode("s", c.CorpID, in.PermanentCode); !errors.Is(err, ErrCancelled) {
		t.Errorf("permanent code after cancel: %v", err)
	}
	if _, _, err := s.ExchangeAuthCode("s", code.Value, t0); !errors.Is(err, ErrCancelled) {
		t.Errorf("auth code of a cancelled install: %v", err)
	}
	re, _, _ := s.Approve("s", c.CorpID, Approval{}, t0, 10*time.Minute)
	if re.PermanentCode == in.PermanentCode || re.Status != StatusActive {
		t.Error("reinstall after cancel reused the permanent code")
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New()
	c, _ := s.AddCorp(CorpSeed{}, t0)
	s.Approve("s", c.CorpID, Approval{}, t0, time.Minute)
	var wg sync.WaitGroup
	values := make([]string, 50)
	for i := range values {
		wg.Go(func() {
			values[i] = s.IssueToken(KindCorp, "s", c.CorpID, t0, time.Hour).Value
			s.Corps()
			s.UpdateInstall("s", c.CorpID, func(in *Install) { in.AllowTag = append(in.AllowTag, i) })
		})
	}
	wg.Wait()
	for _, v := range values {
		if v != values[0] {
			t.Fatal("concurrent fetches got different tokens")
		}
	}
}
