package wecomsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// ctl calls the control API and decodes the JSON answer into out (if non-nil).
func (e *env) ctl(method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			e.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t)

	var tr TicketResult
	if st := e.ctl("POST", "/sim/suites/"+testSuite+"/ticket", nil, &tr); st != 200 || tr.SuiteTicket != e.ticket(testSuite) || !tr.Delivery.OK {
		t.Fatalf("ticket: %d %+v", st, tr)
	}

	var market InstallResult
	if st := e.ctl("POST", "/sim/installs", jsonObj{"suite_id": testSuite, "corp_name": "甲公司", "via": "market", "state": "m1"}, &market); st != 200 {
		t.Fatalf("market install: %d", st)
	}
	if market.CorpName != "甲公司" || market.AuthCode == "" || market.Delivery == nil || market.Delivery.Type != "create_auth" {
		t.Errorf("market install %+v", market)
	}
	var link InstallResult
	e.ctl("POST", "/sim/installs", jsonObj{"suite_id": testSuite, "via": "link", "state": "l1", "redirect_uri": "http://isv.example/cb"}, &link)
	if link.Delivery != nil || link.Redirect != "http://isv.example/cb?auth_code="+link.AuthCode+"&expires_in=600&state=l1" {
		t.Errorf("link install %+v", link)
	}
	var again InstallResult
	e.ctl("POST", "/sim/installs", jsonObj{"suite_id": testSuite2, "corpid": market.CorpID}, &again)
	if again.CorpID != market.CorpID {
		t.Errorf("install into existing corp went to %s", again.CorpID)
	}

	var ev EventResult
	if st := e.ctl("POST", "/sim/corps/"+market.CorpID+"/events", jsonObj{"type": "change_contact", "change_type": "create_user", "userid": "u9", "name": "U9"}, &ev); st != 200 {
		t.Fatalf("event: %d", st)
	}
	if len(ev.Results) != 2 { // both suites installed in this corp get change_contact
		t.Errorf("event results %+v", ev.Results)
	}

	var state State
	e.ctl("GET", "/sim/state", nil, &state)
	if state.Provider.CorpID != testProvider || len(state.Suites) != 2 || state.Suites[0].SuiteTicket != tr.SuiteTicket || len(state.Corps) != 2 {
		t.Fatalf("state %+v", state)
	}
	corp := state.Corps[0]
	if corp.CorpID != market.CorpID || len(corp.Installs) != 2 || corp.Installs[0].PermanentCode != market.PermanentCode ||
		corp.Installs[0].AgentID != market.AgentID || corp.Installs[0].Status != "active" || len(corp.Installs[0].Admins) != 1 {
		t.Errorf("corp state %+v", corp)
	}
	if _, ok := corp.User("u9"); !ok {
		t.Error("created user missing from state")
	}

	var clock clockAnswer
	e.ctl("POST", "/sim/clock", jsonObj{"advance_seconds": 600}, &clock)
	if clock.NowUnix != testEpoch.Unix()+600 || len(clock.Deliveries) != 2 {
		t.Errorf("clock %+v", clock)
	}

	var f Fault
	e.ctl("POST", "/sim/faults", jsonObj{"path": "/cgi-bin/service/get_suite_token", "errcode": -1, "count": 1}, &f)
	if f.ID == 0 {
		t.Error("fault without id")
	}
	if c := errcode(e.post("/cgi-bin/service/get_suite_token", nil, jsonObj{})); c != -1 {
		t.Errorf("fault did not fire: %d", c)
	}
	var faults []Fault
	e.ctl("POST", "/sim/faults", jsonObj{"path": "/x", "errcode": 1}, nil)
	e.ctl("DELETE", "/sim/faults", nil, &faults)
	if len(faults) != 0 {
		t.Errorf("faults after DELETE %+v", faults)
	}

	var calls map[string]CallStats
	e.ctl("GET", "/sim/calls", nil, &calls)
	if calls["/cgi-bin/service/get_suite_token"].Total != 1 {
		t.Errorf("calls %+v", calls)
	}
	var after map[string]CallStats
	e.ctl("DELETE", "/sim/calls", nil, &after)
	if len(after) != 0 {
		t.Errorf("calls after DELETE %+v", after)
	}

	var ds []Delivery
	e.ctl("GET", "/sim/deliveries?type=create_auth", nil, &ds)
	if len(ds) != 2 || ds[0].Type != "create_auth" || ds[0].CorpID != market.CorpID || ds[1].SuiteID != testSuite2 || ds[0].ID == 0 {
		t.Errorf("deliveries %+v", ds)
	}
	e.ctl("GET", "/sim/deliveries", nil, &ds)
	if len(ds) < 10 {
		t.Errorf("all deliveries: %d", len(ds))
	}
}

func TestControlErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/sim/suites/wwnosuch/ticket", nil, 404},
		{"POST", "/sim/installs", jsonObj{"suite_id": "wwnosuch"}, 404},
		{"POST", "/sim/installs", jsonObj{"suite_id": testSuite, "via": "fax"}, 400},
		{"POST", "/sim/installs", jsonObj{"suite_id": testSuite, "typo": 1}, 400},
		{"POST", "/sim/installs", jsonObj{"suite_id": testSuite, "corpid": "ww0123456789abcdef"}, 404},
		{"POST", "/sim/corps/ww0123456789abcdef/events", jsonObj{"type": "cancel_auth"}, 404},
		{"POST", "/sim/clock", jsonObj{"advance_seconds": -1}, 400},
		{"POST", "/sim/faults", jsonObj{"errcode": 1}, 400},
		{"GET", "/sim/installs", nil, 405},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var out map[string]any
			if st := e.ctl(tt.method, tt.path, tt.body, nil); st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, out)
			}
		})
	}
}
