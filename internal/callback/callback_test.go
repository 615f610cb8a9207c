package callback_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/testutil"
	"github.com/wecomisv/platform/internal/wecom"
)

const suiteID = platformtest.SuiteID

func post(t *testing.T, url, query string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url+"?"+query, "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func countRows(t *testing.T, env *platformtest.Env) int64 {
	t.Helper()
	var n int64
	if err := env.Deps.DB.Raw(`SELECT count(*) FROM inbox_events`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func instructionURL(env *platformtest.Env) string {
	return env.API.URL + "/callback/" + suiteID + "/instruction"
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	c := platformtest.SuiteCrypto()
	sys, _ := wecom.NewCrypto(platformtest.SystemToken, platformtest.SystemAESKey)
	tests := []struct {
		name, path string
		crypto     *wecom.Crypto
		receiveID  string
		wantStatus int
	}{
		{"instruction, provider corpid", "/callback/" + suiteID + "/instruction", c, platformtest.ProviderCorpID, 200},
		{"instruction, suite id", "/callback/" + suiteID + "/instruction", c, suiteID, 200},
		{"instruction, other id", "/callback/" + suiteID + "/instruction", c, "wwother", 403},
		{"data, provider corpid", "/callback/" + suiteID + "/data", c, platformtest.ProviderCorpID, 200},
		{"data with corpid, provider corpid", "/callback/" + suiteID + "/data/wwcorp1", c, platformtest.ProviderCorpID, 200},
		{"data, suite id", "/callback/" + suiteID + "/data", c, suiteID, 403},
		{"system, provider corpid", "/callback/system", sys, platformtest.ProviderCorpID, 200},
		{"system, wrong key", "/callback/system", c, platformtest.ProviderCorpID, 401},
		{"unknown suite", "/callback/wwnosuchsuite/instruction", c, platformtest.ProviderCorpID, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, env.API.URL+tt.path+"?"+testutil.SignedEcho(tt.crypto, tt.receiveID, "echo-1616140317"))
			if status != tt.wantStatus {
				t.Fatalf("status %d (%q), want %d", status, body, tt.wantStatus)
			}
			if status == 200 && body != "echo-1616140317" {
				t.Fatalf("body %q, want the bare echo", body)
			}
		})
	}
	// The official vector A, sent as WeCom sends it (percent-encoded echostr).
	if status, _ := get(t, env.API.URL+"/callback/"+suiteID+"/instruction?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D"); status != 403 {
		// Vector A is sealed for wx5823bf96d3bd56c7, which is neither our corpid nor suite.
		t.Fatalf("vector A with foreign receiveid: status %d, want 403", status)
	}
}

func TestPostStoresOnceAndAnswersSuccess(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	c := platformtest.SuiteCrypto()
	plain := testutil.SuiteTicketXML(suiteID, "ticket-one", 1700000000)
	q, body := testutil.SignedCallback(c, suiteID, suiteID, plain)
	status, resp := post(t, instructionURL(env), q, body)
	if status != 200 || resp != "success" {
		t.Fatalf("got %d %q", status, resp)
	}
	// WeCom's retry re-encrypts the same message: no second row.
	q2, body2 := testutil.SignedCallback(c, suiteID, suiteID, plain)
	if status, resp := post(t, instructionURL(env), q2, body2); status != 200 || resp != "success" {
		t.Fatalf("retry: got %d %q", status, resp)
	}
	if n := countRows(t, env); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
	var row struct {
		EventType  string
		Deliveries int
		Status     string
		Payload    []byte `gorm:"column:payload_sealed"`
	}
	env.Deps.DB.Raw(`SELECT event_type, deliveries, status, payload_sealed FROM inbox_events`).Scan(&row)
	if row.EventType != "suite_ticket" || row.Deliveries != 2 || row.Status != "pending" {
		t.Fatalf("row %+v", row)
	}
	if bytes.Contains(row.Payload, []byte("ticket-one")) {
		t.Fatal("payload stored in plaintext")
	}
	// The task was enqueued for the worker, once.
	insp := asynq.NewInspectorFromRedisClient(env.Deps.Redis)
	if info, err := insp.GetQueueInfo(callback.Queue); err != nil || info.Pending != 1 {
		t.Fatalf("queue: %+v %v", info, err)
	}
	// The worker stores the ticket.
	env.StartWorker(t)
	platformtest.Eventually(t, "ticket stored", func() bool {
		got, err := env.Deps.Suites.Ticket(context.Background(), suiteID)
		return err == nil && got.Value == "ticket-one"
	})
}

