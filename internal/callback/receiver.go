// Package callback receives WeCom's encrypted callbacks, keeps each one durably in an
// inbox before answering, and hands it to the worker through a queue.
package callback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecom"
)

// Suites is what the receiver needs of the suite registry.
type Suites interface {
	Suite(ctx context.Context, id string) (suite.Suite, error)
}

// Rejection is a callback refused for a reason of its own (4xx); nothing was stored.
type Rejection struct {
	Status int
	Reason string
}

func (r *Rejection) Error() string { return r.Reason }

func reject(status int, format string, args ...any) *Rejection {
	return &Rejection{Status: status, Reason: fmt.Sprintf(format, args...)}
}

// Receiver verifies, decrypts and stores callbacks.
type Receiver struct {
	suites         Suites
	inbox          *Inbox
	queue          *asynq.Client
	providerCorpID string
	system         *wecom.Crypto // nil when the 系统事件 URL is not configured
	log            *slog.Logger
	enqueueTimeout time.Duration
}

// NewReceiver returns a Receiver. system may be nil.
func NewReceiver(suites Suites, inbox *Inbox, queue *asynq.Client, providerCorpID string, system *wecom.Crypto, log *slog.Logger) *Receiver {
	return &Receiver{suites: suites, inbox: inbox, queue: queue, providerCorpID: providerCorpID,
		system: system, log: log, enqueueTimeout: 500 * time.Millisecond}
}

// Params are a callback request's query parameters and body.
type Params struct {
	Route      string
	SuiteID    string // empty on the system route
	PathCorpID string // the optional {corpid} of /data/{corpid}
	Signature  string
	Timestamp  string
	Nonce      string
	EchoStr    string // GET only
	Body       []byte // POST only
}

func (r *Receiver) crypto(ctx context.Context, p Params) (*wecom.Crypto, error) {
	if p.Route == RouteSystem {
		if r.system == nil {
			return nil, reject(http.StatusNotFound, "system event callback is not configured")
		}
		return r.system, nil
	}
	su, err := r.suites.Suite(ctx, p.SuiteID)
	if errors.Is(err, suite.ErrNotFound) {
		return nil, reject(http.StatusNotFound, "unknown suite")
	}
	if err != nil {
		return nil, err
	}
	return su.Crypto()
}

func (r *Receiver) checkParams(p Params, fourth string) error {
	switch {
	case p.Signature == "" || p.Timestamp == "" || p.Nonce == "":
		return reject(http.StatusBadRequest, "msg_signature, timestamp and nonce are required")
	case fourth == "":
		return reject(http.StatusBadRequest, "nothing to decrypt")
	}
	return nil
}

// Verify answers WeCom's URL verification: it returns the decrypted echostr.
func (r *Receiver) Verify(ctx context.Context, p Params) ([]byte, error) {
	if err := r.checkParams(p, p.EchoStr); err != nil {
		return nil, err
	}
	c, err := r.crypto(ctx, p)
	if err != nil {
		return nil, err
	}
	// Console verification decrypts with the provider corpid; accept the suite id too,
	// since WeCom does not document the instruction URL's choice (protocol §13.1).
	want := []string{r.providerCorpID}
	if p.Route == RouteInstruction {
		want = append(want, p.SuiteID)
	}
	msg, _, err := c.Open(p.Signature, p.Timestamp, p.Nonce, p.EchoStr, want...)
	if err != nil {
		return nil, cryptoRejection(err)
	}
	return msg, nil
}

// Result says what Receive did, for metrics.
type Result struct {
	Type      string
	Duplicate bool
}

