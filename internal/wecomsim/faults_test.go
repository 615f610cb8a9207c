package wecomsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func rate(v float64) *float64 { return &v }

func TestFaults(t *testing.T) {
	const path = "/cgi-bin/service/get_provider_token"
	body := `{"corpid":"` + testProvider + `","provider_secret":"provider-secret"}`
	tests := []struct {
		name  string
		fault Fault
		calls int
		check func(t *testing.T, e *env, codes []int, statuses []int, took time.Duration)
	}{
		{"errcode with count", Fault{Path: path, ErrCode: 45009, Count: 2}, 3, func(t *testing.T, _ *env, codes, _ []int, _ time.Duration) {
			if codes[0] != 45009 || codes[1] != 45009 || codes[2] != 0 {
				t.Errorf("codes %v, want 45009 twice then 0", codes)
			}
		}},
		{"http status", Fault{Path: path, HTTPStatus: 503, Count: 1}, 2, func(t *testing.T, _ *env, _, st []int, _ time.Duration) {
			if st[0] != 503 || st[1] != 200 {
				t.Errorf("statuses %v", st)
			}
		}},
		{"rate 0 never fires", Fault{Path: path, ErrCode: -1, Rate: rate(0)}, 20, func(t *testing.T, _ *env, codes, _ []int, _ time.Duration) {
			for _, c := range codes {
				if c != 0 {
					t.Fatalf("codes %v", codes)
				}
			}
		}},
		{"rate 0.5 fires about half", Fault{Path: path, ErrCode: -1, Rate: rate(0.5)}, 200, func(t *testing.T, _ *env, codes, _ []int, _ time.Duration) {
			n := 0
			for _, c := range codes {
				if c == -1 {
					n++
				}
			}
			if n < 50 || n > 150 { // binomial(200, .5): outside this is a >7-sigma event
				t.Errorf("fired %d of 200", n)
			}
		}},
		{"latency only", Fault{Path: path, LatencyMS: 60, Count: 1}, 1, func(t *testing.T, _ *env, codes, _ []int, took time.Duration) {
			if codes[0] != 0 || took < 60*time.Millisecond {
				t.Errorf("code %d took %v", codes[0], took)
			}
		}},
		{"prefix", Fault{Path: "/cgi-bin/service/*", ErrCode: 60020}, 1, func(t *testing.T, _ *env, codes, _ []int, _ time.Duration) {
			if codes[0] != 60020 {
				t.Errorf("code %d", codes[0])
			}
		}},
		{"other path untouched", Fault{Path: "/cgi-bin/service/get_suite_token", ErrCode: -1}, 1, func(t *testing.T, _ *env, codes, _ []int, _ time.Duration) {
			if codes[0] != 0 {
				t.Errorf("code %d", codes[0])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if _, err := e.sim.AddFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			var codes, statuses []int
			start := time.Now()
			for range tt.calls {
				resp, err := http.Post(e.srv.URL+path, "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				var m jsonObj
				_ = json.NewDecoder(resp.Body).Decode(&m)
				resp.Body.Close()
				statuses, codes = append(statuses, resp.StatusCode), append(codes, errcode(m))
			}
			took := time.Since(start)
			tt.check(t, e, codes, statuses, took)
			if got := e.sim.Calls()[path]; got.Total != tt.calls || got.ByCredential[testProvider] != tt.calls {
				t.Errorf("calls counted %+v, want %d (faulted calls count too)", got, tt.calls)
			}
		})
	}
}

func TestFaultValidationAndClear(t *testing.T) {
	e := newEnv(t)
	bad := []Fault{{}, {Path: "/x", Rate: rate(2)}, {Path: "/x", HTTPStatus: 42}, {Path: "/x", Count: -1}}
	for _, f := range bad {
		if _, err := e.sim.AddFault(f); err == nil {
			t.Errorf("fault %+v accepted", f)
		}
	}
	e.sim.AddFault(Fault{Path: "/a", ErrCode: 1})
	e.sim.AddFault(Fault{Path: "/b", ErrCode: 1})
	e.sim.ClearFaults("/a")
	if fs := e.sim.Faults(); len(fs) != 1 || fs[0].Path != "/b" {
		t.Errorf("faults %+v", fs)
	}
	e.sim.ClearFaults("")
	if len(e.sim.Faults()) != 0 {
		t.Error("faults not cleared")
	}
}