func TestPostRejections(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	c := platformtest.SuiteCrypto()
	other, _ := wecom.NewCrypto("othertoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	ticket := testutil.SuiteTicketXML(suiteID, "t", 1700000000)
	goodQ, goodBody := testutil.SignedCallback(c, suiteID, suiteID, ticket)

	badPad := func() (string, []byte) {
		// A ciphertext whose last block decrypts to an invalid pad byte.
		raw := make([]byte, 64)
		enc := c.EncryptWithRandom([16]byte{}, []byte("x"), suiteID)
		_ = enc
		encB64 := encodeB64(raw)
		ts, nonce := "1700000000", "n1"
		return fmt.Sprintf("msg_signature=%s&timestamp=%s&nonce=%s", c.Sign(ts, nonce, encB64), ts, nonce),
			[]byte("<xml><ToUserName><![CDATA[" + suiteID + "]]></ToUserName><Encrypt><![CDATA[" + encB64 + "]]></Encrypt></xml>")
	}
	signedRaw := func(enc string) (string, []byte) {
		ts, nonce := "1700000000", "n2"
		return fmt.Sprintf("msg_signature=%s&timestamp=%s&nonce=%s", c.Sign(ts, nonce, enc), ts, nonce),
			[]byte("<xml><ToUserName><![CDATA[" + suiteID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
	}
	tests := []struct {
		name       string
		path       string
		req        func() (string, []byte)
		wantStatus int
	}{
		{"bad signature", "instruction", func() (string, []byte) {
			return strings.Replace(goodQ, "msg_signature=", "msg_signature=0", 1), goodBody
		}, 401},
		{"other suite's key", "instruction", func() (string, []byte) { return testutil.SignedCallback(other, suiteID, suiteID, ticket) }, 401},
		{"wrong receiveid", "instruction", func() (string, []byte) {
			return testutil.SignedCallback(c, suiteID, platformtest.ProviderCorpID, ticket)
		}, 403},
		{"malformed envelope xml", "instruction", func() (string, []byte) { return goodQ, []byte("<xml><Encrypt>") }, 400},
		{"envelope with DTD", "instruction", func() (string, []byte) {
			return goodQ, append([]byte(`<!DOCTYPE x [<!ENTITY e "v">]>`), goodBody...)
		}, 400},
		{"malformed base64", "instruction", func() (string, []byte) { return signedRaw("@@not-base64@@") }, 400},
		{"malformed padding", "instruction", badPad, 400},
		{"malformed inner xml", "instruction", func() (string, []byte) { return testutil.SignedCallback(c, suiteID, suiteID, []byte("not xml <")) }, 400},
		{"missing signature", "instruction", func() (string, []byte) { return "timestamp=1&nonce=2", goodBody }, 400},
		{"event for another suite", "instruction", func() (string, []byte) {
			return testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML("wwothersuite", "t", 1))
		}, 400},
		{"unknown suite", "../wwnosuch/instruction", func() (string, []byte) { return goodQ, goodBody }, 404},
		{"too large", "instruction", func() (string, []byte) { return goodQ, bytes.Repeat([]byte("a"), callback.MaxBody+1) }, 413},
		{"data: receiveid is not ToUserName", "data", func() (string, []byte) {
			return testutil.SignedCallback(c, "wwcorpA", "wwcorpB", []byte("<xml><ToUserName>wwcorpA</ToUserName><MsgType>event</MsgType><Event>change_app_admin</Event></xml>"))
		}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, body := tt.req()
			url := env.API.URL + "/callback/" + suiteID + "/" + tt.path
			if strings.HasPrefix(tt.path, "../") {
				url = env.API.URL + "/callback/" + strings.TrimPrefix(tt.path, "../")
			}
			status, resp := post(t, url, q, body)
			if status != tt.wantStatus {
				t.Fatalf("status %d (%q), want %d", status, resp, tt.wantStatus)
			}
			if strings.Count(strings.TrimSpace(resp), "\n") != 0 || resp == "" {
				t.Fatalf("reason %q is not one line", resp)
			}
			if n := countRows(t, env); n != 0 {
				t.Fatalf("%d rows stored, want 0", n)
			}
		})
	}
}

