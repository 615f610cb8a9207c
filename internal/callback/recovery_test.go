package callback_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/testutil"
)

// postEvent posts an instruction event of type typ and returns its inbox row.
func postEvent(t *testing.T, env *platformtest.Env, typ string) (id int64, key string) {
	t.Helper()
	c := platformtest.SuiteCrypto()
	q, body := testutil.SignedCallback(c, suiteID, suiteID, []byte("<xml><SuiteId>"+suiteID+"</SuiteId><InfoType>"+typ+"</InfoType><TimeStamp>1</TimeStamp></xml>"))
	if status, _ := post(t, instructionURL(env), q, body); status != 200 {
		t.Fatalf("post %s: %d", typ, status)
	}
	var row struct {
		ID          int64
		DeliveryKey string
	}
	if err := env.Deps.DB.Raw(`SELECT id, delivery_key FROM inbox_events WHERE event_type = ?`, typ).Scan(&row).Error; err != nil || row.ID == 0 {
		t.Fatalf("row of %s: %+v %v", typ, row, err)
	}
	return row.ID, row.DeliveryKey
}

// A row whose task asynq archived while the row stayed pending (the worker died during the
// last attempt, so nothing recorded the outcome) is run again by the sweeper; its TaskID
// must not make the sweep a no-op forever.
func TestSweeperRevivesArchivedTaskOfPendingRow(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	id, key := postEvent(t, env, "lost_on_crash")
	insp := asynq.NewInspectorFromRedisClient(env.Deps.Redis)
	taskID := callback.TaskID(id, key)
	if err := insp.ArchiveTask(callback.Queue, taskID); err != nil {
		t.Fatal(err)
	}
	w := platformtest.NewWorkerUnstarted(env)
	w.Sweeper.Age = 0
	if _, err := w.Sweeper.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	info, err := insp.GetTaskInfo(callback.Queue, taskID)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != asynq.TaskStatePending {
		t.Fatalf("task of the pending row is %v after the sweep, want pending", info.State)
	}
	env.StartThisWorker(t, w)
	waitFor(t, func() bool {
		var s string
		env.Deps.DB.Raw(`SELECT status FROM inbox_events WHERE id = ?`, id).Scan(&s)
		return s == "done"
	})
}

// A handler that fails because its run's context ended (the task timeout) still gets its
// outcome recorded: the row must not stay pending after asynq gave up on the task.
func TestFailureRecordedAfterRunContextEnded(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	id, _ := postEvent(t, env, "times_out")
	reg := callback.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg.Handle("times_out", "test.times_out", func(context.Context, callback.Event) error {
		cancel() // as the task's deadline would
		return fmt.Errorf("upstream hung: %w", asynq.SkipRetry)
	})
	payload, _ := json.Marshal(map[string]int64{"id": id})
	p := callback.NewProcessor(env.Deps.Inbox, reg)
	if err := p.ProcessTask(ctx, asynq.NewTask(callback.TaskPrefix+"times_out", payload)); err == nil {
		t.Fatal("a failing handler's task succeeded")
	}
	var row struct{ Status, LastError string }
	env.Deps.DB.Raw(`SELECT status, last_error FROM inbox_events WHERE id = ?`, id).Scan(&row)
	if row.Status != callback.StatusDead {
		t.Fatalf("row %+v, want dead", row)
	}
}

// A long failure reason in Chinese (a corp name, a WeCom errmsg) is cut to fit last_error
// without splitting a character; otherwise PostgreSQL refuses the write and the outcome
// is lost.
func TestLongMultibyteFailureIsRecorded(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	id, _ := postEvent(t, env, "fails_in_chinese")
	reg := callback.NewRegistry()
	reason := strings.Repeat("x", 986) + strings.Repeat("企业微信", 10)
	reg.Handle("fails_in_chinese", "test.fails", func(context.Context, callback.Event) error {
		return fmt.Errorf("%s: %w", reason, asynq.SkipRetry)
	})
	payload, _ := json.Marshal(map[string]int64{"id": id})
	p := callback.NewProcessor(env.Deps.Inbox, reg)
	err := p.ProcessTask(context.Background(), asynq.NewTask(callback.TaskPrefix+"fails_in_chinese", payload))
	if err == nil || strings.Contains(err.Error(), "record failure") {
		t.Fatalf("process: %v", err)
	}
	var row struct{ Status, LastError string }
	env.Deps.DB.Raw(`SELECT status, last_error FROM inbox_events WHERE id = ?`, id).Scan(&row)
	if row.Status != callback.StatusDead || !strings.HasPrefix(row.LastError, "test.fails: xxx") {
		t.Fatalf("row %q %.40q, want dead with the reason", row.Status, row.LastError)
	}
}

// A payload no key can open (its master key was retired too early) fails for good: the
// row is marked dead for staff to see instead of staying pending behind archived tasks.
func TestUnopenablePayloadIsDead(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	id, _ := postEvent(t, env, "sealed_with_old_key")
	if err := env.Deps.DB.Exec(`UPDATE inbox_events SET payload_sealed = '\x01deadbeef00' WHERE id = ?`, id).Error; err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]int64{"id": id})
	p := callback.NewProcessor(env.Deps.Inbox, callback.NewRegistry())
	if err := p.ProcessTask(context.Background(), asynq.NewTask(callback.TaskPrefix+"sealed_with_old_key", payload)); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("process: %v, want SkipRetry", err)
	}
	var status string
	env.Deps.DB.Raw(`SELECT status FROM inbox_events WHERE id = ?`, id).Scan(&status)
	if status != callback.StatusDead {
		t.Fatalf("row %q, want dead", status)
	}
}
