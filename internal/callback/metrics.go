package callback

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	received = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "wecom_callbacks_total",
		Help: "Callbacks received, by route, event type and result (stored, duplicate, verified, or the rejection reason).",
	}, []string{"route", "type", "result"})
	duration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "wecom_callback_duration_seconds",
		Help:    "Time from request to answer for callbacks.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	enqueueFailures = promauto.NewCounter(prometheus.CounterOpts{
		Name: "wecom_inbox_enqueue_failures_total",
		Help: "Inbox rows whose task could not be enqueued at once; the sweeper enqueues them later.",
	})
	processed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "wecom_inbox_processed_total",
		Help: "Inbox task runs by event type and outcome (done, no_handler, retry, dead).",
	}, []string{"type", "outcome"})
	swept = promauto.NewCounter(prometheus.CounterOpts{
		Name: "wecom_inbox_swept_total",
		Help: "Pending inbox rows the sweeper enqueued.",
	})
	revived = promauto.NewCounter(prometheus.CounterOpts{
		Name: "wecom_inbox_revived_total",
		Help: "Pending inbox rows whose archived task the sweeper ran again.",
	})
)

// InboxCollector reports the inbox's pending and dead counts at scrape time.
type InboxCollector struct {
	inbox         *Inbox
	pending, dead *prometheus.Desc
}

// NewInboxCollector returns a collector to register once per process.
func NewInboxCollector(inbox *Inbox) *InboxCollector {
	return &InboxCollector{
		inbox:   inbox,
		pending: prometheus.NewDesc("wecom_inbox_pending", "Inbox events not yet processed.", nil, nil),
		dead:    prometheus.NewDesc("wecom_inbox_dead", "Inbox events whose handling failed for good.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *InboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.dead }

// Collect implements prometheus.Collector.
func (c *InboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pending, dead, err := c.inbox.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.pending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(dead))
}