func TestDataCallbackForUnknownCorpIsStored(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	c := platformtest.SuiteCrypto()
	plain := []byte("<xml><ToUserName><![CDATA[wwnewcorp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_app_admin]]></Event><AgentID>1000001</AgentID></xml>")
	for _, path := range []string{"/data", "/data/wwnewcorp"} {
		q, body := testutil.SignedCallback(c, "wwnewcorp", "wwnewcorp", plain)
		if status, resp := post(t, env.API.URL+"/callback/"+suiteID+path, q, body); status != 200 || resp != "success" {
			t.Fatalf("%s: %d %q", path, status, resp)
		}
	}
	var row struct{ EventType, CorpID, Route string }
	env.Deps.DB.Raw(`SELECT event_type, corp_id, route FROM inbox_events`).Scan(&row)
	if row.EventType != "event.change_app_admin" || row.CorpID != "wwnewcorp" || row.Route != "data" {
		t.Fatalf("row %+v", row)
	}
	if n := countRows(t, env); n != 1 {
		t.Fatalf("%d rows, want 1 (the second delivery is a duplicate)", n)
	}
}

func TestSuiteTicketNewestWins(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	env.StartWorker(t)
	c := platformtest.SuiteCrypto()
	for _, p := range []struct {
		ticket string
		ts     int64
	}{{"t-200", 200}, {"t-100", 100}, {"t-300", 300}, {"t-250", 250}} {
		q, body := testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, p.ticket, p.ts))
		if status, _ := post(t, instructionURL(env), q, body); status != 200 {
			t.Fatalf("push %s: %d", p.ticket, status)
		}
	}
	ctx := context.Background()
	platformtest.Eventually(t, "all four pushes processed", func() bool {
		var n int64
		env.Deps.DB.Raw(`SELECT count(*) FROM inbox_events WHERE status = 'done'`).Scan(&n)
		return n == 4
	})
	if got, _ := env.Deps.Suites.Ticket(ctx, suiteID); got.Value != "t-300" || got.Time != 300 {
		t.Fatalf("redis/pg ticket %+v, want t-300", got)
	}
	if got, _ := env.Deps.Suites.Store().Ticket(ctx, suiteID); got.Value != "t-300" {
		t.Fatalf("pg ticket %+v, want t-300", got)
	}
	// Redis lost its copy: the PostgreSQL one is served and cached again.
	env.Deps.Redis.FlushDB(ctx)
	if got, _ := env.Deps.Suites.Ticket(ctx, suiteID); got.Value != "t-300" {
		t.Fatalf("after flush %+v", got)
	}
	// Another instance saving an older ticket does not overwrite Redis either.
	env.Deps.Suites.SaveTicket(ctx, suiteID, suite.Ticket{Value: "t-150", Time: 150})
	if got, _ := env.Deps.Suites.Ticket(ctx, suiteID); got.Value != "t-300" {
		t.Fatalf("after older save %+v", got)
	}
}

