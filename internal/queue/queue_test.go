package queue_test

import (
	"context"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/wecomisv/platform/internal/queue"
	"github.com/wecomisv/platform/internal/testutil"
)

func TestEnqueueReplacesOnlyArchivedTasks(t *testing.T) {
	t.Parallel()
	opt, err := redis.ParseURL(testutil.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	c, insp := asynq.NewClientFromRedisClient(rdb), asynq.NewInspectorFromRedisClient(rdb)
	ctx := context.Background()
	task := asynq.NewTask("test:work", []byte(`{}`))
	opts := []asynq.Option{asynq.TaskID("work-1"), asynq.Queue("q")}

	if replaced, err := queue.Enqueue(ctx, c, insp, task, opts...); err != nil || replaced {
		t.Fatalf("first enqueue: replaced=%v err=%v", replaced, err)
	}
	// Waiting: a second enqueue is a no-op, not an error.
	if replaced, err := queue.Enqueue(ctx, c, insp, task, opts...); err != nil || replaced {
		t.Fatalf("enqueue while pending: replaced=%v err=%v", replaced, err)
	}
	if err := insp.ArchiveTask("q", "work-1"); err != nil {
		t.Fatal(err)
	}
	// Archived: without an inspector the conflict is only tolerated...
	if replaced, err := queue.Enqueue(ctx, c, nil, task, opts...); err != nil || replaced {
		t.Fatalf("enqueue without inspector: replaced=%v err=%v", replaced, err)
	}
	// ...with one, the archived task gives way.
	if replaced, err := queue.Enqueue(ctx, c, insp, task, opts...); err != nil || !replaced {
		t.Fatalf("enqueue over an archived task: replaced=%v err=%v", replaced, err)
	}
	info, err := insp.GetTaskInfo("q", "work-1")
	if err != nil || info.State != asynq.TaskStatePending {
		t.Fatalf("task after replacement: %+v %v", info, err)
	}
}
