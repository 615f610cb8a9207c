// Package queue is what every producer of asynq tasks needs beyond asynq itself.
package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
)

// Enqueue adds task, deduplicated by its TaskID. A conflict with a task that is waiting,
// scheduled, retrying or running is success: it is on its way. A conflict with an archived
// task (its retries ran out, or its worker died during the last attempt) is not: asynq keeps
// archived tasks, and their ids, for 90 days, which would turn every later enqueue of the
// same work into a silent no-op. That task is deleted and this one enqueued in its place;
// replaced reports it. With a nil insp conflicts are only tolerated.
func Enqueue(ctx context.Context, c *asynq.Client, insp *asynq.Inspector, task *asynq.Task, opts ...asynq.Option) (replaced bool, err error) {
	_, err = c.EnqueueContext(ctx, task, opts...)
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, err
	}
	if insp == nil {
		return false, nil
	}
	queueName, id := "default", ""
	for _, o := range opts {
		switch o.Type() {
		case asynq.QueueOpt:
			queueName = o.Value().(string)
		case asynq.TaskIDOpt:
			id = o.Value().(string)
		}
	}
	info, err := insp.GetTaskInfo(queueName, id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return false, nil // finished meanwhile; whoever asked again will ask again
	}
	if err != nil {
		return false, fmt.Errorf("inspect task %s: %w", id, err)
	}
	if info.State != asynq.TaskStateArchived {
		return false, nil
	}
	if err := insp.DeleteTask(queueName, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		return false, fmt.Errorf("delete archived task %s: %w", id, err)
	}
	if _, err := c.EnqueueContext(ctx, task, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, err
	}
	return true, nil
}