func TestWorkerProcessesAndRecordsUnhandled(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	env.StartWorker(t)
	c := platformtest.SuiteCrypto()
	q, body := testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, "tk", 1700000000))
	post(t, instructionURL(env), q, body)
	unknown := []byte("<xml><SuiteId><![CDATA[" + suiteID + "]]></SuiteId><InfoType><![CDATA[brand_new_thing]]></InfoType><TimeStamp>1700000002</TimeStamp><Foo>bar</Foo></xml>")
	q, body = testutil.SignedCallback(c, suiteID, suiteID, unknown)
	post(t, instructionURL(env), q, body)

	waitFor(t, func() bool {
		var n int64
		env.Deps.DB.Raw(`SELECT count(*) FROM inbox_events WHERE status = 'done'`).Scan(&n)
		return n == 2
	})
	var rows []struct{ EventType, Handler string }
	env.Deps.DB.Raw(`SELECT event_type, handler FROM inbox_events ORDER BY id`).Scan(&rows)
	if rows[0].Handler != "suite.save_ticket" || rows[1].EventType != "brand_new_thing" || rows[1].Handler != "" {
		t.Fatalf("rows %+v", rows)
	}
}

func TestFailingHandlerRetriesThenDies(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	w := platformtest.NewWorkerUnstarted(env)
	calls := 0
	w.Registry.Handle("flaky", "test.flaky", func(ctx context.Context, ev callback.Event) error {
		calls++
		if calls < 2 {
			return fmt.Errorf("transient")
		}
		return nil
	})
	w.Registry.Handle("broken", "test.broken", func(ctx context.Context, ev callback.Event) error {
		return fmt.Errorf("cannot ever work: %w", asynq.SkipRetry)
	})
	env.StartThisWorker(t, w)
	c := platformtest.SuiteCrypto()
	for _, typ := range []string{"flaky", "broken"} {
		q, body := testutil.SignedCallback(c, suiteID, suiteID, []byte("<xml><SuiteId>"+suiteID+"</SuiteId><InfoType>"+typ+"</InfoType><TimeStamp>1</TimeStamp></xml>"))
		if status, _ := post(t, instructionURL(env), q, body); status != 200 {
			t.Fatal(status)
		}
	}
	waitFor(t, func() bool {
		var n int64
		env.Deps.DB.Raw(`SELECT count(*) FROM inbox_events WHERE status IN ('done', 'dead')`).Scan(&n)
		return n == 2
	})
	var rows []struct {
		EventType, Status, LastError string
		Attempts                     int
	}
	env.Deps.DB.Raw(`SELECT event_type, status, last_error, attempts FROM inbox_events ORDER BY id`).Scan(&rows)
	if rows[0].Status != "done" || rows[0].Attempts != 2 {
		t.Fatalf("flaky row %+v", rows[0])
	}
	if rows[1].Status != "dead" || !strings.Contains(rows[1].LastError, "cannot ever work") {
		t.Fatalf("broken row %+v", rows[1])
	}
}

// Redis down: the callback is still acknowledged and stored; once Redis is back the
// sweeper enqueues it and the worker processes it.
func TestRedisDownNothingLost(t *testing.T) {
	t.Parallel()
	rs := testutil.StartRedisServer(t)
	env := platformtest.Start(t, platformtest.WithRedisURL(rs.URL()))
	rs.Stop()
	c := platformtest.SuiteCrypto()
	q, body := testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, "while-down", 1700000100))
	if status, resp := post(t, instructionURL(env), q, body); status != 200 || resp != "success" {
		t.Fatalf("with redis down: %d %q", status, resp)
	}
	if n := countRows(t, env); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
	sweeper := callback.NewSweeper(env.Deps.Inbox, env.Deps.Queue, env.Deps.Log)
	sweeper.Age = 0
	if _, err := sweeper.Sweep(context.Background()); err == nil {
		t.Fatal("sweep succeeded while redis is down")
	}
	rs.Start()
	n, err := sweeper.Sweep(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("sweep after redis is back: %d %v", n, err)
	}
	env.StartWorker(t)
	waitFor(t, func() bool {
		var s string
		env.Deps.DB.Raw(`SELECT status FROM inbox_events`).Scan(&s)
		return s == "done"
	})
}

