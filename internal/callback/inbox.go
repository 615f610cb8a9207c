package callback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/secrets"
)

// Routes a callback can arrive on.
const (
	RouteInstruction = "instruction"
	RouteData        = "data"
	RouteSystem      = "system"
)

// Statuses of an inbox row. A row is pending until a handler run succeeds (done) or the
// retries are exhausted or the failure is permanent (dead: kept for staff to see and replay).
const (
	StatusPending = "pending"
	StatusDone    = "done"
	StatusDead    = "dead"
)

// ErrNotFound means no inbox row has that id.
var ErrNotFound = errors.New("inbox event not found")

// Delivery is one decrypted callback, as received.
type Delivery struct {
	Route     string
	SuiteID   string
	CorpID    string
	Type      string
	EventTime int64
	Plain     []byte
}

// key identifies a delivery: WeCom's retries re-encrypt with fresh randomness, but the
// decrypted message is the same, so the key is a hash of what was decrypted.
func (d Delivery) key() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", d.Route, d.SuiteID)
	h.Write(d.Plain)
	return hex.EncodeToString(h.Sum(nil))
}

// Record is an inbox row with its payload opened.
type Record struct {
	ID          int64
	Key         string // the delivery key
	Route       string
	SuiteID     string
	CorpID      string
	Type        string
	EventTime   int64
	Status      string
	Handler     string
	Attempts    int
	LastError   string
	Deliveries  int
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	Plain       []byte
}

// Inbox is the durable store of received callbacks.
type Inbox struct {
	db  *gorm.DB
	box *secrets.Box
}

// NewInbox returns an Inbox over db; payloads are sealed with box (they carry auth codes
// and tickets).
func NewInbox(db *gorm.DB, box *secrets.Box) *Inbox { return &Inbox{db: db, box: box} }

type inboxRow struct {
	ID            int64
	DeliveryKey   string
	Route         string
	SuiteID       string
	CorpID        string
	EventType     string
	EventTime     int64
	PayloadSealed []byte
	Status        string
	Handler       string
	Attempts      int
	LastError     string
	Deliveries    int
	ReceivedAt    time.Time
	ProcessedAt   *time.Time
}

func (inboxRow) TableName() string { return "inbox_events" }

func payloadAD(key string) string { return "inbox:" + key }

// Added is the outcome of Add.
type Added struct {
	ID     int64
	Key    string
	Fresh  bool   // false for a repeated delivery
	Status string // the row's status (a repeat may find it already done)
}

// Add stores d once. A repeated delivery only bumps the row's delivery count.
func (i *Inbox) Add(ctx context.Context, d Delivery) (Added, error) {
	key := d.key()
	sealed, err := i.box.Seal(d.Plain, payloadAD(key))
	if err != nil {
		return Added{}, fmt.Errorf("seal payload: %w", err)
	}
	var out struct {
		ID       int64
		Status   string
		Inserted bool
	}
	err = i.db.WithContext(ctx).Raw(`
		INSERT INTO inbox_events (delivery_key, route, suite_id, corp_id, event_type, event_time, payload_sealed)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (delivery_key) DO UPDATE SET deliveries = inbox_events.deliveries + 1
		RETURNING id, status, (xmax = 0) AS inserted`,
		key, d.Route, d.SuiteID, d.CorpID, d.Type, d.EventTime, sealed).Scan(&out).Error
	if err != nil {
		return Added{}, fmt.Errorf("store callback: %w", err)
	}
	return Added{ID: out.ID, Key: key, Fresh: out.Inserted, Status: out.Status}, nil
}

// Get returns one row with its payload opened.
func (i *Inbox) Get(ctx context.Context, id int64) (Record, error) {
	var r inboxRow
	err := i.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("get inbox event %d: %w", id, err)
	}
	plain, err := i.box.Open(r.PayloadSealed, payloadAD(r.DeliveryKey))
	if err != nil {
		return Record{}, fmt.Errorf("open inbox event %d: %w", id, err)
	}
	rec := toRecord(r)
	rec.Plain = plain
	return rec, nil
}

