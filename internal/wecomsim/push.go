package wecomsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// Delivery kinds.
const (
	KindInstruction = "instruction"
	KindData        = "data"
	KindVerify      = "verify"
)

// Delivery is one push (or URL verification) and what the receiver answered. Status,
// Body and Error repeat the last attempt's.
type Delivery struct {
	ID        int64     `json:"id"`
	Type      string    `json:"type"`
	Kind      string    `json:"kind"`
	Method    string    `json:"method"`
	URL       string    `json:"url"`
	SuiteID   string    `json:"suite_id"`
	CorpID    string    `json:"corpid,omitempty"`
	ReceiveID string    `json:"receive_id"`
	Message   string    `json:"message"`
	At        time.Time `json:"at"`
	OK        bool      `json:"ok"`
	Status    int       `json:"status"`
	Body      string    `json:"body"`
	Error     string    `json:"error,omitempty"`
	Attempts  []Attempt `json:"attempts"`
}

// Attempt is one HTTP try of a delivery.
type Attempt struct {
	Status     int    `json:"status"`
	Body       string `json:"body"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

const (
	maxDeliveries   = 2000
	maxRecordedBody = 2048
)

type deliveryLog struct {
	mu     sync.Mutex
	items  []Delivery
	nextID int64
}

func (l *deliveryLog) add(d Delivery) Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextID++
	d.ID = l.nextID
	l.items = append(l.items, d)
	if n := len(l.items); n > maxDeliveries {
		l.items = append([]Delivery(nil), l.items[n-maxDeliveries:]...)
	}
	return d
}

func (l *deliveryLog) list(typ string) []Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []Delivery{}
	for _, d := range l.items {
		if typ == "" || d.Type == typ {
			d.Attempts = append([]Attempt(nil), d.Attempts...)
			out = append(out, d)
		}
	}
	return out
}

func (l *deliveryLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = nil
}

// Deliveries returns the push log, oldest first, optionally only one event type.
func (s *Sim) Deliveries(typ string) []Delivery { return s.pushes.list(typ) }

// ResetDeliveries empties the push log.
func (s *Sim) ResetDeliveries() { s.pushes.reset() }

// pushInstruction seals msg for the suite (receiveid = suite_id, protocol §5.1) and
// posts it to the instruction URL.
func (s *Sim) pushInstruction(ctx context.Context, st *suite, typ, corpID string, msg []byte) Delivery {
	d := Delivery{Type: typ, Kind: KindInstruction, Method: http.MethodPost, URL: st.cfg.InstructionURL,
		SuiteID: st.cfg.SuiteID, CorpID: corpID, ReceiveID: st.cfg.SuiteID}
	return s.post(ctx, d, st, msg, st.cfg.SuiteID, "", expectSuccess)
}

// pushData seals msg for the corp (receiveid = corpid) and posts it to the data URL.
func (s *Sim) pushData(ctx context.Context, st *suite, typ string, in store.Install, msg []byte) Delivery {
	d := Delivery{Type: typ, Kind: KindData, Method: http.MethodPost,
		URL:     strings.ReplaceAll(st.cfg.DataURL, "$CORPID$", in.CorpID),
		SuiteID: st.cfg.SuiteID, CorpID: in.CorpID, ReceiveID: in.CorpID}
	return s.post(ctx, d, st, msg, in.CorpID, strconv.Itoa(in.AgentID), expectDataReply(st.crypto, in.CorpID))
}

func (s *Sim) post(ctx context.Context, d Delivery, st *suite, msg []byte, toUser, agentID string, check func([]byte) error) Delivery {
	d.Message, d.At = string(msg), s.Now()
	enc, err := st.crypto.Encrypt(msg, d.ReceiveID)
	if err != nil {
		d.Error = err.Error()
		return s.record(d)
	}
	ts, nonce := strconv.FormatInt(d.At.Unix(), 10), store.RandDigits(10)
	q := url.Values{"msg_signature": {st.crypto.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := envelope(toUser, enc, agentID)
	return s.send(ctx, d, q, body, check)
}

// VerifyURLs repeats the console's URL check (protocol §5.2) on both callback URLs of
// a suite. The instruction URL's receiveid is configurable because §13.1 is unconfirmed;
// the data URL is documented to use the provider corpid, with $CORPID$ replaced by it.
func (s *Sim) VerifyURLs(ctx context.Context, suiteID string) []Delivery {
	st, ok := s.suite(suiteID)
	if !ok {
		return nil
	}
	rid := s.cfg.Provider.CorpID
	if s.cfg.VerifyReceiveID == VerifyWithSuiteID {
		rid = st.cfg.SuiteID
	}
	var out []Delivery
	if st.cfg.InstructionURL != "" {
		out = append(out, s.verify(ctx, st, st.cfg.InstructionURL, rid))
	}
	if st.cfg.DataURL != "" {
		u := strings.ReplaceAll(st.cfg.DataURL, "$CORPID$", s.cfg.Provider.CorpID)
		out = append(out, s.verify(ctx, st, u, s.cfg.Provider.CorpID))
	}
	return out
}

func (s *Sim) verify(ctx context.Context, st *suite, target, rid string) Delivery {
	echo := store.RandDigits(19)
	d := Delivery{Type: "verify_url", Kind: KindVerify, Method: http.MethodGet, URL: target,
		SuiteID: st.cfg.SuiteID, ReceiveID: rid, Message: echo, At: s.Now()}
	enc, err := st.crypto.Encrypt([]byte(echo), rid)
	if err != nil {
		d.Error = err.Error()
		return s.record(d)
	}
	ts, nonce := strconv.FormatInt(d.At.Unix(), 10), store.RandDigits(10)
	q := url.Values{"msg_signature": {st.crypto.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	return s.send(ctx, d, q, nil, func(b []byte) error {
		if string(b) != echo {
			return errors.New("answer is not the decrypted echostr")
		}
		return nil
	})
}

// send tries a delivery up to PushAttempts times. As WeCom does, it retries only when
// the receiver could not be reached, timed out or answered non-2xx; a 2xx with the
// wrong body is recorded as an error and not retried.
func (s *Sim) send(ctx context.Context, d Delivery, q url.Values, body []byte, check func([]byte) error) Delivery {
	if d.URL == "" {
		d.Error = "no callback url configured"
		return s.record(d)
	}
	target, err := addQuery(d.URL, q)
	if err != nil {
		d.Error = err.Error()
		return s.record(d)
	}
	d.URL = target
	for i := range s.cfg.PushAttempts {
		if i > 0 && !sleepCtx(ctx, time.Duration(s.cfg.PushRetryDelayMS)*time.Millisecond) {
			break
		}
		a, retry := s.attempt(ctx, d.Method, target, body, check)
		d.Attempts = append(d.Attempts, a)
		if !retry {
			break
		}
	}
	if n := len(d.Attempts); n > 0 {
		last := d.Attempts[n-1]
		d.Status, d.Body, d.Error = last.Status, last.Body, last.Error
	} else {
		d.Error = "cancelled before the first attempt"
	}
	d.OK = d.Error == ""
	return s.record(d)
}

func (s *Sim) attempt(ctx context.Context, method, target string, body []byte, check func([]byte) error) (Attempt, bool) {
	start := time.Now()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return Attempt{Error: err.Error()}, false
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	}
	req.Header.Set("User-Agent", "wecomsim")
	resp, err := s.client.Do(req)
	if err != nil {
		// The url.Error wrapper repeats the URL with its signature; the cause is enough.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Attempt{Error: err.Error(), DurationMS: time.Since(start).Milliseconds()}, ctx.Err() == nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	a := Attempt{Status: resp.StatusCode, Body: truncate(string(raw)), DurationMS: time.Since(start).Milliseconds()}
	switch {
	case err != nil:
		a.Error = "reading answer: " + err.Error()
		return a, ctx.Err() == nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		a.Error = fmt.Sprintf("http status %d", resp.StatusCode)
		return a, true
	}
	if err := check(raw); err != nil {
		a.Error = err.Error()
	}
	return a, false
}

func (s *Sim) record(d Delivery) Delivery {
	d = s.pushes.add(d)
	level := s.log.Info
	if !d.OK {
		level = s.log.Warn
	}
	level("wecomsim push", "type", d.Type, "kind", d.Kind, "suite_id", d.SuiteID, "corp_id", d.CorpID,
		"ok", d.OK, "status", d.Status, "attempts", len(d.Attempts), "error", d.Error)
	return d
}

// expectSuccess is the instruction-URL rule: the body must be exactly "success".
func expectSuccess(b []byte) error {
	if string(b) != "success" {
		return errors.New(`answer is not "success"`)
	}
	return nil
}

// expectDataReply accepts what WeCom accepts on a data URL: nothing, "success", or a
// correctly signed and encrypted passive reply.
func expectDataReply(c *wecom.Crypto, corpID string) func([]byte) error {
	return func(b []byte) error {
		if len(b) == 0 || string(b) == "success" {
			return nil
		}
		var r struct {
			Encrypt      string `xml:"Encrypt"`
			MsgSignature string `xml:"MsgSignature"`
			TimeStamp    string `xml:"TimeStamp"`
			Nonce        string `xml:"Nonce"`
		}
		if err := wecom.UnmarshalXML(b, &r); err != nil || r.Encrypt == "" {
			return errors.New(`answer is neither empty, "success" nor a passive reply`)
		}
		if _, _, err := c.Open(r.MsgSignature, strings.TrimSpace(r.TimeStamp), r.Nonce, r.Encrypt, corpID); err != nil {
			return fmt.Errorf("passive reply: %w", err)
		}
		return nil
	}
}

func truncate(s string) string {
	if len(s) > maxRecordedBody {
		return s[:maxRecordedBody]
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