func TestPostgresDownAnswers5xx(t *testing.T) {
	env := platformtest.Start(t)
	c := platformtest.SuiteCrypto()
	// Warm the suite cache, then take the database away.
	q, body := testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, "a", 1))
	post(t, instructionURL(env), q, body)
	sqlDB, _ := env.Deps.DB.DB()
	sqlDB.Close()
	q, body = testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, "b", 2))
	if status, _ := post(t, instructionURL(env), q, body); status < 500 {
		t.Fatalf("status %d with the database down, want 5xx so WeCom retries", status)
	}
	if status, _ := get(t, env.API.URL+"/readyz"); status != 503 {
		t.Fatalf("readyz %d, want 503", status)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	c := platformtest.SuiteCrypto()
	q, body := testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, "m", 5))
	post(t, instructionURL(env), q, body)
	// Still pending: no worker yet.
	_, metrics := get(t, env.API.URL+"/metrics")
	if !strings.Contains(metrics, "wecom_inbox_pending 1") {
		t.Error("metrics lack wecom_inbox_pending 1")
	}
	env.StartWorker(t)
	platformtest.Eventually(t, "ticket event processed", func() bool {
		pending, _, err := env.Deps.Inbox.Counts(context.Background())
		return err == nil && pending == 0
	})
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		if status, _ := get(t, env.API.URL+path); status != want {
			t.Errorf("%s: %d", path, status)
		}
	}
	_, metrics = get(t, env.API.URL+"/metrics")
	for _, want := range []string{
		`wecom_callbacks_total{result="ok",route="instruction",type="suite_ticket"}`,
		`wecom_callback_duration_seconds_bucket{route="instruction"`,
		`wecom_suite_ticket_age_seconds{suite_id="` + suiteID + `"}`,
		`wecom_inbox_pending 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(metrics, ">m<") || strings.Contains(env.LogString(), "SuiteTicket") {
		t.Error("ticket leaked")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// A ticket stamped far ahead of our clock would win over every genuine one; it is refused.
func TestFutureTicketRefused(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	env.StartWorker(t)
	c := platformtest.SuiteCrypto()
	now := time.Now().Unix()
	for _, p := range []struct {
		ticket string
		ts     int64
	}{{"genuine", now}, {"from-the-future", now + 86400}} {
		q, body := testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, p.ticket, p.ts))
		if status, _ := post(t, instructionURL(env), q, body); status != 200 {
			t.Fatalf("push %s: %d", p.ticket, status)
		}
	}
	waitFor(t, func() bool {
		var n int64
		env.Deps.DB.Raw(`SELECT count(*) FROM inbox_events WHERE status IN ('done', 'dead')`).Scan(&n)
		return n == 2
	})
	if got, _ := env.Deps.Suites.Ticket(context.Background(), suiteID); got.Value != "genuine" {
		t.Fatalf("ticket %q, want the genuine one", got.Value)
	}
	var status string
	env.Deps.DB.Raw(`SELECT status FROM inbox_events WHERE event_time = ?`, now+86400).Scan(&status)
	if status != "dead" {
		t.Fatalf("future ticket event is %q, want dead", status)
	}
}

// A database rebuilt next to an old Redis starts its ids at 1 again; a task left over
// from the old database (here archived, as after its retries ran out) must not swallow
// the new row's task.
func TestOldTaskInRedisDoesNotSwallowNewRow(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	task, opts := callback.NewTask(1, "0123456789abcdef-from-an-old-database", "suite_ticket")
	info, err := env.Deps.Queue.Enqueue(task, opts...)
	if err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspectorFromRedisClient(env.Deps.Redis)
	if err := insp.ArchiveTask(callback.Queue, info.ID); err != nil {
		t.Fatal(err)
	}
	env.StartWorker(t)
	c := platformtest.SuiteCrypto()
	q, body := testutil.SignedCallback(c, suiteID, suiteID, testutil.SuiteTicketXML(suiteID, "new", time.Now().Unix()))
	if status, _ := post(t, instructionURL(env), q, body); status != 200 {
		t.Fatal(status)
	}
	waitFor(t, func() bool {
		var s string
		env.Deps.DB.Raw(`SELECT status FROM inbox_events WHERE id = 1`).Scan(&s)
		return s == "done"
	})
}