func toRecord(r inboxRow) Record {
	return Record{ID: r.ID, Key: r.DeliveryKey, Route: r.Route, SuiteID: r.SuiteID, CorpID: r.CorpID, Type: r.EventType,
		EventTime: r.EventTime, Status: r.Status, Handler: r.Handler, Attempts: r.Attempts,
		LastError: r.LastError, Deliveries: r.Deliveries, ReceivedAt: r.ReceivedAt, ProcessedAt: r.ProcessedAt}
}

// Finish marks a pending row done; handler names what ran ("" when nothing is registered).
func (i *Inbox) Finish(ctx context.Context, id int64, handler string) error {
	err := i.db.WithContext(ctx).Exec(`UPDATE inbox_events SET status = 'done', handler = ?, attempts = attempts + 1,
		last_error = '', processed_at = now() WHERE id = ? AND status = 'pending'`, handler, id).Error
	if err != nil {
		return fmt.Errorf("finish inbox event %d: %w", id, err)
	}
	return nil
}

// Fail records a failed attempt; dead rows are not retried.
func (i *Inbox) Fail(ctx context.Context, id int64, handler, reason string, dead bool) error {
	status := StatusPending
	if dead {
		status = StatusDead
	}
	err := i.db.WithContext(ctx).Exec(`UPDATE inbox_events SET status = ?, handler = ?, attempts = attempts + 1,
		last_error = ?, processed_at = CASE WHEN ? THEN now() END WHERE id = ? AND status = 'pending'`,
		status, handler, truncate(reason, 1000), dead, id).Error
	if err != nil {
		return fmt.Errorf("record failure of inbox event %d: %w", id, err)
	}
	return nil
}

// Requeue makes a done or dead row pending again, for a replay.
func (i *Inbox) Requeue(ctx context.Context, id int64) error {
	res := i.db.WithContext(ctx).Exec(`UPDATE inbox_events SET status = 'pending', last_error = '', processed_at = NULL, swept_at = NULL WHERE id = ?`, id)
	if res.Error != nil {
		return fmt.Errorf("requeue inbox event %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// Due claims up to limit pending rows older than age that have not been swept within
// resweep, and returns their ids and types. The claim is a timestamp, so several sweepers
// may run: a row is handed to one of them per resweep period.
func (i *Inbox) Due(ctx context.Context, age, resweep time.Duration, limit int) ([]Record, error) {
	var rows []inboxRow
	err := i.db.WithContext(ctx).Raw(`
		UPDATE inbox_events SET swept_at = now()
		WHERE id IN (
			SELECT id FROM inbox_events
			WHERE status = 'pending' AND received_at < now() - make_interval(secs => ?)
			  AND (swept_at IS NULL OR swept_at < now() - make_interval(secs => ?))
			ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING id, delivery_key, event_type, suite_id, corp_id`, age.Seconds(), resweep.Seconds(), limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find due inbox events: %w", err)
	}
	out := make([]Record, len(rows))
	for n, r := range rows {
		out[n] = toRecord(r)
	}
	return out, nil
}

// Counts returns how many rows are pending and dead.
func (i *Inbox) Counts(ctx context.Context) (pending, dead int64, err error) {
	var out struct{ Pending, Dead int64 }
	err = i.db.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM inbox_events WHERE status = 'pending') AS pending,
		(SELECT count(*) FROM inbox_events WHERE status = 'dead') AS dead`).Scan(&out).Error
	if err != nil {
		return 0, 0, fmt.Errorf("count inbox events: %w", err)
	}
	return out.Pending, out.Dead, nil
}

// truncate cuts s to at most n bytes without splitting a character: PostgreSQL refuses
// a text value that is not valid UTF-8, and the whole write would fail.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
