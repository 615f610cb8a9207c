package wecomsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// State is the god's-eye view the control API serves at GET /sim/state.
type State struct {
	Now      time.Time     `json:"now"`
	NowUnix  int64         `json:"now_unix"`
	Provider ProviderState `json:"provider"`
	Suites   []SuiteState  `json:"suites"`
	Corps    []CorpState   `json:"corps"`
}

// ProviderState identifies the provider.
type ProviderState struct {
	CorpID string `json:"corpid"`
}

// SuiteState is a suite with its newest suite_ticket.
type SuiteState struct {
	SuiteID         string     `json:"suite_id"`
	Name            string     `json:"name"`
	InstructionURL  string     `json:"instruction_url"`
	DataURL         string     `json:"data_url"`
	TrustedDomains  []string   `json:"trusted_domains"`
	SuiteTicket     string     `json:"suite_ticket"`
	TicketPushedAt  *time.Time `json:"ticket_pushed_at,omitempty"`
	TicketExpiresAt *time.Time `json:"ticket_expires_at,omitempty"`
	NextTicketAt    *time.Time `json:"next_ticket_at,omitempty"`
}

// CorpState is a corp with its installs (permanent codes, agentids, admins, status).
type CorpState struct {
	store.Corp
	Installs []store.Install `json:"installs"`
}

// State returns a snapshot of the simulator.
func (s *Sim) State() State {
	now := s.Now()
	st := State{Now: now, NowUnix: now.Unix(), Provider: ProviderState{s.cfg.Provider.CorpID}, Suites: []SuiteState{}, Corps: []CorpState{}}
	for _, id := range s.order {
		c := s.suites[id].cfg
		ss := SuiteState{SuiteID: id, Name: c.Name, InstructionURL: c.InstructionURL, DataURL: c.DataURL, TrustedDomains: c.TrustedDomains}
		if t, ok := s.store.LatestSuiteTicket(id); ok {
			exp := t.PushedAt.Add(suiteTicketValidity)
			ss.SuiteTicket, ss.TicketPushedAt, ss.TicketExpiresAt = t.Value, &t.PushedAt, &exp
		}
		s.schedMu.Lock()
		if next, ok := s.nextTicket[id]; ok {
			ss.NextTicketAt = &next
		}
		s.schedMu.Unlock()
		st.Suites = append(st.Suites, ss)
	}
	for _, c := range s.store.Corps() {
		ins := s.store.Installs(c.CorpID)
		if ins == nil {
			ins = []store.Install{}
		}
		st.Corps = append(st.Corps, CorpState{Corp: c, Installs: ins})
	}
	return st
}

func (s *Sim) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sim/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.State())
	})
	mux.HandleFunc("POST /sim/suites/{suite_id}/ticket", s.control(func(ctx context.Context, r *http.Request) (any, error) {
		return s.PushTicket(ctx, r.PathValue("suite_id"))
	}))
	mux.HandleFunc("POST /sim/suites/{suite_id}/verify", s.control(func(ctx context.Context, r *http.Request) (any, error) {
		if _, ok := s.suite(r.PathValue("suite_id")); !ok {
			return nil, fmt.Errorf("suite %q: %w", r.PathValue("suite_id"), ErrNotFound)
		}
		return map[string][]Delivery{"deliveries": s.VerifyURLs(ctx, r.PathValue("suite_id"))}, nil
	}))
	mux.HandleFunc("POST /sim/installs", s.control(func(ctx context.Context, r *http.Request) (any, error) {
		var req InstallRequest
		if err := decodeControl(r, &req); err != nil {
			return nil, err
		}
		return s.Install(ctx, req)
	}))
	mux.HandleFunc("POST /sim/corps/{corpid}/events", s.control(func(ctx context.Context, r *http.Request) (any, error) {
		var req EventRequest
		if err := decodeControl(r, &req); err != nil {
			return nil, err
		}
		return s.PushEvent(ctx, r.PathValue("corpid"), req)
	}))
	mux.HandleFunc("GET /sim/clock", func(w http.ResponseWriter, r *http.Request) {
		now := s.Now()
		writeJSON(w, http.StatusOK, clockAnswer{Now: now, NowUnix: now.Unix()})
	})
	mux.HandleFunc("POST /sim/clock", s.control(func(ctx context.Context, r *http.Request) (any, error) {
		var req struct {
			AdvanceSeconds int64 `json:"advance_seconds"`
		}
		if err := decodeControl(r, &req); err != nil {
			return nil, err
		}
		if req.AdvanceSeconds < 0 {
			return nil, fmt.Errorf("advance_seconds must not be negative: %w", ErrBadRequest)
		}
		ds := s.Advance(time.Duration(req.AdvanceSeconds) * time.Second)
		now := s.Now()
		return clockAnswer{Now: now, NowUnix: now.Unix(), Deliveries: ds}, nil
	}))
	mux.HandleFunc("GET /sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	mux.HandleFunc("POST /sim/faults", s.control(func(ctx context.Context, r *http.Request) (any, error) {
		var f Fault
		if err := decodeControl(r, &f); err != nil {
			return nil, err
		}
		return s.AddFault(f)
	}))
	mux.HandleFunc("DELETE /sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults(r.URL.Query().Get("path"))
		writeJSON(w, http.StatusOK, s.Faults())
	})
	mux.HandleFunc("GET /sim/calls", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Calls())
	})
	mux.HandleFunc("DELETE /sim/calls", func(w http.ResponseWriter, r *http.Request) {
		s.ResetCalls()
		writeJSON(w, http.StatusOK, s.Calls())
	})
	mux.HandleFunc("GET /sim/deliveries", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Deliveries(r.URL.Query().Get("type")))
	})
	mux.HandleFunc("DELETE /sim/deliveries", func(w http.ResponseWriter, r *http.Request) {
		s.ResetDeliveries()
		writeJSON(w, http.StatusOK, []Delivery{})
	})
}

type clockAnswer struct {
	Now        time.Time  `json:"now"`
	NowUnix    int64      `json:"now_unix"`
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// control adapts a control handler: pushes outlive a client that hangs up, and errors
// become 400/404/500 with {"error": "..."}.
func (s *Sim) control(f func(context.Context, *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := f(context.WithoutCancel(r.Context()), r)
		if err != nil {
			status := http.StatusInternalServerError
			switch {
			case errors.Is(err, ErrBadRequest):
				status = http.StatusBadRequest
			case errors.Is(err, ErrNotFound):
				status = http.StatusNotFound
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// decodeControl is strict: an unknown field is more likely a typo than intent.
func decodeControl(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %v: %w", err, ErrBadRequest)
	}
	return nil
}