// Receive verifies, decrypts and parses a callback POST, stores it in the inbox and
// enqueues its task. An error is either a *Rejection or a failure of ours.
func (r *Receiver) Receive(ctx context.Context, p Params) (Result, error) {
	env, err := wecom.ParseEnvelope(p.Body)
	if err != nil {
		return Result{}, reject(http.StatusBadRequest, "malformed envelope: %v", err)
	}
	if err := r.checkParams(p, env.Encrypt); err != nil {
		return Result{}, err
	}
	c, err := r.crypto(ctx, p)
	if err != nil {
		return Result{}, err
	}
	want, err := r.receiveIDs(p, env)
	if err != nil {
		return Result{}, err
	}
	plain, rid, err := c.Open(p.Signature, p.Timestamp, p.Nonce, env.Encrypt, want...)
	if err != nil {
		return Result{}, cryptoRejection(err)
	}
	h, err := wecom.ParseHeader(plain)
	if err != nil {
		return Result{}, reject(http.StatusBadRequest, "malformed event: %v", err)
	}
	if p.Route == RouteInstruction && h.SuiteID != "" && h.SuiteID != p.SuiteID {
		return Result{}, reject(http.StatusBadRequest, "event is for another suite")
	}
	d := Delivery{Route: p.Route, SuiteID: p.SuiteID, CorpID: h.CorpID(), Type: h.Type(), EventTime: h.Time(), Plain: plain}
	if p.Route == RouteData && d.CorpID == "" {
		d.CorpID = rid
	}
	res := Result{Type: d.Type}
	added, err := r.inbox.Add(ctx, d)
	if err != nil {
		return res, err
	}
	res.Duplicate = !added.Fresh
	if added.Status != StatusPending {
		return res, nil // a repeat of an event already handled
	}
	r.enqueue(ctx, added, d.Type)
	return res, nil
}

func (r *Receiver) receiveIDs(p Params, env wecom.Envelope) ([]string, error) {
	switch p.Route {
	case RouteInstruction:
		return []string{p.SuiteID}, nil
	case RouteSystem:
		return []string{r.providerCorpID}, nil
	}
	// Data callbacks are sealed for the corp they come from.
	corp := env.ToUserName
	if p.PathCorpID != "" {
		if corp != "" && corp != p.PathCorpID {
			return nil, reject(http.StatusBadRequest, "ToUserName does not match the corpid in the URL")
		}
		corp = p.PathCorpID
	}
	if corp == "" {
		return nil, reject(http.StatusBadRequest, "data callback without ToUserName")
	}
	return []string{corp}, nil
}

// enqueue hands the row to the worker. If Redis is unavailable the row stays pending and
// the sweeper enqueues it later, so the callback is still acknowledged.
func (r *Receiver) enqueue(ctx context.Context, row Added, eventType string) {
	ctx, cancel := context.WithTimeout(ctx, r.enqueueTimeout)
	defer cancel()
	task, opts := NewTask(row.ID, row.Key, eventType)
	if _, err := r.queue.EnqueueContext(ctx, task, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		enqueueFailures.Inc()
		r.log.WarnContext(ctx, "callback stored but not enqueued; the sweeper will enqueue it", "inbox_id", row.ID, "type", eventType, "err", err)
	}
}

func cryptoRejection(err error) *Rejection {
	switch {
	case errors.Is(err, wecom.ErrSignature):
		return reject(http.StatusUnauthorized, "bad signature")
	case errors.Is(err, wecom.ErrReceiveID):
		return reject(http.StatusForbidden, "wrong receiveid")
	case errors.Is(err, wecom.ErrBase64):
		return reject(http.StatusBadRequest, "malformed base64")
	case errors.Is(err, wecom.ErrPadding):
		return reject(http.StatusBadRequest, "malformed padding")
	}
	return reject(http.StatusBadRequest, "undecryptable payload")
}

// ParseTicket extracts SuiteTicket from a suite_ticket event.
func ParseTicket(plain []byte) (string, error) {
	var v struct {
		SuiteTicket string `xml:"SuiteTicket"`
	}
	if err := wecom.UnmarshalXML(plain, &v); err != nil {
		return "", err
	}
	if v.SuiteTicket == "" {
		return "", errors.New("suite_ticket event without SuiteTicket")
	}
	return v.SuiteTicket, nil
}
