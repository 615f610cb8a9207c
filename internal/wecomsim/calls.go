package wecomsim

import (
	"encoding/json"
	"net/http"
	"sync"
)

// CallStats counts calls to one endpoint, in total and per credential: the corpid,
// suite id or provider corpid the call was made for.
type CallStats struct {
	Total        int            `json:"total"`
	ByCredential map[string]int `json:"by_credential"`
}

type callCounter struct {
	mu sync.Mutex
	m  map[string]*CallStats
}

func (c *callCounter) add(path, cred string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*CallStats{}
	}
	st, ok := c.m[path]
	if !ok {
		st = &CallStats{ByCredential: map[string]int{}}
		c.m[path] = st
	}
	st.Total++
	if cred != "" {
		st.ByCredential[cred]++
	}
}

// Calls returns the API call counts by path.
func (s *Sim) Calls() map[string]CallStats {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := make(map[string]CallStats, len(s.calls.m))
	for p, st := range s.calls.m {
		by := make(map[string]int, len(st.ByCredential))
		for k, v := range st.ByCredential {
			by[k] = v
		}
		out[p] = CallStats{Total: st.Total, ByCredential: by}
	}
	return out
}

// ResetCalls zeroes the call counts.
func (s *Sim) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.m = nil
}

// bodyCredential names the body field that identifies whom a token-issuing call is
// for. get_corp_token is counted per auth_corpid, so a benchmark can see how often
// each corp's token was fetched.
var bodyCredential = map[string]string{
	"/cgi-bin/service/get_provider_token": "corpid",
	"/cgi-bin/service/get_suite_token":    "suite_id",
	"/cgi-bin/service/get_corp_token":     "auth_corpid",
	"/cgi-bin/service/get_auth_info":      "auth_corpid",
	"/cgi-bin/service/v2/get_auth_info":   "auth_corpid",
	"/cgi-bin/service/get_admin_list":     "auth_corpid",
}

// credentialOf works before the handler runs (a fault may answer instead of it), so
// it reads the body field or looks the query token up itself.
func (s *Sim) credentialOf(r *http.Request, body []byte) string {
	if field, ok := bodyCredential[r.URL.Path]; ok {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			if v, ok := m[field].(string); ok && v != "" {
				return v
			}
		}
	}
	q := r.URL.Query()
	for _, name := range []string{"suite_access_token", "provider_access_token", "access_token"} {
		if v := q.Get(name); v != "" {
			if t, ok := s.store.LookupToken(v); ok {
				return t.Subject()
			}
			return ""
		}
	}
	return ""
}
