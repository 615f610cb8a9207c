package wecomsim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Fault makes calls to a path fail or slow down. Path is exact, or a prefix when it
// ends in "*". With neither ErrCode nor HTTPStatus the fault only adds latency.
type Fault struct {
	ID         int64    `json:"id"`
	Path       string   `json:"path"`
	ErrCode    int      `json:"errcode,omitempty"`
	ErrMsg     string   `json:"errmsg,omitempty"`
	HTTPStatus int      `json:"http_status,omitempty"`
	Rate       *float64 `json:"rate,omitempty"` // 0..1, nil = 1
	LatencyMS  int      `json:"latency_ms,omitempty"`
	Count      int      `json:"count,omitempty"` // times to fire; 0 = unlimited
	Fired      int      `json:"fired"`
}

type faultSet struct {
	mu     sync.Mutex
	list   []*Fault
	nextID int64
}

// AddFault installs a fault and returns it with its id.
func (s *Sim) AddFault(f Fault) (Fault, error) {
	if f.Path == "" {
		return Fault{}, fmt.Errorf("path is required: %w", ErrBadRequest)
	}
	if f.Rate != nil && (*f.Rate < 0 || *f.Rate > 1) {
		return Fault{}, fmt.Errorf("rate must be within 0..1: %w", ErrBadRequest)
	}
	if f.HTTPStatus != 0 && (f.HTTPStatus < 100 || f.HTTPStatus > 599) {
		return Fault{}, fmt.Errorf("http_status out of range: %w", ErrBadRequest)
	}
	if f.Count < 0 || f.LatencyMS < 0 {
		return Fault{}, fmt.Errorf("count and latency_ms must not be negative: %w", ErrBadRequest)
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.nextID++
	f.ID, f.Fired = s.faults.nextID, 0
	s.faults.list = append(s.faults.list, &f)
	return f, nil
}

// Faults lists the active faults.
func (s *Sim) Faults() []Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := []Fault{}
	for _, f := range s.faults.list {
		out = append(out, *f)
	}
	return out
}

// ClearFaults removes the faults on path, or all of them when path is empty.
func (s *Sim) ClearFaults(path string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = slices.DeleteFunc(s.faults.list, func(f *Fault) bool { return path == "" || f.Path == path })
}

// match picks the first fault on path that fires this time, and retires a counted
// fault once it has fired Count times.
func (fs *faultSet) match(path string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.list {
		if f.Path != path && !(strings.HasSuffix(f.Path, "*") && strings.HasPrefix(path, strings.TrimSuffix(f.Path, "*"))) {
			continue
		}
		if f.Rate != nil && rand.Float64() >= *f.Rate {
			continue
		}
		f.Fired++
		out := *f
		if f.Count > 0 && f.Fired >= f.Count {
			fs.list = slices.Delete(fs.list, i, i+1)
		}
		return out, true
	}
	return Fault{}, false
}

// wrap counts the call (WeCom API paths only) and applies any fault before next.
func (s *Sim) wrap(next http.Handler, count bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count {
			s.calls.add(r.URL.Path, s.credentialOf(r, readBody(r)))
		}
		f, ok := s.faults.match(r.URL.Path)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if f.LatencyMS > 0 && !sleepCtx(r.Context(), time.Duration(f.LatencyMS)*time.Millisecond) {
			return
		}
		switch {
		case f.HTTPStatus != 0:
			code := f.ErrCode
			if code == 0 {
				code = -1
			}
			writeJSON(w, f.HTTPStatus, okBody{ErrCode: code, ErrMsg: faultMsg(f, code)})
		case f.ErrCode != 0:
			s.writeAPIError(w, r, &apiErr{Code: f.ErrCode, Msg: faultMsg(f, f.ErrCode)})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func faultMsg(f Fault, code int) string {
	if f.ErrMsg != "" {
		return f.ErrMsg
	}
	return errText(code)
}
